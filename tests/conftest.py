"""Shared helpers for replmock's own tests."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# Every MockVault started by these tests (and by the pytest and conformance runs they start)
# validates each body it sends against the strict schemas and fails on a mismatch.
os.environ["REPLMOCK_VALIDATE_RESPONSES"] = "1"
FIXTURES = REPO / "fixtures"

# Hermetic runs: the developer's HOME holds the Vault CLI's ~/.vault-token (hvac and the bao CLI
# fall back to it when a client has no token; `bao server -dev` overwrites it) and the shell may
# export VAULT_*/BAO_*. This session (its xdist workers and every subprocess) runs with a private
# HOME and without those variables, set at import so that everything started later inherits them;
# each test also gets a HOME of its own, so nothing one test leaves there reaches another.
HOME_MARK = "REPLMOCK_TEST_HOME"
PIP_CONFIG = (Path(".config") / "pip" / "pip.conf", Path(".pip") / "pip.conf")  # pip's user config, under HOME


def _copy_pip_config(source: Path, home: Path) -> None:
    """Keep the index or mirror configured for pip, so the tests that install a wheel still can."""
    for rel in PIP_CONFIG:
        if (source / rel).is_file():
            (home / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, home / rel)


def _hermetic() -> None:
    for name in [n for n in os.environ if n.startswith(("VAULT_", "BAO_"))]:
        del os.environ[name]
    shared = os.environ.get(HOME_MARK)
    if shared and shared == os.environ.get("HOME") and Path(shared).is_dir():
        return  # an xdist worker: its controller made this session's HOME
    home = Path(tempfile.mkdtemp(prefix="replmock-test-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    _copy_pip_config(Path.home(), home)
    os.environ["HOME"] = os.environ["USERPROFILE"] = os.environ[HOME_MARK] = str(home)


_hermetic()


@pytest.fixture(autouse=True)
def _home_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("home")
    _copy_pip_config(Path(os.environ[HOME_MARK]), home)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))


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


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A throwaway self-signed certificate and key for 127.0.0.1 (for TLS servers that clients do not trust)."""
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a throwaway certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subj = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subj]
    subprocess.run([*command, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return str(cert), str(key)
