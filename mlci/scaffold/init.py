"""`mlci init`: turn a folder, a git repository or a DVC repository into an mlci project.

It never overwrites a file: each one is reported as created, kept or generated, and running
it twice is harmless. Questions go through `ask`, which the CLI answers from the terminal or
with the defaults (`--yes`, or no terminal).

The steps, each in its own module: decide what a new project will be (choice), make its
files (new_project) or describe the DVC pipeline already there (adopt, adopted_spec), all
or nothing (writing); then generate the workflows and dvc.yaml, and commit if asked.
"""

from __future__ import annotations

from pathlib import Path

from mlci import git
from mlci.dvc import pipeline
from mlci.errors import CheckFailed, UsageError
from mlci.scaffold.adopted_spec import (
    DEFAULT_MAIN_BRANCH,
    adopted_spec_text,
    remote_is_shared,
)
from mlci.scaffold.choice import InitOptions, choose
from mlci.scaffold.new_project import write_new_project
from mlci.scaffold.writing import InitReport, Undo, ensure_lines, new_parents, write_new

__all__ = ["InitOptions", "InitReport", "init_project"]

GITIGNORE = ("__pycache__/", ".venv/")


def init_project(options: InitOptions) -> InitReport:
    """Decide everything that can be wrong first, then make the project; undo it on failure."""
    root = options.directory.resolve()
    existed = root.exists()
    empty = not existed or not any(root.iterdir())
    spec_path = root / "mlci.yaml"
    adopting = not spec_path.exists() and (root / "dvc.yaml").exists()
    # Questions, data, target and task are settled before anything is created, so a wrong
    # answer leaves the folder exactly as it was.
    choice = None if spec_path.exists() or adopting else choose(root, options)
    report = InitReport(root)
    undo = Undo(root, existed=existed)
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
            write_new_project(root, choice, main_branch, report, undo)
        ensure_lines(root / ".gitignore", GITIGNORE, report, undo)
        _generate(root, report, undo)
    except BaseException:
        undo.run()
        raise
    if options.commit:
        report.commit = git.commit_all(root, "Start the ML project with mlci init")
    return report


def _ensure_git(root: Path, report: InitReport, undo: Undo, *, empty: bool) -> None:
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


def _adopt(root: Path, report: InitReport, undo: Undo, main_branch: str) -> None:
    from mlci.scaffold.adopt import adopt_pipeline

    adoption = adopt_pipeline(root)
    remote = pipeline.default_remote(root)
    shared = remote if remote is not None and remote_is_shared(root, remote) else None
    text = adopted_spec_text(adoption, main_branch, shared)
    write_new(root, "mlci.yaml", text, report, undo)
    report.notes += adoption.left_to_user


def _generate(root: Path, report: InitReport, undo: Undo) -> None:
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
        undo.made(*new_parents(target), target)
    apply_plan(root, plan)
    for change in plan.changes:
        status = "kept" if change.action.value == "unchanged" else "generated"
        report.file(status, change.path)
