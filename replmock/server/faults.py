"""Faults: typed stages of a request's path through the mock, one-shot or permanent, per endpoint.

Each kind of fault acts at one stage, in this order:

1. ``delay``: :class:`Latency` waits before anything else;
2. ``replace``: :class:`Drop`, :class:`Status` or :class:`Garbage` answer instead of Vault;
3. ``state``: :class:`NodeState` makes the node answer as a sealed node or a standby (``sys/health``,
   ``sys/seal-status`` and ``sys/leader`` included);
4. ``body``: :class:`Drift` changes fields of a successful JSON body;
5. ``wire``: :class:`Truncate` sends half the body and closes.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from replmock._errors import UsageError

FAULT_KINDS: tuple[str, ...] = ("status", "latency", "drop", "truncate", "garbage", "drift", "state")
DriftOp = Literal["remove", "rename", "retype", "enum"]
DRIFT_OPS: tuple[str, ...] = ("remove", "rename", "retype", "enum")
STAGES: tuple[str, ...] = ("delay", "replace", "state", "body", "wire")
MAX_LATENCY = 3600.0
"""Seconds: a longer latency is a hang, which a test expresses better with ``drop()``."""
NODE_STATES: tuple[str, ...] = ("sealed", "standby", "perf-standby")
DEFAULT_TIMES: dict[str, int | None] = {"status": 1, "drop": 1, "truncate": 1, "garbage": 1}
"""How many requests a fault lasts when not told: one where a retry is the usual client answer, as in the Python API."""

# Vault's own bodies for the usual failure codes (sdk/logical/error.go, http/handler.go).
DEFAULT_ERRORS = {
    429: "rate limit quota exceeded",
    500: "internal error",
    502: "upstream rate limited",
    503: "Vault is sealed",
}


@dataclass
class Fault:
    """One injected fault: ``endpoint`` limits it to one endpoint name (None: every request); ``times`` is how
    many requests it affects (None: until removed)."""

    kind: ClassVar[str] = ""
    stage: ClassVar[str] = ""
    endpoint: str | None = None
    times: int | None = None
    used: int = field(default=0, init=False)

    def matches(self, endpoint: str | None) -> bool:
        return (self.endpoint is None or self.endpoint == endpoint) and (self.times is None or self.used < self.times)

    def what(self) -> str:
        return self.kind

    def describe(self) -> str:
        where = self.endpoint or "every endpoint"
        count = "permanent" if self.times is None else f"{self.used} of {self.times}"
        return f"{self.what()} on {where}, {count}"


@dataclass
class Latency(Fault):
    kind: ClassVar[str] = "latency"
    stage: ClassVar[str] = "delay"
    seconds: float = 0.0

    def what(self) -> str:
        return f"{self.seconds}s latency"


@dataclass
class Drop(Fault):
    """Close the connection without an answer."""

    kind: ClassVar[str] = "drop"
    stage: ClassVar[str] = "replace"


@dataclass
class Status(Fault):
    """Answer ``status`` with ``{"errors": errors}`` (and ``headers``) instead of Vault."""

    kind: ClassVar[str] = "status"
    stage: ClassVar[str] = "replace"
    status: int = 500
    errors: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def what(self) -> str:
        return f"HTTP {self.status}"


@dataclass
class Garbage(Fault):
    """An HTML page (what a load balancer in front of Vault sends) labelled as JSON."""

    kind: ClassVar[str] = "garbage"
    stage: ClassVar[str] = "replace"
    status: int = 200


@dataclass
class NodeState(Fault):
    """The node answers as a ``sealed`` node or a ``standby`` (one that redirects, or 503 when ``redirect`` is off)."""

    kind: ClassVar[str] = "state"
    stage: ClassVar[str] = "state"
    state: Literal["sealed", "standby", "perf-standby"] = "sealed"
    redirect: bool = True

    def what(self) -> str:
        return self.state if self.redirect else f"{self.state} (cannot forward)"


@dataclass
class Drift(Fault):
    kind: ClassVar[str] = "drift"
    stage: ClassVar[str] = "body"
    op: DriftOp = "remove"
    field_name: str = ""
    to: Any = None

    def what(self) -> str:
        return f"drift {self.op} {self.field_name}"

    def apply(self, body: Any) -> tuple[Any, int]:
        """A copy of ``body`` with this drift applied to every occurrence of the field; and how many changed."""
        out = copy.deepcopy(body)
        changed = 0
        name = self.field_name

        def walk(node: Any) -> None:
            nonlocal changed
            if isinstance(node, dict):
                if name in node:
                    changed += 1
                    if self.op == "remove":
                        del node[name]
                    elif self.op == "rename":
                        node[self.to or f"{name}_v2"] = node.pop(name)
                    elif self.op == "retype":
                        node[name] = self.to if self.to is not None else _retype(node[name])
                    else:
                        node[name] = self.to if self.to is not None else UNKNOWN_ENUM
                for value in list(node.values()):
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(out)
        return out, changed


@dataclass
class Truncate(Fault):
    """Send half the body under the full Content-Length, then close the connection."""

    kind: ClassVar[str] = "truncate"
    stage: ClassVar[str] = "wire"


_BY_KIND: dict[str, type[Fault]] = {c.kind: c for c in (Latency, Drop, Status, Garbage, NodeState, Drift, Truncate)}


def make_fault(kind: str, **params: Any) -> Fault:  # noqa: C901 - one check per parameter, each with its message
    """Build a fault of ``kind``, turning bad parameters into a :class:`UsageError` that lists the choices."""
    __tracebackhide__ = True
    cls = _BY_KIND.get(kind)
    if cls is None:
        msg = f"unknown fault kind {kind!r}; expected one of: {', '.join(FAULT_KINDS)}"
        raise UsageError(msg)
    times = params.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        msg = f"times must be a positive number of requests or None (permanent), got {times!r}"
        raise UsageError(msg)
    if kind in {"status", "garbage"}:
        code = params.get("status", 500)
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:  # noqa: PLR2004
            msg = f"status must be an HTTP status code from 100 to 599, got {code!r}"
            raise UsageError(msg)
    if kind == "status" and params.get("errors") is None:
        params["errors"] = []
    seconds = params.get("seconds")
    if kind == "latency" and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_LATENCY
    ):
        msg = f"latency needs seconds from 0 to {MAX_LATENCY}, got {seconds!r}"
        raise UsageError(msg)
    if kind == "state" and params.get("state", "sealed") not in NODE_STATES:
        msg = f"unknown node state {params.get('state')!r}; expected one of: {', '.join(NODE_STATES)}"
        raise UsageError(msg)
    if kind == "drift":
        if params.get("op") not in DRIFT_OPS:
            msg = f"unknown drift op {params.get('op')!r}; expected one of: {', '.join(DRIFT_OPS)}"
            raise UsageError(msg)
        if not params.get("field_name"):
            msg = "drift needs the name of the field to change (field_name=...)"
            raise UsageError(msg)
    try:
        return cls(**params)
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
        """The faults that apply to this request (each counts one use), in stage order."""
        with self._lock:
            chosen = [f for f in self._items if f.matches(endpoint)]
            for f in chosen:
                f.used += 1
            self._items = [f for f in self._items if f.times is None or f.used < f.times]
        return sorted(chosen, key=lambda f: STAGES.index(f.stage))


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
