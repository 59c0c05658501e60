"""Generated payloads: strict-valid, invariant-true, shaped like real ones, deterministic."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replmock._errors import UsageError
from replmock.fixtures import render
from replmock.generate import ENDPOINTS, SecondarySpec, build_topology, scenario, scenario_names, view
from replmock.model import check
from replmock.schemas import RESPONSE_SCHEMA, validate
from replmock.vault import VaultNode
from tests.conftest import FIXTURES, load_json
from tests.helpers import observe, shape

SCHEMA_OF = RESPONSE_SCHEMA


def assert_strict_and_invariants(top: Any) -> None:
    for name in top.clusters:
        for endpoint in ENDPOINTS:
            data = view(top, name, endpoint)
            if data is None:
                continue
            body = data if endpoint == "health" else VaultNode(top, name).envelope(data)
            report = validate(body, SCHEMA_OF[endpoint], "strict")
            assert report.ok, f"{top.name} seed {top.seed} {name} {endpoint}: " + "; ".join(map(str, report.issues))
    violations = check(observe(top))
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize("name", scenario_names())
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), later=st.floats(min_value=0, max_value=3600))
def test_every_scenario_is_strict_valid_and_consistent_for_any_seed_and_time(
    name: str, seed: int, later: float
) -> None:
    top = scenario(name, seed)
    assert_strict_and_invariants(top)
    top.advance(later)
    assert_strict_and_invariants(top)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    perf=st.integers(min_value=0, max_value=3),
    dr=st.integers(min_value=0, max_value=2),
    state=st.sampled_from(["stream-wals", "merkle-diff", "merkle-sync", "idle", "disconnected"]),
    lag=st.integers(min_value=1, max_value=100_000),
)
def test_custom_topologies_are_consistent(seed: int, perf: int, dr: int, state: str, lag: int) -> None:
    top = build_topology(performance_secondaries=perf, dr_secondaries=dr, state=state, lag=lag, seed=seed)
    assert len(top.clusters) == 1 + perf + dr
    assert_strict_and_invariants(top)


def test_custom_chain_with_secondary_specs() -> None:
    top = build_topology(
        performance_secondaries=1,
        secondaries=[SecondarySpec("dr", "B", "Z", state="merkle-sync", lag=9000)],
        seed=3,
    )
    assert top.role("Z", "dr").mode == "secondary"
    assert top.role("B", "dr").mode == "primary"
    assert view(top, "Z", "dr-status")["state"] == "merkle-sync"  # type: ignore[index]
    assert_strict_and_invariants(top)


def test_same_seed_same_payloads_and_different_seed_different_ids() -> None:
    a, b, c = scenario("four-cluster", 11), scenario("four-cluster", 11), scenario("four-cluster", 12)
    assert view(a, "B", "status") == view(b, "B", "status")
    assert view(a, "B", "status") != view(c, "B", "status")


def test_values_look_like_vaults() -> None:
    top = scenario("four-cluster", 5)
    data = view(top, "B", "status")
    assert data is not None
    perf = data["performance"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", perf["cluster_id"])
    assert re.fullmatch(r"[0-9a-f]{40}", perf["merkle_root"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", perf["last_start"])  # Go's form
    assert perf["primaries"][0]["cluster_address"].endswith(":8201")
    assert perf["primaries"][0]["api_address"].endswith(":8200")
    assert -5 <= int(perf["primaries"][0]["clock_skew_ms"]) <= 5
    assert data["dr"]["last_corruption_check_epoch"] == "-62135596800"


def test_a_clusters_nodes_share_a_private_subnet_or_a_domain() -> None:
    """Node addresses as a real cluster has them: distinct private IPs of one /24, or host names in one domain
    made of Faker's surnames; drawn by frequency, so common names come up more often than rare ones."""
    import ipaddress

    from replmock.generate import Generator

    generator = Generator()
    styles, labels = set(), []
    for seed in range(60):
        real = generator.realism(seed)
        hosts = [api.removeprefix("https://").removesuffix(":8200") for api, _ in real.addresses(5)]
        assert len(set(hosts)) == 5, hosts
        if hosts[0][0].isdigit():
            styles.add("ip")
            ips = [ipaddress.IPv4Address(h) for h in hosts]
            assert all(ip.is_private for ip in ips), hosts
            assert len({ipaddress.IPv4Network(f"{ip}/24", strict=False) for ip in ips}) == 1, hosts
            assert not {int(ip) & 255 for ip in ips} & {0, 255}, hosts  # no network or broadcast address
        else:
            styles.add("name")
            assert len({h.split(".", 1)[1] for h in hosts}) == 1, hosts
            assert all(re.fullmatch(r"vault-[a-z0-9-]+-\d\.[a-z0-9-]+\.internal", h) for h in hosts), hosts
        labels += [real.domain_word() for _ in range(50)]
        subnets = {real.private_hosts(1)[0].rsplit(".", 1)[0] for _ in range(300)}
        assert len(subnets) == 300  # no two clusters of one topology share a /24
    assert styles == {"ip", "name"}
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)?", w) for w in labels)
    singles = [w for w in labels if "-" not in w]
    assert 0.5 < len(singles) / len(labels) < 0.8  # a third are two names joined, as Faker's company names
    assert singles.count("smith") > 10 * max(1, singles.count("zamora"))  # weighted as Faker weighs them
    assert generator.realism(7).domain_word() == generator.realism(7).domain_word()
    from faker import Faker

    from replmock.generate.values import Words

    german = Words(Faker("de_DE")).surnames  # other locales: transliterated as Faker's own domain words are
    assert "muller" in german
    assert all(re.fullmatch(r"[a-z0-9]+", w) for w in german)


def test_a_cluster_has_one_to_254_nodes() -> None:
    with pytest.raises(UsageError, match="has 0 nodes; expected 1 to 254"):
        build_topology(nodes=0)
    from replmock.generate import Generator

    with pytest.raises(ValueError, match="1 to 254 hosts, not 255"):
        Generator().realism(0).private_hosts(255)
    assert len(build_topology(nodes=254).cluster("A").nodes) == 254


# Real payloads of each mode, and where the generator's payload of that mode comes from.
REAL_VS_GENERATED = [
    (
        "032-doc-v1.16-status-dr-primary-perf-primary-full-fields.json",
        ("data", "performance"),
        "perf-primary",
        "A",
        "performance",
    ),
    ("032-doc-v1.16-status-dr-primary-perf-primary-full-fields.json", ("data", "dr"), "dr-primary", "A", "dr"),
    (
        "033-doc-v1.16-status-dr-primary-perf-secondary-full-fields.json",
        ("data", "performance"),
        "perf-secondary",
        "B",
        "performance",
    ),
    ("034-doc-v1.21-dr-status-secondary-full-fields.json", ("data",), "dr-secondary", "B", "dr"),
    ("035-doc-v1.21-dr-status-primary-full-fields.json", ("data",), "dr-primary", "A", "dr"),
]


@pytest.mark.parametrize(("sample", "where", "name", "cluster", "kind"), REAL_VS_GENERATED, ids=lambda v: str(v)[:20])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_payloads_have_the_keys_and_types_of_real_ones(
    sample: str, where: tuple[str, ...], name: str, cluster: str, kind: str, seed: int
) -> None:
    real: Any = load_json(FIXTURES / "docs" / sample)
    for key in where:
        real = real[key]
    top = scenario(name, seed)
    generated = view(top, cluster, "dr-status" if kind == "dr" else "performance-status")
    assert shape(generated) == shape(real)
    assert list(generated) == sorted(generated), "Vault writes these keys sorted"  # type: ignore[arg-type]


def test_generated_fixtures_are_up_to_date() -> None:
    expected = render(scenario_names(), 0)
    on_disk = {p.relative_to(FIXTURES / "generated").as_posix(): p for p in (FIXTURES / "generated").rglob("*.json")}
    assert set(expected) == set(on_disk), "run: replmock fixtures generate --all --seed 0 --out fixtures/generated"
    stale = [rel for rel, text in expected.items() if on_disk[rel].read_text(encoding="utf-8") != text]
    assert not stale, f"regenerate fixtures/generated: {stale[:5]} differ"


def test_every_generated_fixture_validates_under_strict() -> None:
    manifest = load_json(FIXTURES / "generated" / "manifest.json")
    assert manifest["seed"] == 0
    for entry in manifest["files"]:
        body = load_json(FIXTURES / "generated" / entry["file"])
        schema = "error" if entry["status"] == 404 else SCHEMA_OF[entry["endpoint"]]
        report = validate(body, schema, "strict")
        assert report.ok, f"{entry['file']}: {report.issues}"
