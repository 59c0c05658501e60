"""Shared helpers for replmock's own tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# Every MockVault started by these tests (and by the pytest and conformance runs they start)
# validates each body it sends against the strict schemas and fails on a mismatch.
os.environ["REPLMOCK_VALIDATE_RESPONSES"] = "1"
FIXTURES = REPO / "fixtures"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def real_samples() -> list[Any]:
    """Every verbatim real payload the repository carries (docs and observed)."""
    paths = sorted((FIXTURES / "docs").glob("*.json")) + sorted((FIXTURES / "observed").glob("*.json"))
    return [pytest.param(p, id=p.stem) for p in paths]


@pytest.fixture
def serve() -> Any:
    """Start MockVaults that validate every response against the strict schemas; fail on any mock error."""
    from replmock.server import MockVault

    started: list[MockVault] = []

    def factory(**kwargs: Any) -> MockVault:
        kwargs.setdefault("validate_responses", True)
        vault = MockVault(**kwargs).start()
        started.append(vault)
        return vault

    yield factory
    for vault in started:
        vault.stop()
    for vault in started:
        assert vault.errors == [], vault.errors
