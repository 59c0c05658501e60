"""Write ``schemas/{lenient,strict}/*.json`` and ``replmock/types.py`` from the field table.

The table (``replmock/schemas/_fields.py``), the schema assembly (``_build``) and the TypedDict generator
(``_typegen``) live in the package; this script only writes their output. Run ``python tools/build_schemas.py``
after editing the table; ``tests/test_schemas.py`` and ``tests/test_types.py`` fail when the committed files
differ from what the builders return. ``python tools/build_schemas.py DIR`` writes the schemas under DIR only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from replmock.schemas._build import build
from replmock.schemas._typegen import render

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else REPO / "schemas"
    files = build()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} schema files under {root}")
    if len(argv) <= 1:
        types = REPO / "replmock" / "types.py"
        types.write_text(render(), encoding="utf-8")
        print(f"wrote {types}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
