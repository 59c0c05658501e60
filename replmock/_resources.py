"""Resources: where the packaged data folders (schemas, conformance suite) live."""

from __future__ import annotations

from pathlib import Path

from replmock._errors import DataError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` from the installed wheel, or from the source checkout.

    A wheel carries the repository's top-level ``schemas/`` and ``contract_tests/`` under
    ``replmock/_data/``; a source checkout (editable install, running from the repo) has
    them beside the package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    msg = f"cannot find the {name!r} folder in {_PACKAGE / '_data'} or {_PACKAGE.parent}; reinstall replmock"
    raise DataError(msg)
