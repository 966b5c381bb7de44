"""Hypothesis settings shared by the fuzz tests (``tests/**/test_*fuzz*.py``, garbage-stream tests).

CI runs them reproducibly: ``derandomize=True`` (examples derived from the test itself, same on every run),
no example database, no deadline (the machine is shared), modest example counts. Set
``CIVICWATCH_FUZZ_SCALE=10`` to run ten times as many examples locally when hunting for bugs.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("CIVICWATCH_FUZZ_SCALE", "1")))


def fuzz(examples: int) -> settings:
    """Settings for one fuzz test: ``examples`` × SCALE reproducible examples."""
    return settings(
        max_examples=examples * SCALE, derandomize=True, database=None, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
