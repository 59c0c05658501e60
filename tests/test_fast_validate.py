"""The fast validity checks (replmock/schemas/_fast.py) answer exactly as jsonschema does.

``SchemaCatalog`` answers "valid" from a compiled check and asks jsonschema only when the check says no, so a
check that says yes where jsonschema says no would hide an issue. The proof here is differential: for every
schema and profile, the check must agree with ``Draft202012Validator.is_valid`` (the catalog's own validator)
on every real sample, every generated fixture, every body the mock answers, and hypothesis-driven mutations of
them; unit tests pin the JSON Schema semantics that are easy to get wrong; and a mutant test shows the corpus
is sharp enough to catch a check that ignores any one keyword.
"""

from __future__ import annotations

import copy
import json
import random
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from replmock.schemas import PROFILES, SCHEMA_NAMES, catalog, detect, is_rfc3339, validate
from replmock.schemas._fast import DRAFT_2020_12, NotJSON, compile_schema, json_equal
from tests.conftest import FIXTURES

T = TypeVar("T")
Pair = tuple[str, str]
PAIRS: list[Pair] = [(name, profile) for name in SCHEMA_NAMES for profile in PROFILES]
FORMATS = {"date-time": is_rfc3339}


def documents() -> list[dict[str, Any]]:
    return [catalog().schema(name, profile) for name, profile in PAIRS]  # type: ignore[arg-type]


def compiled(docs: Sequence[dict[str, Any]] | None = None) -> dict[Pair, Callable[[Any], bool]]:
    docs = documents() if docs is None else docs
    by_id = {(d["$id"].rsplit("/", 2)[-1].removesuffix(".json"), d["$id"].rsplit("/", 2)[-2]): d for d in docs}
    checks = {}
    for (name, profile), doc in by_id.items():
        check = compile_schema(doc["$id"], docs, FORMATS)
        assert check is not None, f"{profile}/{name} uses a keyword the fast compiler does not know"
        checks[(name, profile)] = check
    return checks


def reference(pair: Pair, payload: Any) -> bool:
    return catalog().validator(*pair).is_valid(payload)  # type: ignore[arg-type]


# --- the corpus ----------------------------------------------------------------------------------------------


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _mock_bodies() -> Iterator[Any]:
    """Every JSON body the mock answers to a tour of the replication API on every cluster of four-cluster."""
    from replmock.generate import Generator, get_scenario
    from replmock.model import Clock
    from replmock.vault import VaultNode
    from replmock.vault._wire import Request

    top = Generator().build(get_scenario("four-cluster").spec, 0, clock=Clock(), name="four-cluster")
    tour: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "sys/replication/status", None),
        ("GET", "sys/replication/dr/status", None),
        ("GET", "sys/replication/performance/status", None),
        ("GET", "sys/health", None),
        ("POST", "sys/replication/dr/primary/secondary-token", {"id": "s1"}),
        ("POST", "sys/replication/performance/primary/secondary-token", {"id": "s2"}),
        ("POST", "sys/replication/dr/secondary/generate-public-key", {}),
        ("POST", "sys/replication/performance/secondary/generate-public-key", {}),
        ("POST", "sys/replication/reindex", {"diff": True}),
        ("POST", "sys/replication/dr/reindex", {}),
        ("POST", "sys/replication/recover", {}),
        ("POST", "sys/replication/merkle-check", {}),
        ("POST", "sys/replication/dr/secondary/generate-operation-token/attempt", {}),
        ("GET", "sys/replication/dr/secondary/generate-operation-token/attempt", None),
        ("POST", "sys/replication/performance/primary/paths-filter/f1", {"mode": "allow", "paths": ["kv/"]}),
        ("GET", "sys/replication/performance/primary/paths-filter/f1", None),
        ("GET", "sys/replication/performance/primary/dynamic-filter/f1", None),
        ("GET", "sys/replication/performance/secondary/dynamic-filter/f1", None),
    ]
    for cluster in top.clusters:
        node = VaultNode(top, cluster)
        for method, path, body in tour:
            text = None if body is None else json.dumps(body)
            answer = node.handle(Request.build(method, "/v1/" + path, body=text, token="root"))
            if answer.body:
                yield json.loads(answer.body)


@cache
def corpus() -> tuple[Any, ...]:
    """Real samples, generated fixtures, invalid fixtures, the mock's bodies and their status objects, deduplicated."""
    found: dict[str, Any] = {}
    for path in sorted(FIXTURES.rglob("*.json")):
        if path.name not in {"manifest.json", "EXPECTED.json"}:
            found.setdefault(_key(payload := json.loads(path.read_text(encoding="utf-8"))), payload)
    for payload in _mock_bodies():
        found.setdefault(_key(payload), payload)
    for payload in list(found.values()):  # the status objects inside status bodies (the status-object schema)
        data = payload.get("data") if isinstance(payload, dict) else None
        for part in (data, *(data.get(k) for k in ("dr", "performance"))) if isinstance(data, dict) else ():
            if isinstance(part, dict):
                found.setdefault(_key(part), part)
    for body in ({"diff": True}, {"force": 1, "skip_flush": "t"}, {"diff": None, "force": "false"}, {}):
        found.setdefault(_key(body), body)
    return tuple(found.values())


@cache
def answers() -> tuple[tuple[Pair, Any, bool], ...]:
    """(schema, payload, jsonschema's answer) for every payload of the corpus under every schema and profile."""
    return tuple((pair, payload, reference(pair, payload)) for payload in corpus() for pair in PAIRS)


def test_the_corpus_holds_every_real_sample_and_valid_and_invalid_payloads_for_every_schema() -> None:
    from benchmarks._util import real_payloads

    keys = {_key(p) for p in corpus()}
    assert all(_key(p) in keys for p in real_payloads())
    assert len(corpus()) > 250
    assert {pair for pair, _, ok in answers() if ok} == set(PAIRS)
    assert {pair for pair, _, ok in answers() if not ok} == set(PAIRS)


def test_checks_agree_with_jsonschema_on_the_corpus() -> None:
    checks = compiled()
    wrong = [(pair, payload) for pair, payload, ok in answers() if checks[pair](payload) != ok]
    assert wrong == []


def test_the_catalog_answers_and_reports_as_jsonschema_does() -> None:
    # Through the catalog (its cached checks, then jsonschema when a check says no): a payload has no issues
    # exactly when jsonschema finds it valid, and a valid payload's report is the empty, complete one.
    cat = catalog()
    for (name, profile), payload, ok in answers():
        if name == detect(payload).schema:
            assert (cat.issues(payload, name, profile) == ()) is ok  # type: ignore[arg-type]
            report = cat.validate(payload, None, profile, limit=5)  # type: ignore[arg-type]
            assert (report.ok, report.issue_count == 0, report.complete) == (ok, ok, True)
    # Invalid payloads still get jsonschema's issues (the invalid fixtures' expected paths).
    expected = json.loads((FIXTURES / "invalid" / "EXPECTED.json").read_text(encoding="utf-8"))
    for file, spec in expected.items():
        payload = json.loads((FIXTURES / "invalid" / file).read_text(encoding="utf-8"))
        report = validate(payload, spec["schema"], "strict")
        assert set(spec["paths"]) <= {i.path for i in report.issues}, file


# --- mutations -------------------------------------------------------------------------------------------------

REPLACEMENTS: tuple[Any, ...] = (
    0,
    1,
    -1,
    1.0,
    0.0,
    1.5,
    -0.5,
    2**64,
    True,
    False,
    None,
    "",
    "x",
    "1",
    "true",
    "2024-01-01T00:00:00Z",
    [],
    [1],
    ["x"],
    [None],
    {},
    {"x": 1},
    {"mode": "primary"},
    {"mode": "disabled"},
)
NEW_KEYS = ("unknown_field", "mode", "state", "data", "dr", "performance", "warnings", "errors", "cluster_id")


@cache
def strings() -> tuple[str, ...]:
    """Every string in the corpus (modes, states, ids, times...): swapping one in changes branches and enums."""
    seen: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            seen.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for payload in corpus():
        walk(payload)
    return tuple(sorted(seen))


def _locations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _locations(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _locations(item, (*path, index))


def _near(text: str) -> list[str]:
    """Strings that nearly match whatever ``text`` matches (a pattern, an enum, a date-time)."""
    out = [text.upper(), text[:-1], text + "x", text + "\n", " " + text, text[1:], text.replace("-", "_")]
    if text:
        out += [text[:-1] + ("g" if text[-1] != "g" else "0"), text[:-1] + "Z", "0" + text]
    return out


def _variants(value: Any) -> list[Any]:  # noqa: PLR0911
    """``value`` as another type, or nudged (1 vs 1.0 vs True, an empty container...)."""
    if isinstance(value, bool):
        return [int(value), float(value), str(value).lower(), not value, None]
    if isinstance(value, int):
        return [float(value), value + 0.5, -value - 1, value - 1, str(value), bool(value), [value]]
    if isinstance(value, float):
        return [int(value), -value - 1, str(value), value.is_integer()]
    if isinstance(value, str):
        return [*_near(value), int(value) if value.isdigit() else 0, [value], {"x": value}, None]
    if isinstance(value, list):
        return [[], value[:1], [*value, value[0]] if value else [None], {}, None, value[0] if value else ""]
    if isinstance(value, dict):
        return [{}, [value], None, dict(list(value.items())[: len(value) // 2])]
    return [0, "", []]


def mutate(payload: Any, pick: Callable[[Sequence[Any]], Any]) -> Any:
    """One to three mutations anywhere in a copy of ``payload``, chosen by ``pick``."""
    doc = copy.deepcopy(payload)
    for _ in range(pick((1, 1, 2, 3))):
        path = pick(list(_locations(doc)))
        parent: Any = None
        target: Any = doc
        for part in path:
            parent, target = target, target[part]
        kinds = ["replace", "variant", "variant"]
        if path:
            kinds.append("delete")
        if isinstance(target, dict):
            kinds += ["add", "add"]
        if isinstance(target, str):
            kinds += ["swap", "swap"]
        kind = pick(kinds)
        new: Any
        if kind == "add":
            target[pick(NEW_KEYS)] = copy.deepcopy(pick(REPLACEMENTS))
            continue
        if kind == "delete":
            del parent[path[-1]]
            continue
        if kind == "replace":
            new = copy.deepcopy(pick(REPLACEMENTS))
        elif kind == "swap":
            new = pick(strings())
        else:
            new = pick(_variants(target))
        if path:
            parent[path[-1]] = new
        else:
            doc = new
    return doc


def _pairs_for(*payloads: Any) -> list[Pair]:
    names = sorted({name for p in payloads if (name := detect(p).schema) is not None})
    return [(name, profile) for name in names for profile in PROFILES]


def test_checks_agree_with_jsonschema_on_mutated_payloads() -> None:
    checks = compiled()
    seeds = corpus()
    outcomes: list[bool] = []

    @settings(
        max_examples=300,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    # The choices come in one draw per example (a draw per choice costs more than the validation), and
    # shrink towards the first option of each choice.
    @given(st.lists(st.integers(0, 1 << 20), min_size=32, max_size=32))
    def agree(draws: list[int]) -> None:
        left = iter(draws)

        def pick(options: Sequence[T]) -> T:
            return options[next(left, 0) % len(options)]

        original = pick(seeds)
        mutated = mutate(original, pick)
        for pair in _pairs_for(original, mutated):
            expected = reference(pair, mutated)
            assert checks[pair](mutated) == expected, (pair, mutated)
            outcomes.append(expected)

    agree()
    # The mutations must reach invalid payloads often (or agreement would prove little) and valid ones too.
    invalid = outcomes.count(False) / len(outcomes)
    assert len(outcomes) >= 300
    assert 0.4 <= invalid <= 0.95, invalid


# --- the corpus catches a check that ignores a keyword ------------------------------------------------------------

SUBSCHEMA_MAPS = ("properties", "$defs")
SUBSCHEMA_LISTS = ("allOf", "anyOf")
SUBSCHEMAS = ("items", "additionalProperties", "if", "then", "else")


def without(schema: Any, keyword: str) -> Any:
    """``schema`` with ``keyword`` removed from every subschema (property names are left alone)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == keyword:
            continue
        if key in SUBSCHEMA_MAPS:
            out[key] = {k: without(v, keyword) for k, v in value.items()}
        elif key in SUBSCHEMA_LISTS:
            out[key] = [without(v, keyword) for v in value]
        elif key in SUBSCHEMAS:
            out[key] = without(value, keyword)
        else:
            out[key] = value
    return out


@cache
def sharp_cases() -> tuple[tuple[Pair, Any, bool], ...]:
    """(schema, payload, jsonschema's answer) for the corpus, a fixed, seeded set of its mutations, and every
    real sample with one string emptied at a time (so that a lost length check is caught whatever the seed)."""
    rng = random.Random(16)  # noqa: S311 - a fixed seed for a reproducible corpus
    mutated = [mutate(rng.choice(corpus()), rng.choice) for _ in range(300)]
    return answers() + tuple((pair, p, reference(pair, p)) for p in mutated + emptied() for pair in _pairs_for(p))


def emptied() -> list[Any]:
    from benchmarks._util import real_payloads

    out = []
    for payload in real_payloads()[:6]:
        for path in _locations(payload):
            target: Any = payload
            for part in path:
                target = target[part]
            if isinstance(target, str) and target and path:
                doc = copy.deepcopy(payload)
                holder = doc
                for part in path[:-1]:
                    holder = holder[part]
                holder[path[-1]] = ""
                out.append(doc)
    return out


MUTANTS = (
    "type",
    "required",
    "additionalProperties",
    "properties",
    "enum",
    "const",
    "pattern",
    "minLength",
    "minimum",
    "format",
    "items",
    "$ref",
    "if",
    "allOf",
    "anyOf",
)


@pytest.mark.parametrize("keyword", MUTANTS)
def test_a_check_ignoring_any_keyword_is_caught(keyword: str) -> None:
    mutant = compiled([without(doc, keyword) for doc in documents()])
    caught = [(pair, p) for pair, p, expected in sharp_cases() if mutant[pair](p) != expected]
    assert caught, f"no payload tells a check without {keyword!r} from jsonschema"


# --- semantics, one by one ------------------------------------------------------------------------------------

BASE = "https://example.test/schemas/"


def pair_of(schema: dict[str, Any], *others: dict[str, Any]) -> tuple[Callable[[Any], bool], Callable[[Any], bool]]:
    """(the fast check, jsonschema's is_valid) for ``schema``, with ``others`` reachable by $id."""
    doc = {"$schema": DRAFT_2020_12, "$id": BASE + "main.json", **schema}
    docs = [doc, *others]
    check = compile_schema(doc["$id"], docs, FORMATS)
    assert check is not None
    formats = FormatChecker(formats=())
    formats.checks("date-time")(is_rfc3339)
    registry: Registry[Any] = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs)
    return check, Draft202012Validator(doc, registry=registry, format_checker=formats).is_valid


def assert_answers(schema: dict[str, Any], answers: list[tuple[Any, bool]], *others: dict[str, Any]) -> None:
    check, is_valid = pair_of(schema, *others)
    for value, expected in answers:
        assert is_valid(value) is expected, f"the test's expectation is wrong for {value!r}"
        assert check(value) is expected, value


def test_integer_accepts_integral_floats_but_no_bool() -> None:
    assert_answers(
        {"type": "integer"},
        [
            (1, True),
            (1.0, True),
            (-0.0, True),
            (2**70, True),
            (1e20, True),
            (1.5, False),
            (True, False),
            (False, False),
            ("1", False),
            (None, False),
            (float("inf"), False),
            (float("nan"), False),
        ],
    )


def test_number_excludes_bool() -> None:
    assert_answers({"type": "number"}, [(1, True), (1.5, True), (float("nan"), True), (True, False), ("1", False)])


def test_type_lists_and_each_json_type() -> None:
    assert_answers(
        {"type": ["array", "null"]}, [([], True), (None, True), ({}, False), ("", False), (0, False), (False, False)]
    )
    assert_answers({"type": "boolean"}, [(True, True), (False, True), (0, False), (None, False)])
    assert_answers({"type": "string"}, [("", True), ("x", True), (None, False), (["x"], False)])
    assert_answers({"type": "object"}, [({}, True), ([], False), ("{}", False)])


def test_enum_and_const_compare_as_jsonschema_equal() -> None:
    assert_answers(
        {"enum": [0, 1, "a", [1, "b"], {"k": [True]}, None]},
        [
            (1, True),
            (1.0, True),
            (0.0, True),
            (True, False),
            (False, False),
            ("a", True),
            ("A", False),
            ([1, "b"], True),
            ([1.0, "b"], True),
            ([True, "b"], False),
            ({"k": [True]}, True),
            ({"k": [1]}, False),
            ({"k": [True], "x": 1}, False),
            (None, True),
            ([], False),
            ("0", False),
        ],
    )
    assert_answers({"const": True}, [(True, True), (1, False), (1.0, False), ("true", False)])
    assert_answers({"const": 0}, [(0, True), (0.0, True), (-0.0, True), (False, False), (None, False)])
    assert_answers({"const": "x"}, [("x", True), ("X", False), (["x"], False)])
    assert_answers({"enum": []}, [(None, False), ("", False)])
    from jsonschema._utils import equal

    for one, two in [(1, 1.0), (True, 1), ([1], [True]), ({"a": 1}, {"a": 1.0}), ((1, 2), [1, 2]), ("1", 1)]:
        assert json_equal(one, two) is equal(one, two), (one, two)


def test_pattern_searches_anywhere() -> None:
    assert_answers({"pattern": "b"}, [("abc", True), ("b", True), ("ac", False), (5, True), (None, True)])
    assert_answers({"pattern": "^a"}, [("abc", True), ("ba", False)])
    # Python's `$` also matches before a final newline: jsonschema (re.search) accepts it, and so must the check.
    assert_answers({"pattern": "^[0-9a-f]{4}$"}, [("00ff", True), ("00ff\n", True), ("00FF", False), ("00ff0", False)])


def test_min_length_counts_code_points() -> None:
    assert_answers(
        {"minLength": 2},
        [("ab", True), ("é", False), ("e\u0301", True), ("😀", False), ("😀😀", True), ("", False), ([1], True)],
    )


def test_minimum_applies_to_numbers_only() -> None:
    assert_answers(
        {"minimum": 0},
        [(0, True), (-0.0, True), (-1, False), (-0.5, False), (0.5, True), (True, True), ("-1", True), (None, True)],
    )
    assert_answers({"type": "integer", "minimum": 1}, [(1.0, True), (0.0, False), (2, True), (True, False)])


def test_object_keywords_apply_to_objects_only() -> None:
    schema = {"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}
    assert_answers(
        schema,
        [
            ({"a": "x"}, True),
            ({"a": 1}, False),
            ({}, False),
            ({"a": "x", "b": 1}, False),
            ([], True),
            ("a", True),
            (None, True),
            (0, True),
        ],
    )
    assert_answers(
        {"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}},
        [({"a": "x", "b": 1}, True), ({"b": "y"}, False), ({"a": 2}, False), ({"b": 1.0}, True)],
    )
    assert_answers(
        {"properties": {"a": True, "b": False}},
        [({"a": [1]}, True), ({"b": None}, False), ({"c": 1}, True)],
    )


def test_items_apply_to_arrays_only() -> None:
    assert_answers(
        {"items": {"type": "string", "minLength": 1}},
        [([], True), (["a"], True), (["a", ""], False), ([1], False), ({"0": 1}, True), ("ab", True)],
    )


def test_if_then_else() -> None:
    schema = {"if": {"required": ["mode"]}, "then": {"required": ["x"]}, "else": {"type": "object"}}
    assert_answers(schema, [({"mode": 1, "x": 1}, True), ({"mode": 1}, False), ({}, True), ([], True), (1, True)])
    assert_answers({"if": {"type": "string"}}, [(1, True), ("x", True)])  # an if alone changes nothing
    assert_answers({"if": False, "then": False}, [(1, True)])
    assert_answers({"then": False, "else": False}, [(1, True)])  # then/else without if: ignored


def test_all_of_and_any_of() -> None:
    assert_answers({"allOf": [{"type": "integer"}, {"minimum": 2}]}, [(2, True), (1, False), (2.0, True), ("3", False)])
    assert_answers(
        {"anyOf": [{"type": "boolean"}, {"enum": [0, 1]}, {"type": "null"}]},
        [(True, True), (1, True), (1.0, True), (2, False), (None, True), ("1", False)],
    )


def test_refs_local_across_documents_and_with_siblings() -> None:
    other = {
        "$schema": DRAFT_2020_12,
        "$id": BASE + "other.json",
        "$defs": {"id": {"type": "string", "pattern": "^[a-f]+$"}},
        "type": "object",
        "properties": {"id": {"$ref": "#/$defs/id"}},  # resolved against other.json, not main.json
    }
    schema = {
        "$defs": {"id": {"type": "integer"}, "a~b/c": {"const": 1}},
        "properties": {
            "local": {"$ref": "#/$defs/id"},
            "remote": {"$ref": "other.json"},
            "remote_def": {"$ref": "https://example.test/schemas/other.json#/$defs/id"},
            "escaped": {"$ref": "#/$defs/a~0b~1c"},
            "percent": {"$ref": "#/%24defs/id"},
            "sibling": {"$ref": "#/$defs/id", "minimum": 5},  # 2020-12: a $ref's siblings apply too
        },
    }
    assert_answers(
        schema,
        [
            ({"local": 1}, True),
            ({"local": "a"}, False),
            ({"remote": {"id": "abc"}}, True),
            ({"remote": {"id": "xyz"}}, False),
            ({"remote": {"id": 1}}, False),
            ({"remote_def": "ff"}, True),
            ({"remote_def": "FF"}, False),
            ({"escaped": 1.0}, True),
            ({"escaped": 2}, False),
            ({"percent": 1}, True),
            ({"percent": "1"}, False),
            ({"sibling": 7}, True),
            ({"sibling": 3}, False),
            ({"sibling": 7.5}, False),
        ],
        other,
    )


def test_recursive_refs() -> None:
    schema = {
        "$defs": {
            "node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}, "v": {"type": "integer"}}}
        },
        "$ref": "#/$defs/node",
    }
    assert_answers(schema, [({"next": {"next": {"v": 1}}}, True), ({"next": {"next": {"v": "1"}}}, False)])


def test_date_time_format_uses_is_rfc3339() -> None:
    assert_answers(
        {"format": "date-time"},
        [
            ("2024-02-29T10:00:00Z", True),
            ("2023-02-29T10:00:00Z", False),
            ("2024-01-01T10:00:00", False),
            ("2024-01-01T10:00:00.5+02:00", True),
            ("2024-01-01 10:00:00Z", False),
            (5, True),
            (None, True),
        ],
    )


def test_boolean_schemas_and_annotations() -> None:
    assert_answers({"properties": {"a": True}}, [({"a": object()}, True)])
    assert_answers(
        {"title": "t", "description": "d", "x-source": "s", "x-expected": "e", "$comment": "c", "default": 1},
        [(1, True), ({"a": 1}, True)],
    )


@pytest.mark.parametrize(
    "schema",
    [
        {"maxLength": 3},
        {"oneOf": [{"type": "string"}]},
        {"format": "email"},
        {"type": "any"},
        {"$anchor": "x"},
        {"properties": {"a": {"$id": "nested.json"}}},
        {"$ref": "https://elsewhere.test/x.json"},
        {"$ref": "#anchor"},
        {"$ref": "#/$defs/missing"},
        {"patternProperties": {"^a": {}}},
        {"prefixItems": [{}]},
        {"unevaluatedProperties": False},
        {"dependentRequired": {"a": ["b"]}},
        {"properties": {"a": {"minimum": "1"}}},
    ],
)
def test_an_unknown_keyword_leaves_the_schema_to_jsonschema(schema: dict[str, Any]) -> None:
    doc = {"$schema": DRAFT_2020_12, "$id": BASE + "main.json", **schema}
    assert compile_schema(doc["$id"], [doc], FORMATS) is None


def test_values_that_are_not_plain_json_are_left_to_jsonschema() -> None:
    check, _ = pair_of({"type": "object", "properties": {"a": {"type": "string"}}})
    for value in [OrderedDict(a="x"), {"a": type("S", (str,), {})("x")}, (1,)]:
        with pytest.raises(NotJSON):
            check(value)
    # A negated answer cannot turn it into a wrong "valid": the `if` below meets the subclass and raises.
    check, is_valid = pair_of({"if": {"type": "object"}, "then": {"required": ["a"]}})
    assert not is_valid(OrderedDict(b=1))
    with pytest.raises(NotJSON):
        check(OrderedDict(b=1))
    # Through the catalog, such payloads get jsonschema's answer and issues.
    payload = OrderedDict(initialized=True, sealed="no")
    report = validate(payload, "health")
    assert not report.ok
    assert "$.sealed" in {i.path for i in report.issues}
    assert validate(
        OrderedDict(json.loads((FIXTURES / "generated" / "oss" / "A" / "a-0" / "health.json").read_text())), "health"
    ).ok


def test_checks_are_built_once_per_catalog() -> None:
    cat = catalog()
    validate(json.loads((FIXTURES / "generated" / "oss" / "A" / "a-0" / "health.json").read_text()), "health")
    first = cat._checks[("health", "lenient")]
    validate({"initialized": True, "sealed": False}, "health")
    assert cat._checks[("health", "lenient")] is first
