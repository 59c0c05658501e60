"""pytest start-up: collect-only of a small suite with the replmock plugin loaded, against pytest without it.

Measured in CPU seconds (user + system) of each pytest process, in interleaved pairs, medians: the wall time of
the same run varies by more than the 5 % this benchmark must resolve when other processes share the 2 cores.

Both sides run with plugin autoloading off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``): with the test extra's other
plugins loaded, each run costs about 4 CPU s (Hypothesis's and Faker's plugins alone import for 1.8 s), whose
noise hides the plugin's own cost of a few milliseconds. Bare pytest is the strictest baseline: the same cost is
the largest share of it. Each side names one plugin with ``-p``, replmock's or an empty module, because loading
any plugin by ``-p`` costs pytest about 20 ms (4 %) that a user, whose pytest finds replmock by its entry
point, does not pay. What is measured is replmock's plugin alone: pytest-httpserver's plugin, which installing
replmock brings, costs the same whether replmock is loaded or not."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._util import Rounds, in_turn, report, run_pytest


def _suite(root: Path) -> None:
    for i in range(20):
        tests = "\n\n".join(f"def test_{i}_{j}():\n    assert {j} == {j}" for j in range(10))
        (root / f"test_mod{i}.py").write_text(tests + "\n", encoding="utf-8")
    (root / f"{EMPTY}.py").write_text('"""A plugin that does nothing."""\n', encoding="utf-8")


EMPTY = "empty_plugin"


def _cpu(root: Path, *extra: str) -> float:
    # Python's default: byte code cached. Where PYTHONDONTWRITEBYTECODE is set (this project's sandbox sets it),
    # every run compiles the plugin's source and pytest rewrites its asserts again: 2 % more than the empty plugin
    # instead of under 1 %, a cost of the setting, paid by every plugin in proportion to its size.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return run_pytest(root, "--collect-only", *extra, env=env)[1]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="budget; at least 41 runs of each side")
    parser.add_argument("--smoke", action="store_true", help="one run of each side, no warm-up: it works, nothing more")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds = 0.0
    runs = 1 if args.smoke else 41  # one run swings by ±40 % here, even in CPU time
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _suite(root)
        if not args.smoke:
            _cpu(root, "-p", "replmock.plugin")  # warm the file system and byte-code caches
            _cpu(root, "-p", EMPTY)
        rounds = Rounds()
        deadline = time.perf_counter() + args.seconds
        while len(rounds.ours) < runs or time.perf_counter() < deadline:
            rounds.add(
                *in_turn(len(rounds.ours), lambda: _cpu(root, "-p", "replmock.plugin"), lambda: _cpu(root, "-p", EMPTY))
            )
    # Seconds: lower is better, so the target is a ceiling on our time over the baseline's.
    return report(
        "startup",
        "CPU s per collect-only (200 tests)",
        rounds,
        baseline_name="pytest with an empty plugin",
        target="<= 1.05",
    )


if __name__ == "__main__":
    main()
