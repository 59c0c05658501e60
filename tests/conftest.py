"""Shared helpers for replmock's own tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def real_samples() -> list[Any]:
    """Every verbatim real payload the repository carries (docs and observed)."""
    paths = sorted((FIXTURES / "docs").glob("*.json")) + sorted((FIXTURES / "observed").glob("*.json"))
    return [pytest.param(p, id=p.stem) for p in paths]
