"""Vault's request-data framework: where parameters come from, how fields are typed and parsed, unknown fields.

Sources: Vault 1.14 ``http/logical.go`` and ``http/handler.go`` (parseJSONRequest, parseFormRequest, isForm),
``sdk/framework/field_data.go`` and ``field_type.go`` (TypeBool, TypeInt, TypeString, TypeCommaStringSlice),
``sdk/framework/backend.go`` (the unrecognized-parameter warning); observed on OpenBao 2.7.2 (reference §10, §14.10-14.11).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from replmock.schemas._fields import PARSEBOOL_FALSE, PARSEBOOL_TRUE
from replmock.vault._wire import GoNumber, JSONInputError, Request, decode_json

FieldType = Literal["bool", "int", "string", "strings", "map"]


@dataclass(frozen=True)
class Field:
    """One documented parameter of an operation."""

    name: str
    type: FieldType
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    """The values the handler takes (empty: any); the handler refuses the others with its own text."""


class ParamError(ValueError):
    """A request's data Vault refuses with 400; ``str()`` is Vault's error text (sent bare)."""


UNRECOGNIZED = "Endpoint ignored these unrecognized parameters: [{}]"


def body_data(request: Request, *, vault_texts: bool = False) -> dict[str, Any] | None:
    """The data of a POST/PUT body: a form when Vault's isForm says so, else JSON; None for an empty body.

    Raises :class:`ParamError` with the decoder's error. OpenBao writes ``failed to decode JSON input: <detail>``;
    Vault 1.14+ writes ``error parsing JSON`` for PATCH only and the same ``failed to parse JSON input`` family
    elsewhere; replmock uses the OpenBao text, the one observed on a live server.
    """
    raw = request.body
    if _is_form(request):
        try:
            pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True, strict_parsing=False)
        except ValueError as exc:
            raise ParamError("error parsing form data") from exc
        data: dict[str, Any] = {}
        for key, value in pairs:  # a repeated key is joined with "," (observed: a=1&b=2&a=3 -> "1,3")
            data[key] = f"{data[key]},{value}" if key in data else value
        return data
    if not raw.strip():
        return None
    try:
        value = decode_json(raw)
    except JSONInputError as exc:
        raise ParamError(f"failed to decode JSON input: {exc}") from None
    if value is None:  # `null` leaves Go's map nil (what `vault write -f` sends)
        return None
    if not isinstance(value, dict):
        kind = {list: "array", str: "string", bool: "bool"}.get(type(value), "number")
        msg = f"failed to decode JSON input: json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        raise ParamError(msg)
    return value


def _is_form(request: Request) -> bool:
    """Vault's isForm: a form Content-Type and a body whose first non-space byte (of 512) is not { or [."""
    content_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return False
    head = request.body[:512].lstrip()
    return not head.startswith((b"{", b"["))


def query_data(query: dict[str, list[str]]) -> dict[str, Any]:
    """GET query values as request data: ``help`` skipped, one value a string, several a list (a list request
    drops ``list`` itself)."""
    return {k: (v[0] if len(v) == 1 else list(v)) for k, v in query.items() if k != "help"}


_TRUE = frozenset(PARSEBOOL_TRUE)
_FALSE = frozenset(PARSEBOOL_FALSE)
_GO_TYPES = {list: "[]interface {}", dict: "map[string]interface {}", bool: "bool", str: "string"}


def parse_bool_text(text: str) -> bool | None:
    """strconv.ParseBool: True/False, or None for anything else."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def parse_int_text(text: str) -> int | None:
    """strconv.Atoi: an optional sign and decimal digits only (no spaces, no underscores), within int64."""
    body = text[1:] if text[:1] in {"+", "-"} else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _convert_error(field: str, detail: str) -> ParamError:
    return ParamError(f'Field validation failed: error converting input for field "{field}": {detail}')


def parse_field(spec: Field, value: Any) -> Any:  # noqa: C901, PLR0911, PLR0912 - one branch per field type and input type
    """Decode ``value`` as Vault's framework decodes ``spec`` (mapstructure.WeakDecode over json.Number)."""
    if value is None:
        return spec.default
    if spec.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):  # GoNumber included: WeakDecode parses a json.Number's text
            parsed = parse_bool_text(value) if value or isinstance(value, GoNumber) else False
            if parsed is None:
                raise _convert_error(spec.name, "'' cannot parse value as 'bool': strconv.ParseBool: invalid syntax")
            return parsed
        go = _GO_TYPES.get(type(value), type(value).__name__)
        raise _convert_error(spec.name, f"'' expected type 'bool', got unconvertible type '{go}'")
    if spec.type == "int":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            parsed_int = parse_int_text(value) if value else 0
            if parsed_int is None:
                raise _convert_error(
                    spec.name, f"cannot parse '' as int: strconv.ParseInt: parsing \"{value}\": invalid syntax"
                )
            return parsed_int
        go = _GO_TYPES.get(type(value), type(value).__name__)
        raise _convert_error(spec.name, f"'' expected type 'int', got unconvertible type '{go}'")
    if spec.type == "string":
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, str):
            return str(value)
        go = _GO_TYPES.get(type(value), type(value).__name__)
        raise _convert_error(spec.name, f"'' expected type 'string', got unconvertible type '{go}'")
    if spec.type == "strings":  # TypeCommaStringSlice: parseutil.ParseCommaStringSlice
        return _comma_strings(spec.name, value)
    if isinstance(value, dict):
        return value
    go = _GO_TYPES.get(type(value), type(value).__name__)
    raise _convert_error(spec.name, f"'' expected a map, got '{go}'")


def _comma_strings(name: str, value: Any) -> list[str]:
    """parseutil.ParseCommaStringSlice: "" is an empty list; a string is split on "," (empty parts kept); any other
    scalar is one element; each element is weakly decoded to a string (null "", true "1", a number its text) and
    trimmed. Observed on OpenBao 2.7 (sys/config/cors allowed_origins): "a,,b" -> [a, "", b], [null, "a"] -> ["", a],
    true -> ["1"], [{}] -> 400."""
    if isinstance(value, str) and not isinstance(value, GoNumber):
        return [part.strip() for part in value.split(",")] if value else []
    items = value if isinstance(value, list) else [value]  # mapstructure lifts a single value into the slice
    out = []
    for i, item in enumerate(items):
        if item is None:
            out.append("")
        elif isinstance(item, bool):
            out.append("1" if item else "0")
        elif isinstance(item, str):  # GoNumber included: a number keeps its JSON text
            out.append(item.strip())
        else:
            go = _GO_TYPES.get(type(item), type(item).__name__)
            raise ParamError(
                f'Field validation failed: error converting input for field "{name}": 1 error(s) decoding:\n\n'
                f"* '[{i}]' expected type 'string', got unconvertible type '{go}', value: '{go_value(item)}'"
            )
    return out


def go_value(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value (maps with sorted keys)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """strconv.Quote (Go's %q of a string): printable characters raw, the rest escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in {'"', "\\"}:
            out.append("\\" + char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():  # Python's idea of printable is unicode.IsPrint's, closely enough
            out.append(char)
        elif code < 0x80:  # noqa: PLR2004
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:  # noqa: PLR2004
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out) + '"'


def parse_fields(fields: tuple[Field, ...], data: dict[str, Any]) -> dict[str, Any]:
    """Every declared field of ``data``, decoded (defaults for absent ones); raises :class:`ParamError`."""
    out = {}
    for spec in fields:
        if spec.required and data.get(spec.name) in (None, ""):
            raise ParamError(f"missing {spec.name}")
        out[spec.name] = parse_field(spec, data.get(spec.name))
    return out


def unrecognized_warning(data: dict[str, Any], fields: tuple[Field, ...]) -> str | None:
    """Vault's warning for parameters an operation does not take (names sorted, Go's %v of a []string)."""
    ignored = sorted(set(data) - {f.name for f in fields})
    return UNRECOGNIZED.format(" ".join(ignored)) if ignored else None
