"""Standalone: ``replmock serve`` runs a scenario's clusters as servers on wall-clock time until interrupted."""

from __future__ import annotations

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
    if not 0 <= args.port <= 65535:  # noqa: PLR2004
        msg = f"--port must be from 0 to 65535, got {args.port}"
        raise UsageError(msg)
    for spec in [args.root_token, *args.token]:
        parse_token_spec(spec)  # a clear error for an empty token or an unknown kind, before anything starts
    context = _ssl_context(args.tls_cert, args.tls_key)
    # A served scenario lives in the present: its times start now and follow the wall clock
    # (ids and addresses still come from the seed).
    now = datetime.now(timezone.utc).replace(microsecond=0)
    top = scenario(args.scenario, args.seed, clock=Clock(now, follow_wall=True))
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
    mock.start()
    try:
        print(
            f"replmock: serving scenario {args.scenario!r} (seed {args.seed}) on {len(mock.vaults)} cluster(s):",
            file=out,
        )
        for line in mock.describe():
            print(f"  {line}", file=out)
        others = ", ".join(args.token) if args.token else "none"
        print(
            f"root token (sudo): {args.root_token}; other tokens (NAME: update without sudo, NAME:default: "
            f"the default policy only): {others}. Press Ctrl+C to stop.",
            file=out,
        )
        out.flush()
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
