"""`mlci gate`: every rule kind on plain comparisons, then real git + DVC repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlci.compare.diff import DeclaredMetric, DeclaredMetrics, compare
from mlci.compare.gates import GateReport, RuleResult, evaluate
from mlci.compare.reproduced import ReproducedCheck
from mlci.present.gates_format import render_json, render_markdown, render_text
from mlci.revision.snapshot import MetricsRead, Snapshot
from mlci.spec.model import GateRule
from tests.conftest import Repo

# --- metric rules, on plain snapshots ----------------------------------------------------------

DECLARED = DeclaredMetrics(
    {
        "acc": DeclaredMetric("m.json", None, "higher"),
        "loss": DeclaredMetric("m.json", None, "lower", tolerance=0.001),
    }
)


def side(label: str, values: dict[str, Any] | None) -> Snapshot:
    """A revision whose m.json holds `values`; None: a revision without any pipeline."""
    if values is None:
        return Snapshot("0" * 40, label, False, False, {}, {}, {}, {})
    metrics = {"m.json": MetricsRead("m.json", "found", values, source="git")}
    revision = "0" * 40 if label == "main" else None
    return Snapshot(revision, label, True, True, metrics, {}, {}, {})


def judge(old: dict[str, Any] | None, new: dict[str, Any] | None, **rule: Any) -> RuleResult:
    comparison = compare(side("main", old), side("workspace", new), DECLARED)
    (result,) = evaluate([GateRule(**rule)], comparison, None).results
    return result


@pytest.mark.parametrize(
    ("rule", "old", "new", "verdict", "threshold", "reason"),
    [
        # Absolute floor and ceiling; a value at its limit passes.
        ({"min": 0.9}, 0.5, 0.9, "pass", ">= 0.9", "acc 0.9 is within every limit"),
        ({"min": 0.9}, 0.95, 0.85, "fail", ">= 0.9", "acc 0.85 is below the minimum 0.9"),
        ({"max": 0.99}, 0.5, 0.995, "fail", "<= 0.99", "acc 0.995 is above the maximum 0.99"),
        # Largest regression in the metric's own units, higher is better.
        ({"max_regression": 0.01}, 0.95, 0.94, "pass", ">= 0.94 (main 0.95 - 0.01)", ""),
        (
            {"max_regression": 0.01},
            0.95,
            0.93,
            "fail",
            ">= 0.94 (main 0.95 - 0.01)",
            "acc 0.93 is 0.02 worse than main's 0.95 (at most 0.01 allowed)",
        ),
        ({"max_regression": 0}, 0.5, 0.7, "pass", ">= 0.5 (main 0.5 - 0)", ""),  # better
        # In percent of |base|, including a negative base.
        ({"max_regression_pct": 10}, 0.5, 0.45, "pass", ">= 0.45 (main 0.5 - 10%)", ""),
        (
            {"max_regression_pct": 10},
            0.5,
            0.4,
            "fail",
            ">= 0.45 (main 0.5 - 10%)",
            "acc 0.4 is 20% worse than main's 0.5 (at most 10% allowed)",
        ),
        ({"max_regression_pct": 10}, -2, -2.3, "fail", ">= -2.2 (main -2 - 10%)", "15% worse"),
        # A base of 0: no regression passes, any regression is infinitely large in percent.
        ({"max_regression_pct": 10}, 0, 0, "pass", "main 0: no regression in percent of 0", ""),
        ({"max_regression_pct": 10}, 0, 0.2, "pass", "", ""),
        ({"max_regression_pct": 10}, 0, -0.01, "fail", "", "infinitely large regression"),
        # Every limit at once: the failing ones are the reason.
        (
            {"min": 0.9, "max_regression": 0.01},
            0.99,
            0.85,
            "fail",
            ">= 0.9, >= 0.98 (main 0.99 - 0.01)",
            "acc 0.85 is below the minimum 0.9; acc 0.85 is 0.14 worse than main's 0.99",
        ),
        # Not a number: no limit can hold.
        ({"min": 0.1}, 0.5, "n/a", "fail", "a number", "acc is n/a, not a number"),
        ({"min": 0.1}, 0.5, float("nan"), "fail", "a finite number", "not a finite number"),
        ({"max_regression": 0.1}, "n/a", 0.5, "fail", "comparable with main", "n/a -> 0.5"),
    ],
)
def test_limits_on_a_higher_is_better_metric(
    rule: dict[str, Any], old: Any, new: Any, verdict: str, threshold: str, reason: str
) -> None:
    result = judge({"acc": old}, {"acc": new}, metric="acc", **rule)
    assert result.verdict == verdict, result
    assert threshold in result.threshold
    assert reason in result.reason
    assert (result.value, result.metric, result.check) == (new, "acc", None)


@pytest.mark.parametrize(
    ("rule", "old", "new", "verdict", "reason"),
    [
        ({"max": 0.3}, 0.2, 0.3, "pass", ""),
        ({"max": 0.3}, 0.2, 0.31, "fail", "loss 0.31 is above the maximum 0.3"),
        ({"max_regression": 0.05}, 0.2, 0.1, "pass", ""),  # a fall is better
        ({"max_regression": 0.05}, 0.2, 0.3, "fail", "loss 0.3 is 0.1 worse than main's 0.2"),
        ({"max_regression_pct": 20}, 0.5, 0.6, "pass", ""),
        ({"max_regression_pct": 20}, 0.5, 0.61, "fail", "22% worse than main's 0.5"),
        # A change within the metric's tolerance (0.001) is no change, as in `mlci diff`.
        ({"max_regression": 0}, 0.2, 0.2009, "pass", ""),
        ({"max_regression": 0}, 0.2, 0.202, "fail", "loss 0.202 is 0.002 worse"),
    ],
)
def test_limits_on_a_lower_is_better_metric(
    rule: dict[str, Any], old: float, new: float, verdict: str, reason: str
) -> None:
    result = judge({"loss": old}, {"loss": new}, metric="loss", **rule)
    assert (result.verdict, reason in result.reason) == (verdict, True), result


def test_the_threshold_is_a_bound_on_the_value_in_the_metrics_direction() -> None:
    result = judge({"loss": 0.2}, {"loss": 0.1}, metric="loss", max_regression=0.05)
    assert result.threshold == "<= 0.25 (main 0.2 + 0.05)"
    assert result.rule == "loss: max_regression 0.05"
    assert result.base == 0.2 and dict(result.limits) == {"max_regression": 0.05}


@pytest.mark.parametrize(
    ("new", "required", "verdict", "why"),
    [
        ({"loss": 0.1}, True, "fail", "removed: workspace's m.json has no key 'acc'"),
        ({"loss": 0.1}, False, "pass", "removed: workspace's m.json has no key 'acc'"),
        (None, True, "fail", "removed: workspace has no pipeline (no dvc.yaml)"),
    ],
)
def test_a_metric_the_target_lacks_fails_when_required(
    new: dict[str, Any] | None, required: bool, verdict: str, why: str
) -> None:
    result = judge({"acc": 0.9}, new, metric="acc", min=0.5, required=required)
    assert (result.verdict, result.value, result.base) == (verdict, None, 0.9)
    assert why in result.reason
    assert result.reason.startswith("acc is required" if required else "acc is not required")


def test_a_metric_on_neither_side_is_missing() -> None:
    result = judge({"loss": 0.1}, {"loss": 0.1}, metric="acc")
    assert result.verdict == "fail"
    assert "acc is required and the target has no value" in result.reason


def test_an_unreadable_target_warns_even_when_not_required() -> None:
    comparison = compare(
        side("main", {"acc": 0.9}),
        Snapshot(None, "workspace", True, True, {"m.json": _unreadable()}, {}, {}, {}),
        DECLARED,
    )
    rule = GateRule(metric="acc", required=False)
    (result,) = evaluate([rule], comparison, None).results
    assert result.verdict == "warn" and "not valid JSON" in result.reason


def _unreadable() -> MetricsRead:
    return MetricsRead("m.json", "unreadable", message="m.json: not valid JSON (oops)")


@pytest.mark.parametrize("policy", ["pass", "warn", "fail"])
@pytest.mark.parametrize(
    ("old", "why"),
    [
        (None, "no baseline: main has no pipeline (no dvc.yaml)"),
        ({"loss": 0.1}, "no baseline: new metric: main's m.json has no key 'acc'"),
    ],
    ids=["no-pipeline", "new-metric"],
)
def test_no_baseline_follows_the_policy(old: dict[str, Any] | None, why: str, policy: str) -> None:
    result = judge(old, {"acc": 0.9}, metric="acc", max_regression=0.01, no_baseline=policy)
    assert result.verdict == policy
    assert why in result.reason and f"no_baseline: {policy}" in result.reason
    assert f"no baseline at main (no_baseline: {policy})" in result.threshold


def test_no_baseline_still_checks_min_and_needs_no_base_without_regression_limits() -> None:
    below = judge(None, {"acc": 0.4}, metric="acc", min=0.5, max_regression=0.1, no_baseline="pass")
    assert below.verdict == "fail" and below.reason == "acc 0.4 is below the minimum 0.5"
    floor_only = judge(None, {"acc": 0.9}, metric="acc", min=0.5, no_baseline="fail")
    assert floor_only.verdict == "pass"
    assert floor_only.reason == "acc 0.9 is within every limit"


def test_severity_warn_turns_a_failure_into_a_warning() -> None:
    comparison = compare(side("main", {"acc": 0.9}), side("workspace", {"acc": 0.5}), DECLARED)
    rules = [
        GateRule(metric="acc", min=0.8, severity="warn"),
        GateRule(metric="acc", max_regression=0.5),
    ]
    report = evaluate(rules, comparison, None)
    warned, passed = report.results
    assert warned.verdict == "warn" and "(severity warn: reported, not failing" in warned.reason
    assert warned.rule == "acc: min 0.8, severity warn"
    assert passed.verdict == "pass"
    assert (report.verdict, report.failed) == ("warn", False)


def test_a_report_fails_when_any_rule_fails_and_passes_when_empty() -> None:
    comparison = compare(side("main", {"acc": 0.9}), side("workspace", {"acc": 0.5}), DECLARED)
    rules = [GateRule(metric="acc", min=0.1), GateRule(metric="acc", min=0.8)]
    assert evaluate(rules, comparison, None).failed
    empty = evaluate([], comparison, None, gate="deploy")
    assert (empty.verdict, empty.failed, empty.gate) == ("pass", False, "deploy")


@pytest.mark.parametrize(
    ("check", "verdict", "value", "reason"),
    [
        (None, "fail", None, "not checked: no reproduction"),
        (ReproducedCheck("HEAD (abc)", (), stages=2, metrics=1), "pass", "matches", "match the"),
        (
            ReproducedCheck("HEAD (abc)", ("x", "y")),
            "fail",
            "2 differences",
            "not reproduced: x; y",
        ),
        (ReproducedCheck("HEAD (abc)", (), ("z",)), "warn", "unverified", "could not compare"),
    ],
)
def test_the_reproduced_rule(
    check: ReproducedCheck | None, verdict: str, value: str | None, reason: str
) -> None:
    comparison = compare(side("main", {}), side("workspace", {}), DECLARED)
    (result,) = evaluate([GateRule(check="reproduced")], comparison, check).results
    assert (result.verdict, result.value, result.rule) == (verdict, value, "check: reproduced")
    assert reason in result.reason


def sample_report() -> GateReport:
    comparison = compare(
        side("main", {"acc": 0.9, "loss": 0.2}),
        side("workspace", {"acc": 0.8, "loss": 0.1}),
        DECLARED,
    )
    rules = [
        GateRule(metric="acc", min=0.5, max_regression=0.05),
        GateRule(metric="loss", max=0.3),
        GateRule(check="reproduced"),
    ]
    check = ReproducedCheck("HEAD (1234)", ("stage 'train': x | y", "metric acc: <b>"))
    return evaluate(rules, comparison, check)


def test_text_output_lists_value_threshold_and_verdict() -> None:
    assert render_text(sample_report()) == (
        "mlci gate: merge rules, main (000000000000) → workspace\n"
        "\n"
        "        Rule                               Value          Threshold\n"
        "  FAIL  acc: min 0.5, max_regression 0.05  0.8            "
        ">= 0.5, >= 0.85 (main 0.9 - 0.05)\n"
        "        acc 0.8 is 0.1 worse than main's 0.9 (at most 0.05 allowed)\n"
        "  PASS  loss: max 0.3                      0.1            <= 0.3\n"
        "        loss 0.1 is within every limit\n"
        "  FAIL  check: reproduced                  2 differences  committed = reproduced\n"
        "        stage 'train': x | y\n"
        "        metric acc: <b>\n"
        "\n"
        "failed: 2 of 3 merge rules failed (acc, check: reproduced)\n"
    )
    coloured = render_text(sample_report(), colour=True)
    assert "\033[31mFAIL\033[0m  acc" in coloured and "\033[32mPASS\033[0m  loss" in coloured


def test_markdown_output_escapes_cells() -> None:
    markdown = render_markdown(sample_report())
    assert markdown.startswith("### ❌ mlci gate: failed: 2 of 3 merge rules failed")
    assert (
        "| ❌ fail | `acc: min 0.5, max_regression 0.05` | 0.8 | &gt;= 0.5, &gt;= 0.85 (main 0.9 "
        "- 0.05) | acc 0.8 is 0.1 worse than main's 0.9 (at most 0.05 allowed) |"
    ) in markdown
    assert "stage 'train': x \\| y; metric acc: &lt;b&gt; |" in markdown
    assert "- metric acc: &lt;b&gt;" in markdown  # the findings, in a collapsed section


def test_json_output_is_stable() -> None:
    data = json.loads(render_json(sample_report()))
    assert sorted(data) == [
        "base", "counts", "gate", "judged_by", "passed", "rules", "target", "verdict",
        "version",
    ]  # fmt: skip
    assert (data["version"], data["verdict"], data["passed"]) == (1, "fail", False)
    assert data["counts"] == {"pass": 1, "warn": 0, "fail": 2}
    assert data["base"] == {"label": "main", "revision": "0" * 40}
    assert data["rules"][0] == {
        "rule": "acc: min 0.5, max_regression 0.05",
        "metric": "acc",
        "check": None,
        "value": 0.8,
        "base": 0.9,
        "threshold": ">= 0.5, >= 0.85 (main 0.9 - 0.05)",
        "limits": {"min": 0.5, "max_regression": 0.05},
        "verdict": "fail",
        "reason": "acc 0.8 is 0.1 worse than main's 0.9 (at most 0.05 allowed)",
        "details": ["acc 0.8 is 0.1 worse than main's 0.9 (at most 0.05 allowed)"],
    }
    comparison = compare(
        side("main", {"acc": 0.5}), side("workspace", {"acc": float("nan")}), DECLARED
    )
    nan = evaluate([GateRule(metric="acc")], comparison, None)
    assert json.loads(render_json(nan))["rules"][0]["value"] == "NaN"


# --- end to end: real git, real DVC ------------------------------------------------------------

SPEC = """\
version: 1
problem: {task: classification, target: y}
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [train]
    outs: [model.bin]
  evaluate:
    cmd: python evaluate.py
    deps: [evaluate.py, model.bin]
    metrics: [metrics.json]
metrics:
  accuracy: {file: metrics.json, direction: higher}
  loss: {file: metrics.json, direction: lower}
gates:
  merge:
    - {metric: accuracy, min: 0.5, max_regression: 0.05}
    - {metric: loss, max_regression_pct: 200}
    - {check: reproduced}
"""
# The model is not byte-stable (random bytes, as a real model's zip or pickle often is); the
# metrics are, so `check: reproduced` must pass on a faithful reproduction all the same.
TRAIN = """\
import os, yaml
lr = yaml.safe_load(open("params.yaml"))["train"]["lr"]
open("model.bin", "wb").write(os.urandom(16) + f"\\n{lr}".encode())
"""
EVALUATE = """\
import json
lr = float(open("model.bin", "rb").read().rsplit(b"\\n", 1)[1])
json.dump({"accuracy": round(1 - abs(lr - 0.3)%s, 6), "loss": round(abs(lr - 0.3) + 0.1, 6)},
          open("metrics.json", "w"))
"""


def run(root: Path, *args: str) -> str:
    done = subprocess.run(args, cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout


def dvc(root: Path, *args: str) -> str:
    return run(root, sys.executable, "-m", "dvc", *args)


def branch(repo: Repo, name: str, files: dict[str, str], *, reproduce: bool) -> None:
    repo.git("checkout", "-q", "-b", name, "main")
    repo.write(files)
    if reproduce:
        dvc(repo.root, "repro", "-q")
    repo.commit(message=name)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """main reproduced at accuracy 0.9; PR branches: improve (1.0), regress (0.75), and stale
    (evaluate.py changed and committed without running the pipeline again)."""
    repo = Repo(tmp_path_factory.mktemp("gate") / "origin")
    repo.root.mkdir()
    run(repo.root, "git", "init", "-q", "-b", "main")
    run(repo.root, "git", "config", "user.name", "mlci tests")
    run(repo.root, "git", "config", "user.email", "tests@mlci.invalid")
    repo.write(
        {
            "mlci.yaml": SPEC,
            "train.py": TRAIN,
            "evaluate.py": EVALUATE % "",
            "params.yaml": "train:\n  lr: 0.2\n",
        }
    )
    dvc(repo.root, "init", "-q")
    run(repo.root, sys.executable, "-m", "mlci", "generate")
    dvc(repo.root, "repro", "-q")
    repo.commit(message="main")
    branch(repo, "improve", {"params.yaml": "train:\n  lr: 0.3\n"}, reproduce=True)
    branch(repo, "regress", {"params.yaml": "train:\n  lr: 0.05\n"}, reproduce=True)
    branch(repo, "stale", {"evaluate.py": EVALUATE % " - 0.01"}, reproduce=False)
    # A regression whose pull request also rewrites the rules that would catch it.
    relaxed = SPEC.replace("min: 0.5, max_regression: 0.05}", "min: 0.5, severity: warn}").replace(
        "accuracy: {file: metrics.json, direction: higher}",
        "accuracy: {file: metrics.json, direction: lower}",
    )
    branch(
        repo,
        "relax",
        {"params.yaml": "train:\n  lr: 0.05\n", "mlci.yaml": relaxed},
        reproduce=True,
    )
    return repo


def ci_checkout(origin: Repo, name: str, tmp_path: Path) -> Repo:
    """What CI has: a fresh clone of the PR branch, no DVC cache, outputs not yet built."""
    root = tmp_path / name
    run(tmp_path, "git", "clone", "-q", "--branch", name, str(origin.root), str(root))
    return Repo(root)


@pytest.mark.slow
def test_a_pr_that_improves_passes_after_ci_reproduces_it(origin: Repo, tmp_path: Path) -> None:
    clone = ci_checkout(origin, "improve", tmp_path)
    before = clone.mlci_process("gate")  # the outputs are not even there yet
    assert before.code == 1
    assert "stage 'evaluate' is out of date in the workspace (changed deps: model.bin" in before.out
    dvc(clone.root, "repro", "-q")  # the model comes out with other bytes; metrics the same
    result = clone.mlci_process("gate", "--format", "json")
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    assert report["base"]["label"] == "origin/main"
    verdicts = {rule["rule"]: (rule["verdict"], rule["value"]) for rule in report["rules"]}
    assert verdicts == {
        "accuracy: min 0.5, max_regression 0.05": ("pass", 1),
        "loss: max_regression_pct 200": ("pass", 0.1),
        "check: reproduced": ("pass", "matches"),
    }
    text = clone.mlci_process("gate", env={"NO_COLOR": "1"})
    assert text.code == 0 and text.out.endswith("passed: all 3 merge rules pass\n")


@pytest.mark.slow
def test_a_pr_that_regresses_fails_naming_metric_value_and_threshold(
    origin: Repo, tmp_path: Path
) -> None:
    work = Repo(tmp_path / "work")
    shutil.copytree(origin.root, work.root, symlinks=True)
    work.git("checkout", "-q", "regress")
    dvc(work.root, "checkout", "-q")  # its outputs, from the cache the repro filled
    result = work.mlci_process("gate", env={"NO_COLOR": "1"})
    assert result.code == 1, result.out + result.err
    assert "  FAIL  accuracy: min 0.5, max_regression 0.05  0.75" in result.out
    assert ">= 0.85 (main 0.9 - 0.05)" in result.out
    assert "accuracy 0.75 is 0.15 worse than main's 0.9 (at most 0.05 allowed)" in result.out
    assert "  PASS  check: reproduced" in result.out
    assert result.out.endswith("failed: 1 of 3 merge rules failed (accuracy)\n")
    markdown = work.mlci_process("gate", "--format", "md")
    assert markdown.code == 1 and "| ❌ fail | `accuracy: min 0.5" in markdown.out


@pytest.mark.slow
def test_code_committed_without_rerunning_fails_the_reproduced_check(
    origin: Repo, tmp_path: Path
) -> None:
    clone = ci_checkout(origin, "stale", tmp_path)
    dvc(clone.root, "repro", "-q")
    result = clone.mlci_process("gate", "--format", "json")
    assert result.code == 1, result.out + result.err
    rules = {rule["rule"]: rule for rule in json.loads(result.out)["rules"]}
    check = rules["check: reproduced"]
    assert check["verdict"] == "fail" and check["value"] == "2 differences"
    stage, metric = check["details"]
    assert stage.startswith("stage 'evaluate': dependency evaluate.py: md5 ")
    assert metric == "metric accuracy: committed 0.9, reproduced 0.89"
    assert rules["accuracy: min 0.5, max_regression 0.05"]["verdict"] == "pass"


@pytest.mark.slow
def test_a_pr_that_relaxes_its_own_rules_is_judged_by_the_base_rules(
    origin: Repo, tmp_path: Path
) -> None:
    clone = ci_checkout(origin, "relax", tmp_path)
    dvc(clone.root, "repro", "-q")
    result = clone.mlci_process("gate", env={"NO_COLOR": "1"})
    assert result.code == 1, result.out + result.err
    main = clone.git("rev-parse", "origin/main").strip()[:12]
    assert f"the rules of origin/main ({main})" in result.out
    assert "this change edits the rules it is judged by (gates.merge, metrics.accuracy)" in (
        result.out
    )
    assert "  FAIL  accuracy: min 0.5, max_regression 0.05  0.75" in result.out

    report = clone.mlci_process("report", "--format", "json")
    assert report.code == 0, report.err
    document = json.loads(report.out)
    assert document["rules_source"] == f"origin/main ({main})"
    assert "the edits apply after merging" in document["notices"][0]
    markdown = clone.mlci_process("report")
    assert "> [!IMPORTANT]\n> this change edits the rules it is judged by" in markdown.out
    assert "mlci: failed" in markdown.out


def test_a_change_that_introduces_mlci_is_judged_by_its_own_rules(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"README.md": "before mlci\n"}, message="main without mlci")
    repo.git("checkout", "-q", "-b", "adopt")
    repo.write(
        {
            "mlci.yaml": SPEC.replace("    - {check: reproduced}\n", ""),
            "train.py": TRAIN,
            "evaluate.py": EVALUATE % "",
            "params.yaml": "train:\n  lr: 0.2\n",
            "metrics.json": '{"accuracy": 0.9, "loss": 0.2}',
        }
    )
    assert repo.mlci("generate", capsys=capsys).code == 0
    result = repo.mlci("gate", "main", "--format", "json", capsys=capsys)
    assert result.out, result.err
    report = json.loads(result.out)
    main = repo.git("rev-parse", "main").strip()[:12]
    assert report["judged_by"] == {
        "source": "this change",
        "notes": [f"judged by this change's own rules: main ({main}) has no mlci.yaml"],
    }


def test_a_broken_spec_is_exit_2_never_a_failed_gate(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write({"mlci.yaml": SPEC.replace("max_regression: 0.05", "max_regresion: 0.05")})
    repo.commit({"train.py": TRAIN, "evaluate.py": EVALUATE % "", "params.yaml": "train: {}\n"})
    result = repo.mlci("gate", capsys=capsys)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("mlci.yaml:18:36: gates.merge[0].max_regresion: "), result.err
    repo.write({"mlci.yaml": SPEC.replace("metric: loss", "metric: los")})
    result = repo.mlci("gate", capsys=capsys)
    assert result.code == 2 and "unknown metric 'los' (did you mean 'loss'?)" in result.err
    assert repo.mlci("gate", "--spec", "absent.yaml", capsys=capsys).code == 2
    assert repo.mlci("gate", "HEAD", "--base-tip", capsys=capsys).code == 2


def test_a_stale_dvc_yaml_fails_the_gate_and_status_and_run_regenerates_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        {"mlci.yaml": SPEC, "train.py": TRAIN, "evaluate.py": EVALUATE % "", "params.yaml": ""}
    )
    assert repo.mlci("generate", capsys=capsys).code == 0
    repo.commit()
    repo.write({"mlci.yaml": SPEC.replace("python train.py", "python train.py --fast")})
    gate = repo.mlci("gate", "HEAD", capsys=capsys)
    assert gate.code == 1 and gate.out == ""
    assert "cannot gate this change: generated files do not match mlci.yaml: dvc.yaml (update)" in (
        gate.err
    )
    assert "run `mlci generate`" in gate.err
    status = repo.mlci("status", capsys=capsys)
    assert status.code == 1 and "dvc.yaml (update)" in status.err
    assert "cmd: python train.py --fast" not in repo.read("dvc.yaml")
    dry = repo.mlci("run", "--dry", capsys=capsys)
    assert "would regenerate dvc.yaml  (out of date with mlci.yaml)" in dry.out
    assert "cmd: python train.py --fast" not in repo.read("dvc.yaml")  # --dry writes nothing

    # A hand edit to a generated file is never overwritten: run refuses to start instead.
    repo.write({".github/workflows/mlci-pr.yml": repo.read(".github/workflows/mlci-pr.yml") + "#"})
    refused = repo.mlci("run", capsys=capsys)
    assert refused.code == 1
    assert ".github/workflows/mlci-pr.yml was edited by hand" in refused.err
    assert "Nothing was run" in refused.err
    assert repo.read(".github/workflows/mlci-pr.yml").endswith("#")

    # A broken spec is never "up to date".
    repo.write({"mlci.yaml": "version: 1\nstages: 3\n"})
    assert repo.mlci("status", capsys=capsys).code == 2
    assert repo.mlci("run", capsys=capsys).code == 2


def test_no_rules_pass_and_say_so(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        {"mlci.yaml": SPEC, "train.py": TRAIN, "evaluate.py": EVALUATE % "", "params.yaml": ""}
    )
    assert repo.mlci("generate", capsys=capsys).code == 0
    repo.commit()
    result = repo.mlci("gate", "HEAD", "--rules", "deploy", capsys=capsys)
    assert result.code == 0
    assert "passed: mlci.yaml has no deploy rules (gates.deploy), nothing to check" in result.out


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize(
    "rule",
    [
        GateRule(metric="acc"),
        GateRule(metric="acc", min=0.1),
        GateRule(metric="acc", max=2),
        GateRule(metric="acc", max_regression=0.01),
        GateRule(metric="acc", max_regression_pct=1),
    ],
)
def test_nan_and_infinities_never_pass_as_improved(value: float, rule: GateRule) -> None:
    comparison = compare(side("main", {"acc": 0.5}), side("workspace", {"acc": value}), DECLARED)
    assert comparison.metrics[0].verdict == "not-a-number"
    (result,) = evaluate([rule], comparison, None).results
    assert result.verdict == "fail"
    assert "not a finite number" in result.reason


@pytest.mark.slow
def test_gate_and_report_find_the_project_from_a_subfolder(origin: Repo, tmp_path: Path) -> None:
    """As `mlci diff` does (and DVC): the same project, and the same verdict, from any
    folder of it."""
    clone = ci_checkout(origin, "regress", tmp_path)
    dvc(clone.root, "repro", "-q")
    (clone.root / "notes").mkdir()
    at_root = clone.mlci_process("gate", "--format", "json")
    inside = clone.mlci_process("-C", "notes", "gate", "--format", "json")
    assert (inside.code, inside.out) == (at_root.code, at_root.out) == (1, at_root.out)
    report = clone.mlci_process("-C", "notes", "report", "--format", "json")
    assert report.code == 0, report.err
    assert json.loads(report.out)["verdict"]["status"] == "failed"


@pytest.mark.slow
def test_a_reproduced_check_on_uncommitted_changes_says_to_commit_them_with_dvc_lock(
    origin: Repo, tmp_path: Path
) -> None:
    work = Repo(tmp_path / "work")
    shutil.copytree(origin.root, work.root, symlinks=True)
    work.git("checkout", "-q", "improve")
    dvc(work.root, "checkout", "-q")
    work.write({"params.yaml": "train:\n  lr: 0.25\n"})  # run, but not committed
    dvc(work.root, "repro", "-q")
    result = work.mlci_process("gate", env={"NO_COLOR": "1"})
    assert result.code == 1
    assert (
        "the workspace has uncommitted changes (dvc.lock, metrics.json, params.yaml): commit "
        "them together with the dvc.lock and metrics `mlci run` wrote, then check again"
    ) in result.out
