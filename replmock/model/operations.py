"""The replication API's effects on the topology: enable, secondary tokens, promote, demote, update-primary.

Each operation changes the state every cluster's status is a view of, the way Vault Enterprise's does
(reference §1, the DR and performance API pages, and the failover runbooks of the Vault docs). What a
secondary looks like in between (a demoted primary, an orphaned secondary) is best evidence: Vault
Enterprise's code is private. A refused operation raises :class:`ReplicationError` with the text the
mock answers (status 400); which of these texts match Vault word for word is not verified.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import threading

    from replmock.model.clock import Clock
    from replmock.model.topology import (
        Activation,
        Cluster,
        Detached,
        Link,
        ReplicationSet,
        ReplicationType,
        Role,
    )

MAX_TOKEN_TTL = timedelta(days=30)


class ReplicationError(ValueError):
    """An operation Vault refuses (400); ``str()`` is the error text."""


def parse_ttl(value: str | int, default: str = "30m") -> timedelta:
    """A Vault duration (``30m``, ``1h``, ``90s``, ``1h30m``, or seconds as a number)."""
    text = str(value if value not in (None, "") else default).strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    total, number = 0.0, ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            total += float(number) * units[char]
            number = ""
        else:
            raise ReplicationError(f"invalid ttl {value!r}: expected a duration such as 30m, 1h or 3600")
    if number:
        raise ReplicationError(f"invalid ttl {value!r}: a number needs a unit (s, m, h, d)")
    return timedelta(seconds=total)


class ReplicationOperations:
    """Mixed into :class:`~replmock.model.topology.Topology` (kept apart for length)."""

    # Attributes the Topology provides.
    clusters: dict[str, Cluster]
    sets: list[ReplicationSet]
    detached: dict[tuple[str, str], Detached]
    activations: dict[str, Activation]
    clock: Clock
    lock: threading.RLock
    seed: int
    version: int

    if TYPE_CHECKING:  # pragma: no cover

        def role(self, name: str, kind: ReplicationType) -> Role: ...
        def cluster(self, name: str) -> Cluster: ...
        def sync(self) -> None: ...
        def primary_wal(self, rset: ReplicationSet) -> int: ...
        def _reconnect(self, rset: ReplicationSet, link: Link, now: datetime, *, after: float = 0.0) -> None: ...
        def last_heartbeat(self, link: Link) -> datetime: ...

    def _op_now(self) -> datetime:
        self.sync()
        self.version += 1
        return self.clock.now()

    def _new_id(self, *parts: object) -> str:
        h = hashlib.sha256("/".join(map(str, (self.seed, self.version, *parts))).encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    def _primary_set(self, name: str, kind: ReplicationType) -> ReplicationSet:
        role = self.role(name, kind)
        if role.mode != "primary" or role.rset is None:
            raise ReplicationError(f"this cluster is not a {kind} primary (its {kind} mode is {role.mode!r})")
        return role.rset

    # --- primaries ----------------------------------------------------------------------------

    def enable_primary(self, name: str, kind: ReplicationType, primary_cluster_addr: str = "") -> None:
        """``*/primary/enable``: a new replication set with ``name`` as its primary."""
        from replmock.model.topology import ReplicationSet

        with self.lock:
            self._op_now()
            mode = self.role(name, kind).mode
            if mode != "disabled":
                raise ReplicationError(f"{kind} replication is already enabled on this cluster (mode {mode!r})")
            self.sets.append(ReplicationSet(kind, self._new_id(name, kind, "set"), name, [], primary_cluster_addr))

    def disable_primary(self, name: str, kind: ReplicationType) -> None:
        """``*/primary/disable``: the set is gone; its secondaries keep their data but lose their primary."""
        with self.lock:
            now = self._op_now()
            rset = self._primary_set(name, kind)
            self._orphan_links(rset, now)
            self.sets.remove(rset)

    def demote(self, name: str, kind: ReplicationType) -> None:
        """``*/primary/demote``: the primary becomes a secondary that connects to nothing until ``update-primary``
        (it keeps its cluster id, so it can rejoin the set without a wipe). A demoted DR primary also stops
        serving as a performance primary (a DR secondary serves nothing)."""
        from replmock.model.topology import Detached

        with self.lock:
            now = self._op_now()
            rset = self._primary_set(name, kind)
            self._orphan_links(rset, now)
            rset.halted = True
            wal = float(self.cluster(name).wal)
            # It has redeemed no activation token: no primary knows the id it shows (best evidence).
            self.detached[(name, kind)] = Detached(rset.cluster_id, self._new_id(name, kind, "demoted"), wal, now)
            if kind == "dr":
                for other in self.sets:
                    if other.kind == "performance" and other.primary == name:
                        self._orphan_links(other, now, keep=True)
                        other.halted = True

    def _orphan_links(self, rset: ReplicationSet, now: datetime, *, keep: bool = False) -> None:
        """The secondaries of ``rset`` lose their primary: disconnected at once (``keep``: links stay, unreachable)."""
        for link in list(rset.links):
            if link.connected:
                link.disconnected_at = self.last_heartbeat(link)
            link.connected, link.timeline = False, []
            link.connection_state, link.state = "transient_failure", "idle"
            link.stale_since = link.stale_since or now
        if not keep:
            from replmock.model.topology import Detached

            for link in rset.links:
                self.detached[(link.secondary, rset.kind)] = Detached(
                    rset.cluster_id, link.secondary_id, link.remote_wal, link.last_start
                )
            rset.links.clear()

    # --- activation tokens ----------------------------------------------------------------------

    def secondary_token(self, name: str, kind: ReplicationType, secondary_id: str, ttl: timedelta) -> Activation:
        """``*/primary/secondary-token``: an activation token for ``secondary_id``, listed in known_secondaries."""
        from replmock.model.topology import Activation

        with self.lock:
            now = self._op_now()
            rset = self._primary_set(name, kind)
            if not secondary_id:
                raise ReplicationError("missing id")
            if ttl <= timedelta(0) or ttl > MAX_TOKEN_TTL:
                raise ReplicationError(f"ttl must be positive and at most {MAX_TOKEN_TTL.days} days")
            known = [link.secondary_id for link in rset.links] + rset.unconnected_ids
            if secondary_id in known:
                raise ReplicationError(f"a secondary with the id {secondary_id!r} already exists")
            token = self._activation_token(name, kind, rset, secondary_id, now=now, ttl=ttl)
            activation = Activation(token, kind, name, rset.cluster_id, secondary_id, now + ttl)
            self.activations[token] = activation
            rset.unconnected_ids.append(secondary_id)
            return activation

    def _activation_token(
        self, name: str, kind: str, rset: ReplicationSet, secondary_id: str, *, now: datetime, ttl: timedelta
    ) -> str:
        """A JWT-shaped wrapping token, as Vault's activation tokens are (their signature is not checked here)."""

        def b64(value: Any) -> str:
            raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        claims = {
            "accessor": "",
            "addr": self.cluster(name).active.api_addr,
            "exp": int((now + ttl).timestamp()),
            "iat": int(now.timestamp()),
            "jti": self._new_id(name, kind, secondary_id, "jti"),
            "nbf": int(now.timestamp()) - 5,
            "type": "wrapping",
        }
        signature = hashlib.sha512(f"{rset.cluster_id}/{secondary_id}/{claims['jti']}".encode()).digest()
        return f"{b64({'alg': 'ES512', 'typ': 'JWT'})}.{b64(claims)}.{b64(signature)}"

    def revoke_secondary(self, name: str, kind: ReplicationType, secondary_id: str) -> None:
        """``*/primary/revoke-secondary``: the id leaves known_secondaries; a connected secondary is cut off."""
        with self.lock:
            self._op_now()
            rset = self._primary_set(name, kind)
            for token, activation in self.activations.items():
                if activation.cluster_id == rset.cluster_id and activation.secondary_id == secondary_id:
                    self.activations[token].revoked = True
            if secondary_id in rset.unconnected_ids:
                rset.unconnected_ids.remove(secondary_id)
                return
            link = next((lk for lk in rset.links if lk.secondary_id == secondary_id), None)
            if link is None:
                raise ReplicationError(f"no secondary with the id {secondary_id!r}")
            from replmock.model.topology import Detached

            if link.connected:
                link.disconnected_at = self.last_heartbeat(link)
            rset.links.remove(link)
            self.detached[(link.secondary, kind)] = Detached(
                rset.cluster_id, secondary_id, link.remote_wal, link.last_start
            )

    def _redeem(self, token: str, kind: ReplicationType, now: datetime) -> Activation:
        activation = self.activations.get(token)
        if activation is None:
            raise ReplicationError("error unwrapping secondary token: invalid or malformed activation token")
        if activation.kind != kind:
            raise ReplicationError(f"the activation token is for {activation.kind} replication, not {kind}")
        if activation.revoked:
            raise ReplicationError("error unwrapping secondary token: the secondary id was revoked")
        if activation.used:
            raise ReplicationError("error unwrapping secondary token: wrapping token is not valid or does not exist")
        if now > activation.expires:
            raise ReplicationError("error unwrapping secondary token: the activation token has expired")
        primary = self.role(activation.primary, kind)
        if primary.mode != "primary" or primary.rset is None or primary.rset.cluster_id != activation.cluster_id:
            raise ReplicationError("error unwrapping secondary token: its primary no longer serves that set")
        return activation

    # --- secondaries ----------------------------------------------------------------------------

    def enable_secondary(self, name: str, kind: ReplicationType, token: str) -> None:
        """``*/secondary/enable``: the cluster is wiped and joins the token's set (bootstrapping, then streaming)."""
        from replmock.model.topology import Link

        with self.lock:
            now = self._op_now()
            mode = self.role(name, kind).mode
            if mode != "disabled":
                raise ReplicationError(f"{kind} replication is already enabled on this cluster (mode {mode!r})")
            activation = self._redeem(token, kind, now)
            if activation.primary == name:
                raise ReplicationError("a cluster cannot be a secondary of itself")
            rset = self.role(activation.primary, kind).rset
            assert rset is not None  # noqa: S101 - _redeem checked it
            activation.used = True
            rset.unconnected_ids.remove(activation.secondary_id)
            link = Link(secondary=name, secondary_id=activation.secondary_id, remote_wal=0.0, enabled_at=now,
                        last_start=now, mode="bootstrapping", state="idle", connection_state="connecting",
                        connected=False, stale_since=now)  # fmt: skip
            rset.links.append(link)
            if kind == "dr":
                self.cluster(name).wal = 0.0  # "This will immediately clear all data in the secondary cluster"
            done = now + timedelta(seconds=8)
            link.timeline = [
                (done, {"mode": "secondary", "connected": True, "connection_state": "ready", "state": "merkle-diff",
                        "last_start": done}),
                (done + timedelta(seconds=5), {"state": "stream-wals", "caught_up": True}),
            ]  # fmt: skip

    def disable_secondary(self, name: str, kind: ReplicationType) -> None:
        """``*/secondary/disable``: replication stops; the primary keeps the id in known_secondaries."""
        with self.lock:
            self._op_now()
            role = self.role(name, kind)
            if role.mode not in {"secondary", "bootstrapping"}:
                raise ReplicationError(f"this cluster is not a {kind} secondary (its {kind} mode is {role.mode!r})")
            if role.detached is not None:
                del self.detached[(name, kind)]
                return
            assert role.rset is not None  # noqa: S101
            assert role.link is not None  # noqa: S101
            role.rset.links.remove(role.link)
            role.rset.unconnected_ids.append(role.link.secondary_id)

    def promote(self, name: str, kind: ReplicationType, primary_cluster_addr: str = "") -> None:
        """``*/secondary/promote``: the secondary becomes a primary of its set (same cluster id); its old primary,
        if still up, stays primary until demoted (two primaries: Vault's docs warn against it). A promoted DR
        secondary holds a copy of everything, so it is also a performance primary where its primary was one."""
        from replmock.model.topology import ReplicationSet

        with self.lock:
            self._op_now()
            role = self.role(name, kind)
            if role.mode != "secondary":
                raise ReplicationError(f"this cluster is not a {kind} secondary (its {kind} mode is {role.mode!r})")
            old_primary = role.rset.primary if role.rset is not None else None
            if role.detached is not None:
                cluster_id, known = role.detached.cluster_id, []
                del self.detached[(name, kind)]
            else:
                assert role.rset is not None  # noqa: S101
                assert role.link is not None  # noqa: S101
                cluster_id = role.rset.cluster_id
                known = [lk.secondary_id for lk in role.rset.links if lk is not role.link] + role.rset.unconnected_ids
                role.rset.links.remove(role.link)
                role.rset.unconnected_ids.append(role.link.secondary_id)
            self.sets.append(ReplicationSet(kind, cluster_id, name, [], primary_cluster_addr, list(known)))
            if kind == "dr" and old_primary is not None:  # take over the old primary's performance primary role
                perf = self.role(old_primary, "performance")
                if (
                    perf.mode == "primary"
                    and perf.rset is not None
                    and self.role(name, "performance").mode == "disabled"
                ):
                    ids = [lk.secondary_id for lk in perf.rset.links] + perf.rset.unconnected_ids
                    self.sets.append(ReplicationSet("performance", perf.rset.cluster_id, name, [], "", ids))

    def update_primary(
        self, name: str, kind: ReplicationType, token: str | None = None, addrs: list[str] | None = None
    ) -> None:
        """``*/secondary/update-primary``: point a secondary at another primary of its set (with an activation
        token), or only change the primary addresses it knows (``update_primary_addrs``)."""
        from replmock.model.topology import Link

        with self.lock:
            now = self._op_now()
            role = self.role(name, kind)
            if role.mode != "secondary":
                raise ReplicationError(f"this cluster is not a {kind} secondary (its {kind} mode is {role.mode!r})")
            if token is None:
                target = self._primary_at(kind, addrs or [])
                if target is None:
                    return  # addresses noted; nothing there to connect to
                new_rset = target
                secondary_id = role.link.secondary_id if role.link is not None else role.detached.secondary_id  # type: ignore[union-attr]
            else:
                activation = self._redeem(token, kind, now)
                rset = self.role(activation.primary, kind).rset
                assert rset is not None  # noqa: S101
                cluster_id = role.rset.cluster_id if role.rset is not None else role.detached.cluster_id  # type: ignore[union-attr]
                if rset.cluster_id != cluster_id:
                    raise ReplicationError(
                        "the activation token is for a different replication set than this secondary's"
                    )
                activation.used = True
                rset.unconnected_ids.remove(activation.secondary_id)
                new_rset, secondary_id = rset, activation.secondary_id
            remote = role.link.remote_wal if role.link is not None else role.detached.remote_wal  # type: ignore[union-attr]
            last_start = role.link.last_start if role.link is not None else now
            if role.link is not None and role.rset is not None:
                role.rset.links.remove(role.link)
            self.detached.pop((name, kind), None)
            if secondary_id in new_rset.unconnected_ids:
                new_rset.unconnected_ids.remove(secondary_id)
            link = Link(secondary=name, secondary_id=secondary_id, remote_wal=min(remote, self.primary_wal(new_rset)),
                        enabled_at=now, last_start=last_start, connected=False, stale_since=now)  # fmt: skip
            new_rset.links.append(link)
            self._reconnect(new_rset, link, now)

    def _primary_at(self, kind: ReplicationType, addrs: list[str]) -> ReplicationSet | None:
        for rset in self.sets:
            if rset.kind == kind and not rset.halted:
                cluster = self.cluster(rset.primary)
                if any(
                    a in {n.cluster_addr for n in cluster.nodes} | {n.api_addr for n in cluster.nodes} for a in addrs
                ):
                    return rset
        return None
