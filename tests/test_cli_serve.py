"""`replmock serve`: every scenario served, addresses printed, real clients work against it, stops cleanly."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import hvac
import pytest
import requests

from replmock.cli import run
from replmock.generate import get_scenario, scenario_names
from replmock.server.standalone import serve_command
from tests.test_clients import bao_binary

LINE = re.compile(r"^  ([A-Z])  (https?://\S+)  (.*)$")


@contextmanager
def serving(*argv: str) -> Iterator[dict[str, str]]:
    """Run serve_command in a thread; yield {cluster: url}; stop it."""
    parser = argparse.Namespace(
        scenario="perf-primary",
        seed=0,
        host="127.0.0.1",
        port=0,
        root_token="root",
        token=[],
        tls_cert=None,
        tls_key=None,
    )
    args = vars(parser)
    it = iter(argv)
    for flag in it:
        key = flag.lstrip("-").replace("-", "_")
        value = next(it)
        if key == "token":
            args["token"].append(value)
        else:
            args[key] = int(value) if key in {"seed", "port"} else value
    out, err = io.StringIO(), io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(target=serve_command, args=(argparse.Namespace(**args), out, err), kwargs={"stop": stop})
    thread.start()
    try:
        for _ in range(500):
            if "Press Ctrl+C" in out.getvalue():
                break
            if not thread.is_alive():
                pytest.fail(err.getvalue() or out.getvalue())
            time.sleep(0.01)
        urls = {m.group(1): m.group(2) for m in map(LINE.match, out.getvalue().splitlines()) if m}
        yield urls
    finally:
        stop.set()
        thread.join(10)
    assert "replmock: stopped" in out.getvalue()


@pytest.mark.parametrize("name", scenario_names())
def test_every_scenario_serves_and_bao_and_hvac_read_it(name: str) -> None:
    focus = get_scenario(name).spec.focus
    with serving("--scenario", name, "--seed", "3", "--token", "app") as urls:
        assert set(urls) == {c.name for c in get_scenario(name).spec.clusters}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))}
        done = subprocess.run(
            [bao_binary(), "read", "-format=json", "sys/replication/status"],
            env={**env, "BAO_ADDR": urls[focus]},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)["data"]
        client = hvac.Client(url=urls[focus], token="app")
        assert client.read("sys/replication/status")["data"].keys() == data.keys()
        if name != "oss":
            assert set(data) == {"dr", "performance"}


def test_consecutive_ports_and_roles_are_printed() -> None:
    with serving("--scenario", "four-cluster", "--port", "0") as urls:
        assert len(urls) == 4
        a = requests.get(urls["A"] + "/v1/sys/replication/status", timeout=5).json()["data"]
        assert a["performance"]["secondaries"][0]["api_address"] == urls["B"]


def test_standalone_mode_lives_in_the_present() -> None:
    with serving("--scenario", "perf-primary") as urls:
        before = time.time()
        health = requests.get(urls["A"] + "/v1/sys/health", timeout=5).json()
        status = requests.get(urls["A"] + "/v1/sys/replication/status", timeout=5).json()["data"]
    assert abs(health["server_time_utc"] - before) < 60
    beat = datetime.fromisoformat(status["performance"]["secondaries"][0]["last_heartbeat"])
    assert abs(beat.timestamp() - before) < 60


def test_bad_arguments_exit_2_with_a_message() -> None:
    for argv, words in [
        (["serve", "--scenario", "nope"], "unknown scenario 'nope'"),
        (["serve", "--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"),
        (["serve", "--tls-cert", "x.pem", "--tls-key", "y.pem"], "cannot load the TLS certificate"),
        (["serve", "--port", "70000"], "--port must be from 0 to 65535"),
        (["serve", "--scenario", "four-cluster", "--port", "65535"], "the first port must be at most 65532"),
        (["serve", "--root-token", ""], "the token itself is empty"),
        (["serve", "--token", "viewer:admin"], "unknown kind 'admin'"),
    ]:
        out, err = io.StringIO(), io.StringIO()
        assert run(argv, stdout=out, stderr=err) == 2
        assert words in err.getvalue()


def test_busy_port_is_a_clear_error() -> None:
    with serving("--scenario", "disabled") as urls:
        port = urls["A"].rsplit(":", 1)[1]
        out, err = io.StringIO(), io.StringIO()
        assert run(["serve", "--scenario", "disabled", "--port", port], stdout=out, stderr=err) == 2
        assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue()


def test_a_fixed_port_is_free_again_at_once_after_a_run_that_served_connections() -> None:
    with serving("--scenario", "perf-primary") as urls:
        port = urls["A"].rsplit(":", 1)[1]
        with requests.Session() as session:  # kept-alive connections the server must close on stop
            for _ in range(5):
                assert session.get(urls["A"] + "/v1/sys/health", timeout=5).status_code == 200
    with serving("--scenario", "perf-primary", "--port", port) as again:
        assert again["A"].endswith(f":{port}")
        assert requests.get(again["A"] + "/v1/sys/health", timeout=5).status_code == 200


def test_tokens_of_each_kind_work_with_hvac_and_the_bao_cli() -> None:
    with serving("--scenario", "perf-primary", "--token", "ops", "--token", "viewer:default") as urls:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAO_", "VAULT_"))}
        for token, policies in [
            ("root", ["root"]),
            ("ops", ["default", "replication-operator"]),
            ("viewer", ["default"]),
        ]:
            assert hvac.Client(url=urls["A"], token=token).is_authenticated()
            looked = subprocess.run(
                [bao_binary(), "token", "lookup", "-format=json"],
                env={**env, "BAO_ADDR": urls["A"], "BAO_TOKEN": token},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert looked.returncode == 0, looked.stderr
            assert json.loads(looked.stdout)["data"]["policies"] == policies
        assert not hvac.Client(url=urls["A"], token="bogus").is_authenticated()
        viewer = requests.post(
            urls["A"] + "/v1/sys/replication/recover", headers={"X-Vault-Token": "viewer"}, timeout=5
        )
        assert viewer.status_code == 403
        assert viewer.json() == {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}


@pytest.mark.slow
def test_serve_as_a_process_stops_on_sigint() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "replmock.cli", "serve", "--scenario", "dr-secondary", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl+C" in line:
                break
        urls = {m.group(1): m.group(2) for m in map(LINE.match, [ln.rstrip("\n") for ln in lines]) if m}
        assert (
            requests.get(urls["B"] + "/v1/sys/replication/dr/status", timeout=5).json()["data"]["mode"] == "secondary"
        )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
