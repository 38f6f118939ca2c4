"""`mlci init`, `mlci run` and `mlci status` end to end: real git, real DVC, real training."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Workspace, outcomes
from tests.scaffold import churn_table as churn

pytestmark = pytest.mark.slow


def test_example_project_from_init_to_metrics_and_back(workspace: Workspace) -> None:
    init = workspace.mlci("init", "demo")
    assert init.code == 0, init.err
    demo = workspace.base / "demo"
    for path in ("mlci.yaml", "params.yaml", "src/load.py", "src/train.py", "requirements.txt"):
        assert f"created    {path}" in init.out
    assert "generated  dvc.yaml" in init.out
    assert "Next: cd demo && mlci run" in init.out
    assert (demo / ".git").is_dir() and (demo / ".dvc").is_dir()
    # The default remote is a folder outside the git tree, configured only on this machine.
    local_config = (demo / ".dvc" / "config.local").read_text()
    assert str(workspace.base / "xdg" / "mlci" / "remotes") in local_config
    assert "remote" not in (demo / ".dvc" / "config").read_text()
    spec = yaml.safe_load((demo / "mlci.yaml").read_text())
    assert spec["problem"]["task"] == "classification"
    assert "ci" in spec and "remote" not in spec["ci"]  # CI rebuilds the example's data itself

    first = workspace.mlci("run", cwd=demo)
    assert first.code == 0, first.err
    assert outcomes(first.out) == dict.fromkeys(("load", "prepare", "train", "evaluate"), "ran")
    metrics = json.loads((demo / "metrics.json").read_text())
    scores = {"accuracy", "average_precision", "balanced_accuracy", "f1", "precision", "recall"}
    assert set(metrics) == {*scores, "roc_auc", "baseline", "positive_class"}
    assert metrics["positive_class"] == "0"  # malignant: the rarer class of breast_cancer
    assert 0.8 < metrics["accuracy"] <= 1.0
    assert metrics["baseline"]["accuracy"] < metrics["accuracy"] - 0.2

    again = workspace.mlci("run", cwd=demo)
    assert set(outcomes(again.out).values()) == {"skipped"}
    assert "nothing to run: every stage is up to date" in again.out
    assert workspace.mlci("status", cwd=demo).code == 0

    params = (demo / "params.yaml").read_text()
    (demo / "params.yaml").write_text(params.replace("max_iter: 1000", "max_iter: 500"))
    stale = workspace.mlci("status", cwd=demo)
    assert stale.code == 1
    assert "not reproduced" in stale.out
    assert "train: changed deps: params.yaml (train modified)" in stale.out

    changed = workspace.mlci("run", cwd=demo)
    assert outcomes(changed.out)["train"] == "ran"
    assert outcomes(changed.out)["prepare"] == "skipped"

    # Back to the old params: the run-cache restores train instead of training again.
    (demo / "params.yaml").write_text(params)
    restored = workspace.mlci("run", cwd=demo)
    assert outcomes(restored.out)["train"] == "restored", restored.out
    assert json.loads((demo / "metrics.json").read_text()) == metrics  # same seed, same result


def test_a_new_folder_inside_a_repository_gets_its_own(workspace: Workspace) -> None:
    """As the README does: `mlci init demo` from inside mlci's own checkout."""
    outer = workspace.base / "outer"
    outer.mkdir()
    workspace.run("git", "init", "-q", cwd=outer)
    result = workspace.mlci("init", "demo", "--example", "iris", cwd=outer)
    assert result.code == 0, result.err
    top = workspace.run("git", "rev-parse", "--show-toplevel", cwd=outer / "demo").stdout
    assert Path(top.strip()) == (outer / "demo").resolve()


def test_init_twice_is_harmless(workspace: Workspace) -> None:
    assert workspace.mlci("init", "demo", "--example", "iris").code == 0
    demo = workspace.base / "demo"
    before = {p: p.read_bytes() for p in demo.rglob("*") if p.is_file() and ".git" not in p.parts}
    second = workspace.mlci("init", "demo", "--example", "iris")
    assert second.code == 0, second.err
    assert "created" not in second.out
    assert "kept       mlci.yaml" in second.out and "kept       dvc.yaml" in second.out
    after = {p: p.read_bytes() for p in demo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before


def test_own_csv_with_a_label_target_and_commit(workspace: Workspace) -> None:
    rows = ["sepal,petal,colour,species"] + [
        f"{i % 7},{i % 5 + 0.5},{'red' if i % 2 else 'blue'},{'a' if i % 3 else 'b'}"
        for i in range(90)
    ]
    csv = workspace.base / "flowers.csv"
    csv.write_text("\n".join(rows) + "\n")
    init = workspace.mlci("init", "proj", "--data", str(csv), "--commit")
    assert init.code == 0, init.err
    proj = workspace.base / "proj"
    assert "created    data/flowers.csv (copied from" in init.out
    assert "tracked    data/flowers.csv (dvc add: data/flowers.csv.dvc)" in init.out
    assert "task: classification ('species' holds labels, not numbers" in init.out
    spec = yaml.safe_load((proj / "mlci.yaml").read_text())
    assert spec["problem"]["target"] == "species"  # the last column, as no --target was given
    assert spec["data"] == [{"path": "data/flowers.csv"}]
    # Own data on a local remote: said plainly at init, by validate, and in the CI workflow.
    assert "CI cannot reproduce this pipeline" in init.err
    assert "CI cannot reproduce this pipeline" in workspace.mlci("validate", cwd=proj).err
    workflow = (proj / ".github/workflows/mlci-pr.yml").read_text()
    assert "names no DVC remote that CI can reach" in workflow
    # --commit: everything is committed, nothing is left over.
    assert workspace.run("git", "status", "--porcelain", cwd=proj).stdout == ""
    assert "Start the ML project with mlci init" in workspace.run("git", "log", cwd=proj).stdout

    run = workspace.mlci("run", cwd=proj)
    assert run.code == 0, run.err
    assert "load" not in outcomes(run.out)
    assert "accuracy" in json.loads((proj / "metrics.json").read_text())


def test_regression_is_inferred_and_a_remote_url_reaches_ci(workspace: Workspace) -> None:
    proj = workspace.base / "houses"
    proj.mkdir()
    rows = ["size,rooms,price"] + [f"{50 + i},{1 + i % 4},{1000 + 37.5 * i}" for i in range(60)]
    (proj / "houses.csv").write_text("\n".join(rows) + "\n")
    init = workspace.mlci(
        "init", "houses", "--data", "houses/houses.csv", "--remote", "s3://bucket/houses"
    )
    assert init.code == 0, init.err
    assert "tracked    houses.csv" in init.out  # already inside the repository: not copied
    spec = yaml.safe_load((proj / "mlci.yaml").read_text())
    assert spec["problem"]["task"] == "regression"
    assert spec["ci"]["remote"] == {
        "name": "storage",
        "url": "s3://bucket/houses",
        "credentials": {
            "AWS_ACCESS_KEY_ID": "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY": "AWS_SECRET_ACCESS_KEY",
        },
    }
    assert "url = s3://bucket/houses" in (proj / ".dvc" / "config").read_text()
    requirements = (proj / "requirements.txt").read_text().splitlines()
    assert f"dvc[s3]=={metadata.version('dvc')}" in requirements
    workflow = (proj / ".github/workflows/mlci-pr.yml").read_text()
    assert "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}" in workflow
    assert 'dvc pull --run-cache --remote "$MLCI_REMOTE" -- "${targets[@]}"' in workflow
    assert 'MLCI_DATA: "houses.csv.dvc"' in workflow
    assert init.err == ""  # a reachable remote: no warning


def test_init_in_an_existing_git_repository_keeps_its_files(workspace: Workspace) -> None:
    repo = workspace.base / "existing"
    repo.mkdir()
    workspace.run("git", "init", "-q", cwd=repo)
    (repo / "README.md").write_text("# mine\n")
    (repo / ".gitignore").write_text("secrets.txt\n")
    assert workspace.mlci("init", "--example", "diabetes", "--yes", cwd=repo).code == 0
    assert (repo / "README.md").read_text() == "# mine\n"
    assert (repo / ".gitignore").read_text().startswith("secrets.txt\n__pycache__/\n")
    assert yaml.safe_load((repo / "mlci.yaml").read_text())["problem"]["task"] == "regression"


def test_mistakes_give_clear_errors(workspace: Workspace) -> None:
    csv = workspace.base / "d.csv"
    csv.write_text("a,label\n1,x\n2,y\n")
    wrong_target = workspace.mlci("init", "p", "--data", str(csv), "--target", "lable")
    assert wrong_target.code == 2
    assert "no column 'lable' (did you mean 'label'?)" in wrong_target.err
    wrong_example = workspace.mlci("init", "q", "--example", "iriss")
    assert wrong_example.code == 2
    assert "no example 'iriss' (did you mean 'iris'?)" in wrong_example.err
    outer = workspace.base / "outer"
    (outer / "inner").mkdir(parents=True)
    (outer / "inner" / "notes.txt").write_text("part of the outer repository\n")
    workspace.run("git", "init", "-q", cwd=outer)
    nested = workspace.mlci("init", "inner", cwd=outer)
    assert nested.code == 2 and "lies inside the git repository" in nested.err
    for result in (wrong_target, wrong_example, nested):
        assert "Traceback" not in result.err
    # Nothing half-made: the target, task and example are checked before anything is created.
    assert not (workspace.base / "p").exists() and not (workspace.base / "q").exists()
    empty = workspace.base / "empty"
    empty.mkdir()
    assert workspace.mlci("init", "--data", str(csv), "--target", "x", cwd=empty).code == 2
    assert list(empty.iterdir()) == []


def _repository(workspace: Workspace, name: str, branch: str) -> Path:
    root = workspace.base / name
    root.mkdir()
    workspace.run("git", "init", "-q", "-b", branch, cwd=root)
    return root


def _commit_all(workspace: Workspace, root: Path) -> None:
    workspace.run("git", "add", "-A", cwd=root)
    assert workspace.run("git", "commit", "-qm", "before mlci", cwd=root).returncode == 0


def test_init_takes_the_main_branch_from_the_repository(workspace: Workspace) -> None:
    root = _repository(workspace, "legacy", "master")
    (root / "README.md").write_text("# legacy\n")
    _commit_all(workspace, root)
    assert workspace.mlci("init", "--example", "iris", "--yes", cwd=root).code == 0
    assert yaml.safe_load((root / "mlci.yaml").read_text())["ci"]["main_branch"] == "master"
    pr = yaml.safe_load((root / ".github/workflows/mlci-pr.yml").read_text())
    main = yaml.safe_load((root / ".github/workflows/mlci-main.yml").read_text())
    # PyYAML reads `on:` as True.
    assert pr[True]["pull_request"]["branches"] == ["master"]
    assert main[True]["push"]["branches"] == ["master"]


def test_a_csv_committed_to_git_is_handed_to_dvc_only_with_consent(workspace: Workspace) -> None:
    root = _repository(workspace, "committed", "main")
    (root / "table.csv").write_text("a,label\n1,x\n2,y\n3,x\n4,y\n")
    _commit_all(workspace, root)
    before = sorted(p.name for p in root.iterdir())
    refused = workspace.mlci("init", "--data", "table.csv", "--target", "label", cwd=root)
    assert refused.code == 2
    assert "table.csv is committed to git" in refused.err
    assert "`git rm --cached table.csv`" in refused.err and "--yes" in refused.err
    assert sorted(p.name for p in root.iterdir()) == before  # nothing was changed
    assert workspace.run("git", "status", "--porcelain", cwd=root).stdout == ""

    done = workspace.mlci("init", "--data", "table.csv", "--target", "label", "--yes", cwd=root)
    assert done.code == 0, done.err
    assert "ran `git rm --cached table.csv`" in done.out
    assert (root / "table.csv.dvc").is_file()
    ignored = workspace.run("git", "check-ignore", "table.csv", cwd=root)
    assert ignored.returncode == 0  # git leaves the file to DVC now


def test_dvcs_own_message_is_shown_and_a_failed_init_is_undone(workspace: Workspace) -> None:
    root = _repository(workspace, "ignored", "main")
    (root / "table.csv").write_text("a,label\n1,x\n2,y\n3,x\n4,y\n")
    (root / ".dvcignore").write_text("*.csv\n")
    failed = workspace.mlci("init", "--data", "table.csv", "--target", "label", "--yes", cwd=root)
    assert failed.code == 2
    assert "is ignored by .dvcignore" in failed.err  # DVC's words, not "failed: no output"
    assert sorted(p.name for p in root.iterdir()) == [".dvcignore", ".git", "table.csv"]

    # A failure late in init (a workflow file of someone else's) undoes what init made.
    (root / ".dvcignore").unlink()
    foreign = root / ".github/workflows/mlci-pr.yml"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("name: mine\n")
    late = workspace.mlci("init", "--data", "table.csv", "--target", "label", "--yes", cwd=root)
    assert late.code == 1 and "was not written by mlci" in late.err
    assert sorted(p.name for p in root.iterdir()) == [".git", ".github", "table.csv"]
    assert [p.name for p in foreign.parent.iterdir()] == ["mlci-pr.yml"]
    assert foreign.read_text() == "name: mine\n"


def test_failing_stage_stops_the_run_and_leaves_dvc_lock_whole(workspace: Workspace) -> None:
    assert workspace.mlci("init", "demo", "--example", "wine").code == 0
    demo = workspace.base / "demo"
    assert workspace.mlci("run", cwd=demo).code == 0
    lock_before = yaml.safe_load((demo / "dvc.lock").read_text())

    train = demo / "src" / "train.py"
    train.write_text(train.read_text() + "\nprint('about to fail')\nraise SystemExit(7)\n")
    failed = workspace.mlci("run", cwd=demo)
    assert failed.code == 1
    assert "mlci: error: stage 'train' failed" in failed.err
    assert "exited with 7" in failed.err
    assert "about to fail" in failed.err  # the tail of the stage's output
    assert outcomes(failed.out) == {"load": "skipped", "prepare": "skipped", "train": "failed"}
    assert yaml.safe_load((demo / "dvc.lock").read_text()) == lock_before
    assert workspace.mlci("status", cwd=demo).code == 1


def test_dry_run_runs_nothing(workspace: Workspace) -> None:
    assert workspace.mlci("init", "demo", "--example", "iris").code == 0
    demo = workspace.base / "demo"
    dry = workspace.mlci("run", "--dry", cwd=demo)
    assert dry.code == 0, dry.err
    assert "4 stage(s) would run" in dry.out
    assert not (demo / "metrics.json").exists() and not (demo / "dvc.lock").exists()


def test_questions_are_asked_on_a_terminal(workspace: Workspace) -> None:
    csv = workspace.base / "d.csv"
    csv.write_text("x,y,kind\n" + "".join(f"{i},{i * 2},{i % 3}\n" for i in range(40)))
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlci", "init", "p", "--data", str(csv)],
        cwd=workspace.base,
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=workspace.env,
    )
    os.close(secondary)
    # Target: take y (not the default, the last column); task: accept; remote: none.
    os.write(main, b"y\n\n\n")
    _, err = process.communicate(timeout=120)
    os.close(main)
    assert process.returncode == 0, err.decode()
    spec = yaml.safe_load((workspace.base / "p" / "mlci.yaml").read_text())
    assert spec["problem"]["target"] == "y"
    assert spec["problem"]["task"] == "regression"


def test_init_adopts_an_existing_dvc_pipeline(workspace: Workspace) -> None:
    repo = workspace.base / "existing"
    repo.mkdir()
    workspace.run("git", "init", "-q", cwd=repo)
    workspace.run(sys.executable, "-m", "dvc", "init", "-q", cwd=repo)
    (repo / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n"
        "  train:  # the user's own words\n"
        "    cmd: python -c \"open('model.txt','w').write('m'); open('m.json','w').write('{}')\"\n"
        "    params:\n    - train.lr\n"
        "    outs:\n    - model.txt\n"
        "    metrics:\n    - m.json:\n        cache: false\n"
    )
    assert workspace.run(sys.executable, "-m", "dvc", "repro", cwd=repo).returncode == 0
    status_before = workspace.run(sys.executable, "-m", "dvc", "status", "--json", cwd=repo).stdout

    init = workspace.mlci("init", "--yes", cwd=repo)
    assert init.code == 0, init.err
    assert "created    mlci.yaml" in init.out and "generated  dvc.yaml" in init.out
    spec = yaml.safe_load((repo / "mlci.yaml").read_text())
    assert spec["stages"]["train"]["params"] == ["train.lr"]
    assert spec["stages"]["train"]["metrics"] == ["m.json"]  # mlci's default: in git
    assert not (repo / "src").exists()  # nothing scaffolded over an existing pipeline
    text = (repo / "dvc.yaml").read_text()
    assert "generated-by: mlci" in text
    status_after = workspace.run(sys.executable, "-m", "dvc", "status", "--json", cwd=repo).stdout
    assert json.loads(status_after) == json.loads(status_before) == {}
    assert workspace.mlci("generate", "--check", cwd=repo).code == 0


def test_run_regenerates_a_stale_dvc_yaml_before_it_reproduces(workspace: Workspace) -> None:
    assert workspace.mlci("init", "demo", "--example", "iris", "--yes").code == 0
    demo = workspace.base / "demo"
    spec = demo / "mlci.yaml"
    spec.write_text(spec.read_text().replace("python src/train.py", "python src/train.py --v2"))
    (demo / "src/train.py").write_text(
        "import sys\nsys.argv.remove('--v2')\n" + (demo / "src/train.py").read_text()
    )
    run = workspace.mlci("run", cwd=demo)
    assert run.code == 0, run.err
    assert "regenerated dvc.yaml  (out of date with mlci.yaml)" in run.out
    assert "cmd: python src/train.py --v2" in (demo / "dvc.yaml").read_text()
    assert outcomes(run.out)["train"] == "ran"
    assert workspace.mlci("generate", "--check", cwd=demo).code == 0
    assert workspace.mlci("status", cwd=demo).code == 0


def test_a_messy_churn_table_from_init_to_metrics(workspace: Workspace) -> None:
    """An ID, two dates, categories, a unique e-mail column, gaps, one customer in five
    churned: init decides the features and the metrics, and the user edits them."""
    csv = workspace.base / "customers.csv"
    table = churn.churn_table(300, seed=5)
    table.to_csv(csv, index=False)
    churned = int((table[churn.TARGET] == churn.CHURNED).sum())
    init = workspace.mlci("init", "churn", "--data", str(csv), "--target", "status", "--commit")
    assert init.code == 0, init.err
    proj = workspace.base / "churn"
    notes = [line.removeprefix("note: ") for line in init.out.splitlines()]
    assert (
        f"positive class: 'churned' (the rarer class: {churned} of 300 rows); "
        "--positive-class to change it"
    ) in notes
    assert "features decided from data/customers.csv (300 rows); edit `features:` in " in (init.out)
    assert (
        "features, dropped: customer_id (unique in every row, and named like an identifier), "
        "email (unique in every row: an identifier)"
    ) in notes
    params = yaml.safe_load((proj / "params.yaml").read_text())
    assert params["features"] == {
        "drop": ["customer_id", "email"],
        "dates": ["signup_date", "last_seen"],
        "categorical": ["plan", "region", "referrer"],
        "numeric": ["age", "monthly_fee", "support_calls"],
    }
    assert params["evaluate"] == {"positive_class": "churned"}
    spec = yaml.safe_load((proj / "mlci.yaml").read_text())
    assert spec["problem"]["positive_class"] == "churned"
    # Imbalanced: judged by what accuracy hides, gated on F1 and ROC AUC.
    assert list(spec["metrics"])[:4] == ["balanced_accuracy", "f1", "roc_auc", "average_precision"]
    gates = spec["gates"]["merge"]
    assert [rule.get("metric") for rule in gates] == ["f1", "roc_auc", None]
    stages = yaml.safe_load((proj / "dvc.yaml").read_text())["stages"]
    assert stages["prepare"]["params"] == ["prepare", "features.dates"]
    assert stages["train"]["params"] == ["train", "features"]
    assert stages["evaluate"]["params"] == ["evaluate"]

    run = workspace.mlci("run", cwd=proj)
    assert run.code == 0, run.err
    metrics = json.loads((proj / "metrics.json").read_text())
    assert metrics["positive_class"] == "churned"
    assert set(spec["metrics"]) <= set(metrics)  # every metric the spec declares
    assert set(metrics["baseline"]) == set(metrics) - {"baseline", "positive_class"}
    assert metrics["baseline"]["f1"] == 0 and metrics["f1"] > 0.3
    assert metrics["roc_auc"] > metrics["baseline"]["roc_auc"] + 0.1
    assert "f1" in run.out  # the run's summary reads the nested, mixed metrics file
    model = _model(proj)
    assert len(model[0].get_feature_names_out()) < 300 / 4  # the unique e-mail is no feature

    # Moving a column out of the features reruns train, and only train and evaluate.
    text = (proj / "params.yaml").read_text()
    (proj / "params.yaml").write_text(text.replace('    - "referrer"\n', "", 1))
    stale = workspace.mlci("status", cwd=proj)
    assert "train: changed deps: params.yaml (features modified)" in stale.out, stale.out
    edited = workspace.mlci("run", "--verbose", cwd=proj)
    assert edited.code == 0, edited.err
    assert outcomes(edited.out) == {"prepare": "skipped", "train": "ran", "evaluate": "ran"}
    assert "not in params.yaml's features, so not used: referrer" in edited.out
    assert not [n for n in _model(proj)[0].get_feature_names_out() if "referrer" in n]

    # The estimator switched as params.yaml suggests: one line, its own hyperparameters.
    text = (proj / "params.yaml").read_text()
    forest = text.replace(
        "  estimator: sklearn.linear_model.LogisticRegression",
        "  estimator: sklearn.ensemble.RandomForestClassifier",
    )
    (proj / "params.yaml").write_text(forest)
    switched = workspace.mlci("run", cwd=proj)
    assert switched.code == 0, switched.err
    assert outcomes(switched.out)["train"] == "ran"
    assert type(_model(proj)[-1]).__name__ == "RandomForestClassifier"
    assert _model(proj)[-1].max_leaf_nodes == 256

    # A misspelt hyperparameter: named, with the nearest, by validate and by the stage.
    (proj / "params.yaml").write_text(forest.replace("n_estimators:", "n_estimator:"))
    validate = workspace.mlci("validate", cwd=proj)
    assert validate.code == 2
    assert "takes no parameter 'n_estimator' (did you mean 'n_estimators'?)" in validate.err
    failed = workspace.mlci("run", cwd=proj)
    assert failed.code == 1
    assert (
        "params.yaml: train.hyperparameters: sklearn.ensemble.RandomForestClassifier takes no "
        "parameter 'n_estimator' (did you mean 'n_estimators'?)"
    ) in failed.err
    assert "Traceback" not in failed.err


def _model(project: Path) -> Any:
    import skops.io as sio

    path = project / "models/model.skops"
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


def test_the_positive_class_is_checked_against_the_data(workspace: Workspace) -> None:
    csv = workspace.base / "loans.csv"
    rows = [f"{i % 11},{i % 4},{'repaid' if i % 5 else 'default'}" for i in range(60)]
    csv.write_text("income,years,outcome\n" + "\n".join(rows) + "\n")
    wrong = workspace.mlci("init", "a", "--data", str(csv), "--positive-class", "defualt")
    assert wrong.code == 2
    assert "--positive-class 'defualt' is not a label of the target (did you mean " in wrong.err
    assert not (workspace.base / "a").exists()
    regression = workspace.mlci("init", "b", "--example", "diabetes", "--positive-class", "1")
    assert regression.code == 2
    assert "--positive-class is for classification; this is a regression problem" in (
        regression.err
    )
    chosen = workspace.mlci("init", "c", "--data", str(csv), "--positive-class", "repaid")
    assert chosen.code == 0, chosen.err
    assert "positive class: 'repaid' (as asked: 48 of 60 rows)" in chosen.out
    spec = yaml.safe_load((workspace.base / "c" / "mlci.yaml").read_text())
    assert spec["problem"]["positive_class"] == "repaid"
    imbalanced = {"metric": "f1", "max_regression": 0.02, "judged_on": "interval"}
    assert spec["gates"]["merge"][0] == imbalanced
