"""The small languages some spec values are written in: branches, cron lines, names.

Each of these values lands somewhere that reads it with its own grammar (git, GitHub's
branch filters and scheduler, a DVC command line), so each is checked against that grammar
here, before it is written anywhere. Every check returns the problem in words, or None.
"""

from __future__ import annotations

import re

# git check-ref-format, for one branch name: no control characters, space, ~ ^ : ? * [ \,
# no "..", "@{", "//", no leading "-" or "/", no trailing "/", "." or ".lock".
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[-/.]|/\.|[/.]$|\.lock$|^@$")
# GitHub's branch filters add the pattern characters * ? + [ ] and a leading ! to that.
_PATTERN_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:\\]|\.\.|@\{|^[-/.]|[/.]$")
# A name given to DVC or GitHub on a command line or in a URL: never an option.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

_CRON_FIELDS = (
    ("minute", 0, 59, ""),
    ("hour", 0, 23, ""),
    ("day of month", 1, 31, ""),
    ("month", 1, 12, "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC"),
    ("day of week", 0, 6, "SUN MON TUE WED THU FRI SAT"),
)
_CRON_ITEM = re.compile(r"(?P<range>\*|(?P<low>\w+)(?:-(?P<high>\w+))?)(?:/(?P<step>\d+))?")


def branch_name_problem(name: str) -> str | None:
    """Why `name` is not a git branch name, or None."""
    if not name or _REF_FORBIDDEN.search(name):
        return (
            f"{name!r} is not a git branch name: no spaces, control characters, ~ ^ : ? * [ \\, "
            "no '..' or '@{', and it may not start with '-', '/' or '.' or end with '/', '.' "
            "or '.lock'"
        )
    return None


def branch_pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not one of GitHub's branch filter patterns, or None."""
    body = pattern[1:] if pattern.startswith("!") else pattern
    if not body or _PATTERN_FORBIDDEN.search(body) or body.count("[") != body.count("]"):
        return (
            f"{pattern!r} is not a branch pattern: a branch name, which may use GitHub's "
            "* ** ? + [..] and a leading ! (no spaces, ~ ^ : \\ or '..', not starting with '-')"
        )
    return None


def plain_name_problem(name: str, what: str) -> str | None:
    """Why `name` cannot be a `what` (a DVC remote, a GitHub environment), or None.

    Such names are passed as command-line arguments; one starting with '-' would be read as
    an option (`--project`), so only letters, digits, '.', '_' and '-' after the first.
    """
    if not _PLAIN_NAME.fullmatch(name) or len(name) > 255:
        return (
            f"{name!r} is not a {what} name: start with a letter or digit, then letters, "
            "digits, '.', '_' or '-' (at most 255)"
        )
    return None


def option_like_problem(value: str) -> str | None:
    """Why a path or URL would be read as a command-line option, or None."""
    if value.startswith("-"):
        return f"{value!r} starts with '-', which commands read as an option; rename it"
    return None


def cron_problem(line: str) -> str | None:
    """Why `line` is not a cron line GitHub's scheduler accepts (five POSIX fields), or None."""
    fields = line.split()
    if len(fields) != 5:
        return (
            f"{line!r} is not a cron line: five fields, minute hour day-of-month month "
            "day-of-week, e.g. '30 5 * * 1' (GitHub takes no @daily shortcuts or seconds)"
        )
    for field, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for item in field.split(","):
            if not _cron_item_fits(item, low, high, names.split()):
                return (
                    f"{line!r}: the {name} field {field!r} is not a value in {low}-{high}, "
                    "*, a range a-b, a step */n or a list of those"
                )
    return None


def _cron_item_fits(item: str, low: int, high: int, names: list[str]) -> bool:
    match = _CRON_ITEM.fullmatch(item)
    if match is None:
        return False
    if match["step"] is not None and int(match["step"]) == 0:
        return False
    if match["range"] == "*":
        return True
    bounds = [_cron_value(match["low"], names)]
    if match["high"] is not None:
        bounds.append(_cron_value(match["high"], names))
    if any(value is None or not low <= value <= high for value in bounds):
        return False
    return len(bounds) == 1 or bounds[0] <= bounds[1]  # type: ignore[operator]


def _cron_value(text: str, names: list[str]) -> int | None:
    if text.isdigit() and len(text) <= 2:
        return int(text)
    upper = text.upper()
    return names.index(upper) + (1 if len(names) == 12 else 0) if upper in names else None


def registry_name_problem(value: str) -> str | None:
    """Why `value` cannot name a model in the registry's (GTO's) tags, or None."""
    from mlci.registry.tags import NAME_PATTERN

    if NAME_PATTERN.match(value):
        return None
    return (
        f"{value!r} cannot name a model in the registry's tags: letters, digits, - _ and /, "
        "starting and ending with a letter or digit"
    )


def registry_stage_problem(value: str) -> str | None:
    """Why `value` cannot name a stage in GTO's tags, or None."""
    from mlci.registry.tags import STAGE_PATTERN

    if STAGE_PATTERN.match(value):
        return None
    return f"{value!r} cannot name a stage: letters, digits, - _ and /"
