"""The control API: drive a running mock from any language, under ``/_replmock/`` on every cluster's port.

Requests here are never journaled as Vault traffic. Bodies and answers are JSON; a bad request answers
400 ``{"errors": ["what, where, what was expected"]}``.

| method | path | body | effect |
|---|---|---|---|
| POST | ``advance`` | ``{"seconds": N}`` | move the shared clock |
| POST | ``partition``, ``heal`` | ``{"clusters": ["A", "B"]}`` | cut or restore the link between two clusters |
| POST | ``seal``, ``unseal``, ``kill``, ``restart``, ``step-down`` | ``{"cluster": "A"}`` | node events |
| POST | ``slow-link`` | ``{"clusters": ["A", "B"], "seconds": N}`` | delay a link |
| POST | ``write`` | ``{"cluster": "A", "entries": N}`` | a burst of writes |
| POST | ``faults`` | ``{"cluster": "A", "kind": "status", "endpoint": ..., "times": ..., ...}`` | the Python API's faults |
| DELETE | ``faults`` | ``{"cluster": "A"}`` (optional) | clear faults |
| POST | ``reset`` | | forget journals and faults |
| POST | ``restore`` | | the topology as it was built (events, writes and replication calls undone, killed servers back) |
| GET | ``journal`` | ``?cluster=A`` (optional) | the requests each server received (tokens redacted) |
| GET | ``topology`` | | clock, clusters (URL, roles, state, unseal keys), links |
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from replmock._errors import ReplmockError
from replmock.generate.payloads import canary_age_ms
from replmock.server.faults import DEFAULT_TIMES
from replmock.vault import Answer, Request
from replmock.vault._wire import json_answer

if TYPE_CHECKING:  # pragma: no cover
    from replmock.server.vault import MockTopology

PREFIX = "/_replmock/"


class _Bad(ReplmockError):
    pass


def handle(fleet: MockTopology, request: Request, here: str) -> Answer:
    """Answer a control request to the server of cluster ``here``."""
    action = request.raw_path[len(PREFIX) :].strip("/")
    try:
        body = _body(request)
        result = _dispatch(fleet, request.method, action, body, request.query(), here)
    except (ReplmockError, ValueError, TypeError) as exc:
        return json_answer(400, {"errors": [str(exc)]})
    return json_answer(200, result)


def _body(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        value = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise _Bad(f"the body is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise _Bad(f"the body must be a JSON object, got {type(value).__name__}")
    return value


def _cluster(fleet: MockTopology, body: dict[str, Any], here: str, *, default: bool = True) -> str:
    name = body.get("cluster", here if default else None)
    if not isinstance(name, str) or name not in fleet.topology.clusters:
        raise _Bad(f'"cluster" must name one of {sorted(fleet.topology.clusters)}, got {name!r}')
    return name


def _pair(fleet: MockTopology, body: dict[str, Any]) -> tuple[str, str]:
    pair = body.get("clusters")
    names = fleet.topology.clusters
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, str) and n in names for n in pair)):  # noqa: PLR2004
        raise _Bad(f'"clusters" must be two of {sorted(names)}, such as ["A", "B"]; got {pair!r}')
    return pair[0], pair[1]


def _number(body: dict[str, Any], key: str, most: float = 10 * 365 * 86400) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= most:
        raise _Bad(f'"{key}" must be a number from 0 to {most:g}, got {value!r}')
    return float(value)


def _dispatch(  # noqa: C901, PLR0912, PLR0917 - one branch per control action
    fleet: MockTopology, method: str, action: str, body: dict[str, Any], query: dict[str, list[str]], here: str
) -> Any:
    top = fleet.topology
    if method == "GET" and action == "topology":
        return describe(fleet)
    if method == "GET" and action == "journal":
        names = query.get("cluster") or list(fleet.vaults)
        out = {}
        for name in names:
            if name not in fleet.vaults:
                raise _Bad(f"cluster must be one of {sorted(fleet.vaults)}, got {name!r}")
            out[name] = [asdict(e) for e in fleet.vaults[name].journal]
        return {"journal": out}
    if method == "DELETE" and action == "faults":
        targets = [_cluster(fleet, body, here)] if "cluster" in body else list(fleet.vaults)
        for name in targets:
            fleet.vaults[name].clear_faults()
        return {"cleared": targets}
    if method != "POST":
        raise _Bad(f"{method} /_replmock/{action} is not a control action; see GET /_replmock/topology")
    if action == "advance":
        top.advance(_number(body, "seconds"))
    elif action in {"partition", "heal"}:
        a, b = _pair(fleet, body)
        getattr(top, action)(a, b)
    elif action == "slow-link":
        a, b = _pair(fleet, body)
        top.slow_link(a, b, _number(body, "seconds"))
    elif action in {"seal", "unseal", "step-down"}:
        getattr(top, action.replace("-", "_"))(_cluster(fleet, body, here, default=False))
    elif action == "kill":
        name = _cluster(fleet, body, here, default=False)
        top.kill(name)
        threading.Thread(target=fleet.vaults[name].stop_after_answer, daemon=True).start()
    elif action == "restart":
        fleet.restart(_cluster(fleet, body, here, default=False))
    elif action == "write":
        entries = body.get("entries")
        if isinstance(entries, bool) or not isinstance(entries, int) or not 0 <= entries <= 10**9:
            raise _Bad(f'"entries" must be a whole number from 0 to 1000000000, got {entries!r}')
        top.write(_cluster(fleet, body, here, default=False), entries)
    elif action == "faults":
        params = {k: v for k, v in body.items() if k not in {"cluster", "kind", "endpoint", "times"}}
        vault = fleet.vaults[_cluster(fleet, body, here)]
        kind = str(body.get("kind"))
        default = 1 if kind == "state" and params.get("state") == "standby" else DEFAULT_TIMES.get(kind)
        fault = vault.fault(kind, body.get("endpoint"), times=body.get("times", default), **params)
        return {"added": fault.describe()}
    elif action == "restore":
        fleet.restore()
    elif action == "reset":
        for vault in fleet.vaults.values():
            vault.clear_faults()
            vault.journal.clear()
    else:
        raise _Bad(f"unknown control action {action!r}; see the table in replmock/server/control.py")
    return describe(fleet)


def describe(fleet: MockTopology) -> dict[str, Any]:
    """The fleet as JSON: the clock, every cluster by name (URL, roles, state, unseal keys), every link."""
    top = fleet.topology
    with top.lock:
        top.sync()
        clusters = {}
        for name, cluster in top.clusters.items():
            vault = fleet.vaults.get(name)
            enterprise = cluster.edition == "enterprise"
            clusters[name] = {
                "url": vault.url if vault is not None else None,
                "dr": top.role(name, "dr").mode if enterprise else "unsupported",
                "performance": top.role(name, "performance").mode if enterprise else "unsupported",
                "version": cluster.version,
                "sealed": cluster.sealed,
                "down": cluster.down,
                "active_node": cluster.active.name,
                "nodes": [n.name for n in cluster.nodes],
                "unseal_keys": vault.unseal_keys if vault is not None else [],
                "threshold": vault.threshold if vault is not None else 0,
            }
        links = [
            {
                "kind": rset.kind,
                "primary": rset.primary,
                "secondary": link.secondary,
                "mode": link.mode,
                "state": link.state,
                "connection_state": link.connection_state,
                "connected": link.connected,
                "last_remote_wal": int(link.remote_wal),
                "primary_wal": top.primary_wal(rset),
                "canary_age_ms": canary_age_ms(top, rset, link),
            }
            for rset, link in top.iter_links()
        ]
        clock = top.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return {"clock": clock, "clusters": clusters, "links": links}
