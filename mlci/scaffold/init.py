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

from mlci import git, pipeline
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
    root = options.directory.resolve()
    empty = not root.exists() or not any(root.iterdir())
    root.mkdir(parents=True, exist_ok=True)
    report = InitReport(root)
    _ensure_git(root, report, empty=empty)
    if not pipeline.is_dvc_repo(root):
        pipeline.init(root)
        report.notes.append("DVC initialised (.dvc/)")
    spec_path = root / "mlci.yaml"
    if spec_path.exists():
        report.file("kept", "mlci.yaml")
    elif (root / "dvc.yaml").exists():
        _adopt(root, report)
    else:
        _new_project(root, options, report)
    _ensure_lines(root / ".gitignore", GITIGNORE, report)
    _generate(root, report)
    if options.commit:
        report.commit = git.commit_all(root, "Start the ML project with mlci init")
    return report


def _ensure_git(root: Path, report: InitReport, *, empty: bool) -> None:
    top = git.toplevel(root)
    if top is None or (top != root and empty):
        # A new folder inside another repository becomes a repository of its own.
        git.init(root)
        report.notes.append("git repository created")
    elif top != root:
        raise UsageError(
            f"{root} lies inside the git repository at {top}; run `mlci init` at its top "
            "level, where .github/workflows must live"
        )


def _new_project(root: Path, options: InitOptions, report: InitReport) -> None:
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
    else:
        assert data is not None
        context, remote = _data_context(root, data, options, report)
    _configure_remote(root, remote, report)
    context["remote"] = None if remote.local else remote
    _write_new(root, "mlci.yaml", render("scaffold/mlci.yaml.j2", **context), report)
    _write_new(root, "params.yaml", render("scaffold/params.yaml.j2", **context), report)
    for script in ("load", *SCRIPTS) if example else SCRIPTS:
        text = render(f"scaffold/src/{script}.py.j2", **context)
        _write_new(root, f"src/{script}.py", text, report)
    _write_new(root, "requirements.txt", requirements_text(remote.dvc_extra), report)


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
    root: Path, data: Path, options: InitOptions, report: InitReport
) -> tuple[dict[str, Any], RemotePlan]:
    raw_data = _bring_data(root, data, report)
    columns = read_columns(root / raw_data)
    target = options.target or options.ask(
        "Target column (" + ", ".join(columns) + ")", columns[-1]
    )
    check_target(root / raw_data, target, columns)
    if options.task is not None:
        task = options.task
    else:
        guess = infer_task(root / raw_data, target)
        task = options.ask(f"Task ({guess.reason})", guess.task)
        report.notes.append(f"task: {task} ({guess.reason}; --task to change it)")
    if task not in ("classification", "regression"):
        raise UsageError(f"task {task!r}: choose classification or regression")
    url = options.remote or options.ask(
        "DVC remote URL CI can reach (s3://, gs://, azure://, ssh://; empty: a local folder)", ""
    )
    context = _context(
        example=None,
        raw_data=raw_data,
        target=target,
        task=task,
        description=f"Predict {target} from the other columns of {raw_data}.",
    )
    return context, plan_remote(url or None, root)


def _context(**values: Any) -> dict[str, Any]:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"  # CI runs what you run
    return {**values, "python": python}


def _bring_data(root: Path, data: Path, report: InitReport) -> str:
    """The CSV's path inside the repository, tracked by DVC; copied in if it lives elsewhere."""
    source = data if data.is_absolute() else Path.cwd() / data
    source = source.resolve()
    if not source.is_file():
        raise UsageError(f"{data}: no such file")
    if source.is_relative_to(root):
        inside = source.relative_to(root).as_posix()
    else:
        inside = f"data/{source.name}"
        target = root / inside
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            report.file("created", f"{inside} (copied from {data})")
        elif target.read_bytes() != source.read_bytes():
            raise UsageError(f"{inside} exists and differs from {data}; move one of them")
    if (root / f"{inside}.dvc").exists():
        report.file("kept", f"{inside}.dvc")
    else:
        pipeline.track(root, inside)
        report.file("tracked", f"{inside} (dvc add: {inside}.dvc)")
    return inside


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


def _adopt(root: Path, report: InitReport) -> None:
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
    if remote is not None and _remote_is_shared(root, remote):
        spec["ci"] = {"remote": {"name": remote}}
    header = (
        "# yaml-language-server: $schema=.mlci/schema.json\n"
        "# Imported by `mlci init` from dvc.yaml: mlci now generates these stages.\n"
        "# Next: set problem.task, and declare under `metrics:` the metrics that matter.\n"
    )
    text = header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
    _write_new(root, "mlci.yaml", text, report)
    report.notes += adoption.left_to_user


def _remote_is_shared(root: Path, name: str) -> bool:
    """A remote in the committed .dvc/config, so CI sees it too."""
    config = read_text_or_none(root / ".dvc" / "config") or ""
    return f"['remote \"{name}\"']" in config


def _write_new(root: Path, relative: str, text: str, report: InitReport) -> None:
    path = root / relative
    if path.exists():
        report.file("kept", relative)
        return
    write_atomic(path, text)
    report.file("created", relative)


def _ensure_lines(path: Path, lines: tuple[str, ...], report: InitReport) -> None:
    text = read_text_or_none(path)
    present = set((text or "").splitlines())
    missing = [line for line in lines if line not in present]
    if not missing:
        return
    body = (text or "") + ("" if not text or text.endswith("\n") else "\n")
    write_atomic(path, body + "\n".join(missing) + "\n")
    report.file("created" if text is None else "updated", path.name)


def _generate(root: Path, report: InitReport) -> None:
    from mlci.generate import apply_plan, plan_generation
    from mlci.spec.load import load_project

    project = load_project(root / "mlci.yaml")
    report.warnings += project.warnings
    plan = plan_generation(project)
    if plan.conflicts:
        details = "; ".join(f"{c.path}: {c.reason}" for c in plan.conflicts)
        raise CheckFailed(f"mlci generate found conflicts, nothing was generated: {details}")
    apply_plan(root, plan)
    for change in plan.changes:
        status = "kept" if change.action.value == "unchanged" else "generated"
        report.file(status, change.path)
