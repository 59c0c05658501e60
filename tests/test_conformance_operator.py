"""`replmock conformance` as an operator or a CI job runs it: exit codes, preflight, credentials, options, summary.

Most cases stop before any check runs (usage errors, preflight failures), so they run in-process through
``replmock.cli.run``; three runs of the command itself cover the suite's output (self-test, a breach next to
an unusable target, pytest's own usage error).
"""

from __future__ import annotations

import io
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from replmock.cli import run
from replmock.conformance import (
    EXIT_BREACH,
    EXIT_CODES_HELP,
    EXIT_PASSED,
    EXIT_UNUSABLE,
    EXIT_USAGE,
    OPTIONS,
    plan,
    preflight,
)
from replmock.generate import scenario
from replmock.server import MockTopology, MockVault

RIGHT, WRONG = "hvs.RIGHT-operator-0123", "hvs.WRONG-operator-4567"


@pytest.fixture(autouse=True)
def _no_vault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith(("VAULT_", "BAO_"))]:
        monkeypatch.delenv(name)


@pytest.fixture
def vault() -> Iterator[MockVault]:
    with MockVault(scenario="perf-primary", root_token=RIGHT) as one:
        yield one


def conformance(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["conformance", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- usage errors (exit 2) --------------------------------------------------------------------------


def test_without_a_target_it_is_a_usage_error_that_says_how_to_point_it_at_a_vault() -> None:
    code, out, err = conformance()
    assert code == EXIT_USAGE
    assert err.startswith("replmock conformance: nothing to check")
    for words in ("VAULT_ADDR", "--vault-addr", "--targets", "--self-test"):
        assert words in err
    assert out == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--self-test", "--timeout", "0"], "--timeout must be a positive number of seconds"),
        (["--self-test", "--retries", "-1"], "--retries must be a whole number from 0 to 10"),
        (["--self-test", "--vault-addr", "http://127.0.0.1:1"], "--self-test checks replmock's own mock"),
        (["--vault-addr", "http://127.0.0.1:1", "--targets", "t.toml"], "give either --vault-addr or --targets"),
        (["--vault-addr", "vault:8200"], "needs a scheme and a host"),
        (["--targets", "/nonexistent/targets.toml"], "cannot read --targets"),
        (["--self-test", "--replmock-scenario", "nope"], "unknown scenario 'nope'"),
    ],
)
def test_bad_options_are_usage_errors_in_the_commands_name(args: list[str], words: str) -> None:
    code, _, err = conformance(*args)
    assert code == EXIT_USAGE
    assert err.startswith("replmock conformance: ")
    assert words in err
    assert "pytest" not in err


def test_a_malformed_option_value_is_argparses_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        conformance("--self-test", "--retries", "many")
    assert exited.value.code == EXIT_USAGE
    assert "replmock conformance: error: argument --retries" in capsys.readouterr().err


# --- one definition of each option, and the exit codes, in --help ----------------------------------


def test_help_lists_every_option_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        conformance("--help")
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert (option.flags[0] in text) != option.hidden, option.flags
    for line in EXIT_CODES_HELP.splitlines():
        assert line in text


def test_the_suite_declares_the_same_options_as_the_command() -> None:
    from contract_tests import conftest

    declared: dict[str, dict[str, Any]] = {}

    class Group:
        def addoption(self, *flags: str, **kwargs: Any) -> None:
            (flag,) = flags
            declared[flag] = kwargs

    class Parser:
        def getgroup(self, *args: Any) -> Group:
            return Group()

    conftest.pytest_addoption(Parser())  # type: ignore[arg-type]
    assert list(declared) == [o.pytest_flag for o in OPTIONS]
    for option in OPTIONS:
        assert declared[option.pytest_flag]["dest"] == option.dest
        assert declared[option.pytest_flag].get("default") == option.default


# --- preflight (exit 3) ----------------------------------------------------------------------------


def test_a_wrong_token_is_one_preflight_line_and_exit_3(vault: MockVault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", WRONG)
    code, out, err = conformance("--vault-addr", vault.url)
    assert code == EXIT_UNUSABLE
    lines = [line for line in err.splitlines() if "token rejected" in line]
    assert lines == [
        f"replmock conformance: vault: token rejected at {vault.url} (GET auth/token/lookup-self answered 403): "
        "check VAULT_TOKEN (or token_env / token in the targets file, or ~/.vault-token) is a live token of this "
        "cluster"
    ]
    assert "FAILED" not in out + err
    assert WRONG not in out + err
    assert {r.method for r in vault.requests()} == {"GET"}  # preflight only reads


def test_a_right_token_passes_preflight_and_the_kind_is_known(vault: MockVault) -> None:
    (target,) = plan({"vault_addr": vault.url, "vault_token": RIGHT}).targets
    found = preflight(target)
    assert found.usable, found.problem
    assert found.capabilities is not None
    assert found.capabilities.kind == "enterprise"


def test_a_closed_port_is_unreachable_exit_3() -> None:
    port = closed_port()
    code, out, err = conformance("--vault-addr", f"http://127.0.0.1:{port}", "--retries", "0")
    assert code == EXIT_UNUSABLE
    assert (
        f"replmock conformance: vault: unreachable at http://127.0.0.1:{port}: [Errno 111] Connection refused; " in err
    )
    assert "check the address and port" in err
    assert len(err.splitlines()) == 2  # the target's line, then "no checks run"
    assert out == ""


def test_a_tls_server_with_an_unknown_ca_is_a_tls_failure_exit_3(
    tls_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    with MockVault(scenario="perf-primary", root_token=RIGHT, ssl_context=context) as tls:
        assert tls.url.startswith("https://")
        monkeypatch.setenv("VAULT_TOKEN", RIGHT)
        code, _, err = conformance("--vault-addr", tls.url)
        assert code == EXIT_UNUSABLE
        assert f"replmock conformance: vault: TLS failure at {tls.url}: certificate verify failed" in err
        assert "set VAULT_CACERT" in err
        monkeypatch.setenv("VAULT_CACERT", tls_files[0])  # the same server, its CA given: usable
        (target,) = plan({"vault_addr": tls.url}).targets
        assert preflight(target).usable


# --- credentials ---------------------------------------------------------------------------------------


def test_a_token_on_the_command_line_warns_without_showing_it(vault: MockVault) -> None:
    code, _, err = conformance("--vault-addr", vault.url, "--vault-token", WRONG)
    assert code == EXIT_UNUSABLE
    assert "warning: --vault-token puts the token on the command line" in err
    assert "(ps, /proc)" in err
    assert WRONG not in err


def test_the_vault_cli_token_file_is_read_only_when_no_other_token_is_given(
    vault: MockVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(os.environ["HOME"])  # the test's private HOME (tests/conftest.py), never the developer's
    (home / ".vault-token").write_text(WRONG + "\n", encoding="utf-8")
    (target,) = plan({"vault_addr": vault.url}).targets
    assert target.token is not None
    assert target.token.reveal() == WRONG
    code, out, err = conformance("--vault-addr", vault.url)
    assert code == EXIT_UNUSABLE  # the file's (wrong) token was used, and said so without showing it
    assert "token rejected" in err
    assert WRONG not in out + err
    monkeypatch.setenv("VAULT_TOKEN", RIGHT)
    (target,) = plan({"vault_addr": vault.url}).targets
    assert target.token is not None
    assert target.token.reveal() == RIGHT
    (target,) = plan({"vault_addr": vault.url, "vault_token": "other"}).targets
    assert target.token is not None
    assert target.token.reveal() == "other"


def test_targets_files_take_their_own_tokens_not_the_token_file(
    vault: MockVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (Path(os.environ["HOME"]) / ".vault-token").write_text(WRONG, encoding="utf-8")
    monkeypatch.setenv("TOKEN_A", RIGHT)
    path = tmp_path / "t.toml"
    path.write_text(f'[[target]]\nname = "a"\naddress = "{vault.url}"\ntoken_env = "TOKEN_A"\n', encoding="utf-8")
    (target,) = plan({"targets": str(path)}).targets
    assert target.token is not None
    assert target.token.reveal() == RIGHT
    assert preflight(target).usable


def test_timeout_and_retries_reach_every_target(vault: MockVault) -> None:
    (target,) = plan({"vault_addr": vault.url, "replmock_timeout": 2.5, "replmock_retries": 4}).targets
    assert (target.timeout, target.retries) == (2.5, 4)


# --- the command itself: three runs ----------------------------------------------------------------


def replmock_conformance(cwd: Path, *args: str) -> tuple[int, str]:
    script = Path(sys.executable).parent / "replmock"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    done = subprocess.run(
        [str(script) if script.exists() else "replmock", "conformance", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_the_readme_self_test_passes_with_a_summary_and_no_plugin_header(tmp_path: Path) -> None:
    code, output = replmock_conformance(tmp_path, "--self-test")
    assert code == EXIT_PASSED, output[-3000:]
    assert "replmock conformance: self-test: checking replmock's own mock, scenario four-cluster" in output
    assert "replmock fixtures:" not in output
    for name in "ABCD":
        assert f"\n{name}: ok: " in output
        assert ", 0 failed, " in output


@pytest.mark.slow
def test_a_breach_next_to_an_unusable_target_exits_3_and_the_summary_says_which_caused_what(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    with MockTopology(scenario("perf-primary", 0), root_token=RIGHT) as mock:
        mock.vaults["A"].drift("retype", "cluster_id", to=42)
        path = tmp_path / "t.toml"
        path.write_text(
            f'[[target]]\nname = "drifted"\naddress = "{mock.vaults["A"].url}"\ntoken_env = "TOKEN_A"\n\n'
            f'[[target]]\nname = "gone"\naddress = "http://127.0.0.1:{port}"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("TOKEN_A", RIGHT)
        code, output = replmock_conformance(tmp_path, f"--targets={path}", "--retries=0")
    assert code == EXIT_UNUSABLE, output[-3000:]  # worst wins: 3 over the drifted target's 1
    assert output.count(f"gone: unreachable at http://127.0.0.1:{port}") == 1
    assert "\ngone: UNUSABLE: preflight failed, no checks run" in output
    assert "\ndrifted: FAIL: " in output
    summary = output[output.index("\ndrifted: FAIL: ") :].splitlines()
    failed = [line for line in summary if line.startswith("  FAILED ")]
    assert failed
    assert any("cluster_id" in line and "(x-source: " in line for line in failed), failed
    assert "[gone]" not in output
    assert RIGHT not in output
    assert EXIT_BREACH < EXIT_UNUSABLE


@pytest.mark.slow
def test_pytests_own_usage_errors_are_the_commands(tmp_path: Path) -> None:
    code, output = replmock_conformance(tmp_path, "--self-test", "--no-such-option")
    assert code == EXIT_USAGE
    assert "replmock conformance: error: unrecognized arguments: --no-such-option" in output
    assert "pytest.main()" not in output


# --- a host that drops packets: one bounded connect, not the whole deadline times the retries ------------------


class Connects:
    """Every TCP connect urllib3 makes, with its timeout; each fails with ``failure`` (no socket is opened)."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []
        self.failure: type[OSError] = TimeoutError

    def __call__(self, address: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
        self.timeouts.append(timeout)
        raise self.failure(str(address))


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Connects:
    import urllib3.util.connection

    fake = Connects()
    monkeypatch.setattr(urllib3.util.connection, "create_connection", fake)
    return fake


def test_a_connect_that_times_out_is_bounded_and_not_retried(connects: Connects) -> None:
    from replmock.conformance import CONNECT_TIMEOUT

    (target,) = plan({"vault_addr": "http://192.0.2.1:8200", "replmock_retries": 3}).targets
    found = preflight(target)
    assert not found.usable
    assert "unreachable" in found.problem
    assert len(connects.timeouts) == 1, "a silent host is asked once, not once per retry"
    assert connects.timeouts[0] is not None
    assert connects.timeouts[0] <= CONNECT_TIMEOUT < target.timeout


def test_a_refused_connect_is_still_retried(connects: Connects) -> None:
    connects.failure = ConnectionRefusedError
    (target,) = plan({"vault_addr": "http://192.0.2.1:8200", "replmock_retries": 2}).targets
    assert not preflight(target).usable
    assert len(connects.timeouts) == 3


def test_a_server_that_is_not_vault_is_unusable_not_a_breach(httpserver: Any) -> None:
    """A proxy or another service on the port (404 with no body everywhere): exit 3 with advice, not failed checks."""
    httpserver.no_handler_status_code = 404
    (target,) = plan({"vault_addr": httpserver.url_for("/").rstrip("/")}).targets
    found = preflight(target)
    assert not found.usable
    assert "not a Vault API" in found.problem
    assert "answered 404" in found.problem


def test_a_vault_with_a_broken_status_is_still_checked(httpserver: Any) -> None:
    """Vault's own JSON error on the status path is an answer the checks judge (a breach), not an unusable target."""
    httpserver.expect_request("/v1/sys/health").respond_with_json({"initialized": True, "sealed": False}, status=200)
    httpserver.expect_request("/v1/sys/replication/status").respond_with_json({"errors": ["boom"]}, status=500)
    (target,) = plan({"vault_addr": httpserver.url_for("/").rstrip("/")}).targets
    assert preflight(target).usable
