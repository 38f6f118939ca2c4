"""One deadline for everything a GitHub client does, and requests held to it.

No timeout of `requests` bounds a whole request: the read timeout restarts with every byte,
and name resolution ignores it. So a request runs in a worker thread that the caller waits
for only as long as the deadline leaves, and waits between retries are refused when they
would end past it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from mlci.publish.api_error import GitHubError, scrubbed_error
from mlci.publish.retry import RetryPolicy
from mlci.publish.scrub import Scrubber

T = TypeVar("T")


class Deadline:
    """`RetryPolicy.deadline` seconds from when it is made, on the policy's clock."""

    def __init__(self, retry: RetryPolicy, scrub: Scrubber) -> None:
        self._retry = retry
        self._give_up_at = retry.monotonic() + retry.deadline
        self._scrub = scrub

    def left(self) -> float:
        """Seconds before the deadline (0 or less once it has passed)."""
        return self._give_up_at - self._retry.monotonic()

    def late(self, where: str, problem: str) -> GitHubError:
        """The error for a request that the deadline stopped."""
        return scrubbed_error(
            self._scrub,
            f"{where} failed: {problem}; publishing has a deadline of "
            f"{self._retry.deadline:.0f} s and mlci stopped there",
        )

    def pause(self, delay: float, where: str, problem: str) -> None:
        """Sleep `delay` seconds before a retry, unless the retry would then be too late."""
        if delay >= self.left():
            raise self.late(where, f"{problem}; a retry in {delay:.0f} s would be too late")
        self._retry.sleep(delay)

    def run(self, where: str, work: Callable[[], T]) -> T:
        """`work()`, given only the time left before the deadline.

        A worker still running at the deadline is abandoned (a daemon thread: it dies with
        the process; `work` must check `left()` before it sends anything more).
        """
        left = self.left()
        if left <= 0:
            raise self.late(where, "no time left for this request")
        results: list[T] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                results.append(work())
            except BaseException as error:  # handed to the caller's thread below
                errors.append(error)

        thread = threading.Thread(target=worker, name="mlci-github-request", daemon=True)
        thread.start()
        thread.join(left)
        if thread.is_alive():
            raise self.late(where, "the server had not answered in full")
        if errors:
            raise errors[0]
        return results[0]
