"""`replmock fixtures list|generate`: documented layout, manifest, byte-identical output."""

from __future__ import annotations

import io
import json
from pathlib import Path

from replmock.cli import run
from replmock.generate import scenario_names


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_list_names_every_scenario_with_a_description() -> None:
    code, out, _ = cli("fixtures", "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == scenario_names()
    assert all(len(line.split(maxsplit=1)[1]) > 20 for line in lines)
    assert len(lines) >= 16


def test_generate_writes_the_layout_and_a_manifest(tmp_path: Path) -> None:
    code, out, _ = cli(
        "fixtures",
        "generate",
        "--scenario",
        "perf-secondary",
        "--scenario",
        "oss",
        "--seed",
        "3",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert "for 2 scenario(s)" in out
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["layout"] == "<scenario>/<cluster>/<node>/<endpoint>.json"
    assert set(manifest["scenarios"]) == {"perf-secondary", "oss"}
    for entry in manifest["files"]:
        assert (tmp_path / entry["file"]).is_file()
    oss = [e for e in manifest["files"] if e["scenario"] == "oss" and e["endpoint"] == "dr-status"]
    assert {e["status"] for e in oss} == {404}
    standby_health = [e for e in manifest["files"] if e["endpoint"] == "health" and not e["node"].endswith("-0")]
    # Vault's sys/health: 429 for a standby, 473 for a performance standby (Enterprise standbys here).
    assert {e["status"] for e in standby_health if e["scenario"] == "oss"} == {429}
    assert {e["status"] for e in standby_health if e["scenario"] == "perf-secondary"} == {473}
    body = json.loads((tmp_path / "perf-secondary/B/b-0/status.json").read_text())
    assert body["data"]["performance"]["mode"] == "secondary"


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    for d in ("one", "two"):
        assert cli("fixtures", "generate", "--all", "--seed", "5", "--out", str(tmp_path / d))[0] == 0
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*.json")}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*.json")}
    assert one == two
    assert len(one) > 100


def test_unknown_scenario_lists_the_valid_ones() -> None:
    code, _, err = cli("fixtures", "generate", "--scenario", "nope")
    assert code == 2
    assert "unknown scenario 'nope'; expected one of: disabled, oss" in err


def test_out_must_be_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_text("x")
    code, _, err = cli("fixtures", "generate", "--scenario", "oss", "--out", str(file))
    assert code == 2
    assert "is not a folder" in err
    assert file.read_text() == "x"
