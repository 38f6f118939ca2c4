"""The security rules, checked on a rendered workflow: what is written, not what was typed.

`overrides.set` can change any key, so checking the spec's own fields is not enough: each
rule here reads the final workflow. `mlci validate` (through the spec checks) renders every
workflow, applies the overrides one at a time, and names the override that breaks a rule,
unless that override accepts the rule's risk by name (`accept_risk: [rule]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

RULES = {
    "trigger": "no pull_request_target or workflow_run trigger (they run fork code with secrets)",
    "permissions": "permissions: {} at the top; jobs name their scopes, read unless mlci's own "
    "(a deploy job may write only behind an environment, in a workflow no pull request starts)",
    "pin": "every action pinned to a full commit SHA (owner/repo@<40 hex>)",
    "expression-in-script": "no ${{ }} in run:, shell: or a script input (script injection)",
    "secrets": "secrets referenced one by one: no toJSON(secrets), secrets[...] or inherit",
    "credentials": "checkout with persist-credentials: false, and never of a pull request's head",
    "cache-in-privileged-job": "no cache (actions/cache or setup-python's) in a job that may "
    "write (cache poisoning)",
    "runner": "runs-on names fixed labels (no ${{ }}), and code from forks runs only on "
    "GitHub-hosted runners",
}
# Scopes mlci's own jobs may write anywhere: the pull-request report's comment.
WRITABLE_SCOPES = frozenset({"pull-requests"})
# Scopes the deploy, monitor and retrain jobs write (the release, the image, the deployment
# record, OIDC, the monitor's issue, starting a workflow, pushing a branch): allowed only in
# a job behind an `environment:` (which can be given reviewers) of a workflow started only
# by these triggers, none of which runs a pull request's code or text.
DEPLOY_SCOPES = frozenset({"contents", "packages", "deployments", "id-token", "actions", "issues"})
TRUSTED_TRIGGERS = frozenset({"push", "workflow_dispatch", "schedule"})
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}|docker://[^@\s]+@sha256:[0-9a-f]{64}|\./.*")
# GitHub's own runner images; any other label (whatever its case) may be someone's machine.
GITHUB_HOSTED = re.compile(r"(ubuntu|windows|macos)-[a-z0-9.-]+")
# The job condition that keeps pull requests from forks off a job.
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
_SECRETS = re.compile(r"toJSON\(\s*secrets\s*\)|secrets\s*\[|secrets:\s*inherit", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    rule: str
    where: str
    """Dotted path in the workflow, e.g. `jobs.reproduce.steps.3.run`."""

    def __str__(self) -> str:
        return f"{self.where}: breaks the rule {self.rule!r} ({RULES[self.rule]})"


def findings(workflow: Mapping[str, Any]) -> set[Finding]:
    found: set[Finding] = set()
    triggers = workflow.get("on")
    names = set(triggers) if isinstance(triggers, Mapping) else {str(triggers)}
    if isinstance(triggers, list):
        names = {str(t) for t in triggers}
    for bad in sorted(names & {"pull_request_target", "workflow_run"}):
        found.add(Finding("trigger", f"on.{bad}"))
    if workflow.get("permissions") != {}:
        found.add(Finding("permissions", "permissions"))
    for text_path, text in _strings(workflow, ()):
        if _SECRETS.search(text):
            found.add(Finding("secrets", text_path))
    jobs = workflow.get("jobs")
    for name, job in jobs.items() if isinstance(jobs, Mapping) else ():
        if isinstance(job, Mapping):
            deploys = names <= TRUSTED_TRIGGERS and bool(job.get("environment"))
            found |= _job_findings(f"jobs.{name}", job, deploys=deploys)
            if problem := _runner_finding(f"jobs.{name}", job, forks="pull_request" in names):
                found.add(problem)
    return found


def is_github_hosted(labels: list[str] | tuple[str, ...]) -> bool:
    return all(GITHUB_HOSTED.fullmatch(label) for label in labels)


def _runner_finding(at: str, job: Mapping[str, Any], *, forks: bool) -> Finding | None:
    runs_on = job.get("runs-on")
    if runs_on is None:
        return None  # a job calling a reusable workflow: that workflow picks its runner
    labels = [runs_on] if isinstance(runs_on, str) else runs_on
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        labels = [str(runs_on)]  # a {group:, labels:} mapping: a runner group of your own
    if any("${{" in label for label in labels):
        return Finding("runner", f"{at}.runs-on")
    if forks and not is_github_hosted(labels) and FORK_GUARD not in str(job.get("if", "")):
        return Finding("runner", f"{at}.if")
    return None


def _job_findings(at: str, job: Mapping[str, Any], *, deploys: bool) -> set[Finding]:
    """`deploys`: the job waits for an environment and no pull request can start it."""
    found: set[Finding] = set()
    permissions = job.get("permissions")
    writes = False
    if isinstance(permissions, Mapping):
        for scope, level in permissions.items():
            # Writing a pull request's comment is not a privilege a poisoned cache could use.
            if str(level) != "write" or scope in WRITABLE_SCOPES:
                continue
            writes = True
            if not (deploys and scope in DEPLOY_SCOPES):
                found.add(Finding("permissions", f"{at}.permissions.{scope}"))
    elif permissions is not None:
        found.add(Finding("permissions", f"{at}.permissions"))  # write-all, read-all
        writes = True
    steps = job.get("steps")
    for index, step in enumerate(steps if isinstance(steps, list) else ()):
        if isinstance(step, Mapping):
            found |= step_findings(f"{at}.steps.{index}", step, privileged=writes)
    return found


def step_findings(where: str, step: Mapping[str, Any], *, privileged: bool = False) -> set[Finding]:
    """The rules one step breaks; `privileged`: its job may write (so no cache)."""
    found: set[Finding] = set()
    uses = str(step.get("uses", ""))
    if uses and not PINNED.fullmatch(uses):
        found.add(Finding("pin", f"{where}.uses"))
    given = step.get("with")
    inputs: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    for key, value in (("run", step.get("run")), ("shell", step.get("shell"))):
        if isinstance(value, str) and "${{" in value:
            found.add(Finding("expression-in-script", f"{where}.{key}"))
    if isinstance(inputs.get("script"), str) and "${{" in inputs["script"]:
        found.add(Finding("expression-in-script", f"{where}.with.script"))
    if uses.startswith("actions/checkout@"):
        if inputs.get("persist-credentials") is not False:
            found.add(Finding("credentials", f"{where}.with.persist-credentials"))
        if "head" in str(inputs.get("ref", "")) or "head" in str(inputs.get("repository", "")):
            found.add(Finding("credentials", f"{where}.with.ref"))
    if privileged and uses.startswith(("actions/cache@", "actions/cache/restore@")):
        found.add(Finding("cache-in-privileged-job", f"{where}.uses"))
    if privileged and uses.startswith("actions/setup-python@") and inputs.get("cache"):
        found.add(Finding("cache-in-privileged-job", f"{where}.with.cache"))
    for text_path, text in _strings(step, (where,)):
        if _SECRETS.search(text):
            found.add(Finding("secrets", text_path))
    return found


def _strings(node: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield ".".join(path), node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield ".".join((*path, str(key))), str(key)
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, str(index)))
