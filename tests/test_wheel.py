"""A wheel built from the repository carries the schemas and works alone in a fresh virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
    )
    (built,) = out.glob("replmock-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "replmock/py.typed",
        "replmock/_data/schemas/lenient/status.json",
        "replmock/_data/schemas/strict/status-object.json",
        "replmock/_data/contract_tests/conftest.py",
    ):
        assert required in names
    assert not [n for n in names if "__pycache__" in n]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "replmock = replmock.cli:main" in text
    assert "replmock = replmock.plugin" in text


def test_wheel_works_alone_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    sample = work / "sample.json"
    sample.write_bytes(
        (FIXTURES / "docs" / "032-doc-v1.16-status-dr-primary-perf-primary-full-fields.json").read_bytes()
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    done = subprocess.run(
        [str(bindir / "replmock"), "validate", "--profile", "strict", str(sample)],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK (status, strict)" in done.stdout
    where = subprocess.run(
        [str(python), "-c", "from replmock.schemas import catalog; print(catalog().root)"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
        check=True,
    ).stdout.strip()
    assert "site-packages" in where
    assert str(REPO) not in where
    suite = subprocess.run(
        [
            str(bindir / "replmock"),
            "conformance",
            "--self-test",
            "--replmock-scenario",
            "dr-primary-perf-secondary",
            "-q",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
        check=False,
        timeout=600,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-3000:]
    assert "site-packages/replmock/_data/contract_tests" in suite.stdout
    assert " passed" in suite.stdout
