"""Per-test cost: tests that each take ``vault_replication`` and make one status GET, against the same tests on
pytest-httpserver's ``httpserver`` fixture serving a static body. The cost of one test is the slope between a run
of 100 and a run of 300 tests (fixed start-up costs, such as importing Faker once, cancel out); interleaved rounds,
medians."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._util import report, time_pytest

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


def _suite(root: Path, head: str, fixture: str, tests: int) -> None:
    body = head + "".join(f"\n\ndef test_{i}({fixture}):\n    _one({fixture})\n" for i in range(tests))
    (root / "test_cost.py").write_text(body, encoding="utf-8")


def _time(root: Path) -> float:
    return time_pytest(root, "-p", "no:randomly")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="budget; at least 3 rounds of each side")
    args = parser.parse_args(argv)
    roots = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side, head, fixture in (("ours", REPLMOCK, "vault_replication"), ("base", HTTPSERVER, "httpserver")):
            for size in SIZES:
                root = Path(tmp) / f"{side}{size}"
                root.mkdir()
                _suite(root, head, fixture, size)
                roots[(side, size)] = root
                _time(root)  # warm the caches
        slopes: dict[str, list[float]] = {"ours": [], "base": []}
        deadline = time.perf_counter() + args.seconds
        while len(slopes["ours"]) < 3 or time.perf_counter() < deadline:
            for side, found in slopes.items():  # interleaved: both sides see the same machine
                small, large = (_time(roots[(side, size)]) for size in SIZES)
                found.append((large - small) / (SIZES[1] - SIZES[0]) * 1000)
    return report(
        "pertest",
        "ms per test",
        ours=statistics.median(slopes["ours"]),
        baseline=statistics.median(slopes["base"]),
        baseline_name="pytest-httpserver's httpserver fixture",
        target="<= 1.0",
    )


if __name__ == "__main__":
    main()
