"""Record a live cluster into scrubbed fixtures (``replmock record``), and audit a recording for leaks.

A recording reads, and only reads, the unauthenticated endpoints (``sys/replication/status``,
``dr/status``, ``performance/status``, ``sys/health``) of every target, without sending any token,
and writes one folder per target plus ``manifest.json``. Every identifying value is replaced by a keyed
pseudonym that keeps its format (a UUID stays a UUID, a private IPv4 address stays private, a host name
keeps its number of labels, ports are kept). The key is random per recording and never written, and the
same real value gets the same pseudonym in every file, so cross-cluster relations still hold. After
writing, an audit checks that no value identified as sensitive appears anywhere in the folder.

Layout::

    DIR/manifest.json                 what was read, when, from which Vault version, with which status code
    DIR/<target>/<endpoint>.json      the scrubbed bodies (status, dr-status, performance-status, health)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from replmock import __version__
from replmock._errors import ReplmockError, UsageError
from replmock.schemas._fields import ADDRESSES, DATE_TIMES, EPOCH_STRINGS, IDENTIFIERS

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    from replmock.conformance import Target
    from replmock.model import ReplicationType

FORMAT = "replmock-recording/1"
ENDPOINTS = ("status", "dr-status", "performance-status", "health")

# Keys whose values identify a cluster, a node or a request (whatever their format): the replication fields
# the field table types as identifiers, and those of other bodies (the envelope, sys/health, generate-root).
ID_KEYS = IDENTIFIERS | {"request_id", "storage_cluster_id", "nonce"}
NAME_KEYS = frozenset({"cluster_name"})
ADDRESS_KEYS = ADDRESSES | {"leader_address", "leader_cluster_address", "api_addr", "cluster_addr"}  # + sys/leader's
TIME_KEYS = DATE_TIMES | {"expiry_time", "active_time", "issue_time"}  # + the license's and sys/leader's
EPOCH_KEYS = frozenset({"server_time_utc"})
EPOCH_STRING_KEYS = EPOCH_STRINGS
NEVER = {"0", "-62135596800"}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class LeakError(ReplmockError):
    """The audit found an original identifier in a recording."""


@dataclass
class Sensitive:
    """An original value and what kind of identifier it is."""

    value: str
    kind: str


@dataclass
class Scrubber:
    """Keyed, format-preserving pseudonyms; the same input gives the same output for one key."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    shift: timedelta = timedelta(0)
    seen: dict[str, Sensitive] = field(default_factory=dict)

    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self.key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()

    def _note(self, value: str, kind: str) -> None:
        if value and value not in NEVER:
            self.seen.setdefault(value, Sensitive(value, kind))

    # --- one value ---------------------------------------------------------------------------

    def identifier(self, value: str) -> str:
        if not value:
            return value
        self._note(value, "identifier")
        h = self._digest("id", value).hex()
        if _UUID.match(value):
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        return f"id-{h[:12]}"

    def name(self, value: str) -> str:
        if not value:
            return value
        self._note(value, "cluster name")
        return f"vault-cluster-{self._digest('name', value).hex()[:8]}"

    def host(self, host: str) -> str:
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            ip = None
        if ip is not None:
            if ip.is_loopback:
                return host  # the machine itself identifies nothing
            self._note(host.strip("[]"), "IP address")
            return self._ip(ip)
        if host in {"", "localhost"}:
            return host
        self._note(host, "host name")
        labels = host.split(".")
        return ".".join(self._label(i, label) for i, label in enumerate(labels))

    def _label(self, i: int, label: str) -> str:
        letters = "abcdefghijklmnopqrstuvwxyz"
        digest = self._digest(f"label{i}", label)
        return "h" + "".join(letters[b % 26] for b in digest[: max(3, min(12, len(label))) - 1])

    def _ip(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
        digest = self._digest("ip", str(ip))
        if isinstance(ip, ipaddress.IPv6Address):
            return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))  # a unique local address
        if ip in ipaddress.ip_network("10.0.0.0/8"):
            base, bits = 0x0A000000, 24
        elif ip in ipaddress.ip_network("172.16.0.0/12"):
            base, bits = 0xAC100000, 20
        elif ip in ipaddress.ip_network("192.168.0.0/16"):
            base, bits = 0xC0A80000, 16
        else:  # a public address becomes one of the documentation ranges (RFC 5737)
            base, bits = 0xC6336400, 8
        offset = int.from_bytes(digest[:4], "big") % ((1 << bits) - 2) + 1
        return str(ipaddress.IPv4Address(base + offset))

    def address(self, value: str) -> str:
        """A URL or host:port: the host pseudonymised, scheme, port and path kept."""
        if not value:
            return value
        parts = urlsplit(value if "://" in value else f"//{value}")
        host = parts.hostname or ""
        new_host = self.host(host)
        if ":" in new_host and not new_host.startswith("["):
            new_host = f"[{new_host}]"
        netloc = new_host + (f":{parts.port}" if parts.port else "")
        rebuilt = (f"{parts.scheme}://" if parts.scheme else "") + netloc + parts.path
        return rebuilt if "://" in value else rebuilt.removeprefix("//")

    def time(self, value: str) -> str:
        if not self.shift or not isinstance(value, str) or value.startswith("0001-"):
            return value
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        text = (when + self.shift).isoformat()
        return text.replace("+00:00", "Z") if value.endswith("Z") else text

    def epoch(self, value: Any) -> Any:
        if not self.shift:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value + int(self.shift.total_seconds())
        if isinstance(value, str) and value.lstrip("-").isdigit() and value not in NEVER:
            return str(int(value) + int(self.shift.total_seconds()))
        return value

    # --- a whole body ---------------------------------------------------------------------------

    def scrub(self, node: Any, key: str | None = None) -> Any:  # noqa: PLR0911 - one answer per kind of value
        if isinstance(node, dict):
            return {k: self.scrub(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [self.scrub(v, key) for v in node]
        if not isinstance(node, str):
            return self.epoch(node) if key in EPOCH_KEYS else node
        if key in ID_KEYS:
            return self.identifier(node)
        if key in NAME_KEYS:
            return self.name(node)
        if key in ADDRESS_KEYS:
            return self.address(node)
        if key in TIME_KEYS:
            return self.time(node)
        if key in EPOCH_STRING_KEYS:
            return self.epoch(node)
        if _UUID.match(node):  # an id under a key we do not know yet
            return self.identifier(node)
        return node


# --- recording ----------------------------------------------------------------------------------


def record(targets: Iterable[Target], out: Path, *, shift: timedelta = timedelta(0)) -> dict[str, Any]:
    """Read every target's status endpoints (no token), scrub them, write ``out``, audit it; the manifest."""
    from replmock.conformance import PATHS

    scrubber = Scrubber(shift=shift)
    staged = out.with_name(f".{out.name}.recording")
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "replmock_version": __version__,
        "recorded_at": (datetime.now(timezone.utc).replace(microsecond=0) + shift).isoformat().replace("+00:00", "Z"),
        "time_shifted": shift != timedelta(0),
        "targets": {},
    }
    try:
        for target in targets:
            folder = staged / _safe(target.name)
            folder.mkdir()
            entry: dict[str, Any] = {"files": {}, "version": ""}
            for endpoint in ENDPOINTS:
                reply = target.request("GET", endpoint, token=None)
                body = scrubber.scrub(reply.body) if reply.body is not None else None
                if endpoint == "health" and isinstance(reply.body, dict):
                    entry["version"] = str(reply.body.get("version", ""))
                (folder / f"{endpoint}.json").write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
                entry["files"][endpoint] = {"path": PATHS[endpoint], "method": "GET", "status": reply.status}
            manifest["targets"][_safe(target.name)] = entry
        (staged / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        leaks = audit(staged, scrubber.seen.values())
        if leaks:
            raise LeakError("the scrub audit found original identifiers: " + "; ".join(leaks[:10]))
        if out.exists():
            shutil.rmtree(out)
        staged.rename(out)
    finally:
        if staged.exists():
            shutil.rmtree(staged)
    return manifest


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._")
    return cleaned or "target"


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def audit(folder: Path, sensitive: Iterable[Sensitive]) -> list[str]:
    """Every place in ``folder`` where an original sensitive value appears (as text or JSON-escaped)."""
    values = [s for s in sensitive if len(s.value) >= 3]  # noqa: PLR2004 - shorter strings match by chance
    found = []
    for path in _files(folder):
        text = path.read_text(encoding="utf-8", errors="replace")
        for item in values:
            if item.value in text or json.dumps(item.value)[1:-1] in text:
                found.append(f"{path.relative_to(folder)} contains a {item.kind} ({item.value[:2]}...)")
    return found


def sensitive_values(raw: Path) -> list[Sensitive]:
    """The identifiers in a folder of raw captures (JSON files), found as the recorder finds them."""
    scrubber = Scrubber()
    for path in _files(raw):
        try:
            scrubber.scrub(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
    return list(scrubber.seen.values())


# --- the command --------------------------------------------------------------------------------


def _check_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``replmock record --check DIR --against RAW_DIR``."""
    if not args.against:
        raise UsageError("--check DIR needs --against RAW_DIR (the raw captures to audit it against)")
    folder, raw = Path(args.check), Path(args.against)
    for what, path in (("--check", folder), ("--against", raw)):
        if not path.is_dir():
            raise UsageError(f"{what} {path}: not a folder")
    leaks = audit(folder, sensitive_values(raw))
    for leak in leaks[:50]:
        print(f"replmock record: LEAK {leak}", file=err)
    if leaks:
        print(f"replmock record: {len(leaks)} leak(s) in {folder}", file=err)
        return 1
    print(f"replmock record: {folder}: no identifier of {raw} found", file=out)
    return 0


def record_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``replmock record``: 0 written and audited clean, 1 the audit found a leak, 2 usage error, 3 unreachable."""
    if args.check:
        return _check_command(args, out, err)
    if not args.out:
        raise UsageError("replmock record needs --out DIR (where to write the recording)")
    from replmock.conformance import load_targets, target_from_env

    targets = (
        load_targets(args.targets) if args.targets else [t for t in [target_from_env(args.vault_addr, None, None)] if t]
    )
    if not targets:
        raise UsageError("nothing to record: give --vault-addr URL (or VAULT_ADDR) or --targets FILE")
    try:
        manifest = record(targets, Path(args.out), shift=timedelta(seconds=args.shift_time))
    except LeakError as exc:
        print(f"replmock record: {exc}", file=err)
        return 1
    except ConnectionError as exc:
        print(f"replmock record: {exc}", file=err)
        return 3
    names = ", ".join(f"{n} ({t['version'] or 'unknown version'})" for n, t in manifest["targets"].items())
    print(f"replmock record: wrote {args.out}: {names}; scrub audit clean", file=out)
    return 0


# --- replay: a recording as a living topology ------------------------------------------------------------


def load_recording(folder: str | Path, *, follow_wall: bool = False) -> Any:
    """A :class:`~replmock.model.Topology` rebuilt from a recording: clusters, roles, links, WALs, states and the
    clock as recorded; recover, reindex, the clock and the events work from there. Fields the model does not
    produce are kept and served as recorded."""
    from replmock.model import Clock, Topology

    root = Path(folder)
    manifest = _read_json(root / "manifest.json", "the recording's manifest")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UsageError(f"{root}: not a replmock recording (manifest.json format is not {FORMAT!r})")
    names = list(manifest.get("targets") or {})
    if not names:
        raise UsageError(f"{root}: the recording has no targets")
    bodies = {n: {e: _read_json(root / n / f"{e}.json", f"{n}/{e}.json") for e in ENDPOINTS} for n in names}
    times = [b["health"].get("server_time_utc") for b in bodies.values() if isinstance(b["health"], dict)]
    epoch = max((t for t in times if isinstance(t, int)), default=None)
    now = datetime.fromtimestamp(epoch, timezone.utc) if epoch else datetime.now(timezone.utc).replace(microsecond=0)
    blocks = {n: _blocks(bodies[n]["status"]) for n in names}
    clusters = [_cluster(n, blocks[n], bodies[n]["health"]) for n in names]
    sets = _sets(blocks)
    detached = _links(blocks, sets, now)
    _addresses(blocks, sets, {c.name: c for c in clusters})
    top = Topology(clusters, list(sets.values()), Clock(now, follow_wall=follow_wall))
    top.detached.update(detached)
    top.name, top.focus = f"recording:{root.name}", names[0]
    _keep_unknown_fields(top, blocks, bodies)
    return top


def _blocks(status_body: Any) -> dict[str, Any]:
    status = _data(status_body)
    if isinstance(status, dict) and ("dr" in status or "performance" in status):
        return {k: status.get(k, {}) for k in ("dr", "performance")}
    return {}  # open-source Vault: a flat {"mode": "disabled"}


def _cluster(name: str, kinds: dict[str, Any], health_body: Any) -> Any:
    from replmock.model import Cluster, Node

    health = health_body if isinstance(health_body, dict) else {}
    blocks = [b for b in kinds.values() if isinstance(b, dict)]
    own = [int(b.get("last_wal") or 0) for b in blocks if b.get("mode") == "primary"]  # a primary's own WAL
    wals = own or [int(b.get("last_remote_wal") or b.get("last_wal") or 0) for b in blocks]
    host = f"https://{name.lower()}.recorded.invalid"
    return Cluster(
        name=name,
        nodes=[Node(f"{name.lower()}-0", f"{host}:8200", f"{host}:8201", active=True)],
        wal=float(max([*wals, int(health.get("last_wal") or 0)])),
        write_rate=1.0,
        utc_offset_minutes=_offset(kinds),
        storage_cluster_id=str(health.get("cluster_id") or ""),
        cluster_name=str(health.get("cluster_name") or name),
        version=str(health.get("version") or "1.21.0+ent"),
        edition="enterprise" if kinds else "oss",
    )


def _sets(blocks: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Any]:
    from replmock.model import ReplicationSet

    sets = {}
    for name, kinds in blocks.items():
        for kind, block in kinds.items():
            if isinstance(block, dict) and block.get("mode") == "primary":
                known = [str(i) for i in block.get("known_secondaries") or []]
                addr = str(block.get("primary_cluster_addr") or "")
                sets[(kind, str(block.get("cluster_id")))] = ReplicationSet(
                    cast("ReplicationType", kind), str(block.get("cluster_id")), name, [], addr, known
                )
    return sets


def _links(blocks: dict[str, dict[str, Any]], sets: dict[tuple[str, str], Any], now: datetime) -> dict[Any, Any]:
    """Attach every recorded secondary to its recorded primary; the others become detached secondaries."""
    from replmock.model.topology import Detached

    detached = {}
    for name, kinds in blocks.items():
        for kind, block in kinds.items():
            if not isinstance(block, dict) or block.get("mode") not in {"secondary", "bootstrapping"}:
                continue
            rset = sets.get((kind, str(block.get("cluster_id"))))
            last_start = _when(block.get("last_start")) or now
            if rset is None:  # its primary was not recorded
                remote = float(block.get("last_remote_wal") or 0)
                detached[(name, kind)] = Detached(
                    str(block.get("cluster_id")), str(block.get("secondary_id") or ""), remote, last_start
                )
                continue
            link = _link(name, block, last_start, now)
            if link.secondary_id in rset.unconnected_ids:
                rset.unconnected_ids.remove(link.secondary_id)
            rset.links.append(link)
    return detached


def _link(name: str, block: dict[str, Any], last_start: datetime, now: datetime) -> Any:
    from replmock.model import Link

    peer = (block.get("primaries") or [{}])[0]
    connected = peer.get("connection_status", "connected") == "connected"
    link = Link(
        secondary=name,
        secondary_id=str(block.get("secondary_id") or ""),
        remote_wal=float(block.get("last_remote_wal") or 0),
        enabled_at=min(last_start, now),
        last_start=last_start,
        state=str(block.get("state") or "stream-wals"),
        connection_state=str(block.get("connection_state") or "ready"),
        connected=connected,
        disconnected_at=None if connected else _when(peer.get("last_heartbeat")) or now,
        clock_skew_ms=-int(str(peer.get("clock_skew_ms") or "0")),
        heartbeat_duration_ms=int(str(peer.get("last_heartbeat_duration_ms") or "0")),
        mode=str(block.get("mode")),
        stopped=str(block.get("state")) == "idle",
    )
    progress = block.get("merkle_sync_progress")
    if isinstance(progress, dict):
        link.sync_total = int(progress.get("sync_total_keys") or 0)
        link.sync_done = float(progress.get("sync_progress") or 0)
    return link


def _addresses(blocks: dict[str, dict[str, Any]], sets: dict[tuple[str, str], Any], clusters: dict[str, Any]) -> None:
    """The addresses the secondaries know each primary by become the primary's own."""
    for rset in sets.values():
        primary = clusters[rset.primary]
        for kinds in blocks.values():
            block = kinds.get(rset.kind)
            if isinstance(block, dict) and block.get("cluster_id") == rset.cluster_id and block.get("primaries"):
                peer = block["primaries"][0]
                active = str(peer.get("cluster_address") or primary.active.cluster_addr)
                primary.active.cluster_addr = active
                primary.active.api_addr = str(peer.get("api_address") or primary.active.api_addr)
                others = [str(a) for a in block.get("known_primary_cluster_addrs") or [] if a != active]
                if len(primary.nodes) == 1 and others:  # its standbys, as the secondaries know them
                    from replmock.model import Node

                    primary.nodes += [
                        Node(f"{primary.name.lower()}-{i}", f"{addr.rsplit(':', 1)[0]}:8200", addr,
                             performance_standby=primary.edition == "enterprise")
                        for i, addr in enumerate(others, start=1)
                    ]  # fmt: skip


def _keep_unknown_fields(top: Any, blocks: dict[str, dict[str, Any]], bodies: dict[str, dict[str, Any]]) -> None:
    from replmock.generate.payloads import health, status_object

    for name, kinds in blocks.items():
        cluster = top.cluster(name)
        for kind, block in kinds.items():
            if isinstance(block, dict) and block.get("mode") != "disabled":
                produced = status_object(top, name, cast("ReplicationType", kind))
                cluster.recorded_extra[kind] = {k: v for k, v in block.items() if k not in produced}
        recorded = bodies[name]["health"]
        if isinstance(recorded, dict):
            produced = health(top, name)
            cluster.recorded_extra["health"] = {k: v for k, v in recorded.items() if k not in produced}


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: missing ({what})") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UsageError(f"{path}: not JSON ({what}): {exc}") from None


def _data(body: Any) -> Any:
    return body.get("data", body) if isinstance(body, dict) else body


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _offset(kinds: dict[str, Any]) -> int:
    for block in kinds.values():
        if not isinstance(block, dict):
            continue
        for value in [block.get("last_start"), *[p.get("last_heartbeat") for p in block.get("primaries") or []]]:
            when = _when(value)
            if when is not None and when.utcoffset() is not None:
                return int(when.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    return 0
