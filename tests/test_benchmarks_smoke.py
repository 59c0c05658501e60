"""The benchmarks run (issue 16: CI runs them only for a smoke pass; their ratios are measured by hand, not here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_every_benchmark_runs_and_reports_a_ratio(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    names = {r["benchmark"] for r in results}
    assert {"validate", "server", "startup", "pertest"} <= names, names
    for result in results:  # a smoke run's numbers are noise: one round, a few tests, no warm-up
        assert math.isfinite(result["replmock"]), result
        assert math.isfinite(result["baseline"]), result
        assert result["target"], result
