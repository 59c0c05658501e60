"""Per-test cost: tests that each take ``vault_replication`` and make one status GET, against the same tests on
pytest-httpserver's ``httpserver`` fixture serving a static body. The cost of one test is the slope between a run
of 100 and a run of 300 tests (fixed costs, such as importing Faker once or starting the server, cancel out);
interleaved rounds, medians.

The slope is taken over the time pytest spends running the tests (its ``pytest_runtestloop``, timed by the same
conftest on both sides): a whole process's time adds start-up and collection, seconds that vary by more than
the 200 tests' cost on a busy machine (the start-up benchmark measures them). Also printed: the whole-process
slope, and the median test of the 300 (robust to bursts of load from other processes, blind to costs that come
every few tests, such as garbage collection)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._util import Rounds, in_turn, report, time_pytest

SIZES = (100, 300)

REPLMOCK = """
import requests


def _one(vault_replication):
    assert requests.get(vault_replication.url + "/v1/sys/replication/status", timeout=10).status_code == 200
"""

HTTPSERVER = """
import requests

BODY = {"data": {"dr": {"mode": "disabled"}, "performance": {"mode": "primary"}}}


def _one(httpserver):
    httpserver.expect_request("/v1/sys/replication/status").respond_with_json(BODY)
    assert requests.get(httpserver.url_for("/v1/sys/replication/status"), timeout=10).status_code == 200
"""


LOOP_TIMER = """
import statistics
import time

import pytest

TIMES = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        TIMES.append(time.perf_counter() - start)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        loop = time.perf_counter() - start
        (session.config.rootpath / "loop.txt").write_text(f"{loop!r} {statistics.median(TIMES)!r}")
"""


def _suite(root: Path, head: str, fixture: str, tests: int) -> None:
    body = head + "".join(f"\n\ndef test_{i}({fixture}):\n    _one({fixture})\n" for i in range(tests))
    (root / "test_cost.py").write_text(body, encoding="utf-8")
    (root / "conftest.py").write_text(LOOP_TIMER, encoding="utf-8")


def _time(root: Path) -> tuple[float, float, float]:
    """Seconds of the whole pytest process, of its test loop, and the median test's."""
    process = time_pytest(root, "-p", "no:randomly")
    loop, median = (float(x) for x in (root / "loop.txt").read_text(encoding="utf-8").split())
    return process, loop, median


def _side(roots: dict[tuple[str, int], Path], side: str, sizes: tuple[int, int]) -> tuple[float, float, float]:
    """One side's milliseconds per test: test-loop slope, whole-process slope, median test of the larger run."""
    small, large = (_time(roots[(side, size)]) for size in sizes)
    return (
        (large[1] - small[1]) / (sizes[1] - sizes[0]) * 1000,
        (large[0] - small[0]) / (sizes[1] - sizes[0]) * 1000,
        large[2] * 1000,
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="budget; at least 9 rounds of each side")
    parser.add_argument(
        "--smoke", action="store_true", help="suites of 2 and 4 tests, one round: it works, nothing more"
    )
    args = parser.parse_args(argv)
    # Nine rounds at least: one round swings by ±20 % on a 2-core machine, the median of nine much less.
    sizes, rounds = ((2, 4), 1) if args.smoke else (SIZES, 9)
    roots = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side, head, fixture in (("ours", REPLMOCK, "vault_replication"), ("base", HTTPSERVER, "httpserver")):
            for size in sizes:
                root = Path(tmp) / f"{side}{size}"
                root.mkdir()
                _suite(root, head, fixture, size)
                roots[(side, size)] = root
                if not args.smoke:
                    _time(root)  # warm the caches
        slopes, process, medians = Rounds(), Rounds(), Rounds()
        deadline = time.perf_counter() + args.seconds
        while len(slopes.ours) < rounds or time.perf_counter() < deadline:
            # Interleaved, in ABBA order: both sides see the same machine, and neither is always first.
            pair = in_turn(len(slopes.ours), lambda: _side(roots, "ours", sizes), lambda: _side(roots, "base", sizes))
            for i, sink in enumerate((slopes, process, medians)):
                sink.add(pair[0][i], pair[1][i])
    for what, sink in (("whole-process slope", process), (f"median test of the {sizes[1]}", medians)):
        ours, base = sink.medians()
        print(f"({what}: replmock {ours:.3f} ms per test; httpserver {base:.3f} ms; ratio {ours / base:.2f})")
    ours, base = slopes.medians()
    return report(
        "pertest",
        "ms per test",
        ours=ours,
        baseline=base,
        baseline_name="pytest-httpserver's httpserver fixture",
        target="<= 1.0",
        rounds=slopes,
    )


if __name__ == "__main__":
    main()
