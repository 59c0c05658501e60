"""Clock: virtual time, frozen until advanced, or following wall time for standalone servers."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from replmock._errors import UsageError

DEFAULT_EPOCH = datetime(2026, 3, 2, 14, 30, 0, tzinfo=timezone.utc)
"""Where every clock starts unless told otherwise, so generated payloads never depend on today's date."""

WALL_TICK = 1.0
"""Seconds by which a clock that follows wall time moves: it shows the last whole tick since it started.

Why one second: every time a payload shows is whole seconds (Go's RFC 3339 ``last_heartbeat`` and
``last_start``, the ``*_epoch`` fields, ``server_time_utc``), and the primary writes its replication canary
once a second (``replication_canary_write_interval_seconds`` defaults to 1, reference §16.3), so Vault's own
lag signal moves in one-second steps. What a tick hides is sub-second movement of the WAL counters and the
canary's milliseconds; each answer is still the model's exact state at a whole second, so the invariants
(``replmock.model.invariants``) hold for it as for any other moment. In exchange ``replmock serve`` answers
every read within a tick from one computed view (the view cache's key is the model's time), where a
continuous clock made every read recompute the model."""


class Clock:
    """The model's notion of "now".

    Frozen by default: ``now()`` returns ``start`` plus whatever :meth:`advance` added.
    With ``follow_wall=True`` it also moves with the monotonic wall clock (standalone mode), in
    steps of ``tick`` seconds (:data:`WALL_TICK`; 0 for no steps).
    """

    def __init__(
        self,
        start: datetime = DEFAULT_EPOCH,
        *,
        follow_wall: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        tick: float = WALL_TICK,
    ) -> None:
        if not tick >= 0:
            msg = f"a wall clock's tick must be 0 or more seconds, got {tick!r}"
            raise UsageError(msg)
        if start.tzinfo is None:
            msg = f"clock start {start.isoformat()} has no time zone; pass an aware datetime such as ...+00:00"
            raise UsageError(msg)
        self.start = start.astimezone(timezone.utc)
        self.follow_wall = follow_wall
        self.tick = tick
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current model time (UTC)."""
        with self._lock:
            return self.start + timedelta(seconds=self._elapsed_locked())

    def elapsed(self) -> float:
        """Seconds since ``start``."""
        with self._lock:
            return self._elapsed_locked()

    def _elapsed_locked(self) -> float:
        if not self.follow_wall:
            return self._offset
        wall = self._monotonic() - self._t0
        if self.tick:
            wall = math.floor(wall / self.tick) * self.tick
        return self._offset + wall

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (which must not be negative)."""
        if not seconds >= 0:
            msg = f"cannot advance the clock by {seconds!r} seconds; time only moves forward"
            raise UsageError(msg)
        with self._lock:
            try:
                self.start + timedelta(seconds=self._elapsed_locked() + seconds)
            except OverflowError:
                msg = f"cannot advance the clock by {seconds!r} seconds: it would pass the year 9999"
                raise UsageError(msg) from None
            self._offset += seconds

    def __getstate__(self) -> dict[str, object]:
        """Picklable (a copy for another test): the lock is made anew; a frozen clock's time is kept."""
        state = dict(self.__dict__)
        del state["_lock"]
        if self._monotonic is not time.monotonic:
            state["_monotonic"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if self._monotonic is None:
            self._monotonic = time.monotonic
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        mode = "following wall time" if self.follow_wall else "frozen"
        return f"<Clock {self.now().isoformat()} ({mode})>"
