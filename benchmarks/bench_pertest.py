"""Per-test cost: tests that each take ``vault_replication`` and make one status GET, against the same tests on
pytest-httpserver's ``httpserver`` fixture serving a static body; interleaved rounds in ABBA order, medians.

One round runs 300 such tests on each side. The cost of a test is the mean time of pytest's whole protocol for
it (setup, call, teardown and reporting, timed by the same conftest on both sides) over every test but the first,
which also starts the session's server, and the last, which also stops it. Each run averages 298 tests, so a
round is a steady measure; the slope between whole runs of 100 and 300 tests, used before, differenced two noisy
runs and one round's ratio ranged from 0.1 to 8 on this machine. The median test is printed beside it as a check
(robust to bursts of load from other processes, blind to costs that come every few tests, such as garbage
collection, which the mean counts)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._util import Rounds, in_turn, report, run_pytest

TESTS = 300

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
        inner = TIMES[1:-1] or TIMES
        (session.config.rootpath / "loop.txt").write_text(f"{statistics.fmean(inner)!r} {statistics.median(TIMES)!r}")
"""


def _suite(root: Path, head: str, fixture: str, tests: int) -> None:
    body = head + "".join(f"\n\ndef test_{i}({fixture}):\n    _one({fixture})\n" for i in range(tests))
    (root / "test_cost.py").write_text(body, encoding="utf-8")
    (root / "conftest.py").write_text(LOOP_TIMER, encoding="utf-8")


def _time(root: Path) -> tuple[float, float]:
    """Milliseconds of the mean test (but the first and the last) and of the median test of one pytest run."""
    run_pytest(root, "-p", "no:randomly")
    mean, median = (float(x) * 1000 for x in (root / "loop.txt").read_text(encoding="utf-8").split())
    return mean, median


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="budget; at least 15 rounds of each side")
    parser.add_argument("--smoke", action="store_true", help="suites of 4 tests, one round: it works, nothing more")
    args = parser.parse_args(argv)
    # Fifteen rounds at least: a whole run is now and then twice as slow here, the median of fifteen is not.
    tests, rounds = (4, 1) if args.smoke else (TESTS, 15)
    roots = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side, head, fixture in (("ours", REPLMOCK, "vault_replication"), ("base", HTTPSERVER, "httpserver")):
            roots[side] = Path(tmp) / side
            roots[side].mkdir()
            _suite(roots[side], head, fixture, tests)
            if not args.smoke:
                _time(roots[side])  # warm the caches
        means, medians = Rounds(), Rounds()
        deadline = time.perf_counter() + (0.0 if args.smoke else args.seconds)
        while len(means.ours) < rounds or time.perf_counter() < deadline:
            # Interleaved, in ABBA order: both sides see the same machine, and neither is always first.
            ours, base = in_turn(len(means.ours), lambda: _time(roots["ours"]), lambda: _time(roots["base"]))
            means.add(ours[0], base[0])
            medians.add(ours[1], base[1])
    ours_median, base_median = medians.medians()
    print(
        f"(median test of the {tests}: replmock {ours_median:.3f} ms; httpserver {base_median:.3f} ms; "
        f"ratio {medians.ratio():.2f})"
    )
    return report(
        "pertest",
        "ms per test",
        means,
        baseline_name="pytest-httpserver's httpserver fixture",
        target="<= 1.0",
    )


if __name__ == "__main__":
    main()
