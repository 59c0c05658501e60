"""Tokens and their policies: the root token (sudo), operator tokens, and tokens holding only ``default``.

Vault checks a token against its policies' path rules before it routes the request (an unknown mount
answers 403 to a non-root token: reference §14.8). A token of kind ``operator`` holds replmock's
``replication-operator`` policy plus ``default``; ``default`` is the policy Vault attaches to every token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from replmock._errors import UsageError

TokenKind = Literal["root", "operator", "default"]
TOKEN_KINDS: tuple[str, ...] = ("root", "operator", "default")

# Path rules as (glob, capabilities); a trailing * is a prefix match, as in Vault's ACL.
# Vault's built-in default policy (vault/policy_store.go defaultPolicy), the paths that matter here.
DEFAULT_POLICY: tuple[tuple[str, frozenset[str]], ...] = (
    ("auth/token/lookup-self", frozenset({"read"})),
    ("auth/token/renew-self", frozenset({"update"})),
    ("auth/token/revoke-self", frozenset({"update"})),
    ("sys/capabilities-self", frozenset({"update"})),
    ("sys/internal/ui/resultant-acl", frozenset({"read"})),
    ("sys/leases/renew", frozenset({"update"})),
    ("sys/leases/lookup", frozenset({"update"})),
    ("sys/renew", frozenset({"update"})),
    ("sys/tools/hash", frozenset({"update"})),
    ("sys/tools/hash/*", frozenset({"update"})),
    ("sys/wrapping/lookup", frozenset({"update"})),
    ("sys/wrapping/unwrap", frozenset({"update"})),
    ("sys/wrapping/rewrap", frozenset({"update"})),
    ("sys/wrapping/wrap", frozenset({"update"})),
    ("sys/control-group/request", frozenset({"update"})),
    ("cubbyhole/*", frozenset({"create", "read", "update", "delete", "list"})),
)
OPERATOR_POLICY: tuple[tuple[str, frozenset[str]], ...] = (
    ("sys/replication/*", frozenset({"create", "read", "update"})),
)


@dataclass(frozen=True)
class Token:
    """A token the mock knows: its id (secret), a display name, and its kind."""

    id: str
    kind: TokenKind
    display_name: str = "token"

    def __repr__(self) -> str:
        return f"<Token {self.kind} {self.display_name}>"

    @property
    def sudo(self) -> bool:
        return self.kind == "root"

    @property
    def policies(self) -> list[str]:
        return {"root": ["root"], "operator": ["default", "replication-operator"], "default": ["default"]}[self.kind]

    def allows(self, path: str, capability: str) -> bool:
        """Whether the token's policies grant ``capability`` on the logical ``path`` (sudo aside)."""
        if self.kind == "root":
            return True
        rules = DEFAULT_POLICY + (OPERATOR_POLICY if self.kind == "operator" else ())
        return any(capability in caps and _matches(glob, path) for glob, caps in rules)

    def accessor(self) -> str:
        return hashlib.sha256(f"accessor/{self.id}".encode()).hexdigest()[:24]


def _matches(glob: str, path: str) -> bool:
    return path.startswith(glob[:-1]) if glob.endswith("*") else path == glob


def parse_token_spec(spec: str) -> tuple[str, TokenKind]:
    """``NAME`` (an operator token: update on the replication paths, no sudo) or ``NAME:KIND``."""
    name, sep, kind = spec.partition(":")
    if not sep:
        kind = "operator"
    if not name:
        msg = f"token {spec!r}: the token itself is empty; expected NAME or NAME:default"
        raise UsageError(msg)
    if kind not in TOKEN_KINDS:
        msg = f"token {spec!r}: unknown kind {kind!r}; expected NAME, NAME:operator or NAME:default"
        raise UsageError(msg)
    return name, kind  # type: ignore[return-value]


def token_table(root_token: str, tokens: Iterable[str]) -> dict[str, Token]:
    """The tokens a node knows, from the root token and ``NAME[:KIND]`` specs (the root token keeps its sudo)."""
    if not root_token:
        msg = "the root token must not be empty"
        raise UsageError(msg)
    table = {root_token: Token(root_token, "root", "root")}
    for spec in tokens:
        name, kind = parse_token_spec(spec)
        if name != root_token:
            table[name] = Token(name, kind, name if kind != "root" else "root")
    return table
