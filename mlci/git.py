"""The only module that runs git, one process per question (gitbatch.py reads many blobs
through one process of its own)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlci.errors import UsageError


def _git_bytes(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """git's raw output: file names are bytes, which a listing must keep as git wrote them."""
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True)
    except OSError as error:
        raise UsageError(f"git could not run: {error}") from None


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise UsageError("git is not installed; install git and try again") from None
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {detail[-1] if detail else done.returncode}")
    return done


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree holding `path`, or None outside any repository."""
    done = _git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def init(root: Path) -> None:
    _git(root, "init", "-q", "-b", "main")


def default_branch(root: Path) -> str | None:
    """The branch pull requests go to: origin's default, else the one checked out."""
    for ref in ("refs/remotes/origin/HEAD", "HEAD"):
        done = _git(root, "symbolic-ref", "--quiet", "--short", ref, check=False)
        name = done.stdout.strip()
        if done.returncode == 0 and name:
            return name.removeprefix("origin/")
    return None


def is_tracked(root: Path, path: str) -> bool:
    """Is `path` committed (or staged) in git?"""
    done = _git(root, "ls-files", "--error-unmatch", "--", path, check=False)
    return done.returncode == 0


def untrack(root: Path, path: str) -> None:
    """Stop tracking `path` in git, leaving the file in place (`git rm --cached`)."""
    _git(root, "rm", "-q", "--cached", "--", path)


def track_again(root: Path, path: str) -> None:
    """Undo `untrack`: stage `path` again."""
    _git(root, "add", "-f", "--", path, check=False)


def has_identity(root: Path) -> bool:
    return all(
        _git(root, "config", key, check=False).stdout.strip() for key in ("user.name", "user.email")
    )


def commit_all(root: Path, message: str) -> str:
    """Stage everything (honouring .gitignore) and commit; returns the new commit's SHA."""
    if not has_identity(root):
        raise UsageError(
            "git does not know who you are, so nothing was committed; run "
            '`git config --global user.name "Your Name"` and '
            "`git config --global user.email you@example.com`, then commit"
        )
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def resolve_revision(root: Path, revision: str) -> str:
    """The commit SHA a user-supplied revision names.

    A "revision" such as `--output=FILE` would be read by git as an option, so anything that
    starts with "-" is refused, and `--end-of-options` stops git from reading the rest as one.
    """
    if not revision or revision.startswith("-"):
        raise UsageError(f"{revision!r} is not a git revision (it looks like an option)")
    done = _git(
        root,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{revision}^{{commit}}",
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"{revision!r} is not a commit in this repository")
    return done.stdout.strip()


def merge_base(root: Path, first: str, second: str) -> str | None:
    done = _git(root, "merge-base", "--end-of-options", first, second, check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def work_tree_files(root: Path, *, with_modes: bool = False) -> list[str]:
    """The files of the work tree under `root` that git does not ignore: tracked and
    untracked (which skips the data folders DVC puts in .gitignore). With `with_modes`, each
    tracked entry is `ls-files -s`'s "MODE SHA STAGE\tPATH", so a submodule shows as mode
    160000; untracked entries are bare paths, and a nested repository ends in "/"."""
    args = ["ls-files", "-z", *(["-s"] if with_modes else []), "--cached", "--others"]
    done = _git_bytes(root, *args, "--exclude-standard")
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or str(done.returncode)
        raise UsageError(f"git ls-files failed: {detail}")
    entries = done.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    return [entry for entry in entries if entry]


def uncommitted(root: Path) -> list[str]:
    """Tracked files whose workspace or staged content differs from HEAD (`git status`,
    untracked files left out), as paths from the top of the repository."""
    done = _git_bytes(root, "status", "--porcelain=v1", "-z", "--untracked-files=no")
    if done.returncode != 0:
        return []
    entries = done.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    # "XY PATH"; a rename is followed by its old path as an entry of its own.
    return [entry[3:] for entry in entries if len(entry) > 3 and entry[2] == " "]


def ignores_any(root: Path, *paths: str) -> bool:
    """Whether git's ignore rules match one of `paths`, tracked or not (`check-ignore
    --no-index`); UsageError when git cannot tell."""
    done = _git_bytes(root, "check-ignore", "--no-index", "--", *paths)
    if done.returncode not in (0, 1):
        raise UsageError("git check-ignore failed")
    return done.returncode == 0


@dataclass(frozen=True)
class Commit:
    sha: str
    time: int
    """Committer time, Unix seconds."""
    subject: str


def first_parent_log(root: Path, revision: str, count: int) -> list[Commit]:
    """The last `count` commits of `revision`'s first-parent line, oldest first."""
    done = _git(
        root,
        "log",
        "--first-parent",
        "--reverse",  # applied after --max-count: the newest `count`, oldest first
        f"--max-count={count}",
        "--format=%H%x00%ct%x00%s",
        "--end-of-options",
        revision,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"git log {revision}: {done.stderr.strip() or 'failed'}")
    commits = []
    for line in done.stdout.splitlines():
        sha, time, subject = line.split("\0", 2)
        commits.append(Commit(sha, int(time), subject))
    return commits


@dataclass(frozen=True)
class TagRecord:
    """An annotated tag: its name, the commit it points at, who made it, when, and the
    first paragraph of its message (on one line, as git gives it)."""

    name: str
    commit: str
    tagger: str
    email: str
    time: int
    subject: str


_TAG_FORMAT = "%00".join(
    (
        "%(refname:strip=2)",
        "%(objecttype)",
        "%(*objecttype)",
        "%(*objectname)",
        "%(taggername)",
        "%(taggeremail:trim)",
        "%(taggerdate:unix)",
        "%(contents:subject)",
    )
)


def annotated_tags(root: Path) -> list[TagRecord]:
    """Every annotated tag that points at a commit, in one `git for-each-ref`.

    A record is one line (git joins a message's first paragraph into one); one that does not
    split into its fields (a NUL in a hostile message) is left out, never misread.
    """
    done = _git(root, "for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags")
    records = []
    for line in done.stdout.split("\n"):
        fields = line.split("\0")
        if len(fields) != 8:
            continue
        name, kind, target_kind, commit, tagger, email, time, subject = fields
        if kind != "tag" or target_kind != "commit" or not time.isdigit():
            continue
        records.append(TagRecord(name, commit, tagger, email, int(time), subject))
    return records


def create_tag(root: Path, name: str, commit: str, message: str, *, at: int | None = None) -> None:
    """An annotated tag `name` at `commit`, dated `at` (Unix seconds; default now); refuses
    to move an existing tag."""
    args = ("tag", "--annotate", f"--message={message}", "--end-of-options", name, commit)
    if at is None:
        _git(root, *args)
        return
    try:
        env = {**os.environ, "GIT_COMMITTER_DATE": f"{at} +0000"}
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise UsageError("git is not installed; install git and try again") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise UsageError(f"git tag failed: {detail[-1] if detail else done.returncode}")


def is_ancestor(root: Path, commit: str, of: str) -> bool:
    """Is `commit` on the history of `of` (or `of` itself)?"""
    done = _git(root, "merge-base", "--is-ancestor", "--end-of-options", commit, of, check=False)
    return done.returncode == 0


def tag_message(root: Path, name: str) -> str | None:
    """The whole message of the annotated tag `name` (None when there is no such tag)."""
    done = _git(root, "cat-file", "tag", f"refs/tags/{name}", check=False)
    if done.returncode != 0:
        return None
    _, _, message = done.stdout.partition("\n\n")  # the headers end at the first blank line
    return message


def user_name(root: Path) -> str | None:
    """git's `user.name` here, if set."""
    done = _git(root, "config", "user.name", check=False)
    return done.stdout.strip() or None


def commit_tracked_on_branch(
    root: Path, branch: str, message: str, author: tuple[str, str]
) -> str | None:
    """Commit the changes to tracked files as `author` (name, email) on a new `branch` made
    at HEAD; None when nothing tracked changed. Returns the new commit's SHA."""
    if not uncommitted(root):
        return None
    name, email = author
    identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    _git(root, "switch", "-q", "-c", branch)
    _git(root, "add", "-u")
    _git(root, *identity, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def push_branch(root: Path, branch: str, server: str, token: str) -> None:
    """Push `branch` to origin with `token` for `server`, given to git in its environment
    (never on its command line, where any process could read it) and for that host alone."""
    import base64
    import os

    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    env = {
        **os.environ,
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server.rstrip('/')}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        "GIT_TERMINAL_PROMPT": "0",
    }
    done = subprocess.run(
        ["git", "push", "-q", "origin", f"HEAD:refs/heads/{branch}"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).replace(token, "***").replace(basic, "***")
        lines = detail.strip().splitlines()
        raise UsageError(f"git push failed: {lines[-1] if lines else done.returncode}")
