"""Is it safe to promote this DR secondary? A small tool built on Vault's replication status API."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone

import hvac
import hvac.exceptions

MAX_HEARTBEAT_AGE = 30  # seconds
MAX_LAG = 100  # WAL entries
MAX_CANARY_AGE_MS = 10_000  # how stale the newest replicated canary may be before we alert


@dataclass
class Verdict:
    safe: bool
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "SAFE to fail over" if self.safe else "NOT safe: " + "; ".join(self.reasons)


def _client(url: str, token: str | None = None) -> hvac.Client:
    """A client that sends a token only when given one: hvac would otherwise pick up VAULT_TOKEN or
    ~/.vault-token, and Vault refuses a stale token even on the unauthenticated status paths (403)."""
    return hvac.Client(url=url, token=token or "")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assess(url: str, token: str | None = None) -> Verdict:
    """Read the DR secondary at ``url`` (and its primary) and say whether promoting it is safe."""
    client = _client(url, token)
    try:
        status = client.read("sys/replication/dr/status")
        health = client.sys.read_health_status(method="GET", standby_ok=True, dr_secondary_code=200)
    except hvac.exceptions.VaultError as exc:
        return Verdict(False, [f"cannot read replication status: {exc}"])
    except (ValueError, OSError) as exc:
        return Verdict(False, [f"unreadable answer from {url}: {exc}"])
    if status is None:
        return Verdict(False, ["no DR replication on this server (open-source Vault or not licensed)"])
    data = status["data"]
    if data.get("mode") != "secondary":
        return Verdict(False, [f"this cluster is not a DR secondary (mode {data.get('mode')!r})"])
    reasons = []
    if data.get("state") != "stream-wals":
        reasons.append(f"replication state is {data.get('state')!r}, not 'stream-wals'")
    primaries = data.get("primaries")
    if not isinstance(primaries, list) or not primaries:
        return Verdict(False, [*reasons, "the status lists no primary (unexpected response shape)"])
    primary = primaries[0]
    if primary.get("connection_status") != "connected":
        reasons.append("the primary is disconnected")
    now = datetime.fromtimestamp(health["server_time_utc"], tz=timezone.utc)  # the server's clock, not ours
    age = (now - _time(primary["last_heartbeat"])).total_seconds()
    if age > MAX_HEARTBEAT_AGE:
        reasons.append(f"last heartbeat was {int(age)}s ago")
    try:
        upstream = _client(primary["api_address"]).read("sys/replication/dr/status")
    except (hvac.exceptions.VaultError, OSError) as exc:
        reasons.append(f"cannot reach the primary at {primary['api_address']}: {exc}")
    else:
        lag = upstream["data"]["last_dr_wal"] - data["last_remote_wal"]
        if lag > MAX_LAG:
            reasons.append(f"{lag} WAL entries behind the primary")
    return Verdict(not reasons, reasons)


def replication_alert(url: str) -> str | None:
    """An alert when replication into the DR secondary at ``url`` is stalled or lagging; None when it is healthy.

    It reads the secondary's ``replication_primary_canary_age_ms``: the age of the newest canary the primary
    wrote that the secondary has applied, so it grows while nothing arrives, whatever the reason.
    """
    try:
        status = _client(url).read("sys/replication/dr/status")
    except (hvac.exceptions.VaultError, OSError) as exc:
        return f"cannot read replication status: {exc}"
    primaries = (status or {}).get("data", {}).get("primaries") or [{}]
    age = int(primaries[0].get("replication_primary_canary_age_ms", -1))
    if primaries[0].get("connection_status") != "connected":
        return f"primary disconnected; newest canary is {age} ms old"
    if age > MAX_CANARY_AGE_MS:
        return f"replication lagging; newest canary is {age} ms old"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="address of the DR secondary, e.g. https://vault-dr.example:8200")
    args = parser.parse_args(argv)
    verdict = assess(args.url)
    print(verdict)
    return 0 if verdict.safe else 1


if __name__ == "__main__":
    sys.exit(main())
