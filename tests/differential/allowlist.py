"""The documented differences between Vault Enterprise and OpenBao: the ONLY answers allowed to differ.

Each row turns what OpenBao answered into what Vault Enterprise answers for the version the mock
serves, with its evidence (``shared/reference/vault-replication-api.md``, section numbers below).
Everything not named here must be identical. Keep this to a handful of rows.

| row | requests | what differs (Vault Enterprise vs OpenBao) | evidence |
|---|---|---|---|
| ``mount-type`` | every answer with the logical envelope | Vault ≥1.16 ends the envelope with ``mount_type``; OpenBao has none | §14.13 (CL 1.16.0 GH-23047, Vmain ``sdk/logical/translate_response.go``), §10 |
| ``health-enterprise-params`` | ``sys/health`` with a bad ``perfstandbyok``, ``drsecondarycode``, ``performancestandbycode``, and (1.19+) ``haunhealthycode``, ``removedcode`` | Vault parses them: 400 ``{"errors":[]}`` (HEAD: no body, no Content-Type); OpenBao ignores them | §11.2, §11.3 (Vmain ``http/sys_health.go``; OB ``internal/http/sys_health.go``) |
| ``invalid-token`` | a bogus token that OpenBao refuses with ``permission denied`` | Vault ≥1.17 adds ``invalid token``: ``2 errors occurred:\\n\\t* permission denied\\n\\t* invalid token\\n\\n`` | §12.4 (CL 1.17.0 GH-25953; ``website/content/docs/concepts/tokens.mdx`` "Error Responses"; third-party captures) |
| ``go-redirect`` | a path Go's ``ServeMux`` cleans (``//``, ``/./``, ``/../``) | the status follows the Go release the server is built with: 301 up to Go 1.25 (Vault ≤1.21), 307 from Go 1.26 (OpenBao 2.7.2 is go1.27.3) | §14.3 (golang/go PR #77745; CL "Bump Go version to 1.25.5") |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from replmock.schemas._fields import ENVELOPE_SINCE
from tests.differential.battery import Entry

Projection = dict[str, Any]

INVALID_TOKEN = "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"


@dataclass(frozen=True)
class Context:
    """What the rows need to know about the server the mock plays."""

    vault_version: tuple[int, int]
    """(major, minor) of the Vault version the mock serves, from its sys/health."""


@dataclass(frozen=True)
class Row:
    name: str
    what: str
    evidence: str
    adjust: Callable[[Entry, Projection, Context], Projection | None]
    """OpenBao's projection -> Vault Enterprise's, or None when the row does not apply."""


def _atoi(text: str) -> bool:
    """Go's strconv.Atoi: an optional sign and decimal digits, nothing else."""
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None


_PARSE_BOOL = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False", ""}


def _mount_type(entry: Entry, bao: Projection, ctx: Context) -> Projection | None:
    keys = bao["envelope_keys"]
    if keys is None or "mount_type" in keys or ctx.vault_version < ENVELOPE_SINCE["mount_type"]:
        return None
    return {**bao, "envelope_keys": [*keys, "mount_type"]}


def _health_params(entry: Entry, bao: Projection, ctx: Context) -> Projection | None:
    if entry.kind != "health" or entry.form != "plain" or entry.method not in {"GET", "HEAD"}:
        return None
    query = parse_qs(entry.query, keep_blank_values=True)
    bools = ["perfstandbyok"]
    codes = ["drsecondarycode", "performancestandbycode"]
    if ctx.vault_version >= (1, 19):
        codes += ["haunhealthycode", "removedcode"]
    bad = any(n in query and query[n][0] not in _PARSE_BOOL for n in bools) or any(
        n in query and not _atoi(query[n][0]) for n in codes
    )
    if not bad or bao["status"] == 400:
        return None
    head = entry.method == "HEAD"
    return {
        **bao,
        "status": 400,
        "content_type": None if head else "application/json",
        "errors": None if head else [],
        "envelope_keys": None,
        "unrecognized_parameters": None,
        "framing": "n/a" if head else "go-compact",
    }


def _invalid_token(entry: Entry, bao: Projection, ctx: Context) -> Projection | None:
    if entry.effective_token() != "bogus" or bao["errors"] != ["permission denied"] or ctx.vault_version < (1, 17):
        return None
    return {**bao, "errors": [INVALID_TOKEN]}


def _go_redirect(entry: Entry, bao: Projection, ctx: Context) -> Projection | None:
    if bao["status"] != 307 or entry.form not in {"double", "dot", "dotdot"}:
        return None
    go_1_26 = ctx.vault_version >= (2, 0)  # Vault 1.21.x is built with Go 1.25.x (§14.3)
    return None if go_1_26 else {**bao, "status": 301}


ROWS: tuple[Row, ...] = (
    Row("mount-type", "Vault ≥1.16 ends the logical envelope with mount_type", "§14.13, §10", _mount_type),
    Row(
        "health-enterprise-params",
        "Vault parses perfstandbyok, drsecondarycode, performancestandbycode (and 1.19+ haunhealthycode, "
        'removedcode): a bad value is 400 {"errors":[]}',
        "§11.2, §11.3",
        _health_params,
    ),
    Row(
        "invalid-token",
        "Vault ≥1.17 answers a bogus token with 'permission denied' and 'invalid token'",
        "§12.4",
        _invalid_token,
    ),
    Row("go-redirect", "Go ≤1.25 ServeMux redirects a cleaned path with 301, Go ≥1.26 with 307", "§14.3", _go_redirect),
)


def expected(entry: Entry, bao: Projection, ctx: Context) -> tuple[Projection, list[str]]:
    """What Vault Enterprise answers, from OpenBao's answer, and the rows that were applied."""
    applied = []
    for row in ROWS:
        adjusted = row.adjust(entry, bao, ctx)
        if adjusted is not None:
            bao = adjusted
            applied.append(row.name)
    return bao, applied
