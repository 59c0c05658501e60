"""replmock.types: TypedDicts generated from the field table, committed, and useful to a type checker."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from replmock import types
from replmock.generate import scenario, scenario_names
from replmock.generate.payloads import view
from replmock.schemas._typegen import render
from tests.conftest import REPO


def test_committed_types_match_the_generator() -> None:
    committed = (REPO / "replmock" / "types.py").read_text(encoding="utf-8")
    assert committed == render(), "re-run `python tools/build_schemas.py`: replmock/types.py differs from the table"


def _check_keys(value: Any, hint: Any, where: str) -> list[str]:
    """Where ``value`` has a key the TypedDict ``hint`` lacks, lacks a required one, or has a wrongly typed scalar."""
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [e for i, v in enumerate(value) for e in _check_keys(v, item, f"{where}[{i}]")]
    if origin is typing.Literal:
        return [] if value in typing.get_args(hint) else [f"{where} = {value!r} not in {typing.get_args(hint)}"]
    if isinstance(hint, type) and hasattr(hint, "__required_keys__"):
        hints = typing.get_type_hints(hint)
        problems = [f"{where}.{k}: unknown to {hint.__name__}" for k in value if k not in hints]
        problems += [f"{where}.{k}: required by {hint.__name__}" for k in hint.__required_keys__ if k not in value]
        for key, sub in value.items():
            if key in hints:
                problems += _check_keys(sub, hints[key], f"{where}.{key}")
        return problems
    if hint in (str, int, bool):
        ok = isinstance(value, hint) and (hint is bool or not isinstance(value, bool))
        return [] if ok else [f"{where} = {value!r} is not {hint.__name__}"]
    return []  # dict[str, Any], unions with None


@pytest.mark.parametrize("name", scenario_names())
def test_the_mock_answers_fit_the_types(name: str) -> None:
    top = scenario(name, 1)
    hints = {
        "status": types.StatusData,
        "dr-status": types.ReplicationStatus,
        "performance-status": types.ReplicationStatus,
        "health": types.HealthBody,
    }
    problems = []
    for cluster in top.clusters:
        for endpoint, hint in hints.items():
            body = view(top, cluster, endpoint)
            if body is None or (endpoint == "status" and "dr" not in body):
                continue  # open-source Vault: no replication status
            problems += _check_keys(body, hint, f"{cluster} {endpoint} $")
    assert problems == []


def _mypy(tmp_path: Path, sources: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` over ``sources`` in ``tmp_path`` with its own cache and an empty config (nothing shared)."""
    for name, source in sources.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            *sources,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


DOWNSTREAM = """
from replmock.types import HealthBody, StatusBody


def dr_lag(status: StatusBody) -> int:
    dr = status["data"]["dr"]
    if dr["mode"] != "primary":
        return 0
    return dr["{wal}"] - max((int(p.get("clock_skew_ms", "0")) for p in dr.get("secondaries", [])), default=0)


def sealed(health: HealthBody) -> bool:
    return health["sealed"]
"""


def test_mypy_catches_a_misspelled_field(tmp_path: Path) -> None:
    """One mypy run (a few seconds): the correctly spelled module passes, the misspelled one fails on its key."""
    result = _mypy(
        tmp_path,
        {"good.py": DOWNSTREAM.replace("{wal}", "last_wal"), "bad.py": DOWNSTREAM.replace("{wal}", "last_wall")},
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 1, result.stdout + result.stderr
    assert errors, result.stdout
    assert all(line.startswith("bad.py:9: error:") for line in errors), errors  # good.py passes
    assert any('TypedDict "ReplicationStatus" has no key "last_wall"' in line for line in errors), errors
