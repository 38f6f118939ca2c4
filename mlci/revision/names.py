"""Revisions named as DVC names them: a git revision, else that branch on origin.

`mlci diff`, `mlci gate`, `mlci report` and `mlci history` all pick their revisions here, so
`main` means the same commit to each of them, in a developer's clone and in a CI checkout
(which has `main` only as origin/main).
"""

from __future__ import annotations

import re
from pathlib import Path

from mlci.errors import UsageError
from mlci.git import merge_base, resolve_revision

NO_COMMIT = "this repository has no commit yet (neither HEAD nor {branch!r} names one)"
COMMIT_FIRST = "commit first (`git add -A && git commit -m 'first commit'`)"


def choose_base(root: Path, base: str | None, main_branch: str, *, tip: bool) -> tuple[str, str]:
    """(commit, label) of the base: BASE as given, else the main branch's merge-base or tip."""
    if base is not None:
        if tip:
            raise UsageError("give either BASE or --base-tip, not both")
        return resolve(root, base)
    head = head_commit(root)
    try:
        main, name = main_commit(root, main_branch)
    except UsageError:
        if head is None:  # checked first: "no main branch" would send the user looking for one
            message = NO_COMMIT.format(branch=main_branch)
            nothing = "there is nothing to compare with"
            raise UsageError(f"{message}: {nothing}; {COMMIT_FIRST}") from None
        raise
    if tip:
        return main, name
    if head is None:
        raise UsageError(
            f"HEAD has no commit yet (a branch without commits): compare with {name}'s tip "
            "(--base-tip), or name the BASE"
        )
    common = merge_base(root, head, main)
    if common is None:
        raise UsageError(
            f"HEAD and {name} have no commit in common (in a shallow clone, fetch the whole "
            "history: actions/checkout with fetch-depth: 0); or name the BASE to compare with"
        )
    return common, name if common == main else f"{name} (merge-base)"


def main_commit(
    root: Path, branch: str, instead: str = "name the base: `mlci diff BASE`"
) -> tuple[str, str]:
    """The main branch's tip; in a CI checkout only `origin/<branch>` may exist. `instead`
    ends the error: what else the user can do."""
    found = _named(root, branch)
    if found is None:
        raise UsageError(
            f"the main branch {branch!r} does not exist in this repository (nor "
            f"origin/{branch}): set ci.main_branch in mlci.yaml, fetch it (`git fetch origin "
            f"{branch}`), or {instead}"
        )
    return found


def resolve(root: Path, revision: str) -> tuple[str, str]:
    """(commit, label) of a revision the user named, resolved as DVC resolves one: as git
    does, else as the branch of that name on origin (a fresh clone or a CI checkout has
    `main` only as origin/main). DVC looks in every remote and refuses a name two remotes
    hold differently; mlci looks in origin only, and takes `main~1` there too, which DVC
    refuses."""
    found = _named(root, revision)
    if found is not None:
        return found
    unborn = " (HEAD has no commit yet)" if head_commit(root) is None else ""
    raise UsageError(
        f"{revision!r} is not a commit in this repository (nor origin/{revision}){unborn}"
    )


def _named(root: Path, revision: str) -> tuple[str, str] | None:
    try:
        return resolve_revision(root, revision), label(revision)
    except UsageError:
        if revision.startswith("-") or not revision:
            raise  # refused as an option, not looked up
    try:
        return resolve_revision(root, f"refs/remotes/origin/{revision}"), f"origin/{revision}"
    except UsageError:
        return None


def head_commit(root: Path) -> str | None:
    """HEAD's commit; None before the first commit (of the repository, or of its branch)."""
    try:
        return resolve_revision(root, "HEAD")
    except UsageError:
        return None


def label(revision: str) -> str:
    """How a revision is shown: as typed, but a full SHA shortened to 12 characters."""
    return revision[:12] if re.fullmatch(r"[0-9a-f]{13,40}", revision) else revision
