"""Faults: injected errors, latency, broken connections and API drift, one-shot or permanent, per endpoint."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from replmock._errors import UsageError

FaultKind = Literal["status", "latency", "drop", "truncate", "garbage", "drift"]
FAULT_KINDS: tuple[str, ...] = ("status", "latency", "drop", "truncate", "garbage", "drift")
DriftOp = Literal["remove", "rename", "retype", "enum"]
DRIFT_OPS: tuple[str, ...] = ("remove", "rename", "retype", "enum")

# Vault's own bodies for the usual failure codes (sdk/logical/error.go, http/handler.go).
DEFAULT_ERRORS = {
    429: "rate limit quota exceeded",
    500: "internal error",
    502: "upstream rate limited",
    503: "Vault is sealed",
}


@dataclass
class Fault:
    """One injected fault.

    ``endpoint`` limits it to one endpoint name (``status``, ``dr-status``,
    ``performance-status``, ``recover``, ``reindex``, ``health``); None means every request.
    ``times`` is how many requests it affects (None: until removed).
    """

    kind: FaultKind
    endpoint: str | None = None
    times: int | None = None
    status: int = 500
    errors: list[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    op: DriftOp | None = None
    field_name: str | None = None
    to: Any = None
    node_state: str | None = None
    """``sealed`` or ``standby``: sys/health then answers as such a node does instead of the status code."""
    used: int = 0

    def matches(self, endpoint: str | None) -> bool:
        return (self.endpoint is None or self.endpoint == endpoint) and (self.times is None or self.used < self.times)

    def describe(self) -> str:
        where = self.endpoint or "every endpoint"
        count = "permanent" if self.times is None else f"{self.used} of {self.times}"
        what = {
            "status": f"HTTP {self.status}",
            "latency": f"{self.seconds}s latency",
            "drift": f"drift {self.op} {self.field_name}",
        }.get(self.kind, self.kind)
        return f"{what} on {where}, {count}"


def make_fault(kind: str, **params: Any) -> Fault:
    """Build a :class:`Fault`, turning bad parameters into a :class:`UsageError` that lists the choices."""
    __tracebackhide__ = True
    if kind not in FAULT_KINDS:
        msg = f"unknown fault kind {kind!r}; expected one of: {', '.join(FAULT_KINDS)}"
        raise UsageError(msg)
    times = params.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        msg = f"times must be a positive number of requests or None (permanent), got {times!r}"
        raise UsageError(msg)
    if kind == "status":
        code = params.get("status", 500)
        if not isinstance(code, int) or not 100 <= code <= 599:  # noqa: PLR2004
            msg = f"status must be an HTTP status code from 100 to 599, got {code!r}"
            raise UsageError(msg)
    if kind == "latency" and not (isinstance(params.get("seconds"), int | float) and params["seconds"] >= 0):
        msg = f"latency needs seconds >= 0, got {params.get('seconds')!r}"
        raise UsageError(msg)
    if kind == "drift":
        op = params.get("op")
        if op not in DRIFT_OPS:
            msg = f"unknown drift op {op!r}; expected one of: {', '.join(DRIFT_OPS)}"
            raise UsageError(msg)
        if not params.get("field_name"):
            msg = "drift needs the name of the field to change (field_name=...)"
            raise UsageError(msg)
    try:
        return Fault(kind=kind, **params)  # type: ignore[arg-type]
    except TypeError as exc:
        msg = f"bad fault parameters for {kind!r}: {exc}"
        raise UsageError(msg) from None


class Faults:
    """The faults of one server; thread-safe, consumed in the order they were added."""

    def __init__(self) -> None:
        self._items: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._items.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._items if f.times is None or f.used < f.times]

    def take(self, endpoint: str | None) -> list[Fault]:
        """The faults that apply to this request (each counts one use)."""
        with self._lock:
            chosen = [f for f in self._items if f.matches(endpoint)]
            for f in chosen:
                f.used += 1
            self._items = [f for f in self._items if f.times is None or f.used < f.times]
            return chosen


UNKNOWN_ENUM = "replmock-unknown-value"


def _retype(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return len(value)
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return [value]


def apply_drift(body: Any, fault: Fault) -> tuple[Any, int]:
    """A copy of ``body`` with ``fault``'s drift applied to every occurrence of the field; and how many changed."""
    out = copy.deepcopy(body)
    changed = 0
    name = fault.field_name

    def walk(node: Any) -> None:
        nonlocal changed
        if isinstance(node, dict):
            if name in node:
                changed += 1
                if fault.op == "remove":
                    del node[name]
                elif fault.op == "rename":
                    node[fault.to or f"{name}_v2"] = node.pop(name)
                elif fault.op == "retype":
                    node[name] = fault.to if fault.to is not None else _retype(node[name])
                else:
                    node[name] = fault.to if fault.to is not None else UNKNOWN_ENUM
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(out)
    return out, changed
