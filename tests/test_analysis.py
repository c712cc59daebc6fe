"""Looking at results: every plot kind, compare, the HTML report in a real browser, watch, export."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import l2l
from l2l.cli import main
from l2l.errors import TrajectoryError
from l2l.plot import KINDS, figures
from l2l.plot.data import MAX_POINTS, RunData, pareto_mask

from conftest import sphere_run_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

FLAKY_MODEL = '''
import time
import numpy as np
from l2l.simulators.base import SimulationResult

def flaky(params, seed):
    """Fails for a quarter of the seeds, with markup in the message that a report must escape."""
    if np.random.default_rng(seed).random() < 0.25:
        raise RuntimeError(f"diverged <script>alert(1)</script> & x={params['x']:.3f}")
    return (params["x"] - 0.3) ** 2 + 0.1 * params["y"] ** 2

def slow(params, seed):
    """Takes a little time and reports a metric, so that the writer grows its columns while being watched."""
    time.sleep(0.04)
    return SimulationResult(objectives={"value": params["x"] ** 2}, metrics={"size": 2.0 * params["x"]})
'''


def _run(mapping: dict, out: Path, base_dir: Path | None = None) -> Path:
    config = l2l.from_mapping(mapping, base_dir=base_dir or out.parent)
    return Path(l2l.run(config, out))


@pytest.fixture(scope="module")
def trajectories(tmp_path_factory) -> dict[str, Path]:
    """Small trajectories: the example configs, two objectives, failures, a single generation."""
    folder = tmp_path_factory.mktemp("trajectories")
    (folder / "models.py").write_text(FLAKY_MODEL)
    out = {}
    # (the command simulator's example, command_rastrigin, was drawn too: a one-objective GA run of float parameters,
    # whose overview is sphere_ga's path; its run cost 16 command processes)
    for name, generations in (("sphere_ga", 3), ("mixed_space_random", 2)):
        config = l2l.load_config(EXAMPLES / f"{name}.toml").with_overrides(backend="serial",
                                                                          generations=generations)
        out[name] = Path(l2l.run(config, folder / f"{name}.h5"))
    out["zdt1"] = _run({"run": {"name": "zdt", "seed": 2, "generations": 3},
                        "space": {"x": {"type": "float", "low": 0, "high": 1, "shape": [4]}},
                        "optimizer": {"name": "nsga2", "population_size": 12}, "simulator": {"name": "zdt1"},
                        "objectives": [{"name": "f1"}, {"name": "f2"}], "backend": {"name": "serial"}},
                       folder / "zdt1.h5")
    out["failures"] = _run({"run": {"name": "flaky", "seed": 2, "generations": 3},
                            "space": {"x": {"type": "float", "low": -1, "high": 1},
                                      "y": {"type": "float", "low": -1, "high": 1}},
                            "optimizer": {"name": "random", "population_size": 12},
                            "simulator": {"name": "python", "function": "models:flaky"},
                            "backend": {"name": "serial"}}, folder / "failures.h5")
    out["single_generation"] = _run({"run": {"name": "one", "seed": 2, "generations": 1},
                                     "space": {"x": {"type": "float", "low": -1, "high": 1}},
                                     "optimizer": {"name": "random", "population_size": 5},
                                     "simulator": {"name": "sphere"}, "backend": {"name": "serial"}},
                                    folder / "single_generation.h5")
    return out


def _check(fig, path: Path) -> None:
    """A figure a reader can use: a title, every drawn panel titled and with labelled axes, and it saves."""
    assert fig._suptitle is not None and fig._suptitle.get_text()
    for ax in fig.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>" or not ax.axison:
            continue
        if ax.has_data():  # axes that share an axis (in a matrix) are labelled once, at the edge
            assert any(a.get_xlabel() for a in ax.get_shared_x_axes().get_siblings(ax)), ax
            assert any(a.get_ylabel() for a in ax.get_shared_y_axes().get_siblings(ax)), ax
    figures.save(fig, path, dpi=20)  # drawn as at any resolution (the layout is most of the work), the least pixels
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2_000


@pytest.mark.parametrize("name,kinds", [
    # curves: multi-fidelity runs (tests/test_multifidelity.py); lineage, schedules: PBT runs (tests/test_pbt.py)
    ("zdt1", [k for k in KINDS if k not in ("curves", "lineage", "schedules")]),
    ("single_generation", [k for k in KINDS if k not in ("pareto", "curves", "lineage", "schedules")]),
    ("sphere_ga", ["overview", "parameters"]),
    ("mixed_space_random", ["overview", "scatter"]),
])
def test_every_plot_kind_draws_the_example_trajectories(trajectories, tmp_path, name, kinds):
    # The trajectory with failures is drawn in every kind by the report tests.
    run = l2l.plot.load_run(trajectories[name])
    for kind in kinds:
        _check(figures.figure(run, kind), tmp_path / f"{name}.{kind}.png")


def test_a_pareto_plot_of_a_single_objective_run_says_what_to_do_instead(trajectories):
    with pytest.raises(TrajectoryError, match="needs two objectives.*try l2l.plot.fitness"):
        figures.pareto(trajectories["sphere_ga"])


def test_plot_command_writes_an_overview_beside_the_file_and_other_formats_on_request(trajectories, tmp_path,
                                                                                        capsys):
    source = tmp_path / "run.h5"
    shutil.copy(trajectories["failures"], source)
    assert main(["plot", str(source), "--dpi", "20"]) == 0  # (the least pixels: the test reads the file's format)
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", str(source), "--kind", "fitness", "-o", str(tmp_path / "fitness.svg")]) == 0
    assert "<svg" in (tmp_path / "fitness.svg").read_text()[:2000]
    assert main(["plot", str(source), "--kind", "failures", "-o", str(tmp_path / "failures.pdf")]) == 0
    assert (tmp_path / "failures.pdf").read_bytes()[:4] == b"%PDF"
    assert main(["plot", str(source), "-o", str(tmp_path / "figure.jpg")]) == 2
    assert ".png, .svg, .pdf" in capsys.readouterr().err


def test_a_file_that_is_not_a_trajectory_gets_one_clear_line(tmp_path, capsys):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    for path, message in ((text, "not an HDF5 file"), (other, "not an l2l trajectory"),
                          (tmp_path / "missing.h5", "no such file")):
        for command in (["plot", str(path)], ["report", str(path)], ["export", str(path)],
                        ["watch", str(path), "--once"], ["compare", str(path)]):
            assert main(command) == 2, command
            err = capsys.readouterr().err
            assert message in err and err.count("\n") == 1 and "Traceback" not in err, (command, err)


def test_plots_accept_a_filtered_dataframe_from_load(trajectories):
    frame = l2l.load(trajectories["zdt1"])
    late = frame[frame["generation"] >= 1]
    fig = l2l.plot.pareto(late)
    assert "non-dominated" in fig._suptitle.get_text()


def test_large_runs_are_drawn_from_a_bounded_rasterized_sample():
    rng = np.random.default_rng(0)
    n = 100_000
    frame = pd.DataFrame({"generation": np.repeat(np.arange(100), 1000), "individual": np.tile(np.arange(1000), 100),
                          "status": pd.Categorical(np.where(rng.random(n) < 0.02, "failed", "ok"),
                                                   categories=["ok", "failed", "timeout"]),
                          "duration": rng.lognormal(-3, 1, n), "a": rng.random(n), "b": rng.random(n)})
    frame["started"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(n) * 0.01, unit="s")
    frame["loss"] = (frame["a"] - 0.5) ** 2 + rng.normal(0, 0.01, n)
    frame["cost"] = frame["b"] + rng.normal(0, 0.01, n)
    run = RunData.from_frame(frame, objectives=["loss", "cost"], name="synthetic")
    assert run.parameters == ["a", "b"]
    for kind in ("parameters", "scatter", "pareto"):
        fig = figures.figure(run, kind)
        for ax in fig.axes:
            for collection in ax.collections:
                if len(collection.get_offsets()) > 2_000:
                    assert len(collection.get_offsets()) <= MAX_POINTS and collection.get_rasterized(), kind


def test_the_fast_pareto_front_agrees_with_the_general_filter():
    from l2l.optimizers.pareto import pareto_front_mask

    rng = np.random.default_rng(3)
    for _ in range(200):
        values = rng.integers(0, 5, (int(rng.integers(1, 30)), 2)).astype(float)
        values[rng.random(len(values)) < 0.1] = np.nan
        assert (pareto_mask(values) == pareto_front_mask(values)).all()


def test_compare_plots_runs_and_prints_a_table_of_final_bests(trajectories, tmp_path, capsys):
    out = tmp_path / "comparison.png"
    files = [str(trajectories[n]) for n in ("sphere_ga", "failures", "single_generation")]
    # l2l compare refuses runs of different problems (these three: tests/test_results_section_trial123.py)
    same = [files[2], str(sphere_run_file(tmp_path, "more", 2, 4))]  # the sphere of one parameter x
    assert main(["compare", *same, "-o", str(out), "--dpi", "20"]) == 0
    printed = capsys.readouterr().out
    assert "best value" in printed and "one (random)" in printed and "more (random)" in printed
    assert out.read_bytes()[:4] == b"\x89PNG"
    table = l2l.plot.compare_table(files)
    assert list(table["evaluations"]) == [96, 36, 5]
    assert table.loc[0, "best value"] == pytest.approx(l2l.load(files[0])["value"].min())


def test_compare_refuses_runs_that_share_no_objective(trajectories, capsys):
    assert main(["compare", str(trajectories["zdt1"]), str(trajectories["sphere_ga"])]) == 2
    assert "share no objective" in capsys.readouterr().err


@pytest.fixture(scope="module")
def report_file(trajectories, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "failures.html"
    assert main(["report", str(trajectories["failures"]), "-o", str(out)]) == 0
    return out


def test_the_report_is_self_contained_and_escapes_what_the_file_says(report_file):
    html = report_file.read_text()
    assert html.count('<img alt=') == 5 and html.count('src="data:image/png;base64,') == 5
    assert "http://" not in html and "https://" not in html
    assert "<script>alert(1)</script>" not in html
    assert "diverged &lt;script&gt;alert(1)&lt;/script&gt; &amp; x=" in html
    for section in ("Summary", "Best individuals", "Figures", "Failures", "Provenance"):
        assert f">{section}</h2>" in html
    assert "population_size&quot;: 12" in html  # the config


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is needed for this test: apt-get install -y chromium (CI installs it)")


def _browser(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=5000", *extra, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_report_renders_in_headless_chromium_with_every_figure(report_file, tmp_path):
    # one launch prints the DOM and takes the screenshot (a Chromium start is most of the test's work)
    shot = tmp_path / "report.png"
    dom = _browser(report_file.as_uri(), tmp_path / "profile", "--dump-dom", f"--screenshot={shot}",
                   "--window-size=1280,2400", "--hide-scrollbars")
    assert dom.returncode == 0 and shot.exists(), dom.stderr[-2000:]
    # every figure decoded and whole: a PNG cut short decodes as far as it goes (its size is in its first bytes),
    # the page's script counts it out and says so
    assert 'data-figures-decoded="5/5"' in dom.stdout
    sizes = [s.split('"')[1] for s in dom.stdout.split('data-natural-size=')[1:]]
    assert len(sizes) == 5 and all(int(s.split("x")[0]) > 300 for s in sizes), sizes
    assert '<p class="warn">' not in dom.stdout
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console

    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1280)
    coloured = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.15  # plot colours, not text or white
    assert coloured.mean() > 0.01


def test_watch_follows_a_run_another_process_writes_until_it_finishes(tmp_path, capsys):
    (tmp_path / "models.py").write_text(FLAKY_MODEL)
    config = tmp_path / "slow.toml"
    config.write_text(textwrap.dedent("""
        [run]
        name = "slow"
        seed = 4
        generations = 4
        [space]
        x = { type = "float", low = -1, high = 1 }
        [optimizer]
        name = "random"
        population_size = 8
        [simulator]
        name = "python"
        function = "models:slow"
    """))
    out = tmp_path / "slow.h5"
    writer = subprocess.Popen([sys.executable, "-m", "l2l.cli", "run", str(config), "--out", str(out),
                               "--backend", "serial", "--no-progress"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.time() + 60
        while not out.exists() and time.time() < deadline and writer.poll() is None:
            time.sleep(0.05)
        assert out.exists(), writer.communicate()[1]

        def started() -> bool:  # the file appears (renamed into place) just before the run logs its start
            with l2l.Trajectory(out) as trajectory:
                return len(trajectory.events()) > 0

        while not started() and time.time() < deadline:
            time.sleep(0.05)
        assert main(["watch", str(out), "--once"]) == 0
        frame = capsys.readouterr().out
        assert "run          slow: random on python" in frame and "evaluations" in frame
        if writer.poll() is None:
            assert "running since" in frame
        assert main(["watch", str(out), "--interval", "0.1"]) == 0
        frames = capsys.readouterr().out
        assert "finished" in frames.split("l2l watch")[-1]
        assert "generation   4 of 4 committed" in frames and "evaluations  32 done" in frames
        assert writer.wait(timeout=60) == 0, writer.communicate()[1]
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert l2l.validate(out) == []
    frame = l2l.load(out)
    assert len(frame) == 32 and "size" in frame.columns and frame["size"].notna().all()


def test_export_csv_round_trips_the_evaluations(trajectories, tmp_path, capsys):
    source = trajectories["mixed_space_random"]
    out = tmp_path / "evaluations.csv"
    assert main(["export", str(source), "--format", "csv", "-o", str(out)]) == 0
    original = l2l.load(source)
    read = pd.read_csv(out, parse_dates=["started"])
    assert list(read.columns) == list(original.columns)
    assert (read["started"] == original["started"]).all()
    for column in ("generation", "individual", "seed", "hidden", "learning_rate", "loss", "weights", "duration"):
        np.testing.assert_array_equal(read[column].to_numpy(), original[column].to_numpy())
    assert list(read["activation"]) == list(original["activation"].astype(str))
    assert list(read["status"]) == list(original["status"].astype(str))

    failed = tmp_path / "failed.csv"
    assert main(["export", str(trajectories["failures"]), "-o", str(failed)]) == 0
    errors = pd.read_csv(failed)["error"].dropna()
    assert len(errors) and errors.str.contains("diverged <script>").all()


def test_export_parquet_needs_pyarrow_and_says_how_to_install_it(trajectories, tmp_path, capsys):
    out = tmp_path / "evaluations.parquet"
    code = main(["export", str(trajectories["failures"]), "--format", "parquet", "-o", str(out)])
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert code == 2
        assert "pip install 'l2l[parquet]'" in capsys.readouterr().err and not out.exists()
        return
    assert code == 0
    assert len(pd.read_parquet(out)) == len(l2l.load(trajectories["failures"]))


def test_export_plot_compare_and_report_refuse_to_overwrite_a_file_unless_forced(trajectories, tmp_path, capsys):
    config = tmp_path / "cfg.toml"
    config.write_text("[run]\nname = 'mine'\n")
    source = str(trajectories["sphere_ga"])
    (tmp_path / "notes.html").write_text("my notes")
    for command in (["export", source, "-o", str(config)], ["plot", source, "-o", str(tmp_path / "cfg.png")],
                    ["compare", source, "-o", str(tmp_path / "cfg.png")],
                    ["report", source, "-o", str(tmp_path / "notes.html")]):
        (tmp_path / "cfg.png").write_bytes(b"my figure")
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert "already exists" in err and "--force" in err and err.count("\n") == 1, err
    assert config.read_text() == "[run]\nname = 'mine'\n" and (tmp_path / "cfg.png").read_bytes() == b"my figure"
    assert (tmp_path / "notes.html").read_text() == "my notes"
    assert main(["export", source, "-o", str(config), "--force"]) == 0
    assert config.read_text().startswith("generation,individual,status")
    # --force is the same for every kind: the fitness figure (the overview's took 1.1 s more of CPU to draw)
    assert main(["plot", source, "--kind", "fitness", "-o", str(tmp_path / "cfg.png"), "--force", "--dpi", "20"]) == 0
    assert (tmp_path / "cfg.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["export", source, "-o", source, "--force"]) == 2  # never the trajectory itself
    assert "is the input file" in capsys.readouterr().err and l2l.validate(source) == []


def test_an_output_path_that_cannot_be_written_gets_one_line(trajectories, tmp_path, capsys):
    source = str(trajectories["sphere_ga"])
    (tmp_path / "afile").write_text("x")
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere" / "target.csv")
    for output, message in ((tmp_path / "afile" / "x.csv", "is a file, not a folder"),
                            (tmp_path / "afile" / "sub" / "x.csv", "is a file, not a folder"),
                            (Path("/proc/nodir/x.csv"), "/proc"),
                            (tmp_path, "is a folder"),
                            (Path("/proc/x.csv"), "/proc"),
                            (dangling, "already exists")):
        for command in (["export", source, "-o", str(output)], ["plot", source, "-o", str(output) + ".png"]):
            if command[0] == "plot" and output in (tmp_path, dangling):
                continue
            assert main(command) == 2, command
            err = capsys.readouterr().err
            assert message in err and err.count("\n") == 1 and "Traceback" not in err, (command, err)
    assert main(["export", source, "-o", str(dangling), "--force"]) == 0  # the link is replaced, not followed
    assert dangling.is_file() and not dangling.is_symlink() and not (tmp_path / "nowhere").exists()


def test_watch_of_a_file_not_there_yet_says_it_waits_once_not_every_interval(tmp_path):
    import io
    import threading

    from l2l.analysis.watch import watch

    finished = l2l.run(l2l.from_mapping({"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": 0.0, "high": 1.0}},
                                         "optimizer": {"name": "random", "population_size": 2},
                                         "simulator": {"name": "sphere"}, "backend": {"name": "serial"}}),
                       tmp_path / "done.h5", progress=False)
    later = tmp_path / "later.h5"
    shutil.copy(finished, tmp_path / "copy.h5")
    mover = threading.Timer(0.5, lambda: os.replace(tmp_path / "copy.h5", later))  # appears whole, as l2l run's
    mover.start()
    out = io.StringIO()
    try:
        assert watch(later, interval=0.02, out=out) == 0  # about 25 intervals of waiting, then the finished run
    finally:
        mover.join()
    text = out.getvalue()
    assert text.count("waiting for") == 1 and "finished" in text
