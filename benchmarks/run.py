"""Run every benchmark and print one ratio line each (``python -m benchmarks.run``)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys

BENCHMARKS = ["bench_validate", "bench_generate", "bench_server", "bench_startup", "bench_pertest"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", default="2.0", help="time per measurement")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--smoke", action="store_true", help="each benchmark once, as little as it can: CI's check")
    parser.add_argument("names", nargs="*", help=f"subset of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    results = []
    for name in args.names or BENCHMARKS:
        if name == "bench_generate" and importlib.util.find_spec("jsf") is None:
            print("generate: skipped: jsf is not installed (pip install '.[bench]')")
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        results.append(module.main(["--seconds", args.seconds, *(["--smoke"] if args.smoke else [])]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:  # noqa: PTH123
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
