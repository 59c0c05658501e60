"""Write ``schemas/{lenient,strict}/*.json`` from the field table in ``replmock/schemas/_fields.py``.

The table and the schema assembly live in the package (``replmock.schemas._fields`` and ``_build``);
this script only writes their output. Run ``python tools/build_schemas.py`` after editing the table;
``tests/test_schemas.py`` fails when the committed files differ from what the builder returns.
"""

from __future__ import annotations

import sys
from pathlib import Path

from replmock.schemas._build import build


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "schemas"
    files = build()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} schema files under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
