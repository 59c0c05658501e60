"""Conformance suite configuration (target selection grows with the conformance issue)."""
