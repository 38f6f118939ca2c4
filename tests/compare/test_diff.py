"""`mlci diff`: real repositories, real DVC; numbers equal `dvc metrics diff --json`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlci.compare.diff import DeclaredMetric, DeclaredMetrics, compare
from mlci.present.diff_format import render_table
from mlci.revision.snapshot import MetricsRead, Snapshot
from tests.conftest import MINIMAL_SPEC, Repo

SPEC = """\
version: 1
problem: {task: regression, target: y}
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [train]
    outs: [model.txt]
    metrics:
      - metrics.json
      - eval.yaml
      - scores.toml
      - {path: cached.json, cache: true}
metrics:
  accuracy: {file: metrics.json, key: test.acc, direction: higher}
  loss: {file: metrics.json, direction: lower, tolerance: 0.001}
  auc: {file: cached.json, direction: higher}
"""
TRAIN = """\
import json, yaml
lr = yaml.safe_load(open("params.yaml"))["train"]["lr"]
json.dump({"test": {"acc": round(1 - lr / 3, 6), "f1": 0.5 + lr}, "loss": lr * 3},
          open("metrics.json", "w"))
yaml.safe_dump({"val": {"acc": round(0.9 - lr, 4), "n": 100}}, open("eval.yaml", "w"))
open("scores.toml", "w").write(f"[test]\\nrmse = {lr * 7}\\n")
json.dump({"auc": 0.5 + lr / 2}, open("cached.json", "w"))
open("model.txt", "w").write(str(lr))
"""
# A valid spec (mlci validate accepts it) declaring m.json's `acc`, higher is better.
SMALL_SPEC = """\
version: 1
problem: {task: other}
stages:
  s: {cmd: x, metrics: [m.json]}
metrics:
  acc: {file: m.json, direction: %s}
"""
HEAVY = ("dvc", "pandas", "sklearn", "numpy", "git", "pydantic")


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done


def dvc(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(root, sys.executable, "-m", "dvc", *args)


def new_repo(root: Path) -> Repo:
    root.mkdir(parents=True)
    run(root, "git", "init", "-q", "-b", "main")
    run(root, "git", "config", "user.name", "mlci tests")
    run(root, "git", "config", "user.email", "tests@mlci.invalid")
    return Repo(root)


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """main reproduced with lr 0.1; branch `feature` reproduced with lr 0.3, committed."""
    repo = new_repo(tmp_path_factory.mktemp("diff") / "project")
    repo.write({"mlci.yaml": SPEC, "train.py": TRAIN, "params.yaml": "train:\n  lr: 0.1\n"})
    dvc(repo.root, "init", "-q")
    run(repo.root, sys.executable, "-m", "mlci", "generate")
    dvc(repo.root, "repro", "-q")
    repo.commit(message="base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write({"params.yaml": "train:\n  lr: 0.3\n"})
    dvc(repo.root, "repro", "-q")
    repo.commit(message="lr 0.3")
    return repo


@pytest.fixture
def copy(reproduced: Repo, tmp_path: Path) -> Repo:
    """A copy of the reproduced repository that a test may change."""
    shutil.copytree(reproduced.root, tmp_path / "copy", symlinks=True)
    return Repo(tmp_path / "copy")


def mlci(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlci", *args], cwd=repo.root, capture_output=True, text=True
    )


def diff_json(repo: Repo, *args: str) -> dict[str, Any]:
    done = mlci(repo, "diff", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def rows(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["file"], row["key"]): row for row in report["metrics"]}


# --- equal to DVC ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("revisions", [["main"], ["feature", "main"]], ids=["workspace", "commits"])
def test_numbers_equal_dvc_metrics_diff(reproduced: Repo, revisions: list[str]) -> None:
    """Committed (JSON, YAML, TOML, nested keys) and DVC-cached metrics, both directions."""
    theirs = json.loads(
        dvc(reproduced.root, "metrics", "diff", *revisions, "--json", "--all").stdout
    )
    report = diff_json(reproduced, *revisions)
    ours = rows(report)
    sources = {side: report[side]["files"]["cached.json"]["source"] for side in ("base", "target")}
    assert sources == {"base": "cache", "target": "workspace" if len(revisions) == 1 else "cache"}
    assert report["base"]["files"]["metrics.json"]["source"] == "git"
    expected = {
        (file, key): values for file, keys in theirs.items() for key, values in keys.items()
    }
    assert set(expected) == set(ours)
    assert {"cached.json", "eval.yaml", "scores.toml"} <= {file for file, _ in expected}
    for name, values in expected.items():
        row = ours[name]
        assert (row["old"], row["new"], row["change"]) == (
            values["old"],
            values["new"],
            values["diff"],
        ), name


@pytest.mark.slow
def test_verdicts_params_outputs_and_stages_after_a_real_repro(reproduced: Repo) -> None:
    report = diff_json(reproduced, "main")
    metrics = rows(report)
    assert metrics["metrics.json", "test.acc"]["verdict"] == "regressed"  # 0.966667 -> 0.9
    assert metrics["metrics.json", "test.acc"]["name"] == "accuracy"
    assert metrics["metrics.json", "loss"]["verdict"] == "regressed"  # lower is better
    assert metrics["cached.json", "auc"]["verdict"] == "improved"
    assert metrics["metrics.json", "test.f1"]["verdict"] == "no-direction"  # not declared
    assert metrics["eval.yaml", "val.n"]["verdict"] == "unchanged"
    relative = metrics["metrics.json", "loss"]["relative"]
    assert relative == pytest.approx(2.0)  # 0.3 -> 0.9
    assert report["params"] == [
        {"file": "params.yaml", "key": "train.lr", "change": "changed", "old": 0.1, "new": 0.3}
    ]
    outputs = {out["path"]: out for out in report["outputs"]}
    assert outputs["model.txt"]["change"] == "modified"
    assert outputs["model.txt"]["new"]["stage"] == "train"
    assert outputs["model.txt"]["new"]["size"] == 3
    assert report["stages"] == [
        {"stage": "train", "change": "changed", "reasons": ["params: train.lr"]}
    ]
    assert report["baseline"] == {"state": "ok", "message": ""}
    assert report["target"]["revision"] is None and report["target"]["label"] == "workspace"


@pytest.mark.slow
def test_cached_metrics_never_pushed_are_named_with_their_md5(copy: Repo) -> None:
    shutil.rmtree(copy.root / ".dvc" / "cache")  # as on a machine that never pulled main
    auc = rows(diff_json(copy, "main"))["cached.json", "auc"]
    assert auc["verdict"] == "not-pushed"
    assert auc["old_missing"] == "not-pushed"
    assert auc["new"] == 0.65  # the workspace still has its copy
    base_lock = yaml.safe_load(copy.git("show", "main:dvc.lock"))
    outs = base_lock["stages"]["train"]["outs"]
    md5 = next(out["md5"] for out in outs if out["path"] == "cached.json")
    (note,) = auc["notes"]
    assert md5 in note
    assert "not in the local DVC cache" in note and "dvc pull" in note and "dvc push" in note


# --- every missing case in its own words -------------------------------------------------------

M_JSON = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {m.json: {cache: false}}\n"
CACHED = "    - c.json\n"


def missing_cases(repo: Repo) -> dict[str, str]:
    """Commits on main, each a base with its own reason to have no value."""
    return {
        "no-pipeline": repo.commit({"README": "nothing yet"}),
        "no-metrics": repo.commit({"dvc.yaml": "stages:\n  s:\n    cmd: x\n"}),
        "not-recorded": repo.commit({"dvc.yaml": M_JSON}),
        "unreadable": repo.commit({"m.json": "{not json"}),
        "found": repo.commit(
            {
                "m.json": json.dumps({"acc": 0.5, "gone": 1}),
                "dvc.yaml": M_JSON + CACHED,
                "dvc.lock": "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outs:\n"
                "    - {path: c.json, hash: md5, md5: 0badc0de0badc0de0badc0de0badc0de}\n",
            }
        ),
    }


@pytest.mark.slow
def test_each_missing_base_case_is_worded_distinctly(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write({"mlci.yaml": SMALL_SPEC % "higher"})
    bases = missing_cases(repo)
    both = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {m.json: {cache: false}}\n"
    repo.write(
        {
            "dvc.yaml": both + "    - {n.json: {cache: false}}\n",
            "m.json": json.dumps({"acc": 0.75, "extra": 2}),
            "n.json": json.dumps({"x": 1}),
        }
    )
    seen: dict[str, str] = {}
    for case in ("no-pipeline", "no-metrics", "not-recorded", "unreadable"):
        result = repo.mlci("diff", bases[case], "--format", "json", capsys=capsys)
        report = json.loads(result.out)
        acc = rows(report)["m.json", "acc"]
        assert acc["old"] is None and acc["new"] == 0.75
        assert acc["verdict"] == ("unreadable" if case == "unreadable" else "no-baseline")
        if case != "unreadable":
            assert report["baseline"]["state"] == case
        seen[case] = acc["notes"][0]
    report = json.loads(repo.mlci("diff", bases["found"], "--format", "json", capsys=capsys).out)
    found = rows(report)
    seen["new metric"] = found["m.json", "extra"]["notes"][0]
    seen["new file"] = found["n.json", "x"]["notes"][0]
    seen["removed"] = found["m.json", "gone"]["notes"][0]
    assert found["m.json", "extra"]["verdict"] == "new"
    assert found["n.json", "x"]["verdict"] == "new"
    assert found["m.json", "gone"]["verdict"] == "removed"
    assert found["m.json", "acc"]["verdict"] == "improved"
    words = {
        "no-pipeline": "has no pipeline (no dvc.yaml)",
        "no-metrics": "declares no metrics files",
        "not-recorded": "was never committed",
        "unreadable": "not valid JSON",
        "new metric": "new metric: ",
        "new file": "new metrics file: n.json does not exist",
        "removed": "removed: workspace's m.json has no key 'gone'",
    }
    for case, phrase in words.items():
        assert phrase in seen[case], (case, seen[case])
    assert len(set(seen.values())) == len(seen)  # every case in its own words
    for case in bases:
        table = repo.mlci("diff", bases[case], capsys=capsys).out
        assert not re.search(r"(?<!\S)[-—](?!\S)", table), table  # never a bare dash
    table = repo.mlci("diff", bases["no-pipeline"], capsys=capsys).out
    assert re.search(r"\n  acc +\(no baseline\) +0\.75 +! no baseline \[1\]\n", table), table
    assert f"\n  [1] no baseline: {bases['no-pipeline'][:12]} has no pipeline" in table


@pytest.mark.slow
def test_not_pushed_and_not_produced(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    base = missing_cases(repo)["found"]
    repo.write({"dvc.yaml": M_JSON + CACHED})
    (repo.root / "m.json").unlink()
    report = json.loads(repo.mlci("diff", base, "--format", "json", capsys=capsys).out)
    acc, cached = rows(report)["m.json", "acc"], rows(report)["c.json", ""]
    assert acc["verdict"] == "not-produced"
    assert "m.json is not in the workspace: run `mlci run`" in acc["notes"][0]
    assert cached["verdict"] == "not-pushed"
    assert "0badc0de0badc0de0badc0de0badc0de" in cached["notes"][0]


# --- revisions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--", "--output=x"], ["HEAD", "--", "--output=x"], ["--output=x"], ["-x"]],
)
def test_option_like_revisions_are_refused(repo: Repo, args: list[str]) -> None:
    repo.commit({"dvc.yaml": M_JSON})
    done = mlci(repo, "diff", *args)
    assert done.returncode == 2, done.stderr
    if args[0] in ("--", "HEAD"):
        assert "looks like an option" in done.stderr
    assert not (repo.root / "x").exists()


def test_an_absent_main_branch_is_said_plainly(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "-b", "trunk")
    repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 1}'})
    result = repo.mlci("diff", capsys=capsys)
    assert result.code == 2
    assert "the main branch 'main' does not exist" in result.err
    repo.write({"mlci.yaml": SMALL_SPEC % "higher" + "ci: {main_branch: trunk}\n"})
    assert repo.mlci("diff", capsys=capsys).code == 0


def test_merge_base_by_default_tip_on_request(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    fork = repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"m.json": '{"acc": 0.7}'})
    repo.git("checkout", "-q", "main")
    tip = repo.commit({"m.json": '{"acc": 0.9}'})
    repo.git("checkout", "-q", "feature")
    report = json.loads(repo.mlci("diff", "--format", "json", capsys=capsys).out)
    assert report["base"]["revision"] == fork
    assert report["base"]["label"] == "main (merge-base)"
    assert rows(report)["m.json", "acc"]["old"] == 0.5
    report = json.loads(repo.mlci("diff", "--base-tip", "--format", "json", capsys=capsys).out)
    assert (report["base"]["revision"], report["base"]["label"]) == (tip, "main")
    assert rows(report)["m.json", "acc"]["old"] == 0.9
    assert repo.mlci("diff", "HEAD", "--base-tip", capsys=capsys).code == 2


def test_workspace_is_the_default_target(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    head = repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    repo.write({"m.json": '{"acc": 0.625}'})
    report = json.loads(repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys).out)
    assert report["base"]["revision"] == head and report["target"]["revision"] is None
    assert rows(report)["m.json", "acc"]["new"] == 0.625
    committed = json.loads(repo.mlci("diff", "HEAD", "HEAD", "--format", "json", capsys=capsys).out)
    assert rows(committed)["m.json", "acc"]["new"] == 0.5


# --- output formats ----------------------------------------------------------------------------


def test_markdown_json_and_colour(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write({"mlci.yaml": SMALL_SPEC % "higher"})
    repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5, "n": 1}', "params.yaml": "a: 1\n"})
    repo.write({"m.json": '{"acc": 0.25, "n": 2}', "params.yaml": "a: 2\nb: [1, 2]\n"})
    markdown = repo.mlci("diff", "HEAD", "--format", "md", capsys=capsys).out
    assert "| Metric | HEAD | workspace | Change |  |" in markdown
    assert "| acc | 0.5 | 0.25 | -0.25 (-50.00%) | 🔴 regressed |" in markdown
    assert "| m.json:n | 1 | 2 | +1 (+100.00%) | 🔵 changed (no direction) |" in markdown
    assert "| `params.yaml` | `b` | added | \\[1, 2] |" in markdown  # the Change column says added
    text = repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys).out
    report = json.loads(text)
    assert text == json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert report["version"] == 1
    assert set(report) == {
        "version",
        "base",
        "target",
        "baseline",
        "metrics",
        "params",
        "outputs",
        "stages",
        "notes",
        "same_rows",
    }
    assert set(report["metrics"][0]) == {
        "file",
        "key",
        "name",
        "direction",
        "tolerance",
        "old",
        "new",
        "change",
        "relative",
        "verdict",
        "old_missing",
        "new_missing",
        "notes",
    }
    plain = repo.mlci("diff", "HEAD", capsys=capsys).out  # not a terminal: no colour
    assert "\033[" not in plain and "▼ regressed" in plain and "a  0.5 → 2" not in plain
    assert "a  1 → 2" in plain


def test_colour_is_for_terminals_only() -> None:
    read = MetricsRead("m.json", "found", {"acc": 0.5})
    better = MetricsRead("m.json", "found", {"acc": 0.75})
    base = Snapshot(None, "main", True, True, {"m.json": read}, {}, {}, {})
    target = Snapshot(None, "workspace", True, True, {"m.json": better}, {}, {}, {})
    spec = DeclaredMetrics({"acc": DeclaredMetric("m.json", None, "higher")})
    comparison = compare(base, target, spec)
    assert "\033[32m▲ improved\033[0m" in render_table(comparison, colour=True)
    assert "\033[" not in render_table(comparison, colour=False)


# --- the spec ----------------------------------------------------------------------------------


def test_a_doubtful_spec_goes_to_the_full_loader(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    repo.write({"mlci.yaml": SMALL_SPEC % "hihger"})
    result = repo.mlci("diff", "HEAD", capsys=capsys)
    assert result.code == 2
    assert result.err == (
        "mlci.yaml:6:34: metrics.acc.direction: 'hihger' is not allowed (did you mean 'higher'?)\n"
    )
    repo.write({"mlci.yaml": SMALL_SPEC % "higher" + "metrics: {}\n"})  # a duplicate key
    result = repo.mlci("diff", "HEAD", capsys=capsys)
    assert (result.code, result.err.startswith("mlci.yaml:7:1: ")) == (2, True), result.err
    assert repo.mlci("diff", "HEAD", "--spec", "absent.yaml", capsys=capsys).code == 2


def test_without_a_spec_metrics_have_no_direction(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    repo.write({"m.json": '{"acc": 0.75}'})
    report = json.loads(repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys).out)
    assert rows(report)["m.json", "acc"]["verdict"] == "no-direction"


def test_diff_imports_neither_dvc_nor_the_spec_models(repo: Repo) -> None:
    repo.write({"mlci.yaml": SMALL_SPEC % "higher"})
    repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    code = (
        "import sys, json\n"
        "from mlci.cli.main import main\n"
        "assert main(['diff', 'HEAD']) == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if '.' not in m)), file=sys.stderr)\n"
    )
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo.root, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "mlci" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


# --- verdicts, from plain snapshots ------------------------------------------------------------


def snapshot(label: str, values: dict[str, Any], **more: Any) -> Snapshot:
    metrics = {"m.json": MetricsRead("m.json", "found", values)}
    return Snapshot(None, label, True, True, metrics, more.get("params", {}), {}, {})


@pytest.mark.parametrize(
    ("direction", "tolerance", "old", "new", "verdict"),
    [
        ("higher", 0.0, 0.5, 0.6, "improved"),
        ("higher", 0.0, 0.5, 0.4, "regressed"),
        ("lower", 0.0, 0.5, 0.4, "improved"),
        ("lower", 0.0, 0.5, 0.6, "regressed"),
        ("higher", 0.01, 0.5, 0.505, "unchanged"),  # within the tolerance
        ("lower", 0.01, 0.5, 0.52, "regressed"),
        ("higher", 0.0, 1, 1, "unchanged"),
        ("higher", 0.0, "a", "b", "not-a-number"),
        ("higher", 0.0, float("nan"), 1.0, "not-a-number"),
    ],
)
def test_verdicts_follow_direction_and_tolerance(
    direction: str, tolerance: float, old: Any, new: Any, verdict: str
) -> None:
    spec = DeclaredMetrics({"acc": DeclaredMetric("m.json", None, direction, tolerance)})
    (row,) = compare(snapshot("a", {"acc": old}), snapshot("b", {"acc": new}), spec).metrics
    assert row.verdict == verdict


def test_relative_change_and_declared_metrics_on_neither_side() -> None:
    spec = DeclaredMetrics(
        {
            "zero": DeclaredMetric("m.json", None, "higher"),
            "typo": DeclaredMetric("./m.json", "acc_typo", "higher"),
        }
    )
    rows_ = compare(snapshot("a", {"zero": 0}), snapshot("b", {"zero": 2}), spec).metrics
    zero, typo = rows_
    assert (zero.change, zero.relative, zero.verdict) == (2, None, "improved")
    assert (typo.key, typo.verdict, typo.old_missing, typo.new_missing) == (
        "acc_typo",
        "missing",
        "new",
        "removed",
    )


def test_a_lock_older_than_its_params_is_pointed_out() -> None:
    from mlci.revision.snapshot import StageInputs

    stage = StageInputs("d", "python train.py", {}, {"params.yaml": {"train.lr": 0.1}})
    target = Snapshot(
        None, "workspace", True, True, {}, {"params.yaml": {"train.lr": 0.2}}, {}, {"train": stage}
    )
    base = Snapshot("0" * 40, "main", True, True, {}, {"params.yaml": {"train.lr": 0.1}}, {}, {})
    comparison = compare(base, target)
    (note,) = comparison.notes
    assert "stage 'train' last ran with other params" in note and "train.lr (0.1" in note
    assert [(c.key, c.change, c.old, c.new) for c in comparison.params] == [
        ("train.lr", "changed", 0.1, 0.2)
    ]
    assert comparison.stages[0].reasons == ("new stage",)


# --- values as DVC reads them, and where mlci deliberately does not ----------------------------


BARE = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {m.yaml: {cache: false}}\n"


def test_a_bare_number_file_is_shown_by_its_name(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"dvc.yaml": BARE, "m.yaml": "0.5\n"})
    repo.write({"m.yaml": "0.75\n"})
    report = json.loads(repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys).out)
    (row,) = report["metrics"]
    assert (row["file"], row["key"], row["old"], row["new"]) == ("m.yaml", "", 0.5, 0.75)
    assert (row["change"], row["verdict"], row["notes"]) == (0.25, "no-direction", [])
    assert report["target"]["files"]["m.yaml"]["state"] == "found"
    table = repo.mlci("diff", "HEAD", capsys=capsys).out
    assert re.search(r"\n  m\.yaml +0\.5 +0\.75 +\+0\.25 \(\+50\.00%\)  ~ changed", table), table
    markdown = repo.mlci("diff", "HEAD", "--format", "md", capsys=capsys).out
    assert "| m.yaml | 0.5 | 0.75 | +0.25 (+50.00%) | 🔵 changed (no direction) |" in markdown


def test_a_bare_zero_is_a_value(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """DVC reads a file holding 0 as holding nothing (and so reports no change from 1)."""
    repo.commit({"dvc.yaml": BARE, "m.yaml": "1\n"})
    repo.write({"m.yaml": "0\n"})
    report = json.loads(repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys).out)
    (row,) = report["metrics"]
    assert (row["key"], row["old"], row["new"], row["change"]) == ("", 1, 0, -1)


def params_change(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    base = snapshot("a", {}, params={"params.yaml": {"p": old}})
    target = snapshot("b", {}, params={"params.yaml": {"p": new}})
    return [(c.change, c.old, c.new) for c in compare(base, target).params]


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        (1, 1.0, False),  # DVC: 1 == 1.0
        (1, 2, True),
        ("1", 1, True),
        (True, 1, True),  # DVC: True == 1, no change; a flag that became a number is one
        (False, 0, True),
        (0.0, False, True),
        (True, True, False),
        (float("nan"), float("nan"), False),  # DVC reports NaN -> NaN as a change every time
        (float("nan"), 1.0, True),
        ([1, 2], [1, 2], False),
        ([1], [1.0], True),  # DVC compares a list as its text
        (None, None, False),
        (None, 0, True),
    ],
)
def test_params_compare_as_dvc_compares_them_but_booleans(
    old: Any, new: Any, changed: bool
) -> None:
    assert params_change(old, new) == ([("changed", old, new)] if changed else [])


def test_a_flag_that_flips_has_no_numeric_change() -> None:
    """DVC subtracts booleans (true -> false: diff -1); mlci says changed, with no number."""
    (row,) = compare(snapshot("a", {"flag": True}), snapshot("b", {"flag": False})).metrics
    assert (row.change, row.relative, row.verdict) == (None, None, "no-direction")
    spec = DeclaredMetrics({"flag": DeclaredMetric("m.json", None, "higher")})
    (row,) = compare(snapshot("a", {"flag": True}), snapshot("b", {"flag": False}), spec).metrics
    assert (row.change, row.verdict) == (None, "not-a-number")  # no gate passes it as improved


# --- where the project is, and which commit a name means ---------------------------------------


def test_from_a_subfolder_the_project_is_found_as_dvc_finds_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Paths stay repository paths wherever mlci runs (DVC's are relative to the folder)."""
    (repo.root / ".dvc").mkdir()
    repo.write({".dvc/config": "", "mlci.yaml": SMALL_SPEC % "lower"})
    repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}', "src/deep/x.py": ""})
    repo.write({"m.json": '{"acc": 0.75}'})
    for folder in ("src", "src/deep"):
        result = repo.mlci("-C", folder, "diff", "HEAD", "--format", "json", capsys=capsys)
        assert result.code == 0, result.err
        (row,) = json.loads(result.out)["metrics"]
        assert (row["file"], row["name"], row["verdict"]) == ("m.json", "acc", "regressed")
    # --spec names the project: its folder is the root, whatever the working directory.
    result = repo.mlci(
        "-C", "src", "diff", "HEAD", "--spec", "../mlci.yaml", "--format", "json", capsys=capsys
    )
    assert json.loads(result.out)["metrics"][0]["verdict"] == "regressed", result.err


def test_a_dvc_project_in_a_subfolder_of_git_is_its_own_root(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dvc init --subdir`: the nearest .dvc/ wins; git's top level bounds the search."""
    repo.write({"project/.dvc/config": "", "project/data/keep": ""})
    repo.commit({"project/dvc.yaml": M_JSON, "project/m.json": '{"acc": 0.5}'})
    repo.write({"project/m.json": '{"acc": 0.25}'})
    for folder in ("project", "project/data"):
        result = repo.mlci("-C", folder, "diff", "HEAD", "--format", "json", capsys=capsys)
        (row,) = json.loads(result.out)["metrics"]
        assert (row["file"], row["old"], row["new"]) == ("m.json", 0.5, 0.25), result.err
    outside = repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys)
    assert json.loads(outside.out)["target"]["has_pipeline"] is False  # the git root's


def test_outside_git_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = Repo(tmp_path).mlci("diff", capsys=capsys)
    assert result.code == 2
    assert "is not in a git repository: mlci diff compares git revisions" in result.err


def test_no_commit_yet_is_said_plainly(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}', "mlci.yaml": SMALL_SPEC % "higher"})
    for args in (["diff"], ["diff", "--base-tip"], ["history"]):
        result = repo.mlci(*args, capsys=capsys)
        assert result.code == 2, (args, result.err)
        assert "this repository has no commit yet" in result.err, (args, result.err)
        assert "commit first (`git add -A && git commit" in result.err, (args, result.err)
        assert result.out == ""
    result = repo.mlci("diff", "HEAD", capsys=capsys)
    assert result.code == 2
    assert "'HEAD' is not a commit in this repository" in result.err
    assert "(HEAD has no commit yet)" in result.err


def test_a_branch_without_commits_can_still_compare_with_main(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    main = repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    repo.git("checkout", "-q", "--orphan", "fresh")
    result = repo.mlci("diff", capsys=capsys)
    assert result.code == 2 and "HEAD has no commit yet" in result.err, result.err
    assert "--base-tip" in result.err
    report = json.loads(repo.mlci("diff", "--base-tip", "--format", "json", capsys=capsys).out)
    assert report["base"]["revision"] == main


def test_a_branch_only_on_origin_is_found_as_dvc_finds_it(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A clone whose `main` exists only as origin/main: `mlci diff main` means origin/main."""
    main = repo.commit({"dvc.yaml": M_JSON, "m.json": '{"acc": 0.5}'})
    clone = Repo(tmp_path / "clone")
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone.root)], check=True)
    clone.git("checkout", "-q", "-b", "feature")
    clone.git("branch", "-q", "-D", "main")
    clone.write({"m.json": '{"acc": 0.75}'})
    for args in (["main"], ["main", "HEAD"], []):
        result = clone.mlci("diff", *args, "--format", "json", capsys=capsys)
        assert result.code == 0, result.err
        report = json.loads(result.out)
        assert report["base"]["revision"] == main
        assert report["base"]["label"].startswith("origin/main")
    result = clone.mlci("diff", "trunk", capsys=capsys)
    assert result.code == 2
    assert "'trunk' is not a commit in this repository (nor origin/trunk)" in result.err
    history = json.loads(clone.mlci("history", "--format", "json", capsys=capsys).out)
    assert [c["sha"] for c in history["commits"]] == [main]
    history = json.loads(
        clone.mlci("history", "--rev", "main", "--format", "json", capsys=capsys).out
    )
    assert [c["sha"] for c in history["commits"]] == [main]


def test_the_fast_spec_readers_keys_are_the_models_fields() -> None:
    """`mlci diff` reads a well-formed spec without pydantic; what it calls well-formed must
    be what the models take, or a misspelt section would pass unseen."""
    from mlci.spec.model import Metric, Spec
    from mlci.usecases.quick_spec import METRIC_KEYS, SPEC_KEYS

    assert set(Spec.model_fields) == SPEC_KEYS
    assert set(Metric.model_fields) == METRIC_KEYS


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("metrics:\n", "metircs:\n"), "metircs"),
        (("direction: higher\n", "direction: higher\n    tolerance: .nan\n"), "tolerance"),
    ],
    ids=["misspelt-section", "nan-tolerance"],
)
def test_a_spec_the_full_loader_refuses_is_never_read_by_the_fast_path(
    project: Repo, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], words: str
) -> None:
    spec = MINIMAL_SPEC.replace(*edit, 1)
    assert spec != MINIMAL_SPEC
    project.commit({"mlci.yaml": spec}, "spec")
    result = project.mlci("diff", "HEAD", capsys=capsys)
    assert result.code == 2, result.out
    assert words in result.err
