"""`replmock validate` on hostile or odd input: bounded work, a clear message and its exit code, never a traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replmock import cli
from replmock.cli import run
from tests.conftest import FIXTURES, REPO

OK_STATUS = '{"dr": {"mode": "disabled"}, "performance": {"mode": "disabled"}}'


def cli_run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def unknown_fields(n: int) -> str:
    """A status body whose dr object has ``n`` fields the strict profile does not know."""
    extra = ", ".join(f'"zz{i:05d}": 1' for i in range(n))
    return '{"dr": {"mode": "disabled", ' + extra + '}, "performance": {"mode": "disabled"}}'


# --- issue lists are capped per payload ----------------------------------------------------------


def test_text_report_shows_the_first_50_issues_then_how_many_more(tmp_path: Path) -> None:
    code, out, _ = cli_run("validate", "--profile", "strict", write(tmp_path / "p.json", unknown_fields(120)))
    assert code == 1
    shown = [line for line in out.splitlines() if line.startswith("  $.")]
    assert len(shown) == 50
    assert shown[0].startswith("  $.dr.zz00000: unknown field")
    assert shown[-1].startswith("  $.dr.zz00049: unknown field")
    assert out.splitlines()[-1] == "  ... and 70 more (50 of 120 issues shown)"


def test_json_report_is_capped_and_gives_the_total(tmp_path: Path) -> None:
    code, out, _ = cli_run("validate", "--json", "--profile", "strict", write(tmp_path / "p.json", unknown_fields(120)))
    assert code == 1
    report = json.loads(out)
    assert len(report["issues"]) == 50
    assert report["issue_count"] == 120
    assert report["issues_omitted"] == 70
    assert report["issue_count_complete"] is True


def test_counting_stops_at_a_ceiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("replmock.schemas.COUNT_LIMIT", 80)
    path = write(tmp_path / "p.json", unknown_fields(300))
    code, out, _ = cli_run("validate", "--profile", "strict", path)
    assert code == 1
    assert out.splitlines()[-1] == "  ... and more than 30 more (50 shown; counting stopped at 80 issues)"
    report = json.loads(cli_run("validate", "--json", "--profile", "strict", path)[1])
    assert (len(report["issues"]), report["issue_count"], report["issue_count_complete"]) == (50, 80, False)


def test_few_issues_are_all_shown_without_a_more_line(tmp_path: Path) -> None:
    code, out, _ = cli_run("validate", "--profile", "strict", write(tmp_path / "p.json", unknown_fields(3)))
    assert code == 1
    assert "more" not in out
    assert len([line for line in out.splitlines() if line.startswith("  $.")]) == 3


# --- sizes and file types ------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(cli.MAX_BYTES + 1)  # sparse: no disk used, and reading it would take 16 MiB
    code, out, err = cli_run("validate", str(big))
    assert code == 2
    assert out == ""
    assert f"big.json: too large ({cli.MAX_BYTES + 1} bytes; replmock validate reads at most 16 MiB)" in err


def test_stdin_is_read_with_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "MAX_BYTES", 64)
    monkeypatch.setattr("sys.stdin", io.StringIO(" " * 200 + OK_STATUS))
    code, _, err = cli_run("validate", "-")
    assert code == 2
    assert "<stdin>: too large (more than 64 bytes" in err


def test_closed_stdin_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", None)
    code, _, err = cli_run("validate", "-")
    assert code == 2
    assert err == "replmock: <stdin>: cannot read: standard input is closed\n"


def test_fifos_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    """A FIFO named directly or found in a folder, and /dev/zero: in a subprocess, so a hang fails the test."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "inner.json")
    write(folder / "ok.json", OK_STATUS)
    proc = validate_in_subprocess(str(fifo), str(folder), "/dev/zero")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{fifo}: not a regular file (a FIFO); replmock validate reads files" in proc.stderr
    assert f"{folder / 'inner.json'}: skipped: a FIFO, not a regular file" in proc.stderr
    assert "/dev/zero: not a regular file (a character device)" in proc.stderr
    assert proc.stdout == f"{folder / 'ok.json'}: OK (status, lenient)\n"
    # A skipped FIFO is a note, not an error: the folder alone is valid.
    proc = validate_in_subprocess(str(folder))
    assert (proc.returncode, proc.stdout) == (0, f"{folder / 'ok.json'}: OK (status, lenient)\n")
    assert proc.stderr == f"replmock: {folder / 'inner.json'}: skipped: a FIFO, not a regular file\n"


def validate_in_subprocess(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replmock.cli", "validate", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
        preexec_fn=_limit_memory,
    )


def _limit_memory() -> None:
    """Cap the child's address space: reading /dev/zero unbounded then fails fast instead of eating the host."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


# --- what is not JSON, or not JSON replmock can hold ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"errors": ["NaN"],\n "x": NaN}',
            "NaN is not a JSON number (JSON has no NaN or Infinity; Go's encoding/json rejects it) at line 2 column 7",
        ),
        ('{"errors": [Infinity]}', "Infinity is not a JSON number"),
        (
            '{"errors": [-Infinity]}',
            "-Infinity is not a JSON number (JSON has no NaN or Infinity; Go's encoding/json rejects it) at line 1 column 13",
        ),
        (
            '{"errors": [1e999]}',
            "the number 1e999 is out of range (Go's encoding/json rejects it too) at line 1 column 13",
        ),
        (
            '{"errors": [' + "7" * 5000 + "]}",
            "an integer of more than 4300 digits (Python reads at most 4300) at line 1 column 13",
        ),
        ("[" * 100_000, "not readable: JSON nested too deeply"),
    ],
    ids=["nan", "infinity", "minus-infinity", "float-overflow", "5000-digits", "deep"],
)
def test_what_go_would_not_read_is_exit_2_with_where(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "p.json", text)
    code, out, err = cli_run("validate", path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"replmock: {path}: ")
    assert message in err
    code, out, _ = cli_run("validate", "--json", path)
    assert code == 2
    assert json.loads(out)["ok"] is False


def test_nan_inside_a_string_is_fine(tmp_path: Path) -> None:
    assert cli_run("validate", write(tmp_path / "p.json", '{"errors": ["NaN", "Infinity"]}'))[0] == 0


def test_python_int_limit_is_not_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Python's digit limit (PYTHONINTMAXSTRDIGITS=0), replmock applies its own."""
    monkeypatch.setattr(sys, "get_int_max_str_digits", lambda: 0, raising=False)
    code, _, err = cli_run("validate", write(tmp_path / "p.json", '{"errors": [-' + "7" * 5000 + "]}"))
    assert code == 2
    assert "an integer of 5000 digits (replmock reads at most 4300) at line 1 column 13" in err


def test_a_value_nested_too_deep_to_validate_is_exit_2(tmp_path: Path) -> None:
    """It parses, but walking it while validating would pass Python's recursion limit."""
    depth = sys.getrecursionlimit() - 30
    text = '{"dr": {"mode": ' + "[" * depth + "]" * depth + '}, "performance": {"mode": "disabled"}}'
    code, _, err = cli_run("validate", write(tmp_path / "p.json", text))
    assert code in {1, 2}
    assert "Traceback" not in err
    if code == 2:
        assert "nested too deeply" in err


def test_repeated_keys_are_issues_with_their_path(tmp_path: Path) -> None:
    text = '{"dr": {"mode": "primary", "mode": "disabled"}, "performance": {"mode": "disabled"}}'
    path = write(tmp_path / "p.json", text)
    code, out, _ = cli_run("validate", path)
    assert code == 1
    assert (
        "  $.dr.mode: key 'mode' appears more than once in this object "
        "(the last value is the one validated, as Go's encoding/json reads it)"
    ) in out
    assert "source: RFC 8259 section 4" in out
    report = json.loads(cli_run("validate", "--json", path)[1])
    assert [(i["path"], i["keyword"]) for i in report["issues"]] == [("$.dr.mode", "duplicate-key")]
    assert report["issue_count"] == 1


def test_repeated_keys_deep_in_lists_get_their_path(tmp_path: Path) -> None:
    text = '{"errors": ["x"], "extra": [{"a": 1}, {"b": {"c": 1, "c": 2, "d": 0, "d": 1}}]}'
    code, out, _ = cli_run("validate", write(tmp_path / "p.json", text))
    assert code == 1
    assert "  $.extra[1].b.c: key 'c' appears more than once" in out
    assert "  $.extra[1].b.d: key 'd' appears more than once" in out


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["validate", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "1 some payload is invalid: a schema mismatch, an unrecognised shape, or a key repeated within one JSON object"
        in text
    )
    assert "not JSON (including NaN and Infinity" in text
    assert "larger than 16 MiB" in text


# --- names ---------------------------------------------------------------------------------------


def test_an_over_long_file_name_is_a_clear_error() -> None:
    name = "x" * 5000 + ".json"
    code, _, err = cli_run("validate", name)
    assert code == 2
    assert err.startswith("replmock: " + "x" * 100 + "...(")
    assert err.endswith(": cannot read: File name too long\n")
    assert len(err) < 300


def test_undecodable_and_control_characters_in_names_are_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "names"
    folder.mkdir()
    for raw in (b"caf\xe9.json", b"two\nlines.json"):
        (folder / os.fsdecode(raw)).write_text(OK_STATUS, encoding="utf-8")
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8")  # strict, like a real stdout: surrogates would raise
    code = run(["validate", str(tmp_path / "names")], stdout=out, stderr=io.StringIO())
    out.flush()
    assert code == 0
    assert buffer.getvalue().decode().splitlines() == [
        f"{tmp_path}/names/caf\\xe9.json: OK (status, lenient)",
        f"{tmp_path}/names/two\\x0alines.json: OK (status, lenient)",
    ]


# --- replmock's own fixture folders --------------------------------------------------------------


def test_the_repository_fixture_folder_validates() -> None:
    code, out, err = cli_run("validate", str(FIXTURES / "generated"))
    assert code == 0, out + err
    assert (
        f"{FIXTURES / 'generated' / 'manifest.json'}: SKIPPED (a manifest written by replmock fixtures generate, not a payload)"
        in out
    )


def test_a_generated_folder_validates_and_its_manifest_is_skipped(tmp_path: Path) -> None:
    out_dir = tmp_path / "fx"
    assert (
        cli_run("fixtures", "generate", "--scenario", "oss", "--scenario", "perf-secondary", "--out", str(out_dir))[0]
        == 0
    )
    code, out, err = cli_run("validate", "--profile", "strict", str(out_dir))
    assert code == 0, out + err
    lines = out.splitlines()
    assert len(lines) == len(list(out_dir.rglob("*.json")))
    assert [line for line in lines if "SKIPPED" in line] == [
        f"{out_dir / 'manifest.json'}: SKIPPED (a manifest written by replmock fixtures generate, not a payload)"
    ]
    code, out, _ = cli_run("validate", "--json", str(out_dir / "manifest.json"))
    assert code == 0
    assert json.loads(out) == {
        "file": str(out_dir / "manifest.json"),
        "ok": True,
        "skipped": "a manifest written by replmock fixtures generate, not a payload",
    }
    # With --schema the user says what it is: then it is validated as such.
    assert cli_run("validate", "--schema", "status", str(out_dir / "manifest.json"))[0] == 1


def test_a_manifest_json_that_is_not_replmocks_is_validated(tmp_path: Path) -> None:
    code, out, _ = cli_run("validate", write(tmp_path / "manifest.json", '{"name": "something else"}'))
    assert code == 1
    assert "INVALID (unknown, lenient)" in out


def test_ctrl_c_while_validating_is_exit_130_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("replmock.schemas.SchemaCatalog.validate", interrupt)
    code, out, err = cli_run("validate", write(tmp_path / "p.json", OK_STATUS))
    assert (code, out, err) == (130, "", "replmock: interrupted\n")


def test_an_empty_file_name_is_named_in_the_error() -> None:
    assert cli_run("validate", "") == (2, "", "replmock: '': cannot read: No such file or directory\n")
