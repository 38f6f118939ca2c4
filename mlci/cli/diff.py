"""CLI handler for `mlci diff`: find the project, pick the revisions, read both, compare, print.

Part of the command-line layer (with cli.py). The project is found as DVC finds its
repository, so that mlci works from any folder of it (`find_project`); revisions are resolved
as DVC resolves them (`resolve`).

The spec is read for two things only, the declared metrics and `ci.main_branch`. A
well-formed spec is read directly (with libyaml, without building mlci's pydantic models,
which costs more than the whole rest of the command); anything the direct reading cannot
take at face value (an unknown key, a wrong type, a duplicate key) goes to the full loader,
which reports it with file:line:column.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.compare.diff import Comparison, DeclaredMetric, DeclaredMetrics, SpecLike, compare
from mlci.errors import EXIT_OK, UsageError
from mlci.git import merge_base, resolve_revision, toplevel
from mlci.gitbatch import GitObjects
from mlci.present import diff_format
from mlci.revision.snapshot import RevisionReader, snapshots
from mlci.spec.paths import normalise

DEFAULT_SPEC = Path("mlci.yaml")
DEFAULT_MAIN = "main"
# The fields of the spec's models (without importing pydantic, which costs a tenth of a
# second): the fast path reads only what the full loader would take. A test keeps these
# equal to the models.
SPEC_KEYS = frozenset(
    {"version", "problem", "data", "params", "stages", "metrics", "pipeline", "gates", "ci"}
    | {"overrides"}
)
METRIC_KEYS = frozenset({"file", "key", "direction", "threshold", "tolerance", "description"})


def diff(args: argparse.Namespace) -> int:
    project = find_project(args.spec, "mlci diff compares git revisions")
    root = project.root
    spec, main_branch = read_spec(project.spec, explicit=project.spec_given)
    base = choose_base(root, args.base, main_branch, tip=args.base_tip)
    target = resolve(root, args.target) if args.target else None
    declared = [normalise(".", m.file) or m.file for m in (spec.metrics if spec else {}).values()]
    with GitObjects(root) as objects:
        reader = RevisionReader(root, objects)
        old, new = snapshots(reader, base, target or (None, "workspace"), declared)
    comparison = compare(old, new, spec)
    sys.stdout.write(_render(comparison, args.format))
    return EXIT_OK


def _render(comparison: Comparison, form: str) -> str:
    if form == "json":
        return diff_format.render_json(comparison)
    if form == "md":
        return diff_format.render_markdown(comparison)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return diff_format.render_table(comparison, colour=colour)


# --- the project ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectPaths:
    """Where a command works: the project's root and its spec (which may not exist)."""

    root: Path
    spec: Path
    """As the user would name it from the working directory."""
    spec_given: bool
    """`--spec FILE` was given: a missing FILE is an error, not a project without a spec."""


def find_project(spec: Path | None, why: str) -> ProjectPaths:
    """The project of a command run here: `--spec FILE`'s folder when FILE is given, else
    `project_root` of the working directory, with its mlci.yaml. `why` completes the error
    outside git ("mlci diff compares git revisions")."""
    if spec is not None:
        root = spec.resolve().parent
        if toplevel(root) is None:
            raise UsageError(f"{root} is not in a git repository: {why}")
        return ProjectPaths(root, spec, spec_given=True)
    root = project_root(Path.cwd(), why)
    return ProjectPaths(root, Path(os.path.relpath(root / DEFAULT_SPEC)), spec_given=False)


def project_root(start: Path, why: str) -> Path:
    """The project a command started in `start` works on, found as DVC finds its repository
    root: the nearest folder from `start` up that holds `.dvc/`, never above git's top level
    (which is the root when no folder on the way holds one)."""
    top = toplevel(start)
    if top is None:
        raise UsageError(f"{start.resolve()} is not in a git repository: {why}")
    here = start.resolve()
    for folder in (here, *here.parents):
        if not folder.is_relative_to(top):
            break
        if (folder / ".dvc").is_dir():
            return folder
    return top


# --- revisions ---------------------------------------------------------------------------------

NO_COMMIT = "this repository has no commit yet (neither HEAD nor {branch!r} names one)"


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
            raise UsageError(f"{message}: there is nothing to compare with") from None
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


# --- the spec, for its metrics and main branch -------------------------------------------------


def read_spec(path: Path, *, explicit: bool) -> tuple[SpecLike | None, str]:
    """The declared metrics and the main branch; (None, "main") without a spec."""
    if not path.is_file():
        if explicit:
            raise UsageError(f"{path}: file not found")
        return None, DEFAULT_MAIN
    quick = _read_directly(path)
    if quick is not None:
        return quick
    from mlci.spec.load import load_project

    spec = load_project(path).spec  # raises SpecError, located, for a spec that is wrong
    return spec, spec.ci.main_branch


def _read_directly(path: Path) -> tuple[DeclaredMetrics, str] | None:
    """The metrics and main branch of a well-formed spec; None for anything doubtful.

    Read confined and within mlci's caps, duplicate keys refused (one linear walk, however
    many aliases); whatever is refused goes to the full loader, which says where and why.
    """
    from mlci.bounded_load import UnreadableDocument, load_yaml
    from mlci.files import ReadRefused, read_confined

    try:
        content = read_confined(path.absolute().parent, path.name)
        if content is None:
            return None
        data = load_yaml(content.decode("utf-8"), unique_keys=True)
    except (ReadRefused, UnicodeDecodeError, UnreadableDocument):
        return None
    if not isinstance(data, dict) or data.get("version") != 1 or not set(data) <= SPEC_KEYS:
        return None  # a misspelt section is the full loader's to name
    metrics = _metrics(data.get("metrics", {}))
    ci = data.get("ci", {})
    main = ci.get("main_branch", DEFAULT_MAIN) if isinstance(ci, dict) else None
    if metrics is None or not isinstance(main, str):
        return None
    return DeclaredMetrics(metrics), main


def _metrics(section: Any) -> dict[str, DeclaredMetric] | None:
    if section is None:
        return {}
    if not isinstance(section, dict):
        return None
    found: dict[str, DeclaredMetric] = {}
    for name, metric in section.items():
        declared = _metric(metric)
        if not isinstance(name, str) or declared is None:
            return None
        found[name] = declared
    return found


def _metric(metric: Any) -> DeclaredMetric | None:
    if not isinstance(metric, dict) or not set(metric) <= METRIC_KEYS:
        return None
    file, key, direction = metric.get("file"), metric.get("key"), metric.get("direction")
    tolerance, threshold = metric.get("tolerance", 0.0), metric.get("threshold")
    if not isinstance(file, str) or direction not in ("higher", "lower"):
        return None
    if key is not None and not isinstance(key, str):
        return None
    if not _is_number(tolerance) or tolerance < 0:
        return None
    if threshold is not None and not _is_number(threshold):
        return None
    if not isinstance(metric.get("description", ""), str):
        return None
    return DeclaredMetric(file, key, direction, float(tolerance))


def _is_number(value: Any) -> bool:
    """A finite number: a NaN tolerance would judge every change a regression."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
