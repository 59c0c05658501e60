"""Generate layer: realistic payloads as views of a topology, named scenarios and fixture files."""

from __future__ import annotations

from replmock.generate.payloads import ENDPOINTS, health, replication_status, status_object, view
from replmock.generate.scenarios import (
    SCENARIOS,
    ClusterSpec,
    Generator,
    Scenario,
    SecondarySpec,
    TopologySpec,
    build_topology,
    get_scenario,
    scenario,
    scenario_names,
)

__all__ = [
    "ENDPOINTS",
    "SCENARIOS",
    "ClusterSpec",
    "Generator",
    "Scenario",
    "SecondarySpec",
    "TopologySpec",
    "build_topology",
    "get_scenario",
    "health",
    "replication_status",
    "scenario",
    "scenario_names",
    "status_object",
    "view",
]
