"""Event-based GRUs learned online by exact, sparse real-time recurrent learning.

* :mod:`.cells`: EGRU/GRU cell, parameter layout, pruning masks;
* :mod:`.readout`: softmax readout and loss;
* :mod:`.bptt`: backpropagation through time (reference);
* :mod:`.rtrl`: dense and sparse RTRL;
* :mod:`.kernels`: RTRL's array operations, each counting the MACs it performs;
* :mod:`.deferred`: the deferred propagation of sparse RTRL;
* :mod:`.window`: the forward steps of a window and their bookkeeping, done at once;
* :mod:`.batch`: RTRL over a batch of sequences (each numpy call made once for the batch);
* :mod:`.batched`: BPTT over a batch of sequences (training on real datasets);
* :mod:`.macs`: the analytic cost and memory model;
* :mod:`.tasks`: synthetic tasks generated from a seed, and scikit-learn's digits.
"""

from l2l.simulators.rtrl.bptt import Gradients, bptt
from l2l.simulators.rtrl.cells import Cell, init_params, pruning_mask
from l2l.simulators.rtrl.rtrl import RTRL, rtrl

__all__ = ["Cell", "Gradients", "RTRL", "bptt", "init_params", "pruning_mask", "rtrl"]
