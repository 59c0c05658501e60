"""replmock: JSON Schemas, a mock server and a conformance suite for Vault's replication API.

The package root stays light: names are imported on first use, so that loading the
pytest plugin does not pull in jsonschema, Faker or the HTTP server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from replmock._errors import ReplmockError

__version__ = "0.1.0"

__all__ = [
    "MockVault",
    "ReplmockError",
    "Topology",
    "__version__",
    "build_topology",
    "detect",
    "scenario",
    "scenario_names",
    "validate",
]

_LAZY = {
    "MockVault": "replmock.server",
    "Topology": "replmock.model",
    "build_topology": "replmock.generate",
    "scenario": "replmock.generate",
    "scenario_names": "replmock.generate",
    "detect": "replmock.schemas",
    "validate": "replmock.schemas",
}

if TYPE_CHECKING:  # pragma: no cover
    from replmock.generate import build_topology, scenario, scenario_names
    from replmock.model import Topology
    from replmock.schemas import detect, validate
    from replmock.server import MockVault


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'replmock' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module), name)
