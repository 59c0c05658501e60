"""Standalone: ``replmock serve`` runs a scenario's clusters as servers on wall-clock time until interrupted."""

from __future__ import annotations

import json
import signal
import ssl
import threading
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING

from replmock._errors import UsageError
from replmock.generate.scenarios import scenario
from replmock.model.clock import Clock
from replmock.server.vault import MockTopology
from replmock.vault import parse_token_spec

if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from types import FrameType


def _ssl_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    if not cert and not key:
        return None
    if not (cert and key):
        msg = "--tls-cert and --tls-key go together; give both or neither"
        raise UsageError(msg)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        msg = f"cannot load the TLS certificate {cert} / key {key}: {exc}"
        raise UsageError(msg) from exc
    return context


def serve_command(args: argparse.Namespace, out: IO[str], err: IO[str], *, stop: threading.Event | None = None) -> int:
    """Serve until SIGINT/SIGTERM (or until ``stop`` is set, for tests)."""
    _check_arguments(args)
    context = _ssl_context(args.tls_cert, args.tls_key)
    # A served scenario lives in the present: its times start now and follow the wall clock, or stand still
    # until POST /_replmock/advance with --clock frozen (ids and addresses still come from the seed). The wall
    # clock moves in whole-second ticks (replmock.model.clock.WALL_TICK): every read within a tick is answered
    # from one computed view, as every time a payload shows is whole seconds.
    clock_mode = getattr(args, "clock", "wall")
    if clock_mode not in {"wall", "frozen"}:
        msg = f"--clock must be wall or frozen, got {clock_mode!r}"
        raise UsageError(msg)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if getattr(args, "recording", None):  # a recording lives on from the moment it was recorded
        from replmock.record import load_recording

        top = load_recording(args.recording, follow_wall=clock_mode == "wall")
    else:
        top = scenario(args.scenario, args.seed, clock=Clock(now, follow_wall=clock_mode == "wall"))
    if args.port and args.port + len(top.clusters) - 1 > 65535:  # noqa: PLR2004
        msg = (
            f"--port {args.port}: scenario {args.scenario!r} has {len(top.clusters)} clusters on consecutive ports, "
            f"so the first port must be at most {65536 - len(top.clusters)} (or 0 for free ports)"
        )
        raise UsageError(msg)
    mock = MockTopology(
        top,
        host=args.host,
        port=args.port,
        root_token=args.root_token,
        tokens=args.token,
        namespaces=getattr(args, "namespace", None) or (),
        ssl_context=context,
        strict=False,
        journal_limit=1000,
    )
    stop = stop or threading.Event()
    lock = threading.Lock()

    def log(line: str) -> None:  # one plain line per request (no colour codes), naming the cluster
        with lock:
            print(line, file=err, flush=True)

    for vault in mock.vaults.values():
        vault.log = log if getattr(args, "log_requests", True) else None
    mock.start()
    try:
        _announce(mock, args, clock_mode, out)
        previous = {}
        if threading.current_thread() is threading.main_thread():

            def _stop(signum: int, frame: FrameType | None) -> None:
                stop.set()

            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, _stop)
        try:
            stop.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        mock.stop()
    print("replmock: stopped", file=out)
    return 0


def _announce(mock: MockTopology, args: argparse.Namespace, clock_mode: str, out: IO[str]) -> None:
    """The start-up output: every cluster's address and roles, as text or as one JSON line (``--json``)."""
    focus = mock.topology.focus
    if getattr(args, "json", False):  # one machine-readable line, then the requests' log on stderr
        info = mock.describe_json()
        line = {
            "scenario": args.scenario,
            "seed": args.seed,
            "clock": clock_mode,
            "clusters": {
                name: {k: c[k] for k in ("url", "dr", "performance", "unseal_keys", "threshold")}
                for name, c in info["clusters"].items()
            },
            "control": mock.vaults[focus].url + "/_replmock/",
        }
        print(json.dumps(line), file=out, flush=True)
    else:
        print(
            f"replmock: serving scenario {args.scenario!r} (seed {args.seed}) on {len(mock.vaults)} cluster(s):",
            file=out,
        )
        for row in mock.describe():
            print(f"  {row}", file=out)
        for name, vault in mock.vaults.items():
            print(f"  {name} unseal keys ({vault.threshold} needed): {' '.join(vault.unseal_keys)}", file=out)
        others = ", ".join(args.token) if args.token else "none"
        print(
            f"root token (sudo): {args.root_token}; other tokens (NAME: update without sudo, NAME:default: "
            f"the default policy only): {others}. Clock: {clock_mode}. Control API: "
            f"{mock.vaults[focus].url}/_replmock/topology. Press Ctrl+C to stop.",
            file=out,
        )
        out.flush()


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse bad arguments before anything starts, each with what was expected."""
    if not 0 <= args.port <= 65535:  # noqa: PLR2004
        msg = f"--port must be from 0 to 65535, got {args.port}"
        raise UsageError(msg)
    for spec in [args.root_token, *args.token]:
        parse_token_spec(spec)  # a clear error for an empty token or an unknown kind, before anything starts
