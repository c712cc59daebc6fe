"""kill_stress's mode recovered (session 35, seed 3544): a run's file replaced after its writer closed it, while the
run still ended (its executor closing), was neither written back nor said: ``l2l run`` exited 2 with only 'not an
HDF5 file' (its summary read the file put there) and the run's rows were lost. Now the run writes its file back
beside the other (``NAME.recovered.h5``) in one warning line, as where it was replaced while the writer held it."""

from __future__ import annotations

import l2l
from l2l import cli, loop

CONFIG = {"space": {"x": {"low": -5.0, "high": 5.0}}, "simulator": {"name": "sphere"},
          "optimizer": {"name": "ga", "population_size": 4}, "backend": {"name": "serial"},
          "run": {"generations": 2, "seed": 5}}


def _replacing_after_the_writer_closed(monkeypatch, out):
    real = loop._reevaluate_after  # called as the writer has closed the file, before the run's executor closes

    def replacing(*args, **kwargs):
        out.unlink()
        out.write_text("another program's file\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "_reevaluate_after", replacing)


def test_a_run_file_replaced_after_its_writer_closed_is_written_back_beside_it(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run.h5"
    _replacing_after_the_writer_closed(monkeypatch, out)
    l2l.run(CONFIG, out)
    recovered = tmp_path / "run.recovered.h5"
    assert out.read_text() == "another program's file\n"
    assert recovered.exists() and l2l.validate(recovered) == [] and len(l2l.load(recovered)) == 8
    lines = [line for line in capsys.readouterr().err.splitlines() if "was replaced" in line]
    assert len(lines) == 1 and lines[0].endswith(f"written back to {recovered}")


def test_l2l_run_says_it_in_one_line_and_exits_as_for_a_file_replaced_while_written(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run.h5"
    config = tmp_path / "run.toml"
    config.write_text('[run]\ngenerations = 2\nseed = 5\n[space]\nx = { low = -5.0, high = 5.0 }\n'
                      '[simulator]\nname = "sphere"\n[optimizer]\nname = "ga"\npopulation_size = 4\n'
                      '[backend]\nname = "serial"\n')
    _replacing_after_the_writer_closed(monkeypatch, out)
    status = cli.main(["run", str(config), "--out", str(out), "--no-progress"])
    recovered = tmp_path / "run.recovered.h5"
    assert len(l2l.load(recovered)) == 8
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if "written back to" in line]) == 1
    assert status == 2 and "not an HDF5 file" in err  # its summary reads the file named, as where the writer held it
