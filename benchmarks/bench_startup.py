"""pytest start-up: collect-only of a small suite with the replmock plugin installed, against ``-p no:replmock``.

Measured in CPU seconds (user + system) of each pytest process, in interleaved pairs, medians: the wall time of
the same run varies by more than the 5 % this benchmark must resolve when other processes share the 2 cores."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._util import Rounds, report, run_pytest


def _suite(root: Path) -> None:
    for i in range(20):
        tests = "\n\n".join(f"def test_{i}_{j}():\n    assert {j} == {j}" for j in range(10))
        (root / f"test_mod{i}.py").write_text(tests + "\n", encoding="utf-8")


def _cpu(root: Path, *extra: str) -> float:
    return run_pytest(root, "--collect-only", *extra)[1]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="budget; at least 5 runs of each side")
    parser.add_argument("--smoke", action="store_true", help="one run of each side, no warm-up: it works, nothing more")
    args = parser.parse_args(argv)
    runs = 1 if args.smoke else 5
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _suite(root)
        if not args.smoke:
            _cpu(root)  # warm the file system and byte-code caches
        rounds = Rounds()
        deadline = time.perf_counter() + args.seconds
        while len(rounds.ours) < runs or time.perf_counter() < deadline:
            rounds.add(_cpu(root), _cpu(root, "-p", "no:replmock"))
    ours, base = rounds.medians()
    # Seconds: lower is better, so the target is a ceiling on our time over the baseline's.
    return report(
        "startup",
        "CPU s per collect-only (200 tests)",
        ours=ours,
        baseline=base,
        baseline_name="-p no:replmock",
        target="<= 1.05",
        rounds=rounds,
    )


if __name__ == "__main__":
    main()
