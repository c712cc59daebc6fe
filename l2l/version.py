"""The version of l2l: the package hands it on as ``l2l.__version__``; the files a run writes record it
(:mod:`l2l.provenance`), and so do the report and the banners of ``l2l run`` and ``l2l resume``."""

__version__ = "0.1.0"
