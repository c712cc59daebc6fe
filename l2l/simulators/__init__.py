"""Inner loops: the functions an outer loop evaluates.

Simulators are looked up by name in :data:`SIMULATORS`; see
:mod:`l2l.simulators.base` for the contract.
"""

from l2l.registry import Registry
from l2l.simulators.base import EvaluationContext, SimulationResult, Simulator

SIMULATORS = Registry("simulator", {
    # benchmark functions
    "sphere": "l2l.simulators.functions:Sphere",
    "rastrigin": "l2l.simulators.functions:Rastrigin",
    "rosenbrock": "l2l.simulators.functions:Rosenbrock",
    "ackley": "l2l.simulators.functions:Ackley",
    "griewank": "l2l.simulators.functions:Griewank",
    "styblinski-tang": "l2l.simulators.functions:StyblinskiTang",
    "hartmann3": "l2l.simulators.functions:Hartmann3",
    "hartmann6": "l2l.simulators.functions:Hartmann6",
    "zdt1": "l2l.simulators.functions:ZDT1",
    "noop": "l2l.simulators.functions:NoOp",
    "sleep": "l2l.simulators.functions:Sleep",
    "noisy-sgd": "l2l.simulators.noisy_sgd:NoisySGD",
    # adapters
    "python": "l2l.simulators.python:PythonFunction",
    "command": "l2l.simulators.command:Command",
    "nest": "l2l.simulators.nest_sim:NestModel",
    "brian2": "l2l.simulators.brian2_sim:Brian2Model",
    # research inner loops
    "lsm": "l2l.simulators.lsm:LiquidStateMachine",
    "lsnn": "l2l.simulators.lsnn:LSNN",
    "egru": "l2l.simulators.egru:EGRUSimulator",
    "spore": "l2l.simulators.spore:Spore",
    "spore-arm": "l2l.simulators.spore_arm:SporeArm",
    "emulated-hardware": "l2l.simulators.hardware:EmulatedHardware",
    "analog-classifier": "l2l.simulators.analog_classifier:AnalogClassifier",
})

__all__ = ["SIMULATORS", "Simulator", "SimulationResult", "EvaluationContext"]
