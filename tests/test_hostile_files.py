"""Damaged and hostile trajectory files, one named case per defect: found by validate, refused in one line.

Each case (see ``file_corruptions.NAMED`` and ``RAW``) damages a copy of a
small real trajectory the way a user or an attacker did by hand. ``validate``
must name the defect, and ``show``, ``load``, ``plot``, ``export`` and
``resume`` must end with exit status 2 and one line, never a traceback, a
hang, a followed link or a modified file.
"""

from __future__ import annotations

import h5py
import pytest

import l2l
from l2l.cli import main
from l2l.errors import TrajectoryError
from file_corruptions import NAMED, RAW, bad_outcomes, build_base, make_case, run_cases, run_commands

#: Damage only in what a few readers read: the traces (load reads them here), the error texts.
LOAD_ONLY = {"pickle_in_trace_blob", "object_dtype_in_trace_blob", "error_past_blob",
             "state_without_loop_generation"}
#: Damage readers do not meet: undecodable bytes in an error text are shown replaced, and the choices
#: attribute of a column repeats the space's. Only validate reports them.
VALIDATE_ONLY = {"error_text_not_utf8", "deep_json_in_a_column_attribute"}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_base(tmp_path_factory.mktemp("hostile"))


def test_the_undamaged_file_is_valid_and_every_command_reads_it(base, tmp_path):
    results = run_commands(base, tmp_path)
    assert bad_outcomes(results) == []
    assert {command: code for command, (code, _) in results.items()} == dict.fromkeys(results, 0)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_validate_names_the_defect_and_readers_refuse_it_in_one_line(base, tmp_path, name):
    target = tmp_path / "run.h5"
    make_case(base, name, target)
    resume_reads_it = name not in VALIDATE_ONLY and (name not in LOAD_ONLY or "state" in name)
    results = run_commands(target, tmp_path, resume=resume_reads_it)
    assert bad_outcomes(results) == [], results
    code, err = results["validate"]
    assert code == 1 and NAMED[name][1] in err, err
    codes = {command: code for command, (code, _) in results.items() if command != "validate"}
    if name in VALIDATE_ONLY:
        assert set(codes.values()) == {0}
    elif name in LOAD_ONLY:
        assert codes["load"] == 2 and codes.get("resume", 2) == 2, codes
    else:
        assert codes == dict.fromkeys(codes, 2), codes  # resume among them: refused, the file unchanged


def test_no_reader_follows_an_external_link_whatever_it_is_named(base, tmp_path):
    target = tmp_path / "run.h5"
    make_case(base, "external_link_to_etc_passwd", target)
    with pytest.raises(TrajectoryError, match="external link to /etc/passwd"):
        l2l.Trajectory(target)
    with h5py.File(target, "r") as f:  # the link is there, and h5py alone would follow it
        assert isinstance(f["blobs"].get("errors", getlink=True), h5py.ExternalLink)


def test_truncated_random_empty_files_and_a_named_pipe_are_refused_in_one_line_without_a_hang(base, tmp_path):
    cases = [*RAW, "fifo"]
    results = run_cases(base, tmp_path, cases, resume=True)
    for case in cases:
        assert results[case]["bad"] == [], (case, results[case])
        assert results[case]["codes"] == {"validate": 1, "show": 2, "load": 2, "plot": 2, "export": 2,
                                          "resume": 2}, (case, results[case])
    assert "truncated" in results["truncated_1024"]["errors"]["show"]
    assert "named pipe" in results["fifo"]["errors"]["load"]
    assert "not an HDF5 file" in results["empty"]["errors"]["export"]


def test_a_folder_given_as_a_trajectory_gets_one_line(tmp_path, capsys):
    for command in (["validate", str(tmp_path)], ["show", str(tmp_path)], ["export", str(tmp_path)]):
        assert main(command) in (1, 2)
        err = capsys.readouterr().err
        assert "is a folder" in err and err.count("\n") == 1, err
