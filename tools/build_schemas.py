"""Write ``schemas/{lenient,strict}/*.json`` and ``replmock/types.py`` from the field table.

The table (``replmock/schemas/_fields.py``), the schema assembly (``_build``) and the TypedDict generator
(``_typegen``) live in the package; this script only writes their output. Run ``python tools/build_schemas.py``
after editing the table; ``python tools/build_schemas.py --check`` writes nothing and exits 1 when a committed
file differs from what the builders return (``tests/test_schemas.py`` and ``tests/test_types.py`` check the
same). ``--out DIR`` writes the schema files under DIR instead (and not ``types.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from replmock.schemas._build import build
from replmock.schemas._typegen import render

REPO = Path(__file__).resolve().parent.parent


def outputs(schema_root: Path, with_types: bool) -> dict[Path, str]:
    """Every file the builders make, by where it goes."""
    files = {schema_root / rel: text for rel, text in build().items()}
    if with_types:
        files[REPO / "replmock" / "types.py"] = render()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", metavar="DIR", type=Path, help="write the schema files under DIR (default: schemas/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a committed file is stale")
    args = parser.parse_args(argv)
    files = outputs(args.out or REPO / "schemas", with_types=args.out is None)
    if args.check:
        stale = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"stale: {path} (run python tools/build_schemas.py)")
        print(f"{len(files) - len(stale)} of {len(files)} files up to date")
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files ({len(build())} schema files under {args.out or REPO / 'schemas'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
