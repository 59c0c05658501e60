"""Test helpers: observations of every cluster of a topology, and the body a real sample of a mode has."""

from __future__ import annotations

from typing import Any

from replmock.generate import view
from replmock.model import Observation, Topology


def observe(top: Topology) -> list[Observation]:
    """Read every cluster's views the way the conformance suite reads a server: secondaries first."""
    order = sorted(
        top.clusters, key=lambda c: all(top.role(c, k).mode in {"primary", "disabled"} for k in ("dr", "performance"))
    )
    return [
        Observation(
            name,
            status={"data": view(top, name, "status")},
            dr_status=_wrap(view(top, name, "dr-status")),
            performance_status=_wrap(view(top, name, "performance-status")),
            health=view(top, name, "health"),
            observed_at=top.now(),
        )
        for name in order
    ]


def _wrap(data: Any) -> Any:
    return None if data is None else {"data": data}


def json_type(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }[type(value)]


def shape(obj: Any) -> Any:
    """Keys and JSON types, recursively (first array item stands for all)."""
    if isinstance(obj, dict):
        return {k: shape(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [shape(obj[0])] if obj else []
    return json_type(obj)
