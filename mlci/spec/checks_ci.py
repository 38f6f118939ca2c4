"""Checks of the spec's CI parts: values written into workflows, runner labels, overrides.

Every value mlci writes into a workflow is data, so an `${{ }}` expression there would run;
a step added through `overrides:` must be pinned and pass the same security rules as the
rendered workflow. Part of the spec checks (mlci.spec.checks), which run these last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from mlci.spec.errors import did_you_mean
from mlci.spec.model import FULL_SHA, STEP_POINTS, Spec
from mlci.spec.source import KeyPath, SourceMap
from mlci.spec.syntax import STEP_ID

# The keys GitHub Actions accepts in a step.
STEP_KEYS = (
    "id",
    "if",
    "name",
    "uses",
    "run",
    "working-directory",
    "shell",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
)
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RUNNER_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@(?P<ref>[^\s]+)$")


def _strings(value: object, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string inside a dumped model, with its key path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key
            yield from _strings(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


class Report(Protocol):
    """Where a problem goes: SpecChecker.report, which locates it in mlci.yaml."""

    def __call__(self, path: KeyPath, message: str, *, key: bool = False) -> None: ...


class CiChecker:
    """The CI checks of one spec; each problem goes to `report`, as SpecChecker words it."""

    def __init__(self, spec: Spec, source: SourceMap, report: Report) -> None:
        self.spec = spec
        self.source = source
        self.report = report

    def check_ci_expressions(self) -> None:
        """Spec values are written into workflows as data; an expression there would run."""
        for path, value in _strings(self.spec.ci.model_dump(), ("ci",)):
            if "${{" in value:
                self.report(
                    path,
                    "no ${{ }} expressions here: mlci writes this value into the workflow as "
                    "plain text; use `overrides:` for steps that need expressions",
                )

    def check_overrides(self) -> None:
        for name, value in self.spec.overrides.env.items():
            if not ENV_NAME.fullmatch(name):
                self.report(
                    ("overrides", "env", name),
                    f"{name!r} is not an environment variable name (letters, digits, '_')",
                    key=True,
                )
            if "secrets." in value:
                self.report(
                    ("overrides", "env", name),
                    "secrets do not belong in plain env; map them in `ci.remote.credentials`",
                )
        ids: dict[tuple[str, str], KeyPath] = {}
        for i, insertion in enumerate(self.spec.overrides.steps):
            for j, step in enumerate(insertion.steps):
                at: KeyPath = ("overrides", "steps", i, "steps", j)
                self.check_step(at, step, insertion.accept_risk)
                self.check_step_id(at, step, insertion.workflows, ids)
        for i, override in enumerate(self.spec.overrides.set):
            parts = override.path.split(".")
            if not all(parts):
                self.report(("overrides", "set", i, "path"), "empty part in the dotted path")

    def check_runner_labels(self) -> None:
        """Labels land in `runs-on:`; an expression there would choose the runner at run time."""
        labelled: list[tuple[KeyPath, tuple[str, ...]]] = [
            (("ci", "runs_on"), self.spec.ci.runs_on)
        ]
        labelled += [
            (("overrides", "runs_on", k), v) for k, v in self.spec.overrides.runs_on.items()
        ]
        for at, labels in labelled:
            for index, label in enumerate(labels):
                if not RUNNER_LABEL.fullmatch(label):
                    self.report(
                        (*at, index),
                        f"{label!r} is not a runner label: letters, digits, '.', '_' and '-' "
                        "only (no ${{ }} expressions, no spaces)",
                    )

    def check_rendered_workflows(self) -> None:
        """The rules hold for what is written: render, apply each override, check."""
        if not self.spec.overrides.set:
            return
        from mlci.errors import UsageError
        from mlci.render.workflows import override_findings

        try:
            broken = override_findings(self.spec)
        except UsageError:
            return  # a path that cannot be set: generate says so in its own words
        files: dict[tuple[int, str], list[str]] = {}
        rules: dict[tuple[int, str], str] = {}
        for index, file, finding in broken:
            files.setdefault((index, str(finding)), []).append(file)
            rules[(index, str(finding))] = finding.rule
        for (index, finding_text), where in files.items():
            rule = rules[(index, finding_text)]
            self.report(
                ("overrides", "set", index),
                f"this override makes {' and '.join(where)} break a security rule: "
                f"{finding_text}; remove it, or accept that risk on purpose with "
                f"`accept_risk: [{rule}]`",
            )

    def check_step_id(
        self,
        at: KeyPath,
        step: dict[str, object],
        workflows: tuple[str, ...],
        seen: dict[tuple[str, str], KeyPath],
    ) -> None:
        """A step id names the step in expressions (`steps.<id>`): unique in its workflow."""
        step_id = step.get("id")
        if step_id is None:
            return
        if not isinstance(step_id, str) or not STEP_ID.fullmatch(step_id):
            self.report(
                (*at, "id"),
                f"{step_id!r} is not a step id: a letter or '_', then letters, digits, '_', '-'",
            )
            return
        if step_id in STEP_POINTS:
            self.report(
                (*at, "id"),
                f"step id {step_id!r} is one of mlci's own steps; choose another id",
            )
            return
        for workflow in workflows:
            first = seen.setdefault((workflow, step_id), at)
            if first != at:
                line = self.source.locate(first).line
                self.report(
                    (*at, "id"),
                    f"step id {step_id!r} is already used in the {workflow} workflow "
                    f"(line {line}); step ids are unique",
                )
                return

    def check_step(
        self, at: KeyPath, step: dict[str, object], accepted: tuple[str, ...] = ()
    ) -> None:
        for key in step:
            if key not in STEP_KEYS:
                self.report(
                    (*at, key),
                    f"unknown step key {key!r}" + did_you_mean(key, STEP_KEYS),
                    key=True,
                )
        uses, run = step.get("uses"), step.get("run")
        if (uses is None) == (run is None):
            self.report(at, "a step has exactly one of `uses:` or `run:`")
        pinning = "pin" not in accepted
        if not pinning or not isinstance(uses, str):
            pass
        elif uses.startswith("docker://") and "@sha256:" not in uses:
            self.report(
                (*at, "uses"),
                f"{uses!r} must be pinned to an image digest: docker://image@sha256:<digest>",
            )
        elif not uses.startswith(("./", "docker://")):
            match = _USES.match(uses)
            if not match or not FULL_SHA.match(match["ref"]):
                self.report(
                    (*at, "uses"),
                    f"{uses!r} must be pinned to a full commit SHA: "
                    "owner/repo@<40-hex sha> (put the version in a comment or `name:`)",
                )
        if isinstance(run, str) and "${{" in run and "expression-in-script" not in accepted:
            self.report(
                (*at, "run"),
                "no ${{ }} expressions inside `run:` (script injection); pass the value through "
                "the step's `env:` and use $NAME in the script",
            )
        # The other rules, read as they are checked on the rendered workflow; pins and
        # `run:` have their own words above.
        from mlci.render.security import RULES, step_findings

        for finding in sorted(step_findings("", step), key=str):
            ran = finding.rule == "expression-in-script" and finding.where == ".run"
            if finding.rule in (*accepted, "pin") or ran:
                continue
            self.report(
                (*at, *finding.where.strip(".").split(".")[:1]),
                f"this step breaks the security rule {finding.rule!r} ({RULES[finding.rule]}); "
                f"change it, or accept that risk on purpose with `accept_risk: [{finding.rule}]`",
            )
