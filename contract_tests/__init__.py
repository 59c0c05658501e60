"""Conformance suite: checks a real Vault (or the mock) against replmock's schemas and invariants."""
