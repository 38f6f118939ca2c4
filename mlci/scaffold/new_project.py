"""Make a new project's files: the data tracked by DVC, the remote, mlci.yaml and src/.

Runs only once every decision is taken (mlci.scaffold.choice); each file it makes is
recorded for undoing (mlci.scaffold.writing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mlci import git
from mlci.dvc import pipeline
from mlci.render.templating import render
from mlci.scaffold.choice import Choice, DataPlan
from mlci.scaffold.remote import REMOTE_NAME, RemotePlan
from mlci.scaffold.requirements import requirements_text
from mlci.scaffold.writing import InitReport, Undo, new_parents, write_new

SCRIPTS = ("prepare", "train", "evaluate")


def write_new_project(
    root: Path, choice: Choice, main_branch: str, report: InitReport, undo: Undo
) -> None:
    if choice.data is not None:
        _bring_data(root, choice.data, report, undo)
    report.notes += choice.context.get("notes", [])
    _configure_remote(root, choice.remote, report)
    context = {
        **{key: value for key, value in choice.context.items() if key != "notes"},
        "remote": None if choice.remote.local else choice.remote,
        "main_branch": main_branch,
    }
    write_new(root, "mlci.yaml", render("scaffold/mlci.yaml.j2", **context), report, undo)
    write_new(root, "params.yaml", render("scaffold/params.yaml.j2", **context), report, undo)
    for script in ("load", *SCRIPTS) if choice.example else SCRIPTS:
        text = render(f"scaffold/src/{script}.py.j2", **context)
        write_new(root, f"src/{script}.py", text, report, undo)
    requirements = requirements_text(choice.remote.dvc_extra)
    write_new(root, "requirements.txt", requirements, report, undo)


def _bring_data(root: Path, data: DataPlan, report: InitReport, undo: Undo) -> None:
    """Copy the CSV in if it lives elsewhere, and track it with DVC."""
    target = root / data.inside
    if not target.exists():
        undo.made(*new_parents(target), target)
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
