"""When to try a GitHub API request again, and how long to wait first (pure: no I/O).

GitHub's rules (docs: "Rate limits for the REST API"): wait `Retry-After` seconds when it
is sent; else, when `X-RateLimit-Remaining` is 0, until the epoch second in
`X-RateLimit-Reset`; else, for a secondary rate limit, at least a minute. A 403 that is none
of these is a permission problem and must not be retried.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# 501 (not implemented) and other 5xx codes are answers, not outages.
SERVER_ERRORS = frozenset({500, 502, 503, 504})

# GitHub's advice when a secondary rate limit names no time.
SECONDARY_LIMIT_WAIT = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. `sleep` and `clock` are here so tests can run without waiting."""

    attempts: int = 5
    """Tries per request, the first one included."""
    backoff: float = 1.0
    """Wait after the first server error; it doubles after each further one."""
    max_wait: float = 60.0
    """Longest single wait. When GitHub asks for more, mlci gives up at once instead of
    holding a runner for up to an hour or retrying early (which GitHub may punish)."""
    deadline: float = 180.0
    """Seconds one client (one publish) may spend in all, every request, wait and retry
    included. Per-request timeouts alone do not bound it: a server can answer each request
    just within them, trickle a reply a byte at a time, or ask for a retry forever."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    """Wall-clock time, for `X-RateLimit-Reset` (an epoch second)."""
    monotonic: Callable[[], float] = time.monotonic
    """For the deadline: unlike the wall clock, it never jumps when the runner's clock is set."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.deadline <= 0:
            raise ValueError("RetryPolicy.deadline must be positive")

    def backoff_wait(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based) of a server error."""
        return float(self.backoff * 2 ** (attempt - 1))


def rate_limit_wait(
    status: int, headers: Mapping[str, str], message: str, now: float
) -> float | None:
    """Seconds GitHub asks to wait when this reply is a rate limit; None when it is not.

    `headers` must look names up case-insensitively (requests' headers do).
    """
    if status not in (403, 429):
        return None
    retry_after = headers.get("Retry-After")
    if retry_after:
        return _parse_retry_after(retry_after, now)
    reset = headers.get("X-RateLimit-Reset", "").strip()
    if headers.get("X-RateLimit-Remaining") == "0" and _seconds(reset):
        # One second more: the reset is a whole second, and arriving early costs a retry.
        return max(0.0, int(reset) - now) + 1.0
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_LIMIT_WAIT
    return None


def _parse_retry_after(value: str, now: float) -> float:
    value = value.strip()
    if _seconds(value):
        return float(value)
    try:
        parsed = email.utils.parsedate_tz(value)  # the HTTP-date form of Retry-After
        if parsed is None:
            return SECONDARY_LIMIT_WAIT
        return max(0.0, email.utils.mktime_tz(parsed) - now)
    except (ValueError, OverflowError):  # a year 99999, a day 0: the server's mistake
        return SECONDARY_LIMIT_WAIT


def _seconds(value: str) -> bool:
    """A plain count of seconds (or a Unix time): ASCII digits, and few of them.

    `str.isdigit` alone takes "²" and 5,000 digits, which int() then refuses.
    """
    return value.isascii() and value.isdigit() and len(value) <= 12
