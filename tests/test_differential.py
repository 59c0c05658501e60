"""Differential suite (issue 10, "Proof, kept in CI"): the mock answers generic requests as Vault's framework does.

Each battery entry (``tests/differential/battery.py``) is sent to a real OpenBao dev server (on the
analogue path of the same kind) and to the mock; status, Content-Type, Cache-Control, Location,
the presence of a Server header and of ``Connection: close``, the ``errors`` list, the parameters
named by the ``Endpoint ignored these unrecognized parameters`` warning, the envelope's key order and
the body framing (Go's compact JSON and newline) must be identical, except where a row of
``tests/differential/allowlist.py`` documents how Vault Enterprise differs from OpenBao. The mock
also validates each of its bodies against the strict schemas (REPLMOCK_VALIDATE_RESPONSES=1, set by
``tests/conftest.py``); a rejected body, or any error inside the mock, fails the entry too.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest

from replmock.server import MockVault
from tests.differential.allowlist import Context, expected
from tests.differential.battery import BATTERY, Entry, Side, render
from tests.differential.openbao import OpenBao, running_openbao
from tests.differential.wire import Answer, project, send, show

pytestmark = pytest.mark.slow

MOCK_OPERATOR = "op"
MOCK_VIEWER = "viewer"


@pytest.fixture(scope="module")
def openbao() -> Iterator[tuple[OpenBao, Side]]:
    with running_openbao() as bao:
        yield bao, Side("openbao", dict(bao.tokens), bao.url)


@pytest.fixture(scope="module")
def mock() -> Iterator[tuple[MockVault, Side, Context]]:
    root = "root-" + secrets.token_hex(12)
    vault = MockVault(scenario="perf-primary", root_token=root, tokens=[MOCK_OPERATOR, f"{MOCK_VIEWER}:default"])
    vault.start()
    try:
        health = send("127.0.0.1", vault.port, "GET", "/v1/sys/health", [])
        version = str(json.loads(health.body)["version"])
        major, minor = (int(p) for p in version.split("+", maxsplit=1)[0].split("-", maxsplit=1)[0].split(".")[:2])
        side = Side("mock", {"root": root, "op": MOCK_OPERATOR, "default": MOCK_VIEWER}, vault.url)
        yield vault, side, Context((major, minor))
    finally:
        vault.stop()


def _ask(host: str, port: int, entry: Entry, side: Side) -> tuple[Answer, dict[str, object]]:
    req = render(entry, side)
    answer = send(host, port, req.method, req.target, req.headers, req.body)
    return answer, project(answer, req.replace)


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id) for e in BATTERY])
def test_mock_answers_as_vault(
    entry: Entry, openbao: tuple[OpenBao, Side], mock: tuple[MockVault, Side, Context]
) -> None:
    bao, bao_side = openbao
    vault, mock_side, ctx = mock
    bao_answer, bao_view = _ask(bao.host, bao.port, entry, bao_side)
    errors_before = len(vault.errors)
    mock_answer, mock_view = _ask("127.0.0.1", vault.port, entry, mock_side)
    mock_errors = [str(e) for e in vault.errors[errors_before:]]
    want, rows = expected(entry, bao_view, ctx)
    diff = {k: {"vault": want[k], "mock": mock_view[k]} for k in want if want[k] != mock_view[k]}
    report = (
        f"{entry.id} [{entry.kind}]\n"
        f"  OpenBao {bao.version}: {show(bao_answer)}\n"
        f"  allow-list rows applied: {', '.join(rows) or 'none'}\n"
        f"  mock: {show(mock_answer)}\n"
        f"  differences: {json.dumps(diff, indent=None)}\n"
        f"  mock errors (schemas, exceptions): {mock_errors}"
    )
    if diff or mock_errors:
        pytest.fail(report, pytrace=False)
