"""Generation throughput: replmock's topology-driven payloads against jsf generating from the strict status schema.

Both sides produce the ``data`` of GET /v1/sys/replication/status for a cluster that is DR and
performance primary with secondaries. jsf cannot follow the strict schemas' remote ``$ref``s nor
``if``/``then``/``else``, so it gets a self-contained equivalent: the ``primary`` status object with
``peer-secondary`` inlined, ``mode`` pinned to ``primary`` and each block's ``last_<kind>_wal``
required (the ``then`` branches that apply to a primary), arrays capped at 3 items. Interleaved rounds, medians.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import sys
from collections.abc import Callable
from typing import Any

from benchmarks._util import ROUNDS, interleaved, rate, report
from replmock.generate import Generator, get_scenario, replication_status
from replmock.model import Observation, check
from replmock.schemas import catalog, validate

SCENARIO = "dr-primary-perf-primary"
SAMPLE = 200
MAX_ITEMS = 3
# status.json: a block whose mode is primary must also carry the WAL counter of its own kind.
KIND_WAL = {"dr": "last_dr_wal", "performance": "last_performance_wal"}


def jsf_schema() -> dict[str, Any]:
    """The strict combined-status schema for two primary blocks, flattened for jsf."""
    defs = catalog().schema("status-object", "strict")["$defs"]

    def flatten(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") == "#/$defs/peer-secondary":
                return flatten(defs["peer-secondary"])
            out = {k: flatten(v) for k, v in node.items() if k not in {"if", "then", "else", "allOf"}}
            if out.get("type") == "array":
                out["maxItems"] = MAX_ITEMS
            return out
        if isinstance(node, list):
            return [flatten(v) for v in node]
        return node

    primary = flatten(defs["primary"])
    primary["properties"]["mode"] = {"type": "string", "const": "primary"}
    blocks = {}
    for kind, wal in KIND_WAL.items():
        block = copy.deepcopy(primary)
        block["required"] = [*block["required"], wal]
        blocks[kind] = block
    return {"type": "object", "properties": blocks, "required": list(blocks), "additionalProperties": False}


def consistency(make: Callable[[], dict[str, Any]]) -> tuple[float, float]:
    """Percent of ``SAMPLE`` payloads that pass strict validation, and that break no invariant."""
    payloads = [make() for _ in range(SAMPLE)]
    valid = sum(validate({"data": p}, "status", "strict").ok for p in payloads)
    clean = sum(not check([Observation("A", status={"data": p})]) for p in payloads)
    return 100 * valid / SAMPLE, 100 * clean / SAMPLE


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--smoke", action="store_true", help="the least work that shows it runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds = 0.0
    generator = Generator()
    spec = get_scenario(SCENARIO).spec
    seeds = itertools.count()

    def ours_one() -> dict[str, Any]:
        return replication_status(generator.build(spec, next(seeds)), "A")

    def ours() -> int:
        ours_one()
        return 1

    ours_one()  # create the Faker before timing, as a long-lived generator would
    rounds_wanted = 1 if args.smoke else ROUNDS
    ours_valid, ours_clean = consistency(ours_one)
    extra = {"replmock_strict_valid_pct": ours_valid, "replmock_invariant_clean_pct": ours_clean}
    baseline_name = "jsf from the strict status schema"

    try:
        from jsf import JSF  # optional: only this benchmark needs it
    except ImportError:
        ours_rate = rate(ours, args.seconds)
        print("generate: jsf is not installed, no baseline; run: pip install jsf", file=sys.stderr)
        print(f"generate: replmock {ours_rate:,.1f} payloads/s; {baseline_name} not measured (jsf missing)")
        print(f"generate: consistency: replmock {ours_valid:.0f}% strict-valid, {ours_clean:.0f}% invariant-clean")
        return {
            "benchmark": "generate",
            "unit": "payloads/s",
            "replmock": ours_rate,
            "baseline": None,
            "baseline_name": baseline_name,
            "ratio": None,
            "target": ">= 10",
            **extra,
            "baseline_strict_valid_pct": None,
            "baseline_invariant_clean_pct": None,
        }

    jsf_gen = JSF(jsf_schema())

    def baseline() -> int:
        jsf_gen.generate()
        return 1

    jsf_gen.generate()
    rounds = interleaved(lambda s: rate(ours, s), lambda s: rate(baseline, s), args.seconds, rounds_wanted)
    base_valid, base_clean = consistency(jsf_gen.generate)
    result = report(
        "generate",
        "payloads/s",
        rounds,
        baseline_name=baseline_name,
        target=">= 10",
    )
    print(
        f"generate: consistency: replmock {ours_valid:.0f}% strict-valid, {ours_clean:.0f}% invariant-clean; "
        f"jsf {base_valid:.0f}% strict-valid, {base_clean:.0f}% invariant-clean (of {SAMPLE} payloads each)"
    )
    return {**result, **extra, "baseline_strict_valid_pct": base_valid, "baseline_invariant_clean_pct": base_clean}


if __name__ == "__main__":
    main()
