"""Validation throughput: replmock's ``validate`` against a naive jsonschema.validate call per payload.

Both sides see every real sample (fixtures/docs, fixtures/observed). replmock's side is the whole public call,
``catalog().validate(payload)``: shape detection, the fast validity check and the report (the checks are built
before timing, as in a long-lived process). The baseline is the plain call a user would write,
``jsonschema.validate`` with the schema that detection names (detected before timing, so it is not charged).
Interleaved rounds, medians.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import jsonschema

from benchmarks._util import ROUNDS, interleaved, rate, real_payloads, report
from replmock.schemas import catalog, detect


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--smoke", action="store_true", help="the least work that shows it runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds = 0.0
    cat = catalog()
    cases = [(p, detect(p).schema or "status") for p in real_payloads()]
    payloads = [payload for payload, _ in cases]
    # Both sides must give the same answers, or the ratio would compare different work.
    for payload, name in cases:
        result = cat.validate(payload)
        assert result.schema == name, (result.schema, name)
        assert result.ok == cat.validator(name, "lenient").is_valid(payload), name

    def cached() -> int:
        for payload in payloads:
            cat.validate(payload)  # detect + validate, lenient
        return len(payloads)

    def naive() -> int:
        for payload, name in cases:
            schema = cat.schema(name, "lenient")
            with contextlib.suppress(jsonschema.ValidationError):
                jsonschema.validate(payload, schema, cls=jsonschema.Draft202012Validator, registry=cat.registry)
        return len(cases)

    rounds = interleaved(lambda s: rate(cached, s), lambda s: rate(naive, s), args.seconds, 1 if args.smoke else ROUNDS)
    return report(
        "validate",
        "payloads/s",
        rounds,
        baseline_name="jsonschema.validate per payload",
        target=">= 50",
    )


if __name__ == "__main__":
    main()
