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


@dataclass
class Connection:
    user_id: int
    name: str
    locale: str
    rooms: dict[str, Joined] = field(default_factory=dict)  # Socket.IO room name -> Joined


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
