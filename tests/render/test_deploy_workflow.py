"""The generated deploy workflow, read as GitHub reads it: one protected job per stage, the
privileges each needs and no more, no cache where a job may write, and the security rules
that let these jobs write only behind an environment."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from mlci.render.security import findings
from mlci.render.workflows import DEPLOY, kinds, render_workflow
from mlci.spec.load import validate
from mlci.spec.model import Spec
from mlci.spec.source import parse_yaml
from tests.conftest import MINIMAL_SPEC

OBJECT_STORE = (
    "      - object_store: s3://models/churn\n"
    '        oidc: {provider: aws, role: "arn:aws:iam::123456789012:role/deploy"}\n'
)


def load_spec_text(text: str) -> Spec:
    return validate(*parse_yaml(text, "mlci.yaml"))


def _deploy(extra: str = "", ci: str = "") -> dict[str, Any]:
    spec = load_spec_text(MINIMAL_SPEC + "deploy:\n  files: [model.bin]\n" + extra + ci)
    return YAML(typ="safe").load(render_workflow(spec, DEPLOY))  # type: ignore[no-any-return]


def test_only_a_spec_with_a_model_to_package_gets_a_deploy_workflow() -> None:
    assert DEPLOY not in kinds(load_spec_text(MINIMAL_SPEC))
    assert DEPLOY in kinds(load_spec_text(MINIMAL_SPEC + "deploy:\n  files: [model.bin]\n"))


def test_each_stage_deploys_behind_its_own_environment_one_at_a_time() -> None:
    workflow = _deploy("  stages: [staging, prod]\n  environments: {prod: production}\n")
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}
    assert workflow["on"]["push"] == {"tags": ["model#*"]}
    assert workflow["on"]["workflow_dispatch"]["inputs"]["stage"]["options"] == ["staging", "prod"]
    jobs = workflow["jobs"]
    assert list(jobs) == ["plan", "deploy-1", "deploy-2"]
    assert jobs["plan"]["permissions"] == {"contents": "read"}
    for name, stage, environment in (
        ("deploy-1", "staging", "staging"),
        ("deploy-2", "prod", "production"),
    ):
        job = jobs[name]
        assert job["needs"] == ["plan"]
        assert job["if"] == f"needs.plan.outputs.stage == '{stage}'"
        assert job["environment"] == environment
        assert job["concurrency"] == {
            "group": f"mlci-deploy-{environment}",
            "cancel-in-progress": False,
        }
        assert job["env"]["MLCI_STAGE"] == stage
        ids = [step.get("id") for step in job["steps"]]
        assert ids == [
            "checkout", "setup-python", "install", "model-files", "package", "smoke",
            "release", "image", "record",
        ]  # fmt: skip


def test_id_token_only_where_a_stage_reaches_an_object_store() -> None:
    workflow = _deploy(
        "  stages: [staging, prod]\n  targets:\n    staging:\n      - folder: /srv/m\n"
        "    prod:\n" + OBJECT_STORE
    )
    staging, prod = workflow["jobs"]["deploy-1"], workflow["jobs"]["deploy-2"]
    assert "id-token" not in staging["permissions"]
    assert prod["permissions"]["id-token"] == "write"
    assert "id-token" not in workflow["jobs"]["plan"]["permissions"]
    assert [s["id"] for s in staging["steps"]][-2:] == ["deliver", "record"]


def test_no_cache_in_a_deploy_job_even_when_ci_caches() -> None:
    workflow = _deploy(ci="ci:\n  cache: {pip: true, dvc: true}\n")
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            uses = step.get("uses", "")
            assert not uses.startswith("actions/cache"), name
            assert "cache" not in step.get("with", {}), (name, step)


def test_a_gate_only_deploy_asks_for_no_write_it_does_not_use() -> None:
    job = _deploy("  release: false\n  container: {push: false}\n")["jobs"]["deploy-1"]
    assert job["permissions"] == {"contents": "read", "deployments": "write", "actions": "read"}
    assert "release" not in [s["id"] for s in job["steps"]]
    assert "image" not in [s["id"] for s in job["steps"]]


def test_the_model_files_come_from_the_remote_or_are_rebuilt_and_checked() -> None:
    remote = "ci:\n  remote:\n    url: s3://bucket/p\n    credentials: {AWS_ACCESS_KEY_ID: KEY}\n"
    pulled = _deploy(ci=remote)["jobs"]["deploy-1"]["steps"][3]
    assert 'dvc fetch --remote "$MLCI_REMOTE" -- "${files[@]}"' in pulled["run"]
    assert pulled["env"]["AWS_ACCESS_KEY_ID"] == "${{ secrets.KEY }}"
    assert pulled["env"]["MLCI_FILES"] == "model.bin"
    rebuilt = _deploy()["jobs"]["deploy-1"]["steps"][3]
    assert "dvc repro" in rebuilt["run"] and "git diff --quiet -- dvc.lock" in rebuilt["run"]


def test_the_rendered_workflow_keeps_every_rule() -> None:
    assert findings(_deploy("  targets:\n    prod:\n" + OBJECT_STORE)) == set()


def test_writes_outside_an_environment_or_under_a_pull_request_are_findings() -> None:
    workflow = _deploy()
    del workflow["jobs"]["deploy-1"]["environment"]
    found = {(f.rule, f.where) for f in findings(workflow)}
    assert ("permissions", "jobs.deploy-1.permissions.contents") in found
    assert ("permissions", "jobs.deploy-1.permissions.packages") in found
    assert not any(where.startswith("jobs.deploy-2") for _, where in found)

    started_by_pull_requests = _deploy()
    started_by_pull_requests["on"]["pull_request"] = {}
    found = {(f.rule, f.where) for f in findings(started_by_pull_requests)}
    assert ("permissions", "jobs.deploy-2.permissions.deployments") in found

    cached = _deploy()
    cached["jobs"]["deploy-1"]["steps"][1]["with"]["cache"] = "pip"
    found = {(f.rule, f.where) for f in findings(cached)}
    assert ("cache-in-privileged-job", "jobs.deploy-1.steps.1.with.cache") in found


def test_triggers_that_carry_a_pull_requests_code_or_text_forbid_writes() -> None:
    for trigger in ("merge_group", "pull_request_review", "workflow_call", "issues"):
        workflow = _deploy()
        workflow["on"][trigger] = {}
        found = {(f.rule, f.where) for f in findings(workflow)}
        assert ("permissions", "jobs.deploy-1.permissions.contents") in found, trigger


def test_issues_are_written_only_behind_an_environment() -> None:
    workflow = _deploy()
    job = workflow["jobs"]["plan"]
    job["permissions"]["issues"] = "write"
    found = {(f.rule, f.where) for f in findings(workflow)}
    assert ("permissions", "jobs.plan.permissions.issues") in found
