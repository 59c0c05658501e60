"""The pytest plugin as a downstream user meets it (pytester): fixtures, marker, options, xdist, failures."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# Every run is a subprocess: in-process runs re-import requests and hvac and then mix their classes.

READ = """
import requests

def status(vault, path="/v1/sys/replication/status"):
    return requests.get(vault.url + path, timeout=5).json()
"""


def test_fixture_serves_the_default_scenario_and_resets_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(READ.replace("import requests", "import requests, pytest"))
    pytester.makepyfile(
        """
        import requests
        from conftest import status

        def test_one(vault_replication):
            assert status(vault_replication)["data"]["performance"]["mode"] == "primary"
            vault_replication.sealed()
            assert requests.get(vault_replication.url + "/v1/sys/replication/status").status_code == 503

        def test_two(vault_replication):
            assert len(vault_replication.journal) == 0
            assert status(vault_replication)["data"]["performance"]["mode"] == "primary"
            vault_replication.assert_requested("status", times=1)
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_marker_picks_scenario_seed_and_cluster(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(READ)
    pytester.makepyfile(
        """
        import pytest
        from conftest import status

        @pytest.mark.replmock(scenario="four-cluster", seed=7, cluster="D")
        def test_d(vault_replication):
            assert vault_replication.cluster == "D"
            assert status(vault_replication)["data"]["dr"]["mode"] == "secondary"

        @pytest.mark.replmock(scenario="four-cluster", seed=7)
        def test_all(vault_replication_topology):
            urls = vault_replication_topology.urls
            assert sorted(urls) == ["A", "B", "C", "D"]
            b = status(vault_replication_topology["B"])["data"]
            assert b["performance"]["primaries"][0]["api_address"] == urls["A"]
            vault_replication_topology.advance(10)
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


def test_same_seed_same_payloads_different_seed_different(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(READ)
    pytester.makepyfile(
        """
        import json, pytest
        from conftest import status

        @pytest.mark.parametrize("n", [1, 2])
        def test_dump(vault_replication, n, tmp_path_factory):
            data = status(vault_replication)["data"]
            out = tmp_path_factory.getbasetemp() / f"dump{n}.json"
            out.write_text(json.dumps(data, sort_keys=True))
        """
    )
    base = pytester.path / "runs"
    base.mkdir()
    pytester.runpytest_subprocess("--replmock-seed=4", f"--basetemp={base / 'a'}").assert_outcomes(passed=2)
    pytester.runpytest_subprocess("--replmock-seed=4", f"--basetemp={base / 'b'}").assert_outcomes(passed=2)
    pytester.runpytest_subprocess("--replmock-seed=5", f"--basetemp={base / 'c'}").assert_outcomes(passed=2)
    a1, a2, b1, c1 = ((base / d / f"dump{n}.json").read_text() for d, n in (("a", 1), ("a", 2), ("b", 1), ("c", 1)))
    assert a1 == a2 == b1  # the same seed gives the same payloads, in every test and every run
    assert c1 != a1


def test_options_and_ini_validate_with_the_choices(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_subprocess("--replmock-scenario=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*unknown scenario 'nope' in --replmock-scenario; choose one of: disabled, oss, perf-primary*"]
    )
    result = pytester.runpytest_subprocess("--replmock-seed=abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--replmock-seed must be a whole number, got 'abc'*"])
    pytester.makeini("[pytest]\nreplmock_scenario = dr-secondary\nreplmock_seed = 9\n")
    result = pytester.runpytest_subprocess()
    result.stdout.fnmatch_lines(["replmock fixtures: scenario=dr-secondary seed=9 strict=True"])
    result.assert_outcomes(passed=1)


def test_bad_marker_arguments_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.replmock(sceanrio="perf-primary")
        def test_x(vault_replication):
            pass
        """
    )
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "test_x: unknown replmock marker argument(s) ['sceanrio']; expected: scenario, seed, cluster, strict, env"
        in result.stderr.str()
    )


def test_unexpected_requests_fail_the_test_unless_strict_is_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest, requests

        def test_typo(vault_replication):
            requests.get(vault_replication.url + "/v1/sys/replication/perfomance/status")

        @pytest.mark.replmock(strict=False)
        def test_allowed(vault_replication):
            requests.get(vault_replication.url + "/v1/sys/replication/perfomance/status")
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*matched nothing the mock Vault of cluster A serves*",
            "*GET /v1/sys/replication/perfomance/status -> 403 (did you mean /v1/sys/replication/performance/status?)*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_failure_prints_a_one_line_reproduction(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.replmock(scenario="secondary-idle", seed=12)
        def test_broken(vault_replication):
            assert vault_replication.status()["performance"]["state"] == "stream-wals"
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "reproduce with: pytest 'test_failure_prints_a_one_line_reproduction.py::test_broken' --replmock-scenario=secondary-idle --replmock-seed=12"
        ]
    )


def test_env_opt_in_sets_vault_and_bao_variables(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, pytest, hvac

        def test_env(vault_replication_env):
            assert os.environ["VAULT_ADDR"] == vault_replication_env.url
            assert os.environ["BAO_TOKEN"] == "root"
            client = hvac.Client()  # reads VAULT_ADDR / VAULT_TOKEN
            assert client.read("sys/replication/status")["data"]["performance"]["mode"] == "primary"

        @pytest.mark.replmock(env=True)
        def test_marker_env(vault_replication):
            assert os.environ["VAULT_ADDR"] == vault_replication.url

        def test_no_env(vault_replication):
            assert os.environ.get("VAULT_ADDR") != vault_replication.url
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=3)


def test_header_names_scenario_and_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_subprocess("--replmock-seed=3", "--replmock-scenario=oss")
    result.stdout.fnmatch_lines(["replmock fixtures: scenario=oss seed=3 strict=True"])


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(vault_replication): pass")
    result = pytester.runpytest_subprocess("-p", "no:replmock")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'vault_replication' not found*"])


def test_importing_the_plugin_loads_nothing_heavy(pytester: pytest.Pytester) -> None:
    result = pytester.runpython_c(
        "import sys, replmock.plugin; heavy = [m for m in ('faker', 'jsonschema', 'pytest_httpserver', 'werkzeug', 'replmock.server', 'replmock.generate') if m in sys.modules]; print('HEAVY', heavy)"
    )
    result.stdout.fnmatch_lines(["HEAVY []"])


@pytest.mark.slow
def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(READ)
    pytester.makepyfile(
        """
        import pytest
        from conftest import status

        @pytest.mark.parametrize("n", range(12))
        def test_many(vault_replication, n):
            assert status(vault_replication)["data"]["performance"]["mode"] == "primary"
            vault_replication.advance(n)

        @pytest.mark.parametrize("n", range(4))
        @pytest.mark.replmock(scenario="four-cluster")
        def test_topology(vault_replication_topology, n):
            assert len(set(vault_replication_topology.urls.values())) == 4
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=16)


def test_state_does_not_leak_and_both_fixtures_share_one_topology(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest, requests

        def test_1_turns_strict_off_and_adds_a_token(vault_replication):
            vault_replication.tokens["ops"] = True
            vault_replication.strict = False
            requests.get(vault_replication.url + "/v1/typo")

        def test_2_has_no_extra_token(vault_replication):
            r = requests.post(vault_replication.url + "/v1/sys/replication/reindex", headers={"X-Vault-Token": "ops"})
            assert r.status_code == 403

        @pytest.mark.replmock(scenario="perf-secondary")
        def test_3_both(vault_replication, vault_replication_topology):
            assert vault_replication.cluster == "B"
            assert vault_replication_topology.topology is vault_replication.topology
            assert vault_replication.url not in vault_replication_topology.urls.values()
            data = requests.get(vault_replication.url + "/v1/sys/replication/status").json()["data"]
            assert data["performance"]["mode"] == "secondary"
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=3)


def test_each_test_gets_a_running_server_as_the_pool_set_it_up(pytester: pytest.Pytester) -> None:
    """Whatever a test does to its servers (stop them, change settings, add faults), the next test starts clean."""
    pytester.makeconftest(READ)
    pytester.makepyfile(
        """
        import os
        import pytest, requests
        from conftest import status

        os.environ["REPLMOCK_VALIDATE_RESPONSES"] = "1"  # what the pool's servers start with

        # The topology's tests first: the pool starts with no server for vault_replication.

        @pytest.mark.replmock(scenario="four-cluster")
        def test_1_stops_one_cluster(vault_replication_topology):
            vault_replication_topology["A"].stop()

        @pytest.mark.replmock(scenario="four-cluster")
        def test_2_uses_every_cluster(vault_replication_topology):
            for name in "ABCD":
                assert status(vault_replication_topology[name])["data"]["dr"]["mode"] != "disabled"
            b = status(vault_replication_topology["B"])["data"]  # addresses point at the live servers
            assert b["performance"]["primaries"][0]["api_address"] == vault_replication_topology.urls["A"]

        def test_3_stops_it(vault_replication):
            vault_replication.stop()

        def test_4_uses_it(vault_replication):
            assert vault_replication.running
            assert status(vault_replication)["data"]["performance"]["mode"] == "primary"
            vault_replication.assert_requested("status", times=1)

        def test_5_changes_every_setting(vault_replication):
            vault_replication.validate_responses = False
            vault_replication.strict = False
            vault_replication.tokens["ops"] = True
            vault_replication.fail(503, times=None)
            vault_replication.latency(5, endpoint="health", times=None)
            vault_replication.drift("remove", "cluster_id", times=None)
            assert requests.get(vault_replication.url + "/v1/sys/replication/status").status_code == 503
            requests.get(vault_replication.url + "/v1/typo")

        def test_6_sees_the_defaults(vault_replication):
            assert vault_replication.validate_responses is True
            assert vault_replication.strict is True
            assert vault_replication.root_token == "root"
            assert vault_replication.tokens == {"root": True, "app": False}
            assert vault_replication.faults.active() == []
            assert len(vault_replication.journal) == 0
            assert "cluster_id" in status(vault_replication)["data"]["performance"]
            r = requests.post(vault_replication.url + "/v1/sys/replication/reindex", headers={"X-Vault-Token": "ops"})
            assert r.status_code == 403
            vault_replication.assert_requested("status", times=1)
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=6)


def test_a_request_in_flight_when_a_test_ends_stays_out_of_the_next_journal(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(READ)
    pytester.makepyfile(
        """
        import threading, time
        import requests
        from conftest import status

        LATE = []

        def test_1_leaves_a_slow_request_in_flight(vault_replication):
            vault_replication.latency(1.0, endpoint="status", times=1)
            thread = threading.Thread(target=status, args=(vault_replication,), daemon=True)
            thread.start()
            LATE.append(thread)
            deadline = time.monotonic() + 10
            while vault_replication.faults.active():  # the server took the request and is sleeping on it
                assert time.monotonic() < deadline, "the slow request never reached the server"
                time.sleep(0.005)

        def test_2_journal_has_only_its_own_requests(vault_replication):
            status(vault_replication)
            LATE[0].join(timeout=10)  # the slow request of test 1 has been answered now
            assert not LATE[0].is_alive()
            vault_replication.assert_requested("status", times=1)
            assert len(vault_replication.journal) == 1
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_the_next_test_gets_a_fresh_copy_unless_the_last_one_only_read(pytester: pytest.Pytester) -> None:
    """The pool keeps a topology for the next test only while nothing can have changed it: a write, the control
    API, the clock, an edit of the model or the node, or a server in a shared topology all bring a fresh copy."""
    pytester.makepyfile(
        """
        import pytest, requests

        SEEN = {}
        ROOT = {"X-Vault-Token": "root"}
        PATHS = ("status", "health", "replication/dr/status", "replication/performance/status", "seal-status")

        def state(vault):
            out = {}
            for path in PATHS:
                path = "/v1/sys/" + path.replace("status", "replication/status", path == "status")
                body = requests.get(vault.url + path, timeout=5).json()
                out[path] = body.get("data", body)  # the data, not the envelope's request_id
            return out

        def same_topology(vault):
            return id(vault._topology) == SEEN["id"]

        def test_00_reads(vault_replication):
            SEEN["first"], SEEN["id"] = state(vault_replication), id(vault_replication._topology)

        def test_01_kept_after_reads_then_writes(vault_replication):
            assert same_topology(vault_replication)
            assert state(vault_replication) == SEEN["first"]
            r = requests.post(vault_replication.url + "/v1/sys/replication/reindex", headers=ROOT, timeout=5)
            assert r.status_code == 200
            assert state(vault_replication) != SEEN["first"]

        def test_02_fresh_after_a_write_then_the_control_api(vault_replication):
            assert not same_topology(vault_replication)
            assert state(vault_replication) == SEEN["first"]
            SEEN["id"] = id(vault_replication._topology)
            for action, body in (("write", {"cluster": vault_replication.cluster, "entries": 5000}), ("advance", {"seconds": 90})):
                assert requests.post(vault_replication.url + "/_replmock/" + action, json=body, timeout=5).status_code == 200

        def test_03_fresh_after_the_control_api_then_the_clock(vault_replication):
            assert not same_topology(vault_replication)
            assert state(vault_replication) == SEEN["first"]
            vault_replication.advance(3600)

        def test_04_back_at_t0_then_a_direct_edit_without_touch(vault_replication):
            assert state(vault_replication) == SEEN["first"]
            vault_replication.topology.cluster(vault_replication.cluster).version = "1.12.0+ent"

        def test_05_fresh_after_the_edit_then_the_node_edited(vault_replication):
            assert state(vault_replication) == SEEN["first"]
            vault_replication.node.tokens.clear()

        def test_06_fresh_node(vault_replication):
            assert state(vault_replication) == SEEN["first"]
            assert requests.post(vault_replication.url + "/v1/sys/replication/reindex", headers=ROOT, timeout=5).status_code == 200

        @pytest.mark.replmock(seed=3)
        def test_07_another_seed(vault_replication):
            assert state(vault_replication) != SEEN["first"]

        def test_08_both_fixtures_share_and_change_it(vault_replication, vault_replication_topology):
            SEEN["id"] = id(vault_replication._topology)  # its clusters' addresses are the topology's servers
            vault_replication_topology.seal("A")

        def test_09_fresh_after_a_shared_topology(vault_replication):
            assert not same_topology(vault_replication)
            assert state(vault_replication) == SEEN["first"]
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=10)
