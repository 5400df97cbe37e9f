"""One Engine serves many threads at once, and many assessments, without drifting or growing.

durable-rules is lock-free C: the durable backend gives each thread its own
host, and its hosts start no threads of their own.  These tests run with a
tiny GIL switch interval so threads interleave between C calls as often as
they can.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from caa_engine import Engine

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.yaml"))
# A small bundle (use of resources for one council) for the long loops: a leak shows per assessment, whatever its size.
SMALL = Path(__file__).resolve().parent / "broken" / "valid_bundle.yaml"


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Make the interpreter switch threads every 10 µs instead of every 5 ms."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_eight_threads_on_one_engine_give_the_serial_results_byte_for_byte(backend: str, busy_switching: None) -> None:
    engine = Engine("rules", backend=backend)
    serial = {path: engine.assess(path).to_json() for path in FIXTURES}
    jobs = [FIXTURES[n % len(FIXTURES)] for n in range(96)]  # twelve rounds of the fixtures over eight threads
    workers: set[int] = set()

    def assess(path: Path) -> tuple[Path, str]:
        workers.add(threading.get_ident())
        return path, engine.assess(path).to_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(assess, jobs))
    assert len(results) == 96
    assert [path for path, out in results if out != serial[path]] == []
    assert len(workers) > 1


def test_each_thread_assesses_on_its_own_durable_host_and_leaves_no_session(busy_switching: None) -> None:
    from caa_engine.backends.durable import durable_available

    if not durable_available():
        pytest.skip("durable-rules does not import on this Python")
    engine = Engine("rules", backend="durable")
    hosts: dict[int, object] = {}
    barrier = threading.Barrier(8)

    def assess(n: int) -> None:
        barrier.wait()  # all eight at once
        for k in range(10):
            engine.assess(FIXTURES[(n + k) % len(FIXTURES)])
        hosts[n] = engine.backend._host()  # type: ignore[attr-defined]

    threads = [threading.Thread(target=assess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(host) for host in hosts.values()}) == 8
    name = engine._prepared.name  # type: ignore[attr-defined]
    for host in hosts.values():
        assert host.sessions == {}  # type: ignore[attr-defined]
        opened = next(host.sids)  # type: ignore[attr-defined]
        assert opened == 10
        for number in range(opened):  # durable's side: every session was deleted
            with pytest.raises(Exception, match="error code: 309"):
                host.host.get_state(name, f"a{number}")  # type: ignore[attr-defined]


def test_memory_stays_flat_over_a_thousand_assessments_on_one_engine(backend: str) -> None:
    if not Path("/proc/self/statm").exists():
        pytest.skip("needs /proc to read the resident set size")
    engine = Engine("rules", backend=backend)
    for _ in range(200):  # warm up caches and allocator arenas
        engine.assess(SMALL)
    gc.collect()
    before = _rss()
    for _ in range(1000):
        engine.assess(SMALL)
    gc.collect()
    # measured: about 0.2 MiB on either backend; a leaked durable session costs kilobytes each
    assert _rss() - before < 4 * 2**20


def test_the_assess_function_from_eight_threads_gives_the_serial_results(backend: str, busy_switching: None) -> None:
    # The one-call API shares a cached engine between threads, built on first use by whichever thread comes first.
    from caa_engine import assess
    from caa_engine.engine import _engine_for

    _engine_for.cache_clear()
    jobs = [FIXTURES[n % len(FIXTURES)] for n in range(64)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda path: assess(path, rules="rules", backend=backend).to_json(), jobs))
    serial = {path: assess(path, rules="rules", backend=backend).to_json() for path in FIXTURES}
    assert threaded == [serial[path] for path in jobs]
