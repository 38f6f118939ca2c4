"""`overrides.set` can change any key of a generated workflow; the security rules still hold
for what is written. Each case is an attack `mlci validate` used to call valid."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MINIMAL_SPEC, Repo
from tests.render.workflow_checks import structural_problems, zizmor

PR = ".github/workflows/mlci-pr.yml"
ATTACKS = {
    "trigger": ("on.pull_request_target", {}),
    "permissions": ("permissions", "write-all"),
    "job-permissions": ("jobs.reproduce.permissions", "write-all"),
    "pin": ("jobs.reproduce.steps.0.uses", "actions/checkout@v4"),
    "expression-in-script": (
        "jobs.reproduce.steps.4.run",
        "echo ${{ github.event.pull_request.title }}",
    ),
    "credentials": ("jobs.reproduce.steps.0.with.persist-credentials", True),
    "checkout-of-the-head": (
        "jobs.reproduce.steps.0.with.ref",
        "${{ github.event.pull_request.head.sha }}",
    ),
    "secrets": ("env.EVERYTHING", "${{ toJSON(secrets) }}"),
    "runner": ("jobs.reproduce.runs-on", "${{ github.event.pull_request.title }}"),
    # A label of one's own machine, set past `ci.runs_on` and so past the fork guard.
    "runner-not-githubs": ("jobs.reproduce.runs-on", "gpu-box"),
    "shell": ("jobs.reproduce.steps.4.shell", "bash -c '${{ github.head_ref }}' {0}"),
}
RULE = {
    "job-permissions": "permissions",
    "checkout-of-the-head": "credentials",
    "runner-not-githubs": "runner",
    "shell": "expression-in-script",
}


def _spec(path: str, value: object, accept: str | None = None) -> str:
    override = {"workflow": "pr", "path": path, "value": value}
    if accept:
        override["accept_risk"] = [accept]
    return MINIMAL_SPEC + f"overrides:\n  set:\n    - {json.dumps(override)}\n"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_override_that_breaks_a_security_rule_is_a_spec_error(
    project: Repo, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    path, value = ATTACKS[attack]
    rule = RULE.get(attack, attack)
    project.write({"mlci.yaml": _spec(path, value)})
    result = project.mlci("validate", capsys=capsys)
    assert result.code == 2, result.out
    lines = result.err.strip().splitlines()
    assert all(line.startswith("mlci.yaml:") and ": overrides.set[0]: " in line for line in lines)
    assert any(
        f"breaks the rule {rule!r}" in line and f"accept_risk: [{rule}]" in line for line in lines
    )
    assert project.mlci("generate", capsys=capsys).code == 2
    assert not (project.root / PR).exists()  # nothing written


@pytest.mark.slow
def test_an_accepted_risk_is_written_where_a_reviewer_reads_first(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path, value = ATTACKS["permissions"]
    project.write({"mlci.yaml": _spec(path, value, accept="permissions")})
    result = project.mlci("generate", capsys=capsys)
    assert result.code == 0, result.err
    workflow = project.read(PR)
    assert workflow.splitlines()[2].startswith(
        "# RISK ACCEPTED in mlci.yaml (overrides.set[0], permissions): permissions:"
    )
    assert "permissions: write-all" in workflow
    # The checks that guard every workflow do see the accepted risk.
    assert "top-level permissions must be {}" in structural_problems(workflow)
    assert zizmor(project.root / PR).returncode != 0


def test_mlcis_own_workflows_break_no_rule(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from ruamel.yaml import YAML

    from mlci.render.security import findings

    assert project.mlci("generate", capsys=capsys).code == 0
    for name in ("mlci-pr.yml", "mlci-main.yml"):
        text = (project.root / ".github/workflows" / name).read_text()
        assert findings(YAML(typ="safe").load(text)) == set(), name


def test_a_cache_in_a_job_that_may_write_is_refused(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mlci.yaml": _spec("jobs.reproduce.permissions.contents", "write")})
    result = project.mlci("validate", capsys=capsys)
    assert result.code == 2
    assert "breaks the rule 'cache-in-privileged-job'" in result.err
    assert "breaks the rule 'permissions'" in result.err


def test_an_override_within_the_rules_stays_valid(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mlci.yaml": _spec("jobs.reproduce.timeout-minutes", 30)})
    assert project.mlci("validate", capsys=capsys).code == 0


@pytest.mark.parametrize("labels", ["Self-Hosted", "[linux, gpu-box]", "[self-hosted, X64]"])
def test_forks_never_reach_a_runner_that_is_not_githubs(
    project: Repo, capsys: pytest.CaptureFixture[str], labels: str
) -> None:
    project.write({"mlci.yaml": MINIMAL_SPEC + f"ci:\n  runs_on: {labels}\n"})
    assert project.mlci("generate", capsys=capsys).code == 0
    guard = "if: github.event.pull_request.head.repo.full_name == github.repository"
    assert guard in project.read(PR)


def test_githubs_own_runners_need_no_fork_guard(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mlci.yaml": MINIMAL_SPEC + "ci:\n  runs_on: ubuntu-24.04\n"})
    assert project.mlci("generate", capsys=capsys).code == 0
    assert "head.repo.full_name == github.repository" not in project.read(PR)


@pytest.mark.parametrize(
    "where",
    ["ci:\n  runs_on: ['${{ inputs.runner }}']\n", "overrides:\n  runs_on: {pr: ['a b']}\n"],
)
def test_a_runner_label_takes_no_expression(
    project: Repo, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    project.write({"mlci.yaml": MINIMAL_SPEC + where})
    result = project.mlci("validate", capsys=capsys)
    assert result.code == 2 and "is not a runner label" in result.err


def test_the_spec_names_exactly_the_rules_that_are_checked() -> None:
    """`accept_risk:` takes the rules' names; a rule checked but not nameable (or the
    reverse) would make a risk impossible to accept, or an acceptance that accepts nothing."""
    from typing import get_args

    from mlci.render.security import RULES
    from mlci.spec.model import SecurityRule

    assert set(get_args(SecurityRule)) == set(RULES)
