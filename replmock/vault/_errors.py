"""Vault's error conventions: which texts, which status codes, bare or wrapped by go-multierror.

An error that Vault's request handling returns as a Go ``error`` through ``handleRequest`` (a token was sent,
or the path needs one) is wrapped by go-multierror: ``1 error occurred:\\n\\t* permission denied\\n\\n``. The
same error on the login path (an unauthenticated path, no token) and errors that a backend returns as an
error *response* (field validation, ``enterprise-only feature``) are sent bare. Observed on OpenBao 2.7.2,
which shares this code with Vault (reference §5.2, §10, §14.8).
"""

from __future__ import annotations

PERMISSION_DENIED = "permission denied"
INVALID_TOKEN = "invalid token"  # noqa: S105 - an error text, not a secret
UNSUPPORTED_PATH = "unsupported path"
UNSUPPORTED_OPERATION = "unsupported operation"
INTERNAL_ONLY = "cannot handle internal-only request operation"
NAMESPACE_REFUSED = "operation unavailable in namespaces"
NAMESPACE_NOT_FOUND = "namespace not found"
DR_SECONDARY_DISABLED = "path disabled in replication DR secondary mode"
ENTERPRISE_ONLY = "enterprise-only feature"
SEALED = "Vault is sealed"
NO_ACTIVE = "no active Vault instance found"
BODY_TOO_LARGE = "http: request body too large"


def multierror(*messages: str) -> str:
    """hashicorp/go-multierror's text for ``messages``."""
    head = "1 error occurred" if len(messages) == 1 else f"{len(messages)} errors occurred"
    return head + ":\n" + "".join(f"\t* {m}\n" for m in messages) + "\n"


def no_route(logical_path: str) -> str:
    """The router's answer for a path under no mount (observed on OpenBao and in Vault captures, §14.8)."""
    return f'no handler for route "{logical_path}". route entry not found.'


class VaultError(Exception):
    """An error Vault answers with ``status`` and ``{"errors": [text]}`` (``text`` None: an empty list)."""

    def __init__(self, status: int, text: str | None, *, expected: bool = True) -> None:
        super().__init__(text or "")
        self.status = status
        self.text = text
        self.expected = expected
