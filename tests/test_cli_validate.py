"""`replmock validate`: one line per file, exit codes 0/1/2, JSON output, stdin."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from replmock.cli import run
from tests.conftest import FIXTURES


def cli(*argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_valid_files_print_ok_and_exit_0() -> None:
    files = sorted(str(p) for p in (FIXTURES / "observed").glob("*.json"))
    code, out, err = cli("validate", *files)
    assert code == 0, out + err
    lines = out.splitlines()
    assert len(lines) == len(files)
    assert all(": OK (" in line for line in lines)


def test_invalid_file_names_the_path_and_exits_1() -> None:
    code, out, _ = cli("validate", str(FIXTURES / "invalid" / "numeric-clock-skew.json"))
    assert code == 1
    assert "INVALID (status, lenient)" in out
    assert "$.data.dr.secondaries[0].clock_skew_ms: expected a JSON string, got 0" in out
    assert "source:" in out


def test_strict_profile_and_explicit_schema() -> None:
    old = str(FIXTURES / "observed" / "001-cli-status-dr-primary-perf-primary.json")
    assert cli("validate", old)[0] == 0
    code, out, _ = cli("validate", "--profile", "strict", "--schema", "status", old)
    assert code == 1
    assert "missing required field 'secondaries'" in out


def test_non_json_and_missing_files_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    good = str(FIXTURES / "observed" / "008-cli-status-both-disabled.json")
    code, out, err = cli("validate", good, str(bad), str(tmp_path / "absent.json"))
    assert code == 2
    assert "OK" in out
    assert f"{bad}: not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2" in err
    assert "absent.json: cannot read: No such file or directory" in err
    assert "Traceback" not in err


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = cli("validate", "-", stdin='{"errors": ["permission denied"]}', monkeypatch=monkeypatch)
    assert code == 0
    assert out.strip() == "<stdin>: OK (error, lenient)"


def test_json_output_is_one_object_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = cli(
        "validate",
        "--json",
        "-",
        stdin='{"dr": {"mode": "x"}, "performance": {"mode": "disabled"}}',
        monkeypatch=monkeypatch,
    )
    assert code == 1
    report = json.loads(out)
    assert report["file"] == "<stdin>"
    assert report["ok"] is False
    assert report["issues"][0]["path"] == "$.dr.mode"


def test_unknown_schema_exits_2() -> None:
    code, _, err = cli("validate", "--schema", "nope", "x.json")
    assert code == 2
    assert "unknown schema 'nope'" in err


def test_unrecognised_shape_is_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = cli("validate", "-", stdin="[1]", monkeypatch=monkeypatch)
    assert code == 1
    assert "unrecognised payload" in out
