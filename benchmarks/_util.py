"""Helpers shared by the benchmarks: timing loops and the one report format."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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


ROUNDS = 5
"""Interleaved rounds per benchmark: one round swings by ±20 % on a busy 2-core machine, the median of five less."""


T = TypeVar("T")


class Rounds:
    """Measurements of both sides taken in turn (ours, baseline, ours, ...), so that both see the same machine."""

    def __init__(self) -> None:
        self.ours: list[float] = []
        self.base: list[float] = []

    def add(self, ours: float, base: float) -> None:
        self.ours.append(ours)
        self.base.append(base)

    def medians(self) -> tuple[float, float]:
        return statistics.median(self.ours), statistics.median(self.base)

    def ratios(self) -> list[float]:
        """Each round's ratio to its baseline partner, measured moments apart on the same machine."""
        return [o / b if b else float("inf") for o, b in zip(self.ours, self.base, strict=True)]

    def ratio(self) -> float:
        """The median of the rounds' ratios: a drift of the machine's speed between rounds cancels within each."""
        return statistics.median(self.ratios())

    def spread(self) -> tuple[float, float]:
        """The lowest and highest ratio of one round to its baseline partner."""
        ratios = self.ratios()
        return min(ratios), max(ratios)


def interleaved(
    ours: Callable[[float], float], base: Callable[[float], float], seconds: float, rounds: int = ROUNDS
) -> Rounds:
    """``rounds`` measurements of each side, in turn; each side is a function of its time budget."""
    found = Rounds()
    for i in range(rounds):
        found.add(*in_turn(i, lambda: ours(seconds / rounds), lambda: base(seconds / rounds)))
    return found


def in_turn(round_: int, ours: Callable[[], T], base: Callable[[], T]) -> tuple[T, T]:
    """(ours, base), measured in the order ours-base in even rounds and base-ours in odd ones (ABBA), so that
    whatever favours the first or the second of a pair (warm caches, the CPU's clock) falls on both sides."""
    if round_ % 2:
        b = base()
        return ours(), b
    o = ours()
    return o, base()


def report(name: str, unit: str, rounds: Rounds, *, baseline_name: str, target: str) -> dict[str, Any]:
    """Print one line: both sides' medians, the median of the rounds' ratios and the range of those ratios."""
    ours, baseline = rounds.medians()
    ratio = rounds.ratio()

    def fmt(x: float) -> str:
        return f"{x:,.1f}" if x >= 100 else f"{x:.3f}"

    spread = ""
    result: dict[str, Any] = {
        "benchmark": name,
        "unit": unit,
        "replmock": ours,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        "target": target,
    }
    if len(rounds.ours) > 1:
        low, high = rounds.spread()
        spread = f", rounds {low:.2f}-{high:.2f} of {len(rounds.ours)}"
        result["rounds"] = len(rounds.ours)
        result["round_ratios"] = [low, high]
    print(
        f"{name}: replmock {fmt(ours)} {unit}; {baseline_name} {fmt(baseline)} {unit}; "
        f"ratio {ratio:.2f} (target {target}{spread})"
    )
    return result


def run_pytest(root: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one ``python -m pytest -q`` run in ``root``.

    CPU time is what a run costs whatever else the machine is doing; wall time also counts the waits for a
    core that other processes hold, which vary by more than 5 % here."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        check=True,
        capture_output=True,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
