"""Mock throughput: requests/s of MockVault serving sys/replication/status against raw pytest-httpserver serving static JSON."""

from __future__ import annotations

import argparse
import http.client
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from pytest_httpserver import HTTPServer

from benchmarks._util import ROUNDS, interleaved, rate, report
from replmock.server import MockVault

PATH = "/v1/sys/replication/status"


def _client_rate(url: str, seconds: float) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)

    def batch() -> int:
        for _ in range(50):
            conn.request("GET", PATH)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                msg = f"benchmark request failed: {response.status}"
                raise RuntimeError(msg)
        return 50

    batch()  # warm up: connection, first render
    try:
        return rate(batch, seconds)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--smoke", action="store_true", help="the least work that shows it runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds = 0.0
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # same for both sides: no per-request log line
    vault = MockVault(scenario="dr-primary-perf-primary", seed=0).start()
    raw = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    raw.expect_request(PATH).respond_with_data(json.dumps(vault.status("status")), content_type="application/json")
    raw.start()
    try:
        # Interleaved rounds, median of each side: the machine's load drifts during a run.
        rounds = interleaved(
            lambda s: _client_rate(vault.url, s),
            lambda s: _client_rate(raw.url_for("/"), s),
            args.seconds,
            1 if args.smoke else ROUNDS,
        )
    finally:
        raw.stop()
        vault.stop()
    return report(
        "server",
        "requests/s",
        rounds,
        baseline_name="raw pytest-httpserver, static JSON",
        target=">= 1.2",
    )


if __name__ == "__main__":
    main()
