"""Vault semantics without a transport: a request in, Vault's answer out.

The front door of the layer between the payload views (``replmock.generate``) and the server
(``replmock.server``): :class:`VaultNode` decides, from a parsed :class:`Request` and the topology,
the :class:`Answer` (status, headers, body bytes) a Vault node gives. The route table
(``replmock.vault._routes``) is the one place that says which paths exist, their operations,
auth class and fields; ``_params`` is Vault's parameter framework, ``_errors`` its error conventions,
``_handlers`` one handler per endpoint family, ``_wire`` JSON as Go reads and writes it.
"""

from __future__ import annotations

from replmock.vault._auth import TOKEN_KINDS, Token, parse_token_spec, token_table
from replmock.vault._core import VaultNode
from replmock.vault._routes import ENDPOINT_NAMES, endpoint_of, hint, normalize
from replmock.vault._wire import Answer, Request, encode, status_text

__all__ = [
    "ENDPOINT_NAMES",
    "TOKEN_KINDS",
    "Answer",
    "Request",
    "Token",
    "VaultNode",
    "encode",
    "endpoint_of",
    "hint",
    "normalize",
    "parse_token_spec",
    "status_text",
    "token_table",
]
