"""l2l: learning to learn, from a laptop to a SLURM supercomputer."""

__version__ = "0.1.0"
