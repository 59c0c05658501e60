"""Schemas layer: the JSON Schema files, one registry, cached validators and shape detection."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from replmock._errors import UsageError
from replmock._resources import data_dir
from replmock.schemas._fields import LEGACY_TOPLEVEL_FIELDS, REINDEX_FIELDS, SHIPPED_WAL

if TYPE_CHECKING:  # pragma: no cover
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from replmock.schemas._fast import Check

Profile = Literal["lenient", "strict"]
PROFILES: tuple[Profile, ...] = ("lenient", "strict")

SCHEMA_NAMES: tuple[str, ...] = (
    "status",
    "dr-status",
    "performance-status",
    "type-status",
    "status-object",
    "recover-response",
    "reindex-request",
    "reindex-response",
    "error",
    "health",
    "secondary-token-response",
    "merkle-check-response",
    "operation-token-status",
    "paths-filter-response",
    "dynamic-filter-response",
    "public-key-response",
)

SCHEMA_DESCRIPTIONS = {
    "status": "GET /v1/sys/replication/status",
    "dr-status": "GET /v1/sys/replication/dr/status",
    "performance-status": "GET /v1/sys/replication/performance/status",
    "type-status": "GET dr/status or performance/status when the type cannot be told",
    "status-object": "one replication type's status object (data.dr, data.performance)",
    "recover-response": "POST /v1/sys/replication/recover response",
    "reindex-request": "POST /v1/sys/replication/reindex request body",
    "reindex-response": "POST /v1/sys/replication/reindex response",
    "error": "any error body {'errors': [...]}",
    "health": "GET /v1/sys/health",
    "secondary-token-response": "POST */primary/secondary-token response (the token in wrap_info)",
    "merkle-check-response": "POST merkle-check response (merkle_corruption_report)",
    "operation-token-status": "dr/secondary/generate-operation-token/attempt and /update (top-level)",
    "paths-filter-response": "GET performance/primary/paths-filter/:id response",
    "dynamic-filter-response": "GET performance/*/dynamic-filter/:id response",
    "public-key-response": "POST */secondary/generate-public-key response",
}

ENDPOINT_PATHS = {
    "status": "/v1/sys/replication/status",
    "dr-status": "/v1/sys/replication/dr/status",
    "performance-status": "/v1/sys/replication/performance/status",
    "recover": "/v1/sys/replication/recover",
    "reindex": "/v1/sys/replication/reindex",
    "health": "/v1/sys/health",
}
"""The endpoints replmock knows, by short name (used by the server, the fixtures and the conformance suite)."""

RESPONSE_SCHEMA = {
    "status": "status",
    "dr-status": "dr-status",
    "performance-status": "performance-status",
    "recover": "recover-response",
    "reindex": "reindex-response",
    "health": "health",
}
"""The schema of each endpoint's successful response body."""

ISSUE_LIMIT = 50
"""How many issues per payload ``replmock validate`` (and any caller passing ``limit=ISSUE_LIMIT``) shows."""
COUNT_LIMIT = 10_000
"""With a limit, issues are counted up to this many, then collection stops (a bounded cost per payload)."""

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
)

# Hints for errors whose raw form would not say why (top-level copies of data fields
# that only Vault < 0.9 wrote; the flat pre-split status object).
_LEGACY_TOPLEVEL = frozenset(fl.name for fl in LEGACY_TOPLEVEL_FIELDS)


def is_rfc3339(value: object) -> bool:
    """Whether ``value`` is an RFC 3339 date-time with a time zone (what Vault writes)."""
    if not isinstance(value, str):
        return True  # formats only constrain strings
    match = _RFC3339.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # noqa: DTZ001 - validity only
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Issue:
    """One reason a payload does not match a schema."""

    path: str
    """JSON path of the offending value, such as ``$.data.dr.clock_skew_ms``."""
    message: str
    """What is wrong, in words."""
    expected: str
    """What the schema expects there."""
    value: Any
    """The offending value (for a missing field, the object it is missing from)."""
    source: str
    """The ``x-source`` of the rule: the doc page, version or sample it comes from."""
    keyword: str
    """The JSON Schema keyword that failed (``type``, ``required``...)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "message": self.message,
            "expected": self.expected,
            "value": self.value,
            "source": self.source,
            "keyword": self.keyword,
        }


@dataclass(frozen=True)
class Detection:
    """Which schema a payload looks like, and why."""

    schema: str | None
    style: str
    """``envelope`` (full Vault response), ``data`` (only ``{"data": ...}``), ``bare`` (the data object)."""
    reason: str


@dataclass(frozen=True)
class Report:
    """The result of validating one payload."""

    schema: str
    profile: Profile
    issues: tuple[Issue, ...] = field(default=())
    """The issues shown: all of them, or the first ``limit`` when validated with a limit."""
    detection: Detection | None = None
    total: int | None = None
    """How many issues were found (None: ``len(issues)``); at most ``COUNT_LIMIT`` when not ``complete``."""
    complete: bool = True
    """False when counting stopped at ``COUNT_LIMIT`` (there are more issues than ``total``)."""

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def issue_count(self) -> int:
        return len(self.issues) if self.total is None else self.total

    @property
    def omitted(self) -> int:
        """How many of the issues counted are not in ``issues``."""
        return self.issue_count - len(self.issues)

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "profile": self.profile,
            "ok": self.ok,
            "issues": [i.as_dict() for i in self.issues],
            "issue_count": self.issue_count,
            "issues_omitted": self.omitted,
            "issue_count_complete": self.complete,
            "detected": None if self.detection is None else self.detection.reason,
        }


def json_path(parts: Iterable[str | int]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _type_words(schema: dict[str, Any]) -> str:
    typ = schema.get("type")
    types = typ if isinstance(typ, list) else [typ]
    words = {"integer": "a JSON integer", "string": "a JSON string", "boolean": "a JSON boolean", "null": "null"}
    return " or ".join(words.get(str(t), f"a JSON {t}") for t in types)


class SchemaCatalog:
    """Every replmock schema in one ``referencing`` registry, with validators compiled once.

    One catalog is shared per process (:func:`catalog`); it holds read-only data and
    compiles each (schema, profile) validator once, under a lock.
    """

    def __init__(self, root: Path) -> None:
        from referencing import Registry, Resource

        self.root = root
        self._documents: dict[tuple[str, Profile], dict[str, Any]] = {}
        resources = []
        for profile in PROFILES:
            for name in SCHEMA_NAMES:
                path = root / profile / f"{name}.json"
                try:
                    doc = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    msg = f"cannot load schema {path}: {exc}"
                    raise UsageError(msg) from exc
                self._documents[(name, profile)] = doc
                resources.append((doc["$id"], Resource.from_contents(doc)))
        self.registry = Registry().with_resources(resources)
        self._validators: dict[tuple[str, Profile], Validator] = {}
        # Yes/no checks for the common case, a valid payload (replmock.schemas._fast), built on first use.
        self._checks: dict[tuple[str, Profile], Check] = {}
        self._lock = threading.Lock()

    def schema(self, name: str, profile: Profile = "lenient") -> dict[str, Any]:
        """The schema document ``name`` of ``profile``."""
        _check_choice("schema", name, SCHEMA_NAMES)
        _check_choice("profile", profile, PROFILES)
        return self._documents[(name, profile)]

    def validator(self, name: str, profile: Profile = "lenient") -> Validator:
        """The compiled validator for ``name`` under ``profile`` (built on first use)."""
        key = (name, profile)
        found = self._validators.get(key)
        if found is not None:
            return found
        schema = self.schema(name, profile)
        with self._lock:
            found = self._validators.get(key)
            if found is None:
                from jsonschema import Draft202012Validator, FormatChecker

                checker = FormatChecker(formats=())
                checker.checks("date-time")(is_rfc3339)
                found = Draft202012Validator(schema, registry=self.registry, format_checker=checker)
                self._validators[key] = found
        return found

    def _check(self, name: str, profile: Profile) -> Check:
        """The fast validity check for ``name`` under ``profile`` (built on first use; never True when invalid)."""
        schema = self.schema(name, profile)
        with self._lock:
            found = self._checks.get((name, profile))
            if found is None:
                from replmock.schemas._fast import compile_schema

                compiled = compile_schema(schema["$id"], self._documents.values(), {"date-time": is_rfc3339})
                # A schema the compiler does not know is never answered fast: jsonschema explains every payload.
                found = compiled if compiled is not None else _ask_jsonschema
                self._checks[(name, profile)] = found
        return found

    def issues(
        self, payload: Any, name: str, profile: Profile = "lenient", *, limit: int | None = None
    ) -> tuple[Issue, ...]:
        """Every reason ``payload`` does not match ``name`` under ``profile`` (empty when valid).

        With ``limit``, at most that many (the first in path order among at most ``COUNT_LIMIT`` found).
        """
        return self._collect(payload, name, profile, limit)[0]

    def _collect(
        self, payload: Any, name: str, profile: Profile, limit: int | None
    ) -> tuple[tuple[Issue, ...], int, bool]:
        """(issues sorted by path, at most ``limit``; how many were found; whether counting finished).

        Without a limit every issue is collected. With one, collection stops after ``COUNT_LIMIT``
        distinct issues, so a hostile payload (a million unknown fields, a million wrongly typed
        items) costs a bounded time and memory instead of one Issue per offending value.
        """
        if limit is not None and limit < 1:
            msg = f"limit must be at least 1, got {limit}"
            raise UsageError(msg)
        check = self._checks.get((name, profile)) or self._check(name, profile)
        try:
            if check(payload):
                return (), 0, True  # valid: what the walk below finds for a valid payload, without the walk
        except Exception:  # noqa: S110 - a value the check does not know (NotJSON...): jsonschema decides
            pass
        ceiling = None if limit is None else max(limit, COUNT_LIMIT)
        unique: dict[tuple[str, str], Issue] = {}
        complete = True
        for error in self.validator(name, profile).iter_errors(payload):
            for issue in _explain(error, profile):
                unique[(issue.path, issue.message)] = issue
                if ceiling is not None and len(unique) > ceiling:
                    unique.popitem()  # the one past the ceiling: it only proves there are more
                    complete = False
                    break
            if not complete:
                break
        # A value of the wrong type also fails its enum or pattern: report the type error alone.
        typed = {i.path for i in unique.values() if i.keyword == "type"}
        kept = sorted(
            (i for i in unique.values() if i.keyword == "type" or i.path not in typed),
            key=lambda i: (i.path, i.message),
        )
        return tuple(kept if limit is None else kept[:limit]), len(kept), complete

    def validate(
        self, payload: Any, schema: str | None = None, profile: Profile = "lenient", *, limit: int | None = None
    ) -> Report:
        """Validate ``payload`` against ``schema`` (detected from the payload when None).

        With ``limit``, the report holds at most ``limit`` issues and ``total`` says how many were
        found (counting stops at ``COUNT_LIMIT``; ``complete`` is then False).
        """
        if profile not in PROFILES:
            _check_choice("profile", profile, PROFILES)
        detection = None
        if schema is None:
            detection = detect(payload)
            if detection.schema is None:
                issue = Issue(
                    path="$",
                    message=f"unrecognised payload: {detection.reason}",
                    expected="one of: " + ", ".join(SCHEMA_NAMES),
                    value=_short(payload),
                    source="replmock shape detection",
                    keyword="detect",
                )
                return Report("unknown", profile, (issue,), detection)
            schema = detection.schema
        shown, total, complete = self._collect(payload, schema, profile, limit)
        return Report(schema, profile, shown, detection, total, complete)


def _ask_jsonschema(payload: Any) -> bool:
    """The check of a schema the fast compiler does not know: always "ask jsonschema"."""
    return False


def _check_choice(what: str, value: str, choices: Iterable[str]) -> None:
    if value not in choices:
        msg = f"unknown {what} {value!r}; expected one of: {', '.join(choices)}"
        raise UsageError(msg)


_SHORT = 80


def _short(value: Any) -> Any:
    """``value`` itself, or a truncated JSON text of it when it is long."""
    text = json.dumps(value, default=str)
    return value if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def _source(error: ValidationError) -> str:
    node: Any = error
    while node is not None:
        schema = node.schema if isinstance(node.schema, dict) else {}
        if "x-source" in schema:
            return str(schema["x-source"])
        node = node.parent
    return "replmock schema"


def _explain(error: ValidationError, profile: Profile) -> Iterator[Issue]:  # noqa: C901, PLR0912
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    rule: Any = error.validator_value
    path = list(error.absolute_path)
    keyword = str(error.validator)
    source = _source(error)
    value: Any = error.instance
    if keyword == "required":
        present = value if isinstance(value, dict) else {}
        for name in schema.get("required", []):
            if name not in present:
                sub = schema.get("properties", {}).get(name, {})
                what = sub.get("description")
                yield Issue(
                    json_path([*path, name]),
                    f"missing required field {name!r}",
                    f"the field to be present ({what})" if what else "the field to be present",
                    None,
                    sub.get("x-source", source),
                    keyword,
                )
        return
    if keyword == "additionalProperties":
        known = set(schema.get("properties", {}))
        # Document order (deterministic, and no sort of a million names when the caller stops early).
        extra = [name for name in value if name not in known] if isinstance(value, dict) else []
        for name in extra:
            message = f"unknown field {name!r} (the {profile} profile allows only: {', '.join(sorted(known))})"
            if not path and name in _LEGACY_TOPLEVEL:
                message = (
                    f"top-level {name!r} is a copy of data.{name} that only Vault < 0.9 wrote (HTTPSysInjector); "
                    "current Vault has it only inside data (validate old samples with --profile lenient)"
                )
            yield Issue(json_path([*path, name]), message, "no such field", _short(value[name]), source, keyword)
        return
    words = schema.get("x-expected")
    if keyword == "type":
        expected = _type_words(schema)
        message = f"expected {expected}, got {json.dumps(value)[:60]}"
    elif keyword == "pattern":
        expected = words or f"a string matching {rule}"
        message = f"expected {expected}, got {json.dumps(value)[:60]}"
    elif keyword in {"enum", "const"}:
        allowed = list(rule) if keyword == "enum" else [rule]
        expected = "one of " + ", ".join(json.dumps(a) for a in allowed)
        message = f"unexpected value {json.dumps(value)[:60]}; expected {expected}"
        if keyword == "const" and path and path[-1] == "mode" and len(path) == 2:  # noqa: PLR2004 - $.data.mode
            message += (
                " (a flat data object with a mode other than 'disabled' is the shape of Vault < 0.9, before the "
                "DR/performance split; current Vault nests it under data.dr and data.performance)"
            )
    elif keyword == "format":
        expected = words or "an RFC 3339 date-time with a time zone"
        message = f"expected {expected}, got {json.dumps(value)[:60]}"
    elif keyword == "anyOf":
        expected = words or "one of the allowed forms"
        message = f"expected {expected}, got {json.dumps(value)[:60]}"
    elif keyword in {"minimum", "minLength"}:
        expected = f"{keyword} {rule}"
        message = f"expected {expected}, got {json.dumps(value)[:60]}"
    else:
        expected = f"{keyword}: {rule}"
        message = error.message
    yield Issue(json_path(path), message, expected, _short(value), source, keyword)


@functools.cache
def catalog() -> SchemaCatalog:
    """The process-wide, read-only schema catalog (loaded on first use)."""
    return SchemaCatalog(data_dir("schemas"))


@functools.cache
def known_fields() -> frozenset[str]:
    """Every property name the strict schemas define (the fields a replication payload can have).

    Derived from the field table through the schema builder (``replmock.schemas._build``), without loading the
    schema files or jsonschema; ``tests/test_schemas.py`` checks the committed files are the builder's output.
    """
    from replmock.schemas._build import property_names

    return property_names("strict")


def validate(
    payload: Any, schema: str | None = None, profile: Profile = "lenient", *, limit: int | None = None
) -> Report:
    """Validate ``payload`` against the named schema (detected when None) under ``profile``."""
    return catalog().validate(payload, schema, profile, limit=limit)


def issues(payload: Any, schema: str, profile: Profile = "lenient", *, limit: int | None = None) -> tuple[Issue, ...]:
    """Every reason ``payload`` does not match ``schema`` under ``profile`` (at most ``limit``)."""
    return catalog().issues(payload, schema, profile, limit=limit)


_REINDEX_PARAMS = frozenset(fl.name for fl in REINDEX_FIELDS)


def detect(payload: Any) -> Detection:  # noqa: C901, PLR0911, PLR0912
    """Tell which replmock schema ``payload`` looks like (``schema`` is None when none fits)."""
    if not isinstance(payload, dict):
        return Detection(None, "bare", f"expected a JSON object, got {type(payload).__name__}")
    if "errors" in payload:
        return Detection("error", "bare", "has 'errors': an error body")
    if "initialized" in payload and "sealed" in payload:
        return Detection("health", "bare", "has 'initialized' and 'sealed': a sys/health body")
    if payload and set(payload) <= _REINDEX_PARAMS:
        return Detection("reindex-request", "bare", "only diff/force/skip_flush: a reindex request body")
    style = "envelope" if "request_id" in payload else "data"
    if "data" in payload:
        body = payload["data"]
        if body is None or (isinstance(body, dict) and not body and "warnings" in payload):
            if "warnings" in payload:
                return Detection(
                    "recover-response",
                    style,
                    "a body with warnings and no data: a recover or reindex response (same shape)",
                )
            return Detection(None, style, "'data' is null and there are no warnings")
        if not isinstance(body, dict):
            return Detection(None, style, f"'data' is a {type(body).__name__}, not an object")
    elif "warnings" in payload and "mode" not in payload:
        return Detection("recover-response", "bare", "only warnings: a recover or reindex response (same shape)")
    else:
        body, style = payload, "bare"
    if "dr" in body or "performance" in body:
        return Detection("status", style, "data has 'dr'/'performance': a sys/replication/status body")
    if "mode" in body:
        legacy = payload.get("mode") if "data" in payload else None
        if isinstance(legacy, str) and legacy.startswith("dr-"):
            return Detection("dr-status", style, f"top-level mode {legacy!r}: a dr/status body")
        if isinstance(legacy, str) and legacy.startswith("perf-"):
            return Detection("performance-status", style, f"top-level mode {legacy!r}: a performance/status body")
        for kind, wal in SHIPPED_WAL.items():  # a primary's WAL shipped to one type's secondaries names its type
            if wal in body:
                return Detection(f"{kind}-status", style, f"data has {wal}: a {kind}/status body")
        return Detection(
            "type-status",
            style,
            "data is one status object: a dr/status or performance/status body (or open-source Vault's status)",
        )
    return Detection(
        None, style, "no 'mode', 'dr', 'performance', 'errors' or 'warnings' where a replication body has them"
    )


__all__ = [
    "COUNT_LIMIT",
    "ENDPOINT_PATHS",
    "ISSUE_LIMIT",
    "PROFILES",
    "RESPONSE_SCHEMA",
    "SCHEMA_DESCRIPTIONS",
    "SCHEMA_NAMES",
    "Detection",
    "Issue",
    "Profile",
    "Report",
    "SchemaCatalog",
    "catalog",
    "detect",
    "is_rfc3339",
    "issues",
    "json_path",
    "known_fields",
    "validate",
]
