"""How hard the property and fuzz tests search: a fixed search in the README's test command, a long random
one before a release.

The suite runs under the ``caa-suite`` profile: derandomised (every run tries the same examples, so unchanged
code passes or fails the same way every time), no deadline and no too-slow health check (a slow example on a busy
machine never fails a test; a test that lists the health checks it suppresses lists ``too_slow`` too), and no
example database (a failure saved by one run does not change the next). Each test asks for its own number of
examples with :func:`examples`.

``CAA_FUZZ_EXAMPLES=N`` selects ``caa-soak`` instead: a random search of N examples for every property and
fuzz test, with hypothesis's example database, as run before a release (docs/policy-tests.md). A failure it
finds is pinned in ``tests/test_regressions.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SOAK = int(os.environ.get("CAA_FUZZ_EXAMPLES") or 0)

QUIET = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "print_blob": True}
settings.register_profile("caa-suite", derandomize=True, database=None, **QUIET)
settings.register_profile("caa-soak", derandomize=False, max_examples=SOAK or 800, **QUIET)
settings.load_profile("caa-soak" if SOAK else "caa-suite")


def examples(suite: int) -> int:
    """``suite`` examples in the README's test command; ``CAA_FUZZ_EXAMPLES`` in a long search."""
    return SOAK or suite
