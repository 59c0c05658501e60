"""`replmock fixtures generate` replaces its output atomically: old or new, never a mix, never a user's folder."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from replmock.cli import run
from tests.conftest import REPO

OLD_TIME = 1_000_000_000  # 2001: a manifest mtime no run of these tests can write


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def generate(out: Path, *scenarios: str, seed: int = 0) -> tuple[int, str, str]:
    names = [arg for name in scenarios for arg in ("--scenario", name)]
    return cli("fixtures", "generate", *names, "--seed", str(seed), "--out", str(out))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if "replmock-" in p.name)


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder holding a previous generation (oss, seed 1) and its exact content."""
    out = tmp_path / "fx"
    assert generate(out, "oss", seed=1)[0] == 0
    return out, snapshot(out)


def test_stale_files_of_a_previous_generation_disappear(tmp_path: Path) -> None:
    out = tmp_path / "fx"
    assert generate(out, "oss", "perf-secondary")[0] == 0
    assert (out / "perf-secondary").is_dir()
    code, text, _ = generate(out, "oss")
    assert code == 0
    assert text.startswith("wrote 13 files for 1 scenario(s)")
    assert not (out / "perf-secondary").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["scenarios"]) == {"oss"}
    assert sorted(snapshot(out)) == sorted([e["file"] for e in manifest["files"]] + ["manifest.json"])
    assert leftovers(tmp_path) == []


def test_identical_output_leaves_the_folder_untouched(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, before = previous
    os.utime(out / "manifest.json", (OLD_TIME, OLD_TIME))
    inode = out.stat().st_ino
    code, text, _ = generate(out, "oss", seed=1)
    assert code == 0
    assert text.startswith("unchanged: already 13 files for 1 scenario(s) under ")
    assert text.rstrip().endswith("left untouched")
    assert (out / "manifest.json").stat().st_mtime == OLD_TIME
    assert out.stat().st_ino == inode
    assert snapshot(out) == before


def test_a_different_output_replaces_the_manifest(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, before = previous
    os.utime(out / "manifest.json", (OLD_TIME, OLD_TIME))
    assert generate(out, "oss", seed=2)[0] == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert (out / "manifest.json").stat().st_mtime != OLD_TIME
    assert sorted(snapshot(out)) == sorted(before)


def test_an_extra_file_in_a_previous_output_is_a_change(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, before = previous
    (out / "oss" / "stray.json").write_text("{}")
    code, text, _ = generate(out, "oss", seed=1)
    assert code == 0
    assert text.startswith("wrote ")
    assert snapshot(out) == before


def test_empty_out_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("fixtures", "generate", "--scenario", "oss", "--out", "")
    assert code == 2
    assert out == ""
    assert err == "replmock: --out is empty; name the folder to write the fixtures to (default: generated-fixtures)\n"
    assert list(tmp_path.iterdir()) == []


def test_a_folder_replmock_did_not_write_is_refused(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    code, _, err = generate(mine, "oss")
    assert code == 2
    assert f"--out {mine} is a non-empty folder that replmock did not write (it has no manifest.json" in err
    assert snapshot(mine) == {"notes.txt": b"keep me"}
    (mine / "manifest.json").write_text('{"name": "another tool"}')
    assert generate(mine, "oss")[0] == 2
    assert sorted(snapshot(mine)) == ["manifest.json", "notes.txt"]
    assert leftovers(tmp_path) == []


def test_the_current_folder_is_not_replaced(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    monkeypatch.chdir(out / "oss")
    code, _, err = cli("fixtures", "generate", "--scenario", "oss", "--seed", "2", "--out", "..")
    assert code == 2
    assert "contains the current folder" in err
    assert snapshot(out) == before


def test_a_link_to_the_output_keeps_pointing_at_it(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, _ = previous
    link = out.parent / "link"
    link.symlink_to(out.name)
    assert generate(link, "oss", seed=2)[0] == 0
    assert link.is_symlink()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert leftovers(out.parent) == []


def test_interrupted_while_writing_leaves_the_old_output(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    real = Path.write_text
    calls = []

    def write_text(self: Path, *args: Any, **kwargs: Any) -> int:
        calls.append(self)
        if len(calls) == 7:  # halfway through the 13 files
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    code, text, err = generate(out, "oss", seed=2)
    assert code == 130
    assert text == ""
    assert err == f"replmock: interrupted; {out} was left as it was\n"
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_interrupted_between_the_two_renames_restores_the_old_output(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    real = Path.rename
    calls: list[tuple[str, str]] = []

    def rename(self: Path, target: Any) -> Path:
        calls.append((self.name, Path(target).name))
        if len(calls) == 2:  # the old output is already renamed away; the new one not yet in
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    code, _, err = generate(out, "oss", seed=2)
    assert code == 130
    assert err == f"replmock: interrupted; {out} was left as it was\n"
    assert calls[0][0] == "fx"
    assert calls[2] == (calls[0][1], "fx")  # renamed back
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_a_signal_during_the_swap_waits_for_it_to_finish(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    real = Path.rename
    calls = []

    def rename(self: Path, target: Any) -> Path:
        result = real(self, target)
        calls.append(target)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # held: the new output still goes in
        return result

    monkeypatch.setattr(Path, "rename", rename)
    code, _, err = generate(out, "oss", seed=2)
    assert code == 130
    assert err == f"replmock: interrupted; {out} holds the new fixtures\n"
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert sorted(snapshot(out)) == sorted(before)
    assert leftovers(out.parent) == []


SIGNAL_HALFWAY = """
import os, signal, sys
from pathlib import Path

real, calls = Path.write_text, []

def write_text(self, *args, **kwargs):
    calls.append(self)
    if len(calls) == 100:
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
    return real(self, *args, **kwargs)

Path.write_text = write_text
from replmock.cli import main

main(sys.argv[2:])
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_real_signal_halfway_leaves_the_old_output_and_no_traceback(tmp_path: Path, sig: str) -> None:
    out = tmp_path / "fx"
    assert generate(out, "four-cluster", seed=1)[0] == 0
    before = snapshot(out)
    proc = subprocess.run(
        [sys.executable, "-c", SIGNAL_HALFWAY, sig, "fixtures", "generate", "--all", "--seed", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == f"replmock: interrupted; {out} was left as it was\n"
    assert proc.stdout == ""
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = generate(blocker / "sub", "oss")
    assert code == 2
    assert err.startswith(f"replmock: cannot write fixtures under {blocker / 'sub'}: ")
    assert "Traceback" not in err


def test_an_over_long_out_name_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = generate(tmp_path / ("x" * 300), "oss")
    assert code == 2
    assert err.endswith(": File name too long\n")
