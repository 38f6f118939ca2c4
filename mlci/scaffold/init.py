"""`mlci init`: turn a folder, a git repository or a DVC repository into an mlci project.

It never overwrites a file: each one is reported as created, kept or generated, and running
it twice is harmless. Questions go through `ask`, which the CLI answers from the terminal or
with the defaults (`--yes`, or no terminal).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlci import git
from mlci.dvc import pipeline
from mlci.errors import CheckFailed, UsageError
from mlci.files import read_text_or_none, write_atomic
from mlci.render.templating import render
from mlci.scaffold.data import (
    DEFAULT_EXAMPLE,
    EXAMPLE_TARGET,
    EXAMPLES,
    check_example,
    check_target,
    infer_task,
    read_columns,
)
from mlci.scaffold.remote import REMOTE_NAME, RemotePlan, plan_remote
from mlci.scaffold.requirements import requirements_text

Ask = Callable[[str, str], str]
RAW_DATA = "data/raw.csv"
SCRIPTS = ("prepare", "train", "evaluate")
DEFAULT_MAIN_BRANCH = "main"
GITIGNORE = ("__pycache__/", ".venv/")


@dataclass(frozen=True)
class InitOptions:
    directory: Path
    example: str | None = None
    data: Path | None = None
    target: str | None = None
    task: str | None = None
    remote: str | None = None
    commit: bool = False
    assume_yes: bool = False
    """`--yes`: take the defaults, and consent to what needs consent (saying what it did)."""
    ask: Ask = lambda question, default: default


@dataclass
class InitReport:
    root: Path
    files: list[tuple[str, str]] = field(default_factory=list)
    """(what happened, path): created, kept, generated, updated, tracked."""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    commit: str | None = None

    def file(self, status: str, path: str) -> None:
        self.files.append((status, path))


def init_project(options: InitOptions) -> InitReport:
    """Decide everything that can be wrong first, then make the project; undo it on failure."""
    root = options.directory.resolve()
    existed = root.exists()
    empty = not existed or not any(root.iterdir())
    spec_path = root / "mlci.yaml"
    adopting = not spec_path.exists() and (root / "dvc.yaml").exists()
    # Questions, data, target and task are settled before anything is created, so a wrong
    # answer leaves the folder exactly as it was.
    choice = None if spec_path.exists() or adopting else _choose(root, options)
    report = InitReport(root)
    undo = _Undo(root, existed=existed)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _ensure_git(root, report, undo, empty=empty)
        if not pipeline.is_dvc_repo(root):
            undo.made(root / ".dvc", root / ".dvcignore")
            pipeline.init(root)
            report.notes.append("DVC initialised (.dvc/)")
        main_branch = git.default_branch(root) or DEFAULT_MAIN_BRANCH
        if spec_path.exists():
            report.file("kept", "mlci.yaml")
        elif adopting:
            _adopt(root, report, undo, main_branch)
        else:
            assert choice is not None
            _new_project(root, choice, main_branch, report, undo)
        _ensure_lines(root / ".gitignore", GITIGNORE, report, undo)
        _generate(root, report, undo)
    except BaseException:
        undo.run()
        raise
    if options.commit:
        report.commit = git.commit_all(root, "Start the ML project with mlci init")
    return report


class _Undo:
    """What init made, so that a failure part-way leaves nothing half-made behind."""

    def __init__(self, root: Path, *, existed: bool) -> None:
        self.root = root
        self.existed = existed
        self._made: list[Path] = []
        self._before: dict[Path, bytes] = {}
        self._untracked: list[str] = []

    def made(self, *paths: Path) -> None:
        self._made += [p for p in paths if not p.exists() and not p.is_symlink()]

    def changes(self, path: Path) -> None:
        """`path` is about to be written: keep what it held, or note that it is new."""
        if path in self._made:
            return  # made by init itself: removing it is the undo
        if path.is_file() and not path.is_symlink():
            self._before.setdefault(path, path.read_bytes())
        else:
            self.made(path)

    def untracked_from_git(self, path: str) -> None:
        self._untracked.append(path)

    def run(self) -> None:
        if not self.existed:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for path in reversed(self._made):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        for path, content in self._before.items():
            path.write_bytes(content)
        for relative in self._untracked:
            git.track_again(self.root, relative)


def _ensure_git(root: Path, report: InitReport, undo: _Undo, *, empty: bool) -> None:
    top = git.toplevel(root)
    if top is None or (top != root and empty):
        # A new folder inside another repository becomes a repository of its own.
        undo.made(root / ".git")
        git.init(root)
        report.notes.append("git repository created")
    elif top != root:
        raise UsageError(
            f"{root} lies inside the git repository at {top}; run `mlci init` at its top "
            "level, where .github/workflows must live"
        )


@dataclass(frozen=True)
class _Choice:
    """A new project, decided: what `mlci init` will write, before it writes anything."""

    context: dict[str, Any]
    remote: RemotePlan
    example: str | None = None
    data: _DataPlan | None = None


@dataclass(frozen=True)
class _DataPlan:
    source: Path
    inside: str
    """The CSV's path in the repository."""
    untrack_from_git: bool = False
    """It is committed to git: DVC's remedy (`git rm --cached`) runs before `dvc add`."""


def _choose(root: Path, options: InitOptions) -> _Choice:
    example, data = options.example, options.data
    if example and data:
        raise UsageError("give either --example or --data, not both")
    if example is None and data is None:
        answer = options.ask(
            "Data: a CSV file, or an example (" + ", ".join(EXAMPLES) + ")", DEFAULT_EXAMPLE
        )
        example, data = (answer, None) if answer in EXAMPLES else (None, Path(answer))
    if example is not None:
        context, remote = _example_context(root, example, options)
        return _Choice(context, remote, example=example)
    assert data is not None
    plan = _plan_data(root, data, options)
    context, remote = _data_context(root, plan, options)
    return _Choice(context, remote, data=plan)


def _new_project(
    root: Path, choice: _Choice, main_branch: str, report: InitReport, undo: _Undo
) -> None:
    if choice.data is not None:
        _bring_data(root, choice.data, report, undo)
        report.notes += choice.context.pop("notes", [])
    _configure_remote(root, choice.remote, report)
    context = {
        **choice.context,
        "remote": None if choice.remote.local else choice.remote,
        "main_branch": main_branch,
    }
    _write_new(root, "mlci.yaml", render("scaffold/mlci.yaml.j2", **context), report, undo)
    _write_new(root, "params.yaml", render("scaffold/params.yaml.j2", **context), report, undo)
    for script in ("load", *SCRIPTS) if choice.example else SCRIPTS:
        text = render(f"scaffold/src/{script}.py.j2", **context)
        _write_new(root, f"src/{script}.py", text, report, undo)
    requirements = requirements_text(choice.remote.dvc_extra)
    _write_new(root, "requirements.txt", requirements, report, undo)


def _example_context(
    root: Path, example: str, options: InitOptions
) -> tuple[dict[str, Any], RemotePlan]:
    task = check_example(example)
    if options.task and options.task != task:
        raise UsageError(f"the example {example!r} is a {task} problem, not {options.task}")
    name = example.replace("_", " ")
    context = _context(
        example=example,
        raw_data=RAW_DATA,
        target=EXAMPLE_TARGET,
        task=task,
        description=f"Learn {name} from the dataset scikit-learn ships.",
    )
    # The example's data comes from a stage, so any runner rebuilds it: no remote question.
    return context, plan_remote(options.remote, root)


def _data_context(
    root: Path, data: _DataPlan, options: InitOptions
) -> tuple[dict[str, Any], RemotePlan]:
    csv = data.source
    columns = read_columns(csv)
    target = options.target or options.ask(
        "Target column (" + ", ".join(columns) + ")", columns[-1]
    )
    check_target(csv, target, columns)
    notes = []
    if options.task is not None:
        task = options.task
    else:
        guess = infer_task(csv, target)
        task = options.ask(f"Task ({guess.reason})", guess.task)
        notes.append(f"task: {task} ({guess.reason}; --task to change it)")
    if task not in ("classification", "regression"):
        raise UsageError(f"task {task!r}: choose classification or regression")
    url = options.remote or options.ask(
        "DVC remote URL CI can reach (s3://, gs://, azure://, ssh://; empty: a local folder)", ""
    )
    context = _context(
        example=None,
        raw_data=data.inside,
        target=target,
        task=task,
        description=f"Predict {target} from the other columns of {data.inside}.",
        notes=notes,
    )
    return context, plan_remote(url or None, root)


def _context(**values: Any) -> dict[str, Any]:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"  # CI runs what you run
    return {**values, "python": python}


def _plan_data(root: Path, data: Path, options: InitOptions) -> _DataPlan:
    """Where the CSV will live in the repository, and whether git must let go of it first."""
    source = (data if data.is_absolute() else Path.cwd() / data).resolve()
    if not source.is_file():
        raise UsageError(f"{data}: no such file")
    if not source.is_relative_to(root):
        inside = f"data/{source.name}"
        target = root / inside
        if target.exists() and target.read_bytes() != source.read_bytes():
            raise UsageError(f"{inside} exists and differs from {data}; move one of them")
        return _DataPlan(source, inside)
    inside = source.relative_to(root).as_posix()
    committed = git.toplevel(root) == root and git.is_tracked(root, inside)
    if committed and not (root / f"{inside}.dvc").exists():
        question = (
            f"{inside} is committed to git, and DVC tracks it only once git lets go of it: "
            f"run `git rm --cached {inside}` (the file stays where it is)? [y/N]"
        )
        yes = options.assume_yes or options.ask(question, "no").lower() in ("y", "yes")
        if not yes:
            raise UsageError(
                f"{inside} is committed to git: DVC cannot track it as well. Run "
                f"`git rm --cached {inside}` and `mlci init` again, or pass --yes to let "
                "mlci do it; nothing was changed"
            )
        return _DataPlan(source, inside, untrack_from_git=True)
    return _DataPlan(source, inside)


def _bring_data(root: Path, data: _DataPlan, report: InitReport, undo: _Undo) -> None:
    """Copy the CSV in if it lives elsewhere, and track it with DVC."""
    target = root / data.inside
    if not target.exists():
        undo.made(*_new_parents(target), target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data.source, target)
        report.file("created", f"{data.inside} (copied from {data.source})")
    if (root / f"{data.inside}.dvc").exists():
        report.file("kept", f"{data.inside}.dvc")
        return
    if data.untrack_from_git:
        git.untrack(root, data.inside)
        undo.untracked_from_git(data.inside)
        report.notes.append(
            f"{data.inside} was committed to git; ran `git rm --cached {data.inside}` so that "
            "DVC tracks it (the file itself is untouched)"
        )
    undo.made(root / f"{data.inside}.dvc")
    undo.changes(target.parent / ".gitignore")  # where `dvc add` lists the file for git
    pipeline.track(root, data.inside)
    report.file("tracked", f"{data.inside} (dvc add: {data.inside}.dvc)")


def _new_parents(path: Path) -> list[Path]:
    """The folders above `path` that do not exist yet, outermost first."""
    missing = [parent for parent in path.parents if not parent.exists()]
    return list(reversed(missing))


def _configure_remote(root: Path, remote: RemotePlan, report: InitReport) -> None:
    existing = pipeline.default_remote(root)
    if existing is not None and not remote.url:
        report.notes.append(f"DVC remote: keeping the default remote {existing!r}")
        return
    if remote.local:
        Path(remote.url).mkdir(parents=True, exist_ok=True)
    pipeline.add_remote(root, REMOTE_NAME, remote.url, local=remote.local)
    where = ".dvc/config.local, not committed" if remote.local else ".dvc/config"
    report.notes.append(f"DVC remote {REMOTE_NAME!r}: {remote.url} ({where})")
    if remote.note:
        report.notes.append(remote.note)


def _adopt(root: Path, report: InitReport, undo: _Undo, main_branch: str) -> None:
    from mlci.scaffold.adopt import adopt_pipeline

    adoption = adopt_pipeline(root)
    spec: dict[str, Any] = {
        "version": 1,
        "problem": {
            "task": "other",
            "description": "Adopted from the existing DVC pipeline; describe the problem here.",
        },
    }
    if adoption.data:
        spec["data"] = adoption.data
    if adoption.params_files:
        spec["params"] = adoption.params_files
    spec["stages"] = adoption.stages
    if adoption.pipeline:
        spec["pipeline"] = adoption.pipeline
    remote = pipeline.default_remote(root)
    ci: dict[str, Any] = {}
    if main_branch != DEFAULT_MAIN_BRANCH:
        ci["main_branch"] = main_branch
    if remote is not None and _remote_is_shared(root, remote):
        ci["remote"] = {"name": remote}
    if ci:
        spec["ci"] = ci
    header = (
        "# yaml-language-server: $schema=.mlci/schema.json\n"
        "# Imported by `mlci init` from dvc.yaml: mlci now generates these stages.\n"
        "# Next: set problem.task, and declare under `metrics:` the metrics that matter.\n"
    )
    text = header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
    _write_new(root, "mlci.yaml", text, report, undo)
    report.notes += adoption.left_to_user


def _remote_is_shared(root: Path, name: str) -> bool:
    """A remote in the committed .dvc/config, so CI sees it too."""
    config = read_text_or_none(root / ".dvc" / "config") or ""
    return f"['remote \"{name}\"']" in config


def _write_new(root: Path, relative: str, text: str, report: InitReport, undo: _Undo) -> None:
    path = root / relative
    if path.exists():
        report.file("kept", relative)
        return
    undo.made(*_new_parents(path), path)
    write_atomic(path, text)
    report.file("created", relative)


def _ensure_lines(path: Path, lines: tuple[str, ...], report: InitReport, undo: _Undo) -> None:
    text = read_text_or_none(path)
    present = set((text or "").splitlines())
    missing = [line for line in lines if line not in present]
    if not missing:
        return
    undo.changes(path)
    body = (text or "") + ("" if not text or text.endswith("\n") else "\n")
    write_atomic(path, body + "\n".join(missing) + "\n")
    report.file("created" if text is None else "updated", path.name)


def _generate(root: Path, report: InitReport, undo: _Undo) -> None:
    from mlci.generate.plan import apply_plan, plan_generation
    from mlci.spec.load import load_project

    project = load_project(root / "mlci.yaml")
    report.warnings += project.warnings
    plan = plan_generation(project)
    if plan.conflicts:
        details = "; ".join(f"{c.path}: {c.reason}" for c in plan.conflicts)
        raise CheckFailed(f"mlci generate found conflicts, nothing was generated: {details}")
    for change in plan.changes:
        target = root / change.path
        undo.made(*_new_parents(target), target)
    apply_plan(root, plan)
    for change in plan.changes:
        status = "kept" if change.action.value == "unchanged" else "generated"
        report.file(status, change.path)
