"""Render the GitHub Actions workflows from the spec.

Each workflow is a Jinja template; its steps are small templates of their own, assembled
here in order so that `overrides.steps` can place a user's steps before or after any of
them, and so that later features add a step by adding a template and a point.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from mlci import __version__
from mlci.markers import HEADER_TAG, REGENERATE_HINT
from mlci.render.overrides import apply_key_overrides
from mlci.render.pins import PINS
from mlci.render.security import FORK_GUARD, RULES, Finding, findings, is_github_hosted
from mlci.render.templating import render, yaml_flow, yaml_string
from mlci.spec.model import Spec, WorkflowName

WORKFLOWS_DIR = ".github/workflows"
DEFAULT_SECRETS_ENVIRONMENT = "dvc-remote"
DEFAULT_READ_ENVIRONMENT = "dvc-remote-read"


@dataclass(frozen=True)
class WorkflowKind:
    key: WorkflowName  # as named in overrides
    file: str
    template: str


PR = WorkflowKind("pr", f"{WORKFLOWS_DIR}/mlci-pr.yml", "workflows/pr.yml.j2")
MAIN = WorkflowKind("main", f"{WORKFLOWS_DIR}/mlci-main.yml", "workflows/main.yml.j2")
DEPLOY = WorkflowKind("deploy", f"{WORKFLOWS_DIR}/mlci-deploy.yml", "workflows/deploy.yml.j2")
MONITOR = WorkflowKind("monitor", f"{WORKFLOWS_DIR}/mlci-monitor.yml", "workflows/monitor.yml.j2")
RETRAIN = WorkflowKind("retrain", f"{WORKFLOWS_DIR}/mlci-retrain.yml", "workflows/retrain.yml.j2")
# `overrides` that name `all` mean these: the deploy workflow is always named alone.
PIPELINE_KINDS = ("pr", "main")


def kinds(spec: Spec) -> tuple[WorkflowKind, ...]:
    """The workflows this spec generates: deploy once there is a model to package, monitor
    and retrain once mlci.yaml has a `monitor:` section."""
    if not spec.deploy.files:
        return (PR, MAIN)
    if spec.monitor is None:
        return (PR, MAIN, DEPLOY)
    return (PR, MAIN, DEPLOY, MONITOR, *((RETRAIN,) if spec.monitor.retrain.enabled else ()))


def _applies(named: str, kind: WorkflowName) -> bool:
    return named == kind or (named == "all" and kind in PIPELINE_KINDS)


def step_points(kind: str, spec: Spec) -> list[tuple[str, str]]:
    """(point, template) of each step of a workflow, in order."""
    ci = spec.ci
    points = [(p, p) for p in ("checkout", "setup-python", "install")]
    if ci.cache.dvc:
        points.append(("dvc-cache", "dvc-cache"))
    if ci.remote is not None:
        points.append(("pull", "pull"))
    elif spec.data_ci_cannot_fetch():
        # Fail with the fix in words rather than with DVC's "missing cache files" trace.
        points.append(("pull", "pull-unreachable"))
    points.append(("reproduce", "reproduce"))
    if kind == "main" and ci.remote is not None:
        points.append(("push", "push"))
    points.append(("check", "check"))
    if kind == "pr":
        # The report goes out even when the gate then fails the job.
        points += [("report", "report"), ("gate", "gate")]
    if ci.cache.dvc:
        points.append(("trim-cache", "trim-cache"))
    return points


def deploy_step_points(spec: Spec, stage: str) -> list[tuple[str, str]]:
    """(point, template) of each step of a stage's deploy job, in order."""
    points = [(p, p) for p in ("checkout", "setup-python", "install")]
    points.append(("model-files", _model_files_template(spec)))
    points += [("package", "package"), ("smoke", "smoke")]
    if spec.deploy.release:
        points.append(("release", "release"))
    if spec.deploy.container.push:
        points.append(("image", "image"))
    if spec.deploy.targets.get(stage):
        points.append(("deliver", "deliver"))
    points.append(("record", "record"))
    return points


def monitor_step_points(spec: Spec) -> list[tuple[str, str]]:
    """(point, template) of each step of the monitor job, in order."""
    points = [(p, p) for p in ("checkout", "setup-python", "install")]
    points.append(("model-files", _model_files_template(spec)))
    points.append(("monitor", "monitor"))
    return points


def retrain_step_points(spec: Spec) -> list[tuple[str, str]]:
    """(point, template) of each step of the retrain job, in order."""
    points = [(p, p) for p in ("checkout", "setup-python", "install")]
    if spec.ci.remote is not None:
        points.append(("pull", "pull"))
    elif spec.data_ci_cannot_fetch():
        points.append(("pull", "pull-unreachable"))
    if spec.monitoring().retrain.refresh:
        points.append(("refresh", "refresh"))
    points.append(("reproduce", "reproduce"))
    if spec.ci.remote is not None:
        points.append(("push", "push"))
    points.append(("open-pr", "open-pr"))
    return points


def _model_files_template(spec: Spec) -> str:
    if spec.ci.remote is None and spec.data_ci_cannot_fetch():
        return "pull-unreachable"
    return "model-files"


def _monitor_context(spec: Spec) -> dict[str, Any]:
    monitor = spec.monitoring()
    reference = monitor.reference
    if reference is None and spec.evaluation is not None and spec.evaluation.rescore is not None:
        reference = spec.evaluation.rescore.training_data
    # Only what DVC tracks can be fetched; a reference kept in git is in the checkout.
    tracked = reference is not None and _dvc_tracked(spec, reference)
    return {
        "monitor": monitor,
        "monitored_stage": spec.monitored_stage(),
        "plan_name": "Which version the stage serves",
        "model_files": [*spec.deploy.files, *([reference] if tracked and reference else [])],
        "model_files_name": "Bring the version's model and training data into the DVC cache",
    }


def _dvc_tracked(spec: Spec, path: str) -> bool:
    """A stage's output (or inside one) or a data source DVC tracks."""
    from mlci.spec.paths import normalise

    wanted = normalise(".", path) or path
    outputs = [
        normalise(stage.wdir, out.path)
        for stage in spec.stages.values()
        for out in (*stage.outs, *stage.metrics, *stage.plots)
    ]
    outputs += [normalise(".", source.path.rstrip("/")) for source in spec.data]
    return any(
        out is not None and (wanted == out or wanted.startswith(out.rstrip("/") + "/"))
        for out in outputs
    )


def render_workflows(spec: Spec) -> dict[str, str]:
    """File path -> content of every workflow mlci generates for this spec."""
    return {kind.file: render_workflow(spec, kind) for kind in kinds(spec)}


def render_workflow(spec: Spec, kind: WorkflowKind, *, with_set: bool = True) -> str:
    context = {
        **_context(spec),
        **_environment(spec, kind.key),
        **_runner(spec, kind.key),
        "kind": kind.key,
    }
    if kind.key == "monitor":
        context.update(_monitor_context(spec))
        steps = _steps(spec, kind.key, monitor_step_points(spec), context)
        text = render(kind.template, steps=steps, **context)
    elif kind.key == "retrain":
        context["monitor"] = spec.monitoring()
        steps = _steps(spec, kind.key, retrain_step_points(spec), context)
        text = render(kind.template, steps=steps, **context)
    elif kind.key == "deploy":
        context.update(
            plan_name="Which version goes to which stage",
            model_files=list(spec.deploy.files),
            model_files_name="Bring the version's model files into the DVC cache",
        )
        jobs = []
        for stage in spec.deploy.stages:
            job: dict[str, Any] = {
                "stage": stage,
                "environment": spec.deploy.environment(stage),
                "oidc": spec.deploy.uses_oidc(stage),
            }
            points = deploy_step_points(spec, stage)
            job["steps"] = _steps(spec, kind.key, points, {**context, "job": job})
            jobs.append(job)
        text = render(kind.template, jobs=jobs, **context)
    else:
        steps = _steps(spec, kind.key, step_points(kind.key, spec), context)
        text = render(kind.template, steps=steps, **context)
    if not with_set:
        return text
    overrides = [o for o in spec.overrides.set if _applies(o.workflow, kind.key)]
    if overrides:
        text = apply_key_overrides(text, overrides)
    return _with_accepted_risks(text, spec, kind.key)


def _steps(
    spec: Spec, kind: WorkflowName, points: list[tuple[str, str]], context: dict[str, Any]
) -> list[str]:
    """Each point's step, with the spec's own steps before and after it."""
    steps: list[str] = []
    extras = _extra_steps(spec, kind)
    for point, template in points:
        steps.extend(extras.get(("before", point), []))
        steps.append(render(f"workflows/steps/{template}.yml.j2", **context).rstrip())
        steps.extend(extras.get(("after", point), []))
    return steps


def _with_accepted_risks(text: str, spec: Spec, kind: WorkflowName) -> str:
    """Say at the top, where a reviewer reads first, which risks the spec accepts."""
    accepted = [
        (f"overrides.set[{index}], {override.path}", override.accept_risk)
        for index, override in enumerate(spec.overrides.set)
        if override.accept_risk and _applies(override.workflow, kind)
    ]
    accepted += [
        (f"overrides.steps[{index}]", insertion.accept_risk)
        for index, insertion in enumerate(spec.overrides.steps)
        if insertion.accept_risk and kind in insertion.workflows
    ]
    lines = [
        f"# RISK ACCEPTED in mlci.yaml ({where}): "
        + "; ".join(f"{rule}: {RULES[rule]}" for rule in rules)
        for where, rules in accepted
    ]
    if not lines:
        return text
    head, _, rest = text.partition("\n")
    second, _, rest = rest.partition("\n")
    return "\n".join([head, second, *lines, rest])


def override_findings(spec: Spec) -> list[tuple[int, str, Finding]]:
    """(index in overrides.set, workflow file, finding) for every rule an override breaks
    in the rendered workflow and does not accept by name."""
    found = []
    safe = YAML(typ="safe")
    for kind in kinds(spec):
        current = render_workflow(spec, kind, with_set=False)
        seen = findings(safe.load(current))
        for index, override in enumerate(spec.overrides.set):
            if not _applies(override.workflow, kind.key):
                continue
            current = apply_key_overrides(current, [override])
            new = findings(safe.load(current)) - seen
            seen |= new
            found += [
                (index, kind.file, f)
                for f in sorted(new, key=str)
                if f.rule not in override.accept_risk
            ]
    return found


def _environment(spec: Spec, kind: WorkflowName) -> dict[str, Any]:
    """The GitHub environment holding the remote's secrets: read-only ones for pull requests.

    Both environments hold secrets of the same names; only the main branch's may write, so a
    pull request's job never holds credentials that can change the remote.
    """
    remote = spec.ci.remote
    if remote is None or not remote.credentials:
        return {"environment": None, "fork_guard": False}
    if kind == "pr":
        return {
            "environment": remote.pr_environment or DEFAULT_READ_ENVIRONMENT,
            "environment_role": "read-only credentials of the DVC remote",
            "fork_guard": True,  # forks get no secrets: say so instead of failing on them
        }
    return {
        "environment": remote.environment or DEFAULT_SECRETS_ENVIRONMENT,
        "environment_role": "credentials of the DVC remote that may write",
        "fork_guard": False,
    }


def _pull_targets(spec: Spec) -> list[str]:
    """The .dvc files of the data the pipeline reads: all a reproduction must pull."""
    return [f"{source.path.rstrip('/')}.dvc" for source in spec.data]


def _context(spec: Spec) -> dict[str, Any]:
    ci = spec.ci
    remote = ci.remote
    return {
        "header": HEADER_TAG,
        "mlci_version": __version__,
        "mlci_requirement": ci.mlci.pinned(__version__),
        "hint": REGENERATE_HINT,
        "ci": ci,
        "pins": {name: str(pin) for name, pin in PINS.items()},
        "deploy": spec.deploy,
        "remote": remote,
        "pull_targets": _pull_targets(spec),
        "branches": list(ci.branches or (ci.main_branch,)),
        "env": dict(spec.overrides.env),
        "unreachable_data": spec.data_ci_cannot_fetch(),
        "fork_guard_condition": FORK_GUARD,
    }


def _runner(spec: Spec, kind: WorkflowName) -> dict[str, Any]:
    labels = spec.overrides.runs_on.get(kind, spec.ci.runs_on)
    # Code from forks must never reach a machine that is not GitHub's: a custom label can
    # name a self-hosted runner as well as `self-hosted` can, so only GitHub's images pass.
    self_hosted = not is_github_hosted(labels)
    text = yaml_string(labels[0]) if len(labels) == 1 else yaml_flow(list(labels))
    if self_hosted:
        # The spec chose its own runners on purpose; say so where auditors look.
        text += "  # zizmor: ignore[self-hosted-runner] chosen in mlci.yaml"
    return {"runs_on": text, "self_hosted": self_hosted}


def _extra_steps(spec: Spec, kind: str) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for insertion in spec.overrides.steps:
        if kind not in insertion.workflows:
            continue
        where = "before" if insertion.before else "after"
        point = insertion.before or insertion.after
        assert point is not None  # the model guarantees exactly one of before/after
        found.setdefault((where, point), []).extend(_step_yaml(s) for s in insertion.steps)
    return found


def _step_yaml(step: Mapping[str, Any]) -> str:
    """One user step as a block-style list item, indented to sit under `steps:`.

    Dumped as YAML 1.2, which GitHub reads: PyYAML (1.1) would leave `run: 0E0` unquoted,
    and a 1.2 reader then takes the command for the number 0.
    """
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.width = 1000
    dumper.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    out = io.StringIO()
    dumper.dump([dict(step)], out)
    text = out.getvalue()
    return "\n".join(f"      {line}" if line else line for line in text.rstrip().splitlines())
