"""Errors: the one root exception every replmock failure derives from."""

from __future__ import annotations


class ReplmockError(Exception):
    """Base class of every error replmock raises on purpose; messages start with 'replmock:'."""

    def __init__(self, message: str) -> None:
        super().__init__(message if message.startswith("replmock:") else f"replmock: {message}")


class UsageError(ReplmockError, ValueError):
    """A caller passed a value replmock does not accept (unknown scenario, profile, schema...)."""


class DataError(ReplmockError, FileNotFoundError):
    """Packaged data (schemas, the conformance suite) could not be found."""
