"""Event-based GRUs learned online by exact, sparse real-time recurrent learning.

* :mod:`.cells`: EGRU/GRU cell, parameter layout, pruning masks;
* :mod:`.readout`: softmax readout and loss;
* :mod:`.bptt`: backpropagation through time (reference);
* :mod:`.rtrl`: dense and sparse RTRL;
* :mod:`.macs`: the analytic cost and memory model;
* :mod:`.tasks`: synthetic tasks generated from a seed.
"""

from l2l.simulators.rtrl.bptt import Gradients, bptt
from l2l.simulators.rtrl.cells import Cell, init_params, pruning_mask
from l2l.simulators.rtrl.rtrl import RTRL, rtrl

__all__ = ["Cell", "Gradients", "RTRL", "bptt", "init_params", "pruning_mask", "rtrl"]
