"""The one exception root of mlci and the exit codes each kind maps to.

Exit codes are part of the public interface: CI must tell "the model regressed or a
check failed" (1) from "the spec or the command line is wrong" (2) from "mlci broke" (3).
"""

from __future__ import annotations

from typing import NamedTuple

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class MlciError(Exception):
    """A failure mlci explains to the user; `str(error)` is the whole message."""

    exit_code = EXIT_USAGE


class UsageError(MlciError):
    """The command line, the environment or a file the user owns is wrong."""


class CheckFailed(MlciError):
    """A check ran and said no: drift, a hand-edited file, a gate."""

    exit_code = EXIT_CHECK_FAILED


# NamedTuple rather than dataclass: this module loads on every start of `mlci`, and the
# dataclasses module (with inspect) would cost ~15 ms of it.
class Location(NamedTuple):
    """Where in a file a problem is: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SpecProblem(NamedTuple):
    """One problem in mlci.yaml, phrased as `file:line:col: key.path: message`."""

    location: Location
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.key_path}: " if self.key_path else ""
        return f"{self.location}: {where}{self.message}"


class SpecError(MlciError):
    """mlci.yaml is invalid; carries every problem found, in file order."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location.line, p.location.column))
        super().__init__("\n".join(str(p) for p in self.problems))


class Stopped(KeyboardInterrupt):
    """mlci was asked to stop by a signal (SIGTERM, SIGHUP) while it ran DVC: handled as an
    interruption, and the exit code says which signal (128 + its number), as a shell's does."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.exit_code = 128 + signal_number
