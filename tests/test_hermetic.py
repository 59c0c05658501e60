"""The repository as others run and receive it: the test suite is hermetic (a developer's Vault settings,
~/.vault-token and VAULT_*/BAO_*, neither change its results nor get changed by it), `.ci/run` fails on
anything that did not pass, and every distribution carries the text of the license it declares."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import hvac
import pytest

from tests.conftest import HOME_MARK, REPO
from tests.test_clients import bao_binary

# What a developer's shell may hold: an address where no Vault listens, and tokens for another server.
FOREIGN_ENV = {
    "VAULT_ADDR": "http://127.0.0.1:9",
    "VAULT_TOKEN": "s.developers-own-token",
    "VAULT_NAMESPACE": "team-a",
    "BAO_ADDR": "http://127.0.0.1:9",
    "BAO_TOKEN": "s.developers-own-bao-token",
}
PLANTED_TOKEN = b"root"  # the mock's root token: a client that falls back to this file gets sudo
# The slice: a client without a token (hvac, the bao CLI), the bao CLI with its own settings, and this check.
SLICE = (
    "tests/test_hermetic.py::test_clients_find_no_token_and_no_address",
    "tests/test_clients.py::test_hvac_exception_types_follow_the_status_codes",
    "tests/test_clients.py::test_bao_cli_read_write_and_errors",
)


def test_clients_find_no_token_and_no_address() -> None:
    """Neither hvac nor the bao CLI finds a token or an address that a test did not give it."""
    assert not [name for name in os.environ if name.startswith(("VAULT_", "BAO_"))]
    home = Path.home()
    assert home != Path(os.environ[HOME_MARK])  # this test's own HOME, inside the session's private one
    assert not (home / ".vault-token").exists()
    client = hvac.Client()
    assert client.token is None
    assert client.url == "http://localhost:8200"  # hvac's default: no VAULT_ADDR
    printed = subprocess.run([bao_binary(), "print", "token"], capture_output=True, text=True, timeout=30, check=True)
    assert printed.stdout.strip() == ""


def test_a_developers_vault_settings_neither_change_the_results_nor_get_changed(tmp_path: Path) -> None:
    home = tmp_path / "developer"
    home.mkdir()
    token_file = home / ".vault-token"
    token_file.write_bytes(PLANTED_TOKEN)
    token_file.chmod(0o600)
    before = {p.relative_to(home): p.read_bytes() for p in home.rglob("*") if p.is_file()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_", "PYTEST_"))}
    env.pop(HOME_MARK, None)
    env.update(FOREIGN_ENV, HOME=str(home), USERPROFILE=str(home))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
            f"--basetemp={tmp_path / 'run'}",
            *SLICE,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"{len(SLICE)} passed" in done.stdout
    after = {p.relative_to(home): p.read_bytes() for p in home.rglob("*") if p.is_file()}
    assert after == before  # the planted token byte for byte, and nothing written beside it
    assert token_file.stat().st_mode & 0o777 == 0o600


# The canonical text of each license the project may declare (SPDX id -> first line, SHA-256 of the file).
LICENSE_TEXTS = {
    "MPL-2.0": (
        "Mozilla Public License Version 2.0",
        "fab3dd6bdab226f1c08630b1dd917e11fcb4ec5e1e020e2c16f83a0a13863e85",
    ),
}


def declared_license() -> str:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return str(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"])


def test_license_file_is_the_full_text_of_the_declared_license() -> None:
    declared = declared_license()
    assert declared in LICENSE_TEXTS, f"no known text for the declared license {declared!r}"
    title, digest = LICENSE_TEXTS[declared]
    text = (REPO / "LICENSE").read_bytes()
    assert text.decode("utf-8").splitlines()[0] == title
    assert hashlib.sha256(text).hexdigest() == digest  # verbatim, not a summary or an edited copy


def test_wheel_and_sdist_carry_the_license(tmp_path: Path) -> None:
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    text = (REPO / "LICENSE").read_bytes()
    wheel = Path(next(iter(WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"]))))
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        assert archive.read(info.replace("METADATA", "licenses/LICENSE")) == text
        metadata = archive.read(info).decode().splitlines()
    assert f"License-Expression: {declared_license()}" in metadata
    assert "License-File: LICENSE" in metadata
    # The sdist's file list without packing fixtures and tests: what the builder always adds.
    always = SdistBuilder(str(REPO)).get_default_build_data()["force_include"]
    assert always.get(str(REPO / "LICENSE")) == "LICENSE"


# .ci/run with its tools replaced by stubs that log their arguments and exit as told (STUB_EXIT_<tool>):
# the script's own logic in a fraction of a second, without a virtual environment or a network.
STUB_PYTHON = """#!/usr/bin/env bash
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && echo "PATH=\\"$STUB_BIN:\\$PATH\\"" > "$3/bin/activate"
fi
"""
STUB_TOOL = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$STUB_LOG"
code="STUB_EXIT_$(basename "$0")"
exit "${!code:-0}"
"""


def run_ci(tmp_path: Path, **exits: int) -> tuple[int, str, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in {
        "python3": STUB_PYTHON,
        "python": STUB_TOOL,
        **dict.fromkeys(("pip", "pytest", "ruff", "mypy"), STUB_TOOL),
    }.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHON": str(bin_dir / "python3"),
        "STUB_BIN": str(bin_dir),
        "STUB_LOG": str(log),
        **{f"STUB_EXIT_{tool}": str(code) for tool, code in exits.items()},
    }
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run(
        [bash, str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    calls = [line.rstrip() for line in log.read_text().splitlines()] if log.exists() else []
    return done.returncode, done.stdout + done.stderr, calls


def test_ci_runs_the_readme_tests_then_ruff_and_mypy(tmp_path: Path) -> None:
    code, output, calls = run_ci(tmp_path)
    assert code == 0, output
    assert calls == [
        "python -m pip install -q --upgrade pip",
        "pip install .[test]",
        "pytest -n 2",
        "ruff check .",
        "ruff format --check .",
        "mypy",
    ]


@pytest.mark.parametrize(
    ("exits", "words"),
    [
        ({"pytest": 5}, "the test command collected no tests (pytest exit code 5)"),
        ({"pytest": 1}, "the test command (exit code 1)"),
        ({"pip": 1}, "the test command (exit code 1)"),
        ({"ruff": 1}, "ruff check . (exit code 1)"),
        ({"mypy": 2}, "mypy (exit code 2)"),
    ],
)
def test_ci_fails_on_any_failure_and_on_a_run_without_tests(tmp_path: Path, exits: dict[str, int], words: str) -> None:
    code, output, calls = run_ci(tmp_path, **exits)
    assert code != 0
    assert f".ci/run failed: {words}" in output
    assert calls[-1] == "mypy"  # every check still runs, so one CI run reports every problem
