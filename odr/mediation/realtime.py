"""In-process state of the socket server: who is behind each connection, presence, rate limits.

All of it lives in the memory of one server process (docs/realtime.md, "Limits"): a connection
belongs to the process that accepted it (sticky sessions), so the connection registry is exact.
Presence lists the people connected *to this process*; with several processes each one announces
its own participants. The rate limit is per user and per process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Joined:
    """What a connection may do in a room it joined, decided by the policy at join time."""

    role_in_case: str | None
    may_write: bool


@dataclass(frozen=True)
class Decided:
    """The policy's answer for one channel (may write, how the user speaks there), kept with the
    rights stamp it was given under (operations.send_context): valid while the stamp is equal."""

    stamp: tuple
    may_write: bool
    role_in_case: str | None


@dataclass
class Connection:
    user_id: int
    name: str
    locale: str
    sid: str = ""
    rooms: dict[str, Joined] = field(default_factory=dict)  # Socket.IO room name -> Joined
    decided: dict[str, Decided] = field(default_factory=dict)  # Socket.IO room name -> Decided


class Registry:
    """sid -> Connection for the sockets of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, Connection] = {}

    def add(self, sid: str, connection: Connection) -> None:
        with self._lock:
            self._by_sid[sid] = connection

    def get(self, sid: str) -> Connection | None:
        return self._by_sid.get(sid)

    def remove(self, sid: str) -> Connection | None:
        with self._lock:
            return self._by_sid.pop(sid, None)

    def present(self, room: str) -> list[dict]:
        """The people connected to this process who joined `room`, one entry per person."""
        with self._lock:
            people = {
                c.user_id: {"id": c.user_id, "name": c.name, "role_in_case": c.rooms[room].role_in_case}
                for c in self._by_sid.values()
                if room in c.rooms
            }
        return sorted(people.values(), key=lambda p: (p["name"], p["id"]))

    def clear(self) -> None:
        with self._lock:
            self._by_sid.clear()


class TokenBucket:
    """Per-key token buckets: `capacity` messages at once, refilled at capacity/period per second.

    A refusal costs nothing and never waits, so a flooder is throttled without slowing anyone.
    """

    def __init__(self, capacity: int, period: float, clock=time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[object, tuple[float, float]] = {}

    def take(self, key) -> float:
        """Take a token: 0.0 if allowed, otherwise the seconds until the next token."""
        now = self.clock()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def give_back(self, key) -> None:
        """Return a token taken for something that cost nothing after all (a resend)."""
        with self._lock:
            if key in self._buckets:
                tokens, stamp = self._buckets[key]
                self._buckets[key] = (min(self.capacity, tokens + 1.0), stamp)

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


@dataclass
class _Mark:
    reported: int = 0  # the highest seq the reader reported
    stored: int = 0  # the highest seq this process stored
    stored_at: float = float("-inf")
    waiting: bool = False  # a delayed store is scheduled


class ReadMarks:
    """Read receipts, coalesced: per (case, channel, user) the highest seq reported. A mark is
    stored (and announced) at most once per `interval` seconds; a mark reported sooner waits for
    one delayed store (`report` says when), so the reader's last mark is never lost and reading
    a busy channel does not cost a write per message."""

    def __init__(self, interval: float, clock=time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._marks: dict[tuple, _Mark] = {}

    def report(self, key: tuple, seq: int) -> float | None:
        """Note a reported mark. 0.0: store it now (take); > 0: schedule a store in that many
        seconds (one is now counted as scheduled); None: nothing to do (not newer, or a store is
        already scheduled and will take this mark)."""
        with self._lock:
            mark = self._marks.setdefault(key, _Mark())
            if seq <= mark.reported:
                return None
            mark.reported = seq
            if mark.waiting:
                return None
            wait = mark.stored_at + self.interval - self.clock()
            if wait <= 0:
                return 0.0
            mark.waiting = True
            return wait

    def take(self, key: tuple) -> int | None:
        """The mark to store now, counted as stored from now on (None: nothing newer)."""
        with self._lock:
            mark = self._marks.get(key)
            if mark is None:
                return None
            mark.waiting = False
            if mark.reported <= mark.stored:
                return None
            mark.stored, mark.stored_at = mark.reported, self.clock()
            return mark.stored

    def reported(self, key: tuple) -> int:
        mark = self._marks.get(key)
        return mark.reported if mark else 0

    def clear(self) -> None:
        with self._lock:
            self._marks.clear()
