"""Every workflow mlci writes passes the security rules, checked by zizmor and check-jsonschema."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MINIMAL_SPEC, Repo
from tests.generate.test_generate import FULL_FILES, FULL_SPEC
from tests.render.workflow_checks import (
    actionlint,
    check_jsonschema,
    schema_errors,
    structural_problems,
    zizmor,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

POOL = "projects/1/locations/global/workloadIdentityPools/pool/providers/github"

VARIANTS = {
    "minimal": MINIMAL_SPEC,
    "full": FULL_SPEC,
    "no-caches": MINIMAL_SPEC + "ci:\n  cache: {pip: false, dvc: false}\n",
    "remote-from-dvc-config": MINIMAL_SPEC + "ci:\n  remote: {name: origin}\n",
    "remote-with-url-no-secrets": MINIMAL_SPEC + "ci:\n  remote: {url: /mnt/shared/dvc}\n",
    "s3-remote-with-data-and-secrets": MINIMAL_SPEC.replace(
        "stages:", "data:\n  - path: data/raw.csv\nstages:", 1
    )
    + "ci:\n  remote:\n    url: s3://bucket/p\n"
    + "    credentials: {AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET}\n",
    "hosted-gpu-runner": MINIMAL_SPEC + "ci:\n  runs_on: gpu-4-core\n  schedule: '0 1 * * *'\n",
    "deploy-default": MINIMAL_SPEC + "deploy:\n  files: [model.bin]\n",
    # Every target, OIDC for each cloud, the remote's secrets, a runner of the team's own.
    "deploy-targets-and-remote": MINIMAL_SPEC
    + """\
deploy:
  model: churn
  stages: [dev, staging, prod]
  files: [model.bin]
  environments: {prod: production}
  container: {push: false}
  targets:
    dev:
      - folder: /srv/models/churn
    staging:
      - object_store: gs://models/churn
        oidc:
          provider: gcp
          workload_identity_provider: {POOL}
          service_account: deploy@proj.iam.gserviceaccount.com
      - command: ./notify.sh
    prod:
      - object_store: s3://models/churn
        oidc: {provider: aws, role: "arn:aws:iam::123456789012:role/deploy", region: eu-west-1}
ci:
  remote:
    url: s3://bucket/p
    credentials: {AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET}
overrides:
  runs_on: {deploy: [self-hosted, gpu]}
""".replace("{POOL}", POOL),
    "monitor-and-retrain": MINIMAL_SPEC
    + "deploy:\n  files: [model.bin]\n"
    + "monitor:\n  reference: data/raw.csv\n  retrain: {refresh: ./refresh.sh}\n"
    + "ci:\n  remote:\n    url: s3://bucket/p\n    credentials: {AWS_ACCESS_KEY_ID: KEY_ID}\n",
    "deploy-gate-only": MINIMAL_SPEC
    + "deploy:\n  files: [model.bin]\n  release: false\n  container: {push: false}\n",
}
# How many workflows each variant generates: the deploy one only with a model to package.
WORKFLOW_COUNT = {
    name: 2 + ("deploy:" in spec) + 2 * ("monitor:" in spec) for name, spec in VARIANTS.items()
}

CUSTOM_RUNNER_LABELS = "self-hosted-runner:\n  labels: [gpu, gpu-4-core, deploy]\n"


@pytest.fixture(params=sorted(VARIANTS))
def generated(
    request: pytest.FixtureRequest, project: Repo, capsys: pytest.CaptureFixture[str]
) -> list[Path]:
    spec = VARIANTS[request.param]
    project.write(FULL_FILES if spec is FULL_SPEC else {"mlci.yaml": spec})
    result = project.mlci("generate", capsys=capsys)
    assert result.code == 0, result.err
    # As a user with custom runner labels tells actionlint (it cannot know their runners).
    project.write({".github/actionlint.yaml": CUSTOM_RUNNER_LABELS})
    workflows = sorted((project.root / ".github" / "workflows").glob("mlci-*.yml"))
    assert len(workflows) == WORKFLOW_COUNT[request.param]
    return workflows


@pytest.mark.slow
def test_zizmor_auditor_finds_nothing(generated: list[Path]) -> None:
    result = zizmor(*generated)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.slow
def test_actionlint_finds_nothing(generated: list[Path]) -> None:
    result = actionlint(*generated)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_valid_against_schemastore_workflow_schema(generated: list[Path]) -> None:
    result = check_jsonschema(*generated)
    assert result.returncode == 0, result.stdout + result.stderr


def test_structural_rules(generated: list[Path]) -> None:
    for path in generated:
        text = path.read_text()
        assert structural_problems(text) == [], path.name
        assert schema_errors(text) == [], path.name


def test_checks_catch_an_insecure_workflow(tmp_path: Path) -> None:
    """The checks above would fail on the mistakes they are there to catch."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    assert zizmor(bad).returncode != 0
    assert actionlint(bad).returncode != 0
    problems = structural_problems(bad.read_text())
    assert "pull_request_target is not allowed" in problems
    assert any("not pinned" in p for p in problems)
    assert any("expression inside run" in p for p in problems)
    assert schema_errors("on: push\njobs:\n  x:\n    steps: []\n") != []


@pytest.mark.slow
def test_the_projects_own_workflows_pass(tmp_path: Path) -> None:
    workflows = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) >= 4  # ci.yml, release.yml and the two generated by mlci
    result = zizmor(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_jsonschema(*workflows).returncode == 0
    linted = actionlint(*workflows)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    for path in workflows:
        assert structural_problems(path.read_text()) == [], path.name
