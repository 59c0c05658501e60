"""Validation throughput: replmock's cached validator against a naive jsonschema.validate call per payload."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import jsonschema

from benchmarks._util import rate, real_payloads, report
from replmock.schemas import catalog, detect


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    cat = catalog()
    cases = [(p, detect(p).schema or "status") for p in real_payloads()]

    def cached() -> int:
        for payload, name in cases:
            cat.issues(payload, name, "lenient")
        return len(cases)

    def naive() -> int:
        for payload, name in cases:
            schema = cat.schema(name, "lenient")
            with contextlib.suppress(jsonschema.ValidationError):
                jsonschema.validate(payload, schema, cls=jsonschema.Draft202012Validator, registry=cat.registry)
        return len(cases)

    cached()  # compile the validators before timing, as a long-lived process would
    ours = rate(cached, args.seconds)
    base = rate(naive, args.seconds)
    return report(
        "validate",
        "payloads/s",
        ours=ours,
        baseline=base,
        baseline_name="jsonschema.validate per payload",
        target=">= 50",
    )


if __name__ == "__main__":
    main()
