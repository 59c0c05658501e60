"""A peer's test suite against the mock (issue 15): Schemathesis runs the document ``replmock openapi`` writes against
a ``replmock serve`` process, with its default checks, and finds nothing.

Run as CI runs it: ``schemathesis --config-file schemathesis.toml run vault.json --url http://127.0.0.1:PORT/v1
-H "X-Vault-Token: root" --seed 1 --max-examples 15 --workers 1 --exclude-method PUT`` (the README's OpenAPI section).

What the first runs found (86 operations, ~770 cases, 132 failures) and what became of each class:

- ST101 server error (1): ``auth/token/create`` with a ttl Go cannot parse crashed the handler (500). Fixed in the
  mock: 400 ``time: invalid duration "<ttl>"`` as OpenBao 2.7 answers; ``secondary-token`` no longer crashes either.
- ST103 undocumented status code (3): the 500 above, and 204 from handlers that return no data. Fixed in the
  document: each operation's codes now follow its handler (``None`` -> 204, a body -> 200) and every code the
  pipeline can answer (307, 400, 403, 404, 413, 503; sys/health's state codes; the mux routes' own).
- ST201 schema-violating request accepted (9): the document was narrower than Vault's parameter framework, which
  takes booleans and numbers for strings, null for any field, a ``null`` body, etc. Fixed in the document (types as
  replmock.vault._params decodes them, observed on OpenBao 2.7). Two were mock bugs, fixed: a list of
  TypeCommaStringSlice with null/true/object elements became "None"/"True"/a Python repr (now "", "1" and 400 as
  mapstructure does), and the DR generate-operation-token bodies accepted any JSON type (now decoded as Go structs).
- ST202 schema-valid request rejected (74): mostly state refusals, 400. Some were document gaps (required fields
  that may not be empty, ``dr_operation_token`` required, the key share's format, the token type's values), fixed;
  the rest is Vault's replication state machine (wrong mode, unknown ids or tokens, an attempt in progress, a DR
  secondary's path gate): ``positive_data_acceptance`` takes 400 as well, in schemathesis.toml, with the reason.
  sys/health's 429/472/473 are its answers for a standby, DR secondary and performance standby: configured there.
- ST204 undeclared method (44): Vault answers 405 without an ``Allow`` header, and an undeclared PATCH with 400/415
  (Content-Type first). ``unsupported_method`` is disabled in schemathesis.toml with that evidence; the mock's 405s
  are compared with OpenBao in tests/test_differential.py. OPTIONS is not declared: Vault (without CORS) answers
  it only with errors (400 "cannot handle internal-only request operation" on logical paths, 405 on the mux
  routes; observed on OpenBao 2.7), which the mock mirrors, and the check does not send it.
- ST401 (1): dr/primary/demote succeeds and makes the cluster a DR secondary, whose path gate answers the
  check's token-less replay with 400 before any token check (§6.4). ``ignored_auth`` is off for the two
  operations that make a DR secondary, in schemathesis.toml.

The run: one worker and a fixed seed, so the order of requests (and so the mock's replication state as the run
changes it) is the same each time; ``--clock frozen`` keeps time still. PUT is left out: it is the same logical
operation as POST in Vault's framework (both are ``update``; the mapping is compared with OpenBao in
tests/test_differential.py) and would double the run's time.

That run proves little for most operations: a third of the way through it makes the cluster a DR secondary
(dr/primary/demote), after which almost everything answers 400, which it must accept. So a second run
(``test_schemathesis_on_a_healthy_primary``) sends the document to cluster A of ``--scenario four-cluster`` (DR and
performance primary, with a performance secondary and DR secondaries) without the operations that change
replication state, with schemathesis-healthy.toml: there a 400 for a schema-valid request is a finding, except for
the few operations the file lists with the refusal no generated request can avoid. It asserts how many operations
got a 2xx, counted from the server's request log.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from replmock.cli import run
from replmock.generate import scenario
from replmock.vault import Request, VaultNode
from replmock.vault._params import Field, ParamError, go_quote, parse_field

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "schemathesis.toml"
HEALTHY_CONFIG = REPO / "schemathesis-healthy.toml"
STATE_CHANGING = r"/(enable|disable|demote|promote|update-primary|revoke-secondary|operation-token/delete)$"
"""What the healthy run leaves out: the operations that change a cluster's replication state."""
HEALTHY_2XX_FLOOR = 28
"""Operations of the healthy run that must get at least one 2xx (30 of its 35 did when this was written: the other
five are the DR-secondary-only ones and sys/init's POST, refused on any healthy primary)."""
ROOT = "schemathesis-root"
SEED = 1
MAX_EXAMPLES = 15
START_DEADLINE = 30.0
RUN_DEADLINE = 240.0


@contextmanager
def serving(tmp_path: Path, *extra: str) -> Iterator[str]:
    """``replmock serve --json`` as a process; yields the focus cluster's URL once its start-up line is out (the
    first cluster: A). Its request log (one line per request, stderr) goes to ``serve.log``."""
    log = (tmp_path / "serve.log").open("w")
    # Schemathesis checks every body against the document's schemas itself; the mock's own check of each answer
    # (REPLMOCK_VALIDATE_RESPONSES, set for the test session) would only double the time, since `replmock serve`
    # keeps what it finds to itself.
    env = {k: v for k, v in os.environ.items() if k != "REPLMOCK_VALIDATE_RESPONSES"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replmock.cli",
            "serve",
            "--json",
            "--port",
            "0",
            "--clock",
            "frozen",
            "--root-token",
            ROOT,
            *extra,
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,  # the request log: a file, so that a full pipe can never block the server
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = _first_line(proc, START_DEADLINE)
        info = json.loads(line)
        focus = next(iter(info["clusters"]))
        yield str(info["clusters"][focus]["url"])
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _first_line(proc: subprocess.Popen[str], deadline: float) -> str:
    """The process's first line of output, waited for with a deadline (not a sleep)."""
    assert proc.stdout is not None
    end = time.monotonic() + deadline
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while (left := end - time.monotonic()) > 0:
            if sel.select(timeout=left):
                line = proc.stdout.readline()
                if line.strip():
                    return line
                if proc.poll() is not None:
                    break
    proc.kill()
    pytest.fail(f"replmock serve printed no start-up line within {deadline:g} s (exit code {proc.poll()})")


def _schemathesis(tmp_path: Path, config: Path, *serve: str, options: tuple[str, ...] = ()) -> str:
    """One Schemathesis run of the document against a fresh ``replmock serve``; fails the test unless it passes."""
    document = tmp_path / "vault.json"
    assert run(["openapi", "--out", str(document)]) == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    with serving(tmp_path, *serve) as url:
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(config),
                "--no-color",
                "run",
                str(document),
                "--url",
                f"{url}/v1",
                "--header",
                f"X-Vault-Token: {ROOT}",
                "--seed",
                str(SEED),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--workers",
                "1",  # one order of requests, so one sequence of replication states
                "--exclude-method",
                "PUT",  # POST's twin: the same update operation (see the module docstring)
                "--generation-database",
                "none",  # no .hypothesis directory: every run starts from the seed
                *options,
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_DEADLINE,
            check=False,
        )
        took = time.monotonic() - started
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"schemathesis exited with {done.returncode} after {took:.1f} s:\n{output}", pytrace=False)
    assert "passed" in output, output
    assert " failure" not in output.rsplit("SUMMARY", 1)[-1], output
    return output


@pytest.mark.slow
def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    _schemathesis(tmp_path, CONFIG)
    answered = _codes_by_operation((tmp_path / "serve.log").read_text(), tmp_path / "vault.json")
    succeeded = [op for op, codes in answered.items() if any(200 <= c < 300 for c in codes)]
    print(f"first run: {len(succeeded)} of {len(answered)} operations got a 2xx")


@pytest.mark.slow
def test_schemathesis_on_a_healthy_primary(tmp_path: Path) -> None:
    """Cluster A of four-cluster, no state-changing operation, 400 a finding (schemathesis-healthy.toml)."""
    output = _schemathesis(
        tmp_path, HEALTHY_CONFIG, "--scenario", "four-cluster", options=("--exclude-path-regex", STATE_CHANGING)
    )
    tested = int(re.search(r"Tested: (\d+)", output).group(1))  # type: ignore[union-attr]
    answered = _codes_by_operation((tmp_path / "serve.log").read_text(), tmp_path / "vault.json")
    succeeded = sorted(op for op, codes in answered.items() if any(200 <= c < 300 for c in codes))
    print(f"healthy run: {len(succeeded)} of {tested} operations got a 2xx")
    assert len(succeeded) >= HEALTHY_2XX_FLOOR, (len(succeeded), tested, sorted(answered))


def _codes_by_operation(log: str, document: Path) -> dict[str, set[int]]:
    """The status codes the server's request log shows for each operation of the document (``GET /sys/leader``);
    requests to no documented operation (Schemathesis' undeclared methods, probes) are left out."""
    doc = json.loads(document.read_text())
    templates = [
        (re.compile(re.escape(t).replace(r"\{id\}", "[^/]+") + "$"), t, set(item)) for t, item in doc["paths"].items()
    ]
    out: dict[str, set[int]] = {}
    for line in log.splitlines():
        found = re.match(r"^\S+\s+([A-Z]+) /v1(/\S*?)(\?\S*)? -> (\d+)", line)
        if not found:
            continue
        method, path, _, code = found.groups()
        for regex, template, methods in templates:
            if method.lower() in methods and regex.match(path):
                out.setdefault(f"{method} {template}", set()).add(int(code))
                break
    return out


# --- the mock bugs the run found, pinned without a server -------------------------------------------------------------


def _post(node: VaultNode, path: str, body: object) -> tuple[int, object]:
    answer = node.handle(Request.build("POST", path, body=json.dumps(body), token="root"))
    return answer.status, json.loads(answer.body) if answer.body else None


def test_comma_string_slices_decode_as_mapstructure_does() -> None:
    """Observed on OpenBao 2.7 (sys/config/cors allowed_origins, a TypeCommaStringSlice)."""
    spec = Field("paths", "strings")
    cases: list[tuple[object, list[str]]] = [
        ("a,,b", ["a", "", "b"]),
        (" a , b ", ["a", "b"]),
        ([None, "a"], ["", "a"]),
        ([True, False, " x "], ["1", "0", "x"]),
        (True, ["1"]),
        ("", []),
    ]
    for value, want in cases:
        assert parse_field(spec, value) == want, value
    with pytest.raises(ParamError, match=r"'\[0\]' expected type 'string', got unconvertible type 'map\[string\]"):
        parse_field(spec, [{"a": 1}])


def test_a_ttl_go_cannot_parse_is_a_400_not_a_crash() -> None:
    node = VaultNode(scenario("perf-primary", 0), "A")
    status, body = _post(node, "/v1/auth/token/create", {"ttl": "e~\x00"})
    assert (status, body) == (400, {"errors": [f"time: invalid duration {go_quote('e~' + chr(0))}"]})
    assert go_quote('e~\x00\u00a0"') == '"e~\\x00\\u00a0\\""'
    status, _ = _post(node, "/v1/sys/replication/performance/primary/secondary-token", {"id": "x", "ttl": "\u00b2"})
    assert status == 400
    # Past a Go time.Duration: a batch token's expiry overflowed Python's datetime (a crash); observed on OpenBao 2.7
    overflow = "multiplication of durations resulted in overflow, one operand may be too large"
    for kind in ("batch", "service"):
        status, body = _post(node, "/v1/auth/token/create", {"type": kind, "ttl": "999999999999"})
        assert (status, body) == (400, {"errors": [overflow]})
    status, body = _post(node, "/v1/auth/token/create", {"type": "batch", "ttl": "99999999999h"})
    assert (status, body) == (400, {"errors": ['time: invalid duration "99999999999h"']})


def test_generate_operation_token_bodies_decode_as_go_structs() -> None:
    node = VaultNode(scenario("dr-secondary", 0), "B")
    path = "/v1/sys/replication/dr/secondary/generate-operation-token/attempt"
    status, body = _post(node, path, {"otp": 123})
    want = "json: cannot unmarshal number into Go struct field GenerateRootInitRequest.otp of type string"
    assert (status, body) == (400, {"errors": [f"failed to decode JSON input: {want}"]})
    status, body = _post(node, path, {"OTP": None, "unknown": [1]})  # case-insensitive names; null leaves it empty
    assert status == 200
    update = "/v1/sys/replication/dr/secondary/generate-operation-token/update"
    status, body = _post(node, update, {"key": "aa bb", "nonce": "x"})  # hex.DecodeString takes no spaces
    assert (status, body) == (400, {"errors": ["'key' must be a valid hex or base64 string"]})
