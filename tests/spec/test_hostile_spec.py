"""Spec values land in git, GitHub's filters and scheduler, and DVC command lines; each is
checked against the grammar of where it lands. Each case is a value `mlci validate` used to
call valid."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MINIMAL_SPEC, Repo

PR = ".github/workflows/mlci-pr.yml"
PIN = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"


def _refused(project: Repo, capsys: pytest.CaptureFixture[str], spec: str) -> list[str]:
    """The error lines of `mlci validate` on `spec`; asserts it is refused, nothing written."""
    project.write({"mlci.yaml": spec})
    result = project.mlci("validate", capsys=capsys)
    assert result.code == 2, result.out
    lines = result.err.strip().splitlines()
    assert lines and all(line.startswith("mlci.yaml:") for line in lines), result.err
    assert project.mlci("generate", capsys=capsys).code == 2
    assert not (project.root / PR).exists()
    return lines


def _valid(project: Repo, capsys: pytest.CaptureFixture[str], spec: str) -> None:
    project.write({"mlci.yaml": spec})
    result = project.mlci("validate", capsys=capsys)
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    "branch", ["--upload-pack=touch /tmp/x", "main branch", "a..b", "x:y", "feat/", "@", "a.lock"]
)
def test_the_main_branch_is_a_git_branch_name(
    project: Repo, capsys: pytest.CaptureFixture[str], branch: str
) -> None:
    lines = _refused(project, capsys, MINIMAL_SPEC + f"ci:\n  main_branch: {json.dumps(branch)}\n")
    assert any("ci.main_branch: " in line and "is not a git branch name" in line for line in lines)


@pytest.mark.parametrize("pattern", ["-x", "a b", "bad\\\\name", "[unclosed", "!", "x~1"])
def test_branch_filters_are_githubs_patterns(
    project: Repo, capsys: pytest.CaptureFixture[str], pattern: str
) -> None:
    spec = MINIMAL_SPEC + f"ci:\n  branches: [main, {json.dumps(pattern)}]\n"
    lines = _refused(project, capsys, spec)
    assert any("ci.branches[1]: " in line and "is not a branch pattern" in line for line in lines)


def test_githubs_branch_patterns_stay_valid(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    branches = "[main, 'releases/**', '!wip/*', 'v[0-9]+']"
    spec = MINIMAL_SPEC + f"ci:\n  main_branch: release/2.x\n  branches: {branches}\n"
    _valid(project, capsys, spec)


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("@daily", "five fields"),
        ("0 0 * *", "five fields"),
        ("61 * * * *", "minute field"),
        ("0 24 * * *", "hour field"),
        ("0 0 0 * *", "day of month field"),
        ("0 0 * 13 *", "month field"),
        ("0 0 * * 7", "day of week field"),
        ("*/0 * * * *", "minute field"),
        ("5-1 * * * *", "minute field"),
        ("0 0 * * MON; rm -rf ~", "five fields"),
    ],
)
def test_a_schedule_is_a_cron_line_github_runs(
    project: Repo, capsys: pytest.CaptureFixture[str], line: str, names: str
) -> None:
    lines = _refused(project, capsys, MINIMAL_SPEC + f"ci:\n  schedule: {json.dumps(line)}\n")
    assert any("ci.schedule: " in err and names in err for err in lines), lines


@pytest.mark.parametrize("line", ["30 5 * * 1", "*/15 2-4 1,15 JAN-jun mon-FRI", "0 0 * * *"])
def test_cron_lines_github_runs_stay_valid(
    project: Repo, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    _valid(project, capsys, MINIMAL_SPEC + f"ci:\n  schedule: {json.dumps(line)}\n")


@pytest.mark.parametrize(
    ("yaml", "key_path", "words"),
    [
        ("ci:\n  remote: {name: --project, url: s3://b/p}\n", "ci.remote.name", "DVC remote"),
        ("ci:\n  remote: {name: 'a b', url: s3://b/p}\n", "ci.remote.name", "DVC remote"),
        ("ci:\n  remote: {url: --config=/etc/x}\n", "ci.remote.url", "option"),
        (
            "ci:\n  remote: {url: s3://b/p, credentials: {A: B}, environment: '-x'}\n",
            "ci.remote.environment",
            "GitHub environment",
        ),
        ("data:\n  - path: --recursive\n", "data[0].path", "option"),
        ("data:\n  - {path: d.csv, url: -o/x}\n", "data[0].url", "option"),
        (
            "data:\n  - {path: d, import: {repo: --upload-pack=x, path: p}}\n",
            "data[0].import.repo",
            "option",
        ),
        (
            "data:\n  - {path: d, import: {repo: r, path: p, rev: --force}}\n",
            "data[0].import.rev",
            "option",
        ),
    ],
)
def test_a_name_that_reaches_a_command_line_is_never_an_option(
    project: Repo, capsys: pytest.CaptureFixture[str], yaml: str, key_path: str, words: str
) -> None:
    lines = _refused(project, capsys, MINIMAL_SPEC + yaml)
    assert any(f" {key_path}: " in line and words in line for line in lines), lines


def test_an_output_remote_is_a_remote_name(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = MINIMAL_SPEC.replace("outs: [model.bin]", "outs: [{path: model.bin, remote: -r}]")
    lines = _refused(project, capsys, spec)
    assert any("stages.train.outs[0].remote: " in line for line in lines)


@pytest.mark.parametrize(
    ("replace", "key_path"),
    [
        (
            ("    params: [train]\n", "    params: [{../../etc/params.yaml: [a]}]\n"),
            "stages.train.params[0].file",
        ),
        (
            ("    cmd: python train.py\n", "    cmd: python train.py\n    wdir: ../..\n"),
            "stages.train.wdir",
        ),
        (
            (
                "    file: metrics.json\n    direction: lower",
                "    file: /etc/passwd\n    direction: lower",
            ),
            "metrics.loss.file",
        ),
        (("version: 1\n", "version: 1\nparams: [../secret.yaml]\n"), "params[0]"),
    ],
)
def test_every_path_in_the_spec_stays_inside_the_repository(
    project: Repo, capsys: pytest.CaptureFixture[str], replace: tuple[str, str], key_path: str
) -> None:
    spec = MINIMAL_SPEC.replace(*replace)
    assert spec != MINIMAL_SPEC
    lines = _refused(project, capsys, spec)
    assert any(f" {key_path}: " in line and "outside the repository" in line for line in lines), (
        lines
    )


@pytest.mark.parametrize(
    "section",
    [
        "pipeline:\n  metrics: [../other/metrics.json]\n",
        "pipeline:\n  params: [/etc/params.yaml]\n",
        "pipeline:\n  plots: [../../plots.csv]\n",
        "pipeline:\n  artifacts: {model: {path: ../model.pkl}}\n",
    ],
)
def test_pipeline_paths_stay_inside_the_repository(
    project: Repo, capsys: pytest.CaptureFixture[str], section: str
) -> None:
    lines = _refused(project, capsys, MINIMAL_SPEC + section)
    assert any(" pipeline." in line and "outside the repository" in line for line in lines)


def _steps(*steps: dict[str, object], accept: list[str] | None = None) -> str:
    insertion: dict[str, object] = {"after": "install", "workflows": ["pr"], "steps": list(steps)}
    if accept:
        insertion["accept_risk"] = accept
    return MINIMAL_SPEC + f"overrides:\n  steps:\n    - {json.dumps(insertion)}\n"


@pytest.mark.parametrize(
    "step_id", ["reproduce", "gate", "1st", "has space", "${{ github.head_ref }}"]
)
def test_a_step_id_is_an_id_and_not_one_of_mlcis(
    project: Repo, capsys: pytest.CaptureFixture[str], step_id: str
) -> None:
    lines = _refused(project, capsys, _steps({"id": step_id, "run": "true"}))
    assert any("overrides.steps[0].steps[0].id: " in line for line in lines), lines


def test_step_ids_are_unique_in_a_workflow(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _steps({"id": "lint", "run": "true"}, {"id": "lint", "run": "false"})
    lines = _refused(project, capsys, spec)
    assert any("steps[1].id: " in line and "already used" in line for line in lines), lines


@pytest.mark.parametrize(
    ("step", "rule"),
    [
        ({"run": "make", "shell": "bash -c '${{ github.head_ref }}' {0}"}, "expression-in-script"),
        (
            {
                "uses": "actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea",
                "with": {"script": "core.info('${{ github.event.pull_request.title }}')"},
            },
            "expression-in-script",
        ),
        ({"uses": PIN}, "credentials"),
        (
            {"uses": PIN, "with": {"persist-credentials": False, "ref": "${{ github.head_ref }}"}},
            "credentials",
        ),
        ({"run": "env", "env": {"ALL": "${{ toJSON(secrets) }}"}}, "secrets"),
        ({"run": 'echo "$A"', "env": {"A": "${{ secrets[format('{0}', 'X')] }}"}}, "secrets"),
    ],
)
def test_an_added_step_that_breaks_a_security_rule_is_a_spec_error(
    project: Repo, capsys: pytest.CaptureFixture[str], step: dict[str, object], rule: str
) -> None:
    lines = _refused(project, capsys, _steps(step))
    assert any(
        "overrides.steps[0].steps[0]" in line
        and f"security rule {rule!r}" in line
        and f"accept_risk: [{rule}]" in line
        for line in lines
    ), lines


def test_an_added_steps_accepted_risk_is_written_at_the_top(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mlci.yaml": _steps({"uses": PIN}, accept=["credentials"])})
    assert project.mlci("generate", capsys=capsys).code == 0
    third = project.read(PR).splitlines()[2]
    assert third.startswith("# RISK ACCEPTED in mlci.yaml (overrides.steps[0]): credentials:")
    assert "RISK ACCEPTED" not in project.read(".github/workflows/mlci-main.yml")


def test_an_added_step_within_the_rules_stays_valid(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    step = {"id": "lint", "run": 'echo "$TITLE"', "env": {"TITLE": "${{ github.head_ref }}"}}
    _valid(project, capsys, _steps(step, {"uses": PIN, "with": {"persist-credentials": False}}))
