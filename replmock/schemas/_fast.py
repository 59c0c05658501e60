"""A fast yes/no answer to "is this payload valid?", compiled once per schema from replmock's own schema files.

jsonschema's ``iter_errors`` walks every keyword of every subschema through generic dispatch, builds
error objects and evolves validators for ``if``; it is what explains an invalid payload, and it stays the
only thing that does. Most payloads are valid, though, and for them one question matters: is there any
error at all? :func:`compile_schema` turns a schema document into nested Python closures that answer it
for exactly the keywords replmock's schemas use (``tools/build_schemas.py`` writes them):

``type``, ``enum``, ``const``, ``pattern``, ``minLength``, ``minimum``, ``format`` (only the formats the
caller passes, with the caller's checker), ``required``, ``properties``, ``additionalProperties``,
``items``, ``if``/``then``/``else``, ``allOf``, ``anyOf``, and ``$ref`` to ``#/...`` pointers or to
another document by its ``$id``; annotations (``title``, ``description``, ``x-*``...) are ignored.

The contract, checked against ``Draft202012Validator.is_valid`` by ``tests/test_fast_validate.py``:

- on JSON values (``dict`` with ``str`` keys, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``) the
  answer is jsonschema's, with its semantics: ``integer`` accepts ``1.0`` but no bool, ``number`` excludes
  bool, ``enum``/``const`` compare as jsonschema's ``equal`` (``1 == 1.0``, ``True != 1``, deep lists and
  objects), ``pattern`` is ``re.search``, ``minLength`` counts code points, keywords of one type ignore the
  others, an ``if`` without ``then``/``else`` changes nothing, a ``$ref``'s siblings apply too;
- where a check has to look at anything else (a ``str`` or ``dict`` subclass, a tuple, a ``Decimal``...), it
  raises :class:`NotJSON` rather than guess (a negated answer, under ``if``, would otherwise turn a guess into a
  wrong "valid"): the caller then asks jsonschema;
- a schema using any keyword or form not listed above is not compiled at all (:func:`compile_schema` returns
  None), so a new keyword in the schema files can never turn into a wrong "valid".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

Check = Callable[[Any], bool]
"""A compiled schema: whether a JSON value is valid (raises :class:`NotJSON` on other values)."""

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "then",  # without an `if`, jsonschema ignores them; with one, the `if` compiles them
        "else",
    }
)
_ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "minimum",
        "format",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "if",
        "allOf",
        "anyOf",
        "$ref",
    }
)
_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})


class Unsupported(Exception):
    """The schema uses something this compiler does not know; jsonschema alone validates it."""


class NotJSON(TypeError):
    """A check met a value that is not a plain JSON value; jsonschema alone validates that payload."""


def compile_schema(
    uri: str, documents: Iterable[Mapping[str, Any]], formats: Mapping[str, Callable[[Any], object]]
) -> Check | None:
    """The check for the document whose ``$id`` is ``uri`` (None when any part of it is unsupported).

    ``documents`` are every document a ``$ref`` may reach, by their ``$id``; ``formats`` the format checkers
    the jsonschema validator uses (a format not in it makes the schema unsupported).
    """
    try:
        compiler = _Compiler(documents, formats)
        return compiler.reference(uri, uri)
    except Unsupported:
        return None


_ABSENT = object()


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _unbool(value: Any) -> bool:
    return value is True or value is False


def json_equal(one: Any, two: Any) -> bool:
    """jsonschema's ``equal``: ``1 == 1.0`` but ``True != 1``; sequences and mappings compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(i, j) for i, j in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and json_equal(value, two[key]) for key, value in one.items())
    if _unbool(one) or _unbool(two):
        return False  # `one is two` was False: a bool equals only itself
    return bool(one == two)


class _Compiler:
    def __init__(self, documents: Iterable[Mapping[str, Any]], formats: Mapping[str, Callable[[Any], object]]) -> None:
        self._documents: dict[str, Mapping[str, Any]] = {}
        for document in documents:
            ident = document.get("$id")
            if not isinstance(ident, str) or urldefrag(ident).fragment or ident in self._documents:
                raise Unsupported("every document needs its own $id")
            self._documents[ident] = document
        self._formats = dict(formats)
        # By the identity of a subschema (the documents keep every one alive): each is compiled once, and a
        # reference cycle gets a forwarding check that is filled in when its target is done.
        self._compiled: dict[int, Check] = {}

    def reference(self, ref: str, base: str) -> Check:
        uri, fragment = urldefrag(urljoin(base, ref))
        document = self._documents.get(uri)
        if document is None:
            raise Unsupported(f"$ref to an unknown document: {ref}")
        node: Any = document
        if fragment:
            if not fragment.startswith("/"):
                raise Unsupported(f"$ref to an anchor: {ref}")
            for raw in unquote(fragment[1:]).split("/"):  # as `referencing` reads a pointer
                part = raw.replace("~1", "/").replace("~0", "~")
                if isinstance(node, Mapping) and part in node:
                    node = node[part]
                elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                else:
                    raise Unsupported(f"$ref to nothing: {ref}")
                if isinstance(node, Mapping) and "$id" in node:
                    raise Unsupported(f"$ref into an embedded resource: {ref}")
        return self.node(node, uri)

    def node(self, schema: Any, base: str) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise Unsupported(f"not a schema: {schema!r}")
        key = id(schema)
        found = self._compiled.get(key)
        if found is not None:
            return found
        cell: list[Check] = []

        def forward(value: Any) -> bool:
            return cell[0](value)

        self._compiled[key] = forward
        check = self._build(schema, base)
        cell.append(check)
        self._compiled[key] = check
        return check

    def _build(self, schema: Mapping[str, Any], base: str) -> Check:  # noqa: C901, PLR0912, PLR0915
        for keyword in schema:
            if keyword not in _ASSERTIONS and keyword not in _ANNOTATIONS and not str(keyword).startswith("x-"):
                raise Unsupported(f"keyword {keyword!r}")
        if "$schema" in schema and schema["$schema"] != DRAFT_2020_12:
            raise Unsupported("another draft")
        if "$id" in schema:
            base = urljoin(base, str(schema["$id"]))
            if self._documents.get(base) is not schema:
                raise Unsupported("an embedded resource")

        # Which JSON types the value may have (`type`, narrowed by an all-string enum or a string const).
        allowed = set(_TYPES)
        if "type" in schema:
            names = schema["type"]
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list) or not names or not set(names) <= _TYPES:
                raise Unsupported(f"type {schema['type']!r}")
            allowed = set(names)
        strings: frozenset[str] | None = None
        generic: list[Check] = []
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list):
                raise Unsupported("enum")
            if all(type(v) is str for v in values):
                strings = frozenset(values)
                allowed &= {"string"}
            else:
                options = tuple(values)
                generic.append(lambda value: any(json_equal(option, value) for option in options))
        if "const" in schema:
            constant = schema["const"]
            if type(constant) is str:
                strings = frozenset({constant}) if strings is None else strings & {constant}
                allowed &= {"string"}
            else:
                generic.append(lambda value: json_equal(value, constant))

        # String keywords.
        search: Callable[[str], object] | None = None
        if "pattern" in schema:
            if not isinstance(schema["pattern"], str):
                raise Unsupported("pattern")
            search = re.compile(schema["pattern"]).search
        min_length = _count(schema, "minLength")

        # Number keywords.
        minimum: int | float | None = None
        if "minimum" in schema:
            minimum = schema["minimum"]
            if type(minimum) not in {int, float}:
                raise Unsupported("minimum")

        # Object keywords.
        required: tuple[str, ...] = ()
        if "required" in schema:
            names = schema["required"]
            if not isinstance(names, list) or not all(type(n) is str for n in names):
                raise Unsupported("required")
            required = tuple(names)
        properties: dict[str, Check] = {}
        if "properties" in schema:
            if not isinstance(schema["properties"], Mapping):
                raise Unsupported("properties")
            properties = {str(k): self.node(v, base) for k, v in schema["properties"].items()}
        extra: Check | None = None
        if "additionalProperties" in schema:
            extra = self.node(schema["additionalProperties"], base)
            if extra is _always:
                extra = None
        inspect_members = bool(properties) or extra is not None

        # Array keywords.
        item: Check | None = None
        if "items" in schema:
            item = self.node(schema["items"], base)
            if item is _always:
                item = None

        # Keywords for any type.
        if "format" in schema:
            checker = self._formats.get(schema["format"])
            if checker is None:
                raise Unsupported(f"format {schema['format']!r}")
            generic.append(lambda value: bool(checker(value)))
        if "$ref" in schema:
            if not isinstance(schema["$ref"], str):
                raise Unsupported("$ref")
            generic.append(self.reference(schema["$ref"], base))
        if "allOf" in schema:
            if not isinstance(schema["allOf"], list) or not schema["allOf"]:
                raise Unsupported("allOf")
            generic.extend(self.node(sub, base) for sub in schema["allOf"])
        if "anyOf" in schema:
            if not isinstance(schema["anyOf"], list) or not schema["anyOf"]:
                raise Unsupported("anyOf")
            generic.append(_any_of(tuple(self.node(sub, base) for sub in schema["anyOf"])))
        if "if" in schema:
            condition = self.node(schema["if"], base)
            then = self.node(schema["then"], base) if "then" in schema else _always
            otherwise = self.node(schema["else"], base) if "else" in schema else _always
            if then is not _always or otherwise is not _always:
                generic.append(_if(condition, then, otherwise))
        generic = [g for g in generic if g is not _always]
        if _never in generic:
            return _never

        typed = allowed != _TYPES or strings is not None
        constrained = search is not None or min_length or minimum is not None or required or inspect_members
        if not typed and not constrained and item is None:
            if not generic:
                return _always
            if len(generic) == 1:
                return generic[0]
            return _all_of(tuple(generic))
        return _typed(
            allowed,
            strings=strings,
            search=search,
            min_length=min_length,
            minimum=minimum,
            required=required,
            properties=properties if inspect_members else None,
            extra=extra,
            item=item,
            generic=tuple(generic),
        )


def _count(schema: Mapping[str, Any], keyword: str) -> int:
    value = schema.get(keyword, 0)
    if type(value) is not int or value < 0:
        raise Unsupported(keyword)
    return value


def _any_of(options: tuple[Check, ...]) -> Check:
    def check(value: Any) -> bool:
        return any(option(value) for option in options)

    return check


def _all_of(parts: tuple[Check, ...]) -> Check:
    def check(value: Any) -> bool:
        for part in parts:  # noqa: SIM110 - a plain loop: all() over a generator costs a frame per call
            if not part(value):
                return False
        return True

    return check


def _if(condition: Check, then: Check, otherwise: Check) -> Check:
    def check(value: Any) -> bool:
        return then(value) if condition(value) else otherwise(value)

    return check


def _typed(  # noqa: C901
    allowed: set[str],
    *,
    strings: frozenset[str] | None,
    search: Callable[[str], object] | None,
    min_length: int,
    minimum: float | None,
    required: tuple[str, ...],
    properties: dict[str, Check] | None,
    extra: Check | None,
    item: Check | None,
    generic: tuple[Check, ...],
) -> Check:
    """One check dispatching on the value's exact type: each type meets only its own keywords."""
    is_string = "string" in allowed
    is_object = "object" in allowed
    is_array = "array" in allowed
    is_null = "null" in allowed
    is_boolean = "boolean" in allowed
    is_number = "number" in allowed
    is_integer = is_number or "integer" in allowed
    listed = tuple(properties.items()) if properties is not None else ()

    def check(value: Any) -> bool:  # noqa: C901, PLR0911, PLR0912
        kind = type(value)
        if kind is str:
            if not is_string:
                return False
            if strings is not None and value not in strings:
                return False
            if search is not None and search(value) is None:
                return False
            if min_length and len(value) < min_length:
                return False
        elif kind is dict:
            if not is_object:
                return False
            for name in required:
                if name not in value:
                    return False
            if properties is not None:
                if extra is None and len(listed) < len(value):
                    # Only the listed properties matter: look them up rather than walk a larger object (an
                    # `if` testing one field of a status object).
                    for name, listed_check in listed:
                        member = value.get(name, _ABSENT)
                        if member is not _ABSENT and not listed_check(member):
                            return False
                else:
                    for name, member in value.items():
                        sub = properties.get(name, extra)
                        if sub is not None and not sub(member):
                            return False
        elif kind is list:
            if not is_array:
                return False
            if item is not None:
                for member in value:
                    if not item(member):
                        return False
        elif kind is int:
            if not is_integer:
                return False
            if minimum is not None and value < minimum:
                return False
        elif kind is float:
            if not (is_number or (is_integer and value.is_integer())):
                return False
            if minimum is not None and value < minimum:
                return False
        elif value is None:
            if not is_null:
                return False
        elif kind is bool:
            if not is_boolean:
                return False
        else:
            raise NotJSON(kind)  # not a plain JSON value (a subclass, a tuple...): leave it to jsonschema
        for part in generic:  # noqa: SIM110 - a plain loop, as above
            if not part(value):
                return False
        return True

    return check


__all__ = ["DRAFT_2020_12", "Check", "NotJSON", "Unsupported", "compile_schema", "json_equal"]
