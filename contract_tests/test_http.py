"""HTTP contract: envelope, error format, and the auth rules of the replication paths."""

from __future__ import annotations

import pytest

from contract_tests.conftest import describe_reply, fail
from replmock.conformance import Capabilities, Reply, Target
from replmock.schemas._fields import ENVELOPE_ALWAYS, ENVELOPE_NULLABLE

# Always in Vault's envelope; wrap_info, warnings and auth follow as null when empty (the vault CLI drops them).
# Both come from the field table (replmock.schemas._fields), the one description of the envelope.
ENVELOPE = [*ENVELOPE_ALWAYS, "data"]
NULLABLE = {name: {"object": dict, "array": list}[kind] for name, kind in ENVELOPE_NULLABLE.items()}


def test_envelope_format(target: Target, enterprise: Capabilities) -> None:
    """A status answer is Vault's response envelope, as JSON (sdk/logical/translate_response.go)."""
    reply = target.get("status")
    if "application/json" not in reply.content_type:
        fail(
            f"{target.name}: sys/replication/status Content-Type is {reply.content_type!r}; expected application/json",
            target,
        )
    missing = [k for k in ENVELOPE if not isinstance(reply.body, dict) or k not in reply.body]
    if missing:
        fail(
            f"{target.name}: sys/replication/status lacks envelope key(s) {missing} (source: Vault HTTPResponse envelope)",
            target,
        )
    if not isinstance(reply.body["request_id"], str) or not reply.body["request_id"]:
        fail(f"{target.name}: $.request_id = {reply.body['request_id']!r}; expected a non-empty id", target)
    for key, kind in NULLABLE.items():
        value = reply.body.get(key)
        if value is not None and not isinstance(value, kind):
            fail(
                f"{target.name}: $.{key} = {value!r}; expected null or a JSON {kind.__name__} (Vault HTTPResponse envelope)",
                target,
            )


def _check_error_body(target: Target, what: str, reply: Reply) -> None:
    if "application/json" not in reply.content_type:
        fail(
            f"{target.name}: {what} answered Content-Type {reply.content_type!r}; errors are JSON (Vault docs api-docs/index.mdx)",
            target,
        )
    if not (isinstance(reply.body, dict) and isinstance(reply.body.get("errors"), list)):
        fail(
            f'{target.name}: {what} answered {describe_reply(reply)}; expected {{"errors": [...]}} (Vault docs api-docs/index.mdx)',
            target,
        )


def test_error_format(target: Target) -> None:
    """Errors are {"errors": [...]} with a JSON Content-Type: an unknown replication path, with and without a token.

    A DR secondary answers its 400 path gate instead of 403/404 (reference §6.4): it has no token store to check.
    """
    reply = target.get("/v1/sys/replication/replmock-no-such-path")
    if not _refused(reply):
        fail(
            f"{target.name}: an unknown path without a token answered {describe_reply(reply)}; expected 403 (token checked first)",
            target,
        )
    _check_error_body(target, "an unknown path", reply)
    if target.token and reply.status == 403:
        reply = target.get("/v1/sys/replication/replmock-no-such-path", token=target.token)
        if reply.status != 404:
            fail(
                f"{target.name}: an unknown path with the given token answered {describe_reply(reply)}; expected 404",
                target,
            )
        _check_error_body(target, "an unknown path with a token", reply)


@pytest.mark.parametrize("endpoint", ["status", "dr-status", "performance-status", "health"])
def test_status_needs_no_token(target: Target, endpoint: str, caps: Capabilities) -> None:
    """The status endpoints are unauthenticated (PathsSpecial.Unauthenticated; docs since 1.5)."""
    if endpoint in {"dr-status", "performance-status"} and caps.kind == "openbao":
        pytest.skip("OpenBao has no dr/ or performance/ status path, so it checks the token before routing (403)")
    reply = target.get(endpoint)
    if reply.status in {401, 403}:
        fail(
            f"{target.name}: GET {endpoint} without a token answered {describe_reply(reply)}; it is an unauthenticated path",
            target,
        )


DR_SECONDARY = "path disabled in replication DR secondary mode"


def _refused(reply: Reply) -> bool:
    """403, or the 400 a DR secondary answers on every path but its own (it has no token store to check)."""
    return reply.status == 403 or (reply.status == 400 and DR_SECONDARY in reply.errors)


def test_recover_needs_a_token(target: Target) -> None:
    """GET sys/replication/recover without a token is refused (403) before routing: a read, so it runs by default.

    Why a GET: recover is a write (``update``), and a POST would really run it behind a Vault Agent or Vault
    Proxy listener with ``use_auto_auth_token`` (the proxy adds its token). Vault checks the token before it
    routes or looks at the method: ``replication/recover`` is not in the system backend's
    ``PathsSpecial.Unauthenticated``, and ``CheckToken`` runs before the router (reference §5.2 "No/invalid
    token on recover or reindex: 403 permission denied"; §14.8 "The ACL check runs before routing"; OpenBao
    observed 403 on recover without a token, §10). A DR secondary answers its 400 path gate instead.
    A 405 here means the server routed the request first, or a proxy added a token.
    """
    reply = target.get("recover")
    if not _refused(reply):
        fail(
            f"{target.name}: GET recover without a token answered {describe_reply(reply)}; expected 403 permission "
            "denied (the token is checked before routing; a 405 means something added a token, such as a Vault Agent)",
            target,
        )
    _check_error_body(target, "GET recover without a token", reply)


def test_reindex_needs_sudo(target: Target, pytestconfig: pytest.Config) -> None:
    """POST sys/replication/reindex with a valid token that lacks sudo is 403 (it is in PathsSpecial.Root).

    Behind --replmock-allow-mutations: the sudo rule is about the write (``update``) operation, so only a POST
    shows it. A GET would be refused by the ACL's missing ``read`` capability as well and prove nothing about sudo.
    The POST carries an invalid value, so even a token that has sudo after all gets Vault's 400 from field
    validation instead of starting a reindex (reference §10: "Field validation failed ... strconv.ParseBool").
    """
    if not pytestconfig.getoption("--replmock-allow-mutations"):
        pytest.skip("sends a write (POST reindex with an invalid value): pass --replmock-allow-mutations to run it")
    if not target.nonsudo_token:
        pytest.skip("needs a valid token without sudo: --vault-nonsudo-token (or nonsudo_token in --targets)")
    reply = target.request("POST", "reindex", token=target.nonsudo_token, body={"diff": "replmock-invalid"})
    if not _refused(reply):
        fail(
            f"{target.name}: POST reindex with a non-sudo token answered {describe_reply(reply)}; expected 403", target
        )


DR_OPERATION_TOKEN_PATHS = ("promote", "disable", "update-primary", "operation-token/delete", "reindex", "merkle-check")


def test_dr_secondary_endpoints_take_no_vault_token(target: Target, enterprise: Capabilities) -> None:
    """GET on the DR operation-token endpoints without a token answers 405, not 403: they are unauthenticated in
    code (``PathsSpecial.Unauthenticated``; they take ``dr_operation_token`` in the body) and take only update,
    so Vault routes them without a token. A read: it changes nothing (reference §1, §1b)."""
    for path in DR_OPERATION_TOKEN_PATHS:
        reply = target.get(f"/v1/sys/replication/dr/secondary/{path}")
        if reply.status != 405:
            fail(
                f"{target.name}: GET sys/replication/dr/secondary/{path} without a token answered "
                f"{describe_reply(reply)}; expected 405 unsupported operation (an unauthenticated path, update only)",
                target,
            )
        _check_error_body(target, f"GET dr/secondary/{path}", reply)


@pytest.mark.parametrize("kind", ["dr", "performance"])
def test_secondary_token_needs_sudo(target: Target, enterprise: Capabilities, kind: str) -> None:
    """GET ``*/primary/secondary-token`` with a token without sudo is refused (403): it is in ``PathsSpecial.Root``,
    and Vault checks sudo before it looks at the operation. A 405 would mean the token reached the router, so the
    path no longer needs sudo. A read: it changes nothing (reference §1b, §1c)."""
    if not target.nonsudo_token:
        pytest.skip("needs a valid token without sudo: --vault-nonsudo-token (or nonsudo_token in --targets)")
    reply = target.get(f"/v1/sys/replication/{kind}/primary/secondary-token", token=target.nonsudo_token)
    if not _refused(reply):
        fail(
            f"{target.name}: GET {kind}/primary/secondary-token with a token without sudo answered "
            f"{describe_reply(reply)}; expected 403 permission denied (a sudo path)",
            target,
        )


def test_open_source_answers(target: Target, caps: Capabilities) -> None:
    """Open-source Vault: a flat {"mode": "disabled"} status, and 404 enterprise-only feature on dr/ and performance/."""
    if caps.kind != "oss":
        pytest.skip(f"applies to open-source Vault; the target is {caps.describe()}")
    for endpoint in ("dr-status", "performance-status"):
        reply = target.get(endpoint)
        if reply.status != 404:
            fail(
                f"{target.name}: open-source Vault answered GET {endpoint} with {describe_reply(reply)}; expected 404",
                target,
            )
