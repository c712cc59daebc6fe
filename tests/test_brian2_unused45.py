"""A Brian2 model whose objects never ran fails its evaluation (l2l/simulators/brian2_unused.py).

A model that builds its network in a helper and keeps the objects in a dict ran an empty network under a bare
``run()`` (Brian2's magic collects only the calling function's variables): every evaluation "succeeded" with a rate of
0. So did an explicit ``Network`` that lacked its monitor. The run's rows now fail in one line naming the objects."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("brian2")

from l2l.simulators.brian2_sim import Brian2Model  # noqa: E402

MODELS = '''
def _build(b, n):
    group = b.NeuronGroup(n, "dv/dt = (2 - v) / (10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    return {"group": group, "monitor": b.SpikeMonitor(group)}


def in_a_dict(brian2, params, seed):
    objects = _build(brian2, 5)
    brian2.run(20 * brian2.ms)
    return {"rate": float(objects["monitor"].num_spikes)}


def monitor_left_out(brian2, params, seed):
    b = brian2
    group = b.NeuronGroup(5, "dv/dt = (2 - v) / (10*ms) : 1", threshold="v > 1", reset="v = 0", method="exact")
    monitor = b.SpikeMonitor(group)
    b.Network(group).run(20 * b.ms)
    return {"rate": float(monitor.num_spikes)}


def a_later_run_and_a_local_tau(brian2, params, seed):
    b = brian2
    tau = params["tau"] * b.ms              # read from this function's variables by net.run (no namespace given)
    group = b.NeuronGroup(5, "dv/dt = (2 - v) / tau : 1", threshold="v > 1", reset="v = 0", method="exact")
    monitor = b.SpikeMonitor(group)
    net = b.Network(group)                   # a warm-up without the monitor, which the second run takes in
    net.run(10 * b.ms)
    net.add(monitor)
    net.run(20 * b.ms)
    return {"rate": float(monitor.num_spikes)}


def magic_with_a_local_tau(brian2, params, seed):
    b = brian2
    tau = params["tau"] * b.ms
    group = b.NeuronGroup(5, "dv/dt = (2 - v) / tau : 1", threshold="v > 1", reset="v = 0", method="exact")
    monitor = b.SpikeMonitor(group)
    b.run(20 * b.ms)
    return {"rate": float(monitor.num_spikes)}
'''


@pytest.fixture
def models(tmp_path):
    (tmp_path / "unused45_models.py").write_text(MODELS)
    return lambda name: Brian2Model(function=f"unused45_models:{name}", path=str(tmp_path))


def test_objects_kept_in_a_dict_never_ran_and_the_evaluation_fails_naming_them(models, monkeypatch):
    import io

    import brian2

    console = io.StringIO()  # what Brian2's console handler prints (to the stderr it found when imported)
    monkeypatch.setattr(brian2.BrianLogger.console_handler, "stream", console)
    with pytest.raises(RuntimeError) as failed:
        models("in_a_dict").run({"tau": 10.0}, 1)  # before: {'rate': 0.0}, a success
    message = str(failed.value)
    # (the objects' names get a number where other Brian2 objects of the process are alive: another test's)
    assert re.match(r"simulator 'brian2': NeuronGroup 'neurongroup(_\d+)?' \(made at unused45_models\.py, line 3, "
                    r"in _build\), SpikeMonitor 'spikemonitor(_\d+)?' \(made at unused45_models\.py, line 4, in "
                    r"_build\) never ran", message), message
    assert "a bare run() collects only the objects in variables of the function that calls it" in message
    assert "\n" not in message
    # nor Brian2's 4 lines for the group, "The object 'neurongroup' is getting deleted, but was never included in a
    # network ...": the evaluation's line says it
    assert "getting deleted" not in console.getvalue()


def test_a_network_without_its_monitor_fails_naming_the_monitor(models):
    with pytest.raises(RuntimeError, match=r"^simulator 'brian2': SpikeMonitor 'spikemonitor(_\d+)?' \(made at "
                                           r"unused45_models\.py, line 16, in monitor_left_out\) never ran"):
        models("monitor_left_out").run({"tau": 10.0}, 1)


def test_a_monitor_a_later_run_takes_in_and_a_local_tau_are_fine(models, capfd):
    # 5 neurons from v = 0 towards 2 with tau 10 ms reach 1 every 7 ms (6.93 ms and a step): at 7, 14, 21 and 28 ms,
    # so 3 spikes each in the 20 ms monitored after a 10 ms warm-up, 2 in the first 20 ms; the runs found tau among
    # the function's variables (l2l's watch of Network.run is one frame more between them)
    assert models("a_later_run_and_a_local_tau").run({"tau": 10.0}, 1).objectives["rate"] == 15.0
    assert models("magic_with_a_local_tau").run({"tau": 10.0}, 1).objectives["rate"] == 10.0
    assert models("magic_with_a_local_tau").run({"tau": 30.0}, 1).objectives["rate"] == 0.0  # 20.8 ms to v = 1
    assert "run namespace" not in capfd.readouterr().err
