"""Conformance: targets, capability detection, drift classification and the runner of the contract_tests suite."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from replmock._errors import UsageError
from replmock._resources import data_dir
from replmock.schemas import ENDPOINT_PATHS, RESPONSE_SCHEMA

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    import requests

PATHS = ENDPOINT_PATHS
REDACTED = "<redacted>"


@dataclass
class Reply:
    """One HTTP answer: status code, Content-Type, the parsed JSON (None when not JSON) and the raw text."""

    status: int
    content_type: str
    body: Any
    text: str

    @property
    def errors(self) -> list[str]:
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), list):
            return [str(e) for e in self.body["errors"]]
        return []


@dataclass
class Target:
    """A Vault server to check. Its tokens never appear in ``repr``, messages or reports."""

    name: str
    address: str
    token: str | None = field(default=None, repr=False)
    nonsudo_token: str | None = field(default=None, repr=False)
    verify: bool | str = True
    cert: tuple[str, str] | None = None
    mock: bool = False
    _session: requests.Session | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"<Target {self.name} {self.address}{' (replmock mock)' if self.mock else ''}>"

    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            session = requests.Session()
            session.verify = self.verify
            if self.cert:
                session.cert = self.cert
            self._session = session
        return self._session

    def request(
        self, method: str, endpoint: str, *, token: str | None = None, body: Any = None, raw: bytes | None = None
    ) -> Reply:
        """Send a request; ``token`` is sent as X-Vault-Token when given (never logged)."""
        import requests

        headers = {"X-Vault-Token": token} if token else {}
        path = PATHS.get(endpoint, endpoint)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        try:
            # verify and cert go with every request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
            # override a session's settings, which would silently ignore VAULT_CACERT and VAULT_SKIP_VERIFY.
            response = self.session().request(
                method,
                self.address.rstrip("/") + path,
                headers=headers,
                data=data,
                timeout=30,
                verify=self.verify,
                cert=self.cert,
            )
        except requests.RequestException as exc:
            text = redact(str(exc), self.secrets())
            msg = f"{self.name}: {method} {path} failed: {text}"
            raise ConnectionError(msg) from None
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Reply(response.status_code, response.headers.get("Content-Type", ""), parsed, response.text)

    def get(self, endpoint: str, *, token: str | None = None) -> Reply:
        return self.request("GET", endpoint, token=token)

    def secrets(self) -> list[str]:
        return [t for t in (self.token, self.nonsudo_token) if t]


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _env_tls() -> tuple[bool | str, tuple[str, str] | None]:
    verify: bool | str = True
    if os.environ.get("VAULT_CACERT"):
        verify = os.environ["VAULT_CACERT"]
    if os.environ.get("VAULT_SKIP_VERIFY", "").lower() in {"1", "t", "true", "yes"}:
        verify = False
    cert = None
    if os.environ.get("VAULT_CLIENT_CERT") and os.environ.get("VAULT_CLIENT_KEY"):
        cert = (os.environ["VAULT_CLIENT_CERT"], os.environ["VAULT_CLIENT_KEY"])
    return verify, cert


def target_from_env(address: str | None, token: str | None, nonsudo: str | None) -> Target | None:
    """The single target of --vault-addr / VAULT_ADDR (None when neither is set)."""
    address = address or os.environ.get("VAULT_ADDR")
    if not address:
        return None
    verify, cert = _env_tls()
    return Target("vault", address, token or os.environ.get("VAULT_TOKEN") or None, nonsudo, verify, cert)


def load_targets(path: str) -> list[Target]:
    """Targets of a TOML file: ``[[target]]`` tables with name, address, and token or token_env."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:  # noqa: PTH123
            doc = tomllib.load(fh)
    except OSError as exc:
        msg = f"cannot read --targets {path}: {exc.strerror or exc}"
        raise UsageError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"--targets {path} is not valid TOML: {exc}"
        raise UsageError(msg) from None
    entries = doc.get("target")
    if not isinstance(entries, list) or not entries:
        msg = f"--targets {path}: expected one or more [[target]] tables with name and address"
        raise UsageError(msg)
    verify, cert = _env_tls()
    targets = []
    for i, entry in enumerate(entries):
        where = f"--targets {path}: target #{i + 1}"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get("address"), str)
        ):
            msg = f"{where} needs string keys name and address, got {sorted(entry) if isinstance(entry, dict) else entry!r}"
            raise UsageError(msg)
        unknown = sorted(
            set(entry)
            - {"name", "address", "token", "token_env", "nonsudo_token", "nonsudo_token_env", "ca_cert", "skip_verify"}
        )
        if unknown:
            msg = f"{where} ({entry['name']}): unknown key(s) {unknown}"
            raise UsageError(msg)
        token = entry.get("token") or (os.environ.get(entry["token_env"]) if entry.get("token_env") else None)
        nonsudo = entry.get("nonsudo_token") or (
            os.environ.get(entry["nonsudo_token_env"]) if entry.get("nonsudo_token_env") else None
        )
        tverify: bool | str = entry.get("ca_cert", verify)
        if entry.get("skip_verify"):
            tverify = False
        targets.append(Target(entry["name"], entry["address"], token, nonsudo, tverify, cert))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        msg = f"--targets {path}: target names must be unique, got {names}"
        raise UsageError(msg)
    return targets


# --- what kind of server ---------------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What a target turned out to be."""

    kind: str
    """``enterprise``, ``oss`` (Vault CE), ``openbao``, ``unknown`` or ``unreachable``."""
    version: str
    detail: str

    @property
    def enterprise(self) -> bool:
        return self.kind == "enterprise"

    def describe(self) -> str:
        names = {
            "enterprise": "Vault Enterprise",
            "oss": "open-source Vault",
            "openbao": "OpenBao",
            "unknown": "an unknown server",
        }
        version = f" {self.version}" if self.version else ""
        return f"{names[self.kind]}{version} ({self.detail})"

    def skip_reason(self) -> str:
        return f"Enterprise-only check: the target is {self.describe()}"


def probe(target: Target) -> Capabilities:
    """Read the target's status and health and tell what it is (``unreachable`` when it does not answer)."""
    try:
        return detect_capabilities(target.get("status"), target.get("health"))
    except ConnectionError as exc:
        return Capabilities("unreachable", "", str(exc))


def detect_capabilities(status: Reply, health: Reply | None) -> Capabilities:
    """Tell Enterprise, open-source Vault and OpenBao apart from their status and health answers."""
    version = ""
    if health is not None and isinstance(health.body, dict):
        version = str(health.body.get("version", ""))
    data = status.body.get("data") if isinstance(status.body, dict) else None
    if status.status == 200 and isinstance(data, dict):  # noqa: PLR2004
        if "dr" in data or "performance" in data:
            return Capabilities("enterprise", version, "replication status has dr and performance")
        if data.get("mode") == "disabled":
            return Capabilities("oss", version, 'flat {"mode": "disabled"}: replication is an Enterprise feature')
    errors = " ".join(status.errors)
    if status.status == 404 and "enterprise-only feature" in errors:  # noqa: PLR2004
        return Capabilities("oss", version, "404 enterprise-only feature")
    if status.status == 404 and "unsupported path" in errors:  # noqa: PLR2004
        return Capabilities("openbao", version, "404 unsupported path: no replication paths")
    return Capabilities("unknown", version, f"status answered {status.status}")


# --- drift -------------------------------------------------------------------------------------

DRIFT_KIND = {
    "additionalProperties": "unknown-field",
    "required": "missing-field",
    "type": "type-mismatch",
    "enum": "enum-mismatch",
    "const": "enum-mismatch",
    "pattern": "format-mismatch",
    "format": "format-mismatch",
    "anyOf": "type-mismatch",
    "minimum": "value-mismatch",
    "minLength": "value-mismatch",
}


def drift_entries(target: str, endpoint: str, body: Any) -> list[dict[str, Any]]:
    """Every difference between ``body`` and the strict (documented) schema, classified for a schema update."""
    from replmock.schemas import issues

    out = []
    for issue in issues(body, RESPONSE_SCHEMA[endpoint], "strict"):
        out.append(
            {
                "target": target,
                "endpoint": endpoint,
                "kind": DRIFT_KIND.get(issue.keyword, issue.keyword),
                "path": issue.path,
                "value": issue.value,
                "expected": issue.expected,
                "message": issue.message,
                "x-source": issue.source,
            }
        )
    return out


def write_drift_report(entries: Sequence[Mapping[str, Any]], kinds: Mapping[str, str], base: Path) -> tuple[Path, Path]:
    """Write ``base``.json and ``base``.md; returns both paths."""
    base.parent.mkdir(parents=True, exist_ok=True)
    data = {"targets": dict(kinds), "differences": list(entries), "count": len(entries)}
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    lines = [
        "# replmock drift report",
        "",
        "Differences between what the targets answered and the documented (strict) contract.",
        "",
    ]
    for name, kind in kinds.items():
        lines.append(f"- **{name}**: {kind}")
    lines.append("")
    if not entries:
        lines.append("No drift: every field seen is known, present and of the documented type.")
    else:
        lines += ["| target | endpoint | kind | path | value | expected | source |", "|---|---|---|---|---|---|---|"]
        for e in entries:
            value = "(absent)" if e["kind"] == "missing-field" else f"`{json.dumps(e['value'], default=str)[:60]}`"
            cells = [e["target"], e["endpoint"], e["kind"], f"`{e['path']}`", value, e["expected"], e["x-source"]]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path


# --- the runner -------------------------------------------------------------------------------


def suite_dir() -> Path:
    """The contract_tests folder (inside the installed wheel, or the source checkout)."""
    return data_dir("contract_tests")


def conformance_command(args: argparse.Namespace, extra: list[str], out: IO[str], err: IO[str]) -> int:
    """``replmock conformance``: run the packaged suite with pytest; returns pytest's exit code."""
    import pytest

    argv = [
        str(suite_dir()),
        "-p",
        "no:cacheprovider",
        f"--rootdir={suite_dir()}",
        "-c",
        str(suite_dir() / "pytest.ini"),
    ]
    # replmock is imported already (this command is part of it), so pytest cannot rewrite its asserts; say nothing.
    argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if args.vault_addr:
        argv.append(f"--vault-addr={args.vault_addr}")
    return int(pytest.main([*argv, *extra]))
