"""distributed's stream handler as a script has it, for the tests of what a run lets through to it."""
from __future__ import annotations

import io
import logging

import pytest


@pytest.fixture
def distributeds_handler():
    """distributed's stream handler as a script has it (under pytest its logger has none), printing every level;
    yields (handler, what it printed)."""
    printed = io.StringIO()
    handler = logging.StreamHandler(printed)
    handler.setFormatter(logging.Formatter("%(name)s - %(levelname)s - %(message)s"))
    logger = logging.getLogger("distributed")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield handler, printed
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
