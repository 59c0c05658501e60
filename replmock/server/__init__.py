"""Server layer: MockVault, a mock Vault node on pytest-httpserver with Vault's semantics, faults and a journal (no pytest import)."""

from __future__ import annotations

from replmock.server.faults import Fault
from replmock.server.journal import JournalEntry
from replmock.server.vault import MockTopology, MockVault, ResponseSchemaError, UnexpectedRequestError

__all__ = ["Fault", "JournalEntry", "MockTopology", "MockVault", "ResponseSchemaError", "UnexpectedRequestError"]
