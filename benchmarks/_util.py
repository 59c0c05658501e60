"""Helpers shared by the benchmarks: timing loops and the one report format."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def real_payloads() -> list[Any]:
    paths = sorted((REPO / "fixtures" / "docs").glob("*.json")) + sorted(
        (REPO / "fixtures" / "observed").glob("*.json")
    )
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def rate(work: Callable[[], int], seconds: float) -> float:
    """Units of work per second: call ``work`` (which returns how many units it did) for about ``seconds``."""
    done = 0
    start = time.perf_counter()
    while True:
        done += work()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def report(name: str, unit: str, *, ours: float, baseline: float, baseline_name: str, target: str) -> dict[str, Any]:
    ratio = ours / baseline if baseline else float("inf")

    def fmt(x: float) -> str:
        return f"{x:,.1f}" if x >= 100 else f"{x:.3f}"

    print(
        f"{name}: replmock {fmt(ours)} {unit}; {baseline_name} {fmt(baseline)} {unit}; ratio {ratio:.2f} (target {target})"
    )
    return {
        "benchmark": name,
        "unit": unit,
        "replmock": ours,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        "target": target,
    }


def time_pytest(root: Path, *extra: str) -> float:
    """Seconds one ``python -m pytest -q`` run in ``root`` takes (caches off, output discarded)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start
