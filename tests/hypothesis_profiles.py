"""How hard the property and fuzz tests search: a fixed search in the README's test command, a long random
one before a release.

The suite runs under the ``caa-suite`` profile: derandomised (every run tries the same examples, so unchanged
code passes or fails the same way every time), no deadline (a slow example on a busy machine never fails a
test), and no example database (a failure saved by one run does not change the next). Each test asks for its
own number of examples with :func:`examples`.

``CAA_FUZZ_EXAMPLES=N`` selects ``caa-soak`` instead: a random search of N examples for every property and
fuzz test, with hypothesis's example database, as run before a release (docs/policy-tests.md). A failure it
finds is pinned in ``tests/test_regressions.py``.
"""

from __future__ import annotations

import os

from hypothesis import settings

SOAK = int(os.environ.get("CAA_FUZZ_EXAMPLES") or 0)

settings.register_profile("caa-suite", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("caa-soak", derandomize=False, deadline=None, max_examples=SOAK or 800, print_blob=True)
settings.load_profile("caa-soak" if SOAK else "caa-suite")


def examples(suite: int) -> int:
    """``suite`` examples in the README's test command; ``CAA_FUZZ_EXAMPLES`` in a long search."""
    return SOAK or suite
