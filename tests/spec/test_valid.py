"""Valid specs load into frozen models, with every shorthand normalised to one shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mlci.errors import SpecError
from mlci.spec.load import load_project
from mlci.spec.model import (
    CI,
    Cache,
    DataSource,
    DvcImport,
    GateRule,
    Metric,
    MetricsOutput,
    Output,
    ParamsRef,
    PlotsOutput,
    Problem,
    Remote,
    Spec,
    Stage,
)
from tests.conftest import MINIMAL_SPEC, PROJECT_FILES, Repo
from tests.spec.conftest import LoadSpec, SpecProblems
from tests.spec.samples import FULL_FILES, FULL_SPEC, PINNED

ROOT = Path(__file__).resolve().parents[2]


def test_minimal_spec_loads_into_the_expected_models(load: LoadSpec, project: Repo) -> None:
    loaded = load(MINIMAL_SPEC)
    assert loaded.root == project.root.resolve()
    spec = loaded.spec
    assert spec.version == 1
    assert spec.problem == Problem(task="classification", target="label")
    assert spec.data == ()
    assert spec.params == ("params.yaml",)
    assert list(spec.stages) == ["prepare", "train"]
    assert spec.stages["prepare"] == Stage(
        cmd=("python prepare.py",),
        deps=("prepare.py", "data/raw.csv"),
        params=(ParamsRef(file="params.yaml", keys=("prepare.seed",)),),
        outs=(Output(path="data/prepared.csv"),),
    )
    assert spec.stages["train"] == Stage(
        cmd=("python train.py",),
        deps=("train.py", "data/prepared.csv"),
        params=(ParamsRef(file="params.yaml", keys=("train",)),),
        outs=(Output(path="model.bin"),),
        metrics=(MetricsOutput(path="metrics.json"),),
    )
    assert dict(spec.metrics) == {
        "accuracy": Metric(file="metrics.json", direction="higher"),
        "loss": Metric(file="metrics.json", direction="lower"),
    }
    assert spec.gates.merge == (GateRule(metric="accuracy", min=0.8),)
    assert spec.gates.deploy == ()
    assert spec.ci == CI()
    assert spec.metric_key("accuracy") == "accuracy"


def test_defaults(load: LoadSpec) -> None:
    spec = load(MINIMAL_SPEC).spec
    stage, rule = spec.stages["train"], spec.gates.merge[0]
    assert (stage.wdir, stage.description, stage.always_changed, stage.frozen) == (
        ".",
        "",
        False,
        False,
    )
    assert (stage.outs[0].cache, stage.outs[0].persist, stage.outs[0].push) == (True, False, True)
    assert stage.metrics[0].cache is False  # metrics files go to git by default
    assert (rule.required, rule.no_baseline, rule.severity) == (True, "warn", "fail")
    assert spec.metrics["accuracy"].tolerance == 0.0
    assert spec.ci.python == "3.11"
    assert spec.ci.runs_on == ("ubuntu-latest",)
    assert spec.ci.timeout_minutes == 60
    assert spec.ci.cache == Cache(pip=True, dvc=True)
    assert spec.ci.remote is None
    assert dict(spec.overrides.env) == {}
    assert spec.overrides.steps == spec.overrides.set == ()


def test_every_section_and_long_form(repo: Repo) -> None:
    repo.write({**FULL_FILES, "mlci.yaml": FULL_SPEC})
    spec = load_project(repo.root / "mlci.yaml").spec
    assert spec.problem.description == "Predict house prices."
    assert spec.data == (
        DataSource(path="data/raw", description="Raw listings."),
        DataSource(path="data/external.csv", url="https://example.com/external.csv"),
        DataSource.model_validate(
            {
                "path": "data/shared",
                "import": {
                    "repo": "https://github.com/example/registry",
                    "path": "datasets/shared",
                    "rev": "v1",
                },
            }
        ),
    )
    assert spec.params == ("params.yaml", "extra.yaml")
    featurize, train, evaluate = spec.stages.values()
    assert featurize.cmd == ("python src/featurize.py", "echo done")
    assert featurize.params == (
        ParamsRef(file="params.yaml", keys=("featurize.window",)),
        ParamsRef(file="extra.yaml", keys=("scaling",)),
    )
    assert featurize.outs == (
        Output(path="data/features"),
        Output(
            path="data/cache.bin",
            cache=False,
            persist=True,
            push=False,
            remote="backup",
            desc="scratch space",
        ),
    )
    assert train.params == (
        ParamsRef(file="params.yaml", keys=("train",)),
        ParamsRef(file="extra.yaml", keys=("seed",)),
        ParamsRef(file="extra.yaml", keys=()),  # `extra.yaml:` alone: the whole file
    )
    assert train.metrics == (
        MetricsOutput(path="metrics/train.json"),
        MetricsOutput(path="metrics/train-extra.json", cache=True),
    )
    assert train.plots == (
        PlotsOutput(
            path="plots/loss.csv",
            x="step",
            y="loss",
            template="linear",
            title="Loss",
            x_label="step",
            y_label="loss",
        ),
    )
    assert train.always_changed is True
    assert (evaluate.wdir, evaluate.metrics) == (
        "src",
        (MetricsOutput(path="../metrics/eval.json"),),
    )
    assert spec.data[2].import_ == DvcImport(
        repo="https://github.com/example/registry", path="datasets/shared", rev="v1"
    )
    assert spec.metric_key("r2") == "scores.r2"
    assert spec.metric_key("rmse") == "rmse"
    assert spec.metrics["rmse"].threshold == 3.5
    assert [r.metric or r.check for r in spec.gates.merge] == ["rmse", "r2", "reproduced"]
    assert spec.gates.merge[1].severity == "warn"
    assert spec.gates.deploy == (GateRule(metric="rmse", max=4),)
    assert spec.ci.python == "3.12"
    assert spec.ci.runs_on == ("self-hosted", "gpu")
    assert spec.ci.branches == ("trunk", "release")
    assert spec.ci.cache == Cache(pip=False, dvc=True)
    assert spec.ci.remote == Remote(
        name="storage",
        url="s3://bucket/path",
        credentials={
            "AWS_ACCESS_KEY_ID": "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY": "AWS_SECRET",
        },
        environment="dvc-remote",
    )
    assert dict(spec.overrides.env) == {"PYTHONHASHSEED": "0"}
    first, second = spec.overrides.steps
    assert (first.after, first.before, first.workflows) == ("install", None, ("pr",))
    assert first.steps[0] == {"name": "Set up node (v4)", "uses": PINNED}
    assert (second.before, second.workflows) == ("reproduce", ("pr", "main"))
    assert [(o.workflow, o.path, o.value) for o in spec.overrides.set] == [
        ("all", "jobs.reproduce.runs-on", ["self-hosted", "gpu"]),
        ("main", "concurrency.group", "main"),
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("runs_on: gpu", ("gpu",)),
        ("runs_on: [self-hosted, gpu]", ("self-hosted", "gpu")),
        ("runs_on:\n    - self-hosted\n    - linux", ("self-hosted", "linux")),
    ],
)
def test_runs_on_shorthand(load: LoadSpec, written: str, expected: tuple[str, ...]) -> None:
    assert load(MINIMAL_SPEC + f"ci:\n  {written}\n").spec.ci.runs_on == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("train.lr", ParamsRef(file="params.yaml", keys=("train.lr",))),
        ("{other.yaml: [a, b.c]}", ParamsRef(file="other.yaml", keys=("a", "b.c"))),
        ("{other.yaml: }", ParamsRef(file="other.yaml", keys=())),
        ("{file: other.yaml, keys: [a]}", ParamsRef(file="other.yaml", keys=("a",))),
        ("{file: other.yaml}", ParamsRef(file="other.yaml", keys=())),
    ],
)
def test_params_shorthands(
    load: LoadSpec, project: Repo, written: str, expected: ParamsRef
) -> None:
    project.write({"other.yaml": "a: 1\nb:\n  c: 2\n"})
    spec = load(MINIMAL_SPEC.replace("params: [train]", f"params: [{written}]")).spec
    assert spec.stages["train"].params == (expected,)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("cmd: python train.py", ("python train.py",)),
        ("cmd: [python a.py, python b.py]", ("python a.py", "python b.py")),
        ("cmd: >-\n      python train.py\n      --fast", ("python train.py --fast",)),
    ],
)
def test_cmd_shorthand(load: LoadSpec, written: str, expected: tuple[str, ...]) -> None:
    spec = load(MINIMAL_SPEC.replace("cmd: python train.py", written)).spec
    assert spec.stages["train"].cmd == expected


def test_output_shorthands(load: LoadSpec) -> None:
    text = MINIMAL_SPEC.replace(
        "    outs: [model.bin]",
        "    outs: [model.bin, {path: cache.bin, cache: false}]\n"
        "    plots: [plot.csv, {path: roc.json, x: fpr, y: tpr}]",
    )
    stage = load(text).spec.stages["train"]
    assert stage.outs == (Output(path="model.bin"), Output(path="cache.bin", cache=False))
    assert stage.plots == (
        PlotsOutput(path="plot.csv"),
        PlotsOutput(path="roc.json", x="fpr", y="tpr"),
    )
    assert all(type(out) is Output for out in stage.outs)
    assert all(type(plot) is PlotsOutput for plot in stage.plots)


def test_quoted_python_version_keeps_its_text(load: LoadSpec) -> None:
    assert load(MINIMAL_SPEC + 'ci:\n  python: "3.10"\n').spec.ci.python == "3.10"


# --- frozen ---------------------------------------------------------------------------------


def test_models_are_frozen(load: LoadSpec) -> None:
    spec = load(MINIMAL_SPEC).spec
    stage = spec.stages["train"]
    with pytest.raises(ValidationError, match="frozen"):
        spec.version = 2  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        stage.cmd = ("rm -rf /",)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        stage.outs[0].cache = False  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        spec.gates.merge[0].min = 0.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        spec.ci.cache.pip = False  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        spec.metrics["accuracy"].direction = "lower"  # type: ignore[misc]
    assert isinstance(stage.deps, tuple)
    assert isinstance(stage.outs, tuple)
    assert spec.stages["train"].cmd == ("python train.py",)


def test_project_is_frozen(load: LoadSpec) -> None:
    loaded = load(MINIMAL_SPEC)
    with pytest.raises(AttributeError):
        loaded.spec = loaded.spec  # type: ignore[misc]


def test_models_forbid_unknown_fields_when_built_directly() -> None:
    with pytest.raises(ValidationError, match=r"Extra inputs are not permitted"):
        Stage(cmd=("x",), outz=("y",))  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Spec.model_validate({"version": 1, "problem": {"task": "other"}, "stages": {}, "x": 1})


# --- dependencies: what satisfies one -------------------------------------------------------

BASE = "version: 1\nproblem:\n  task: other\n"


def test_dep_satisfied_by_a_data_source_that_is_not_there_yet(load: LoadSpec) -> None:
    text = BASE + (
        "data:\n  - path: data/remote.csv\n    url: s3://bucket/remote.csv\n"
        "stages:\n  use:\n    cmd: x\n    deps: [data/remote.csv]\n"
    )
    assert load(text).spec.stages["use"].deps == ("data/remote.csv",)


def test_dep_satisfied_by_a_file_inside_a_data_folder(load: LoadSpec) -> None:
    text = BASE + "data:\n  - path: data/images\nstages:\n  use:\n    cmd: x\n"
    assert load(text + "    deps: [data/images/cat.png]\n").spec.stages["use"].deps == (
        "data/images/cat.png",
    )


def test_dep_satisfied_by_a_file_in_the_repository(load: LoadSpec, project: Repo) -> None:
    project.write({"tools/clean.sh": "echo\n"})
    text = BASE + "stages:\n  use:\n    cmd: sh tools/clean.sh\n    deps: [tools/clean.sh, tools]\n"
    assert load(text).spec.stages["use"].deps == ("tools/clean.sh", "tools")


def test_dep_satisfied_by_a_file_inside_a_stage_output_folder(load: LoadSpec) -> None:
    text = BASE + (
        "stages:\n"
        "  split:\n    cmd: x\n    outs: [data/split]\n"
        "  fit:\n    cmd: x\n    deps: [data/split/train.csv, ./data/split/../split/test.csv]\n"
    )
    assert load(text).spec.stages["fit"].deps == (
        "data/split/train.csv",
        "./data/split/../split/test.csv",
    )


def test_dep_satisfied_by_an_output_relative_to_wdir(load: LoadSpec) -> None:
    text = BASE + (
        "stages:\n"
        "  make:\n    cmd: x\n    wdir: build\n    outs: [out.bin]\n"
        "  use:\n    cmd: x\n    deps: [build/out.bin]\n"
    )
    assert load(text).spec.stages["use"].deps == ("build/out.bin",)


HAND_WRITTEN_DVC = """\
stages:
  download:
    cmd: python download.py
    outs:
      - data/downloaded.csv
      - data/cache:
          cache: false
    metrics:
      - reports/download.json
  mine:
    cmd: python generated.py
    meta:
      generated-by: mlci
    outs:
      - data/generated.csv
  nested:
    cmd: python n.py
    wdir: sub
    outs: [made.txt]
"""


@pytest.mark.parametrize(
    "dep", ["data/downloaded.csv", "data/cache/part-0", "reports/download.json", "sub/made.txt"]
)
def test_dep_satisfied_by_a_hand_written_dvc_stage(load: LoadSpec, project: Repo, dep: str) -> None:
    project.write({"dvc.yaml": HAND_WRITTEN_DVC})
    text = BASE + f"stages:\n  use:\n    cmd: x\n    deps: [{dep}]\n"
    assert load(text).spec.stages["use"].deps == (dep,)


def test_dep_not_satisfied_by_a_stage_mlci_generated(project: Repo, problems: SpecProblems) -> None:
    # A stage mlci manages comes from mlci.yaml; once removed there, its outputs are gone too.
    project.write({"dvc.yaml": HAND_WRITTEN_DVC})
    text = BASE + "stages:\n  use:\n    cmd: x\n    deps: [data/generated.csv]\n"
    (line,) = problems(text)
    assert line.startswith("mlci.yaml:7:12: stages.use.deps[0]: 'data/generated.csv' is not")


def test_dvc_stage_with_the_name_of_a_spec_stage_is_not_foreign(
    project: Repo, problems: SpecProblems
) -> None:
    project.write({"dvc.yaml": HAND_WRITTEN_DVC})
    text = BASE + (
        "stages:\n  download:\n    cmd: x\n    outs: [other.csv]\n"
        "  use:\n    cmd: x\n    deps: [data/downloaded.csv]\n"
    )
    (line,) = problems(text)
    assert line.startswith("mlci.yaml:10:12: stages.use.deps[0]: 'data/downloaded.csv' is not")


def test_metric_file_written_by_a_hand_written_dvc_stage(load: LoadSpec, project: Repo) -> None:
    project.write({"dvc.yaml": HAND_WRITTEN_DVC})
    text = BASE + "stages: {}\nmetrics:\n  rows:\n    file: reports/download.json\n"
    text += "    direction: higher\n"
    assert load(text).spec.metrics["rows"].file == "reports/download.json"


@pytest.mark.parametrize(
    "dvc_yaml",
    [
        "stages:\n  hand:\n    cmd: x\n    outs: [5]\n",
        "stages:\n  hand:\n    cmd: x\n    outs: 5\n",
        "stages:\n  hand:\n    cmd: x\n    outs: model.bin\n",
        "stages:\n  hand:\n    cmd: x\n    outs: [[a], {}, null, {7: x}]\n",
        "stages:\n  hand: [1, 2]\n",
        "stages: [a, b]\n",
        "- just a list\n",
        "stages: {hand: {cmd: x, outs: [a\n",
        "\x00\x01 binary",
        "",
    ],
)
def test_odd_dvc_yaml_is_ignored_not_a_crash(project: Repo, load: LoadSpec, dvc_yaml: str) -> None:
    project.write({"dvc.yaml": dvc_yaml})
    assert list(load(MINIMAL_SPEC).spec.stages) == ["prepare", "train"]


def test_odd_dvc_yaml_does_not_satisfy_deps(project: Repo, problems: SpecProblems) -> None:
    project.write({"dvc.yaml": "stages:\n  hand:\n    cmd: x\n    outs: [5, [a]]\n"})
    (line,) = problems(BASE + "stages:\n  use:\n    cmd: x\n    deps: [a]\n")
    assert line.startswith("mlci.yaml:7:12: stages.use.deps[0]: 'a' is not written by any stage")


# --- merge keys (`<<: *anchor`) -------------------------------------------------------------


def test_merge_key_with_override(load: LoadSpec) -> None:
    text = MINIMAL_SPEC.replace(
        "  accuracy:\n    file: metrics.json\n    direction: higher\n"
        "  loss:\n    file: metrics.json\n    direction: lower\n",
        "  accuracy: &metric\n    file: metrics.json\n    direction: higher\n"
        "  loss:\n    <<: *metric\n    direction: lower\n    tolerance: 0.5\n",
    )
    spec = load(text).spec
    assert spec.metrics["loss"] == Metric(file="metrics.json", direction="lower", tolerance=0.5)
    assert spec.metrics["accuracy"] == Metric(file="metrics.json", direction="higher")


def test_merge_key_written_after_the_keys_it_does_not_override(load: LoadSpec) -> None:
    text = MINIMAL_SPEC.replace(
        "  loss:\n    file: metrics.json\n    direction: lower\n",
        "  base: &base {file: metrics.json, direction: higher, tolerance: 1}\n"
        "  loss:\n    direction: lower\n    <<: *base\n",
    )
    spec = load(text).spec
    assert spec.metrics["loss"] == Metric(file="metrics.json", direction="lower", tolerance=1)


def test_merge_key_list_first_mapping_wins(load: LoadSpec) -> None:
    text = MINIMAL_SPEC + ("ci:\n  cache:\n    <<: [&a {pip: false}, &b {pip: true, dvc: false}]\n")
    assert load(text).spec.ci.cache == Cache(pip=False, dvc=False)


def test_merge_key_reused_by_alias_twice(load: LoadSpec) -> None:
    text = MINIMAL_SPEC.replace(
        "  loss:\n    file: metrics.json\n    direction: lower\n",
        "  loss: &loss\n    <<: &base {file: metrics.json, direction: higher}\n"
        "    direction: lower\n"
        "  loss2: *loss\n  loss3: *loss\n",
    )
    metrics = load(text).spec.metrics
    assert metrics["loss2"] == metrics["loss3"] == Metric(file="metrics.json", direction="lower")


def test_error_in_merged_value_points_at_where_it_is_written(problems: SpecProblems) -> None:
    text = MINIMAL_SPEC.replace(
        "  loss:\n    file: metrics.json\n    direction: lower\n",
        "  loss:\n    <<: &base\n      file: metrics.json\n      direction: lowr\n",
    )
    assert problems(text) == [
        "mlci.yaml:24:18: metrics.loss.direction: 'lowr' is not allowed (did you mean 'lower'?)"
    ]


def test_unknown_key_from_a_merge_points_at_the_anchor(problems: SpecProblems) -> None:
    text = MINIMAL_SPEC.replace(
        "  loss:\n    file: metrics.json\n    direction: lower\n",
        "  loss:\n    direction: lower\n    <<: {file: metrics.json, treshold: 1}\n",
    )
    assert problems(text) == [
        "mlci.yaml:23:30: metrics.loss.treshold: unknown key 'treshold' (did you mean 'threshold'?)"
    ]


def test_reasonably_deep_free_form_values_load(load: LoadSpec) -> None:
    nested = "{a: " * 40 + "1" + "}" * 40
    text = MINIMAL_SPEC + f"overrides:\n  set:\n    - path: jobs.x.env\n      value: {nested}\n"
    value = load(text).spec.overrides.set[0].value
    for _ in range(40):
        value = value["a"]
    assert value == 1


# --- the project's own spec and the command line --------------------------------------------


def test_the_repositorys_own_spec_is_valid() -> None:
    spec = load_project(ROOT / "mlci.yaml").spec
    assert list(spec.stages) == ["prepare", "train", "evaluate"]
    assert spec.gates.merge[0].metric == "accuracy"


def test_validate_exits_0_and_summarises(project: Repo) -> None:
    result = project.mlci_process("validate")
    assert (result.code, result.err) == (0, "")
    assert result.out == "mlci.yaml: valid (2 stages, 2 metrics, 1 gate rules)\n"


def test_validate_in_process_with_a_spec_path(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"conf/mlci.yaml": MINIMAL_SPEC})
    for name, text in PROJECT_FILES.items():
        project.write({f"conf/{name}": text})
    result = project.mlci("validate", "--spec", "conf/mlci.yaml", capsys=capsys)
    assert (result.code, result.err) == (0, "")
    assert result.out == "conf/mlci.yaml: valid (2 stages, 2 metrics, 1 gate rules)\n"


def test_paths_are_relative_to_the_spec_file(repo: Repo) -> None:
    # The spec in conf/ refers to conf/prepare.py etc., not to files at the repository root.
    repo.write({"conf/mlci.yaml": MINIMAL_SPEC, "prepare.py": "", "train.py": ""})
    with pytest.raises(SpecError) as caught:
        load_project(repo.root / "conf" / "mlci.yaml")
    assert [p.key_path for p in caught.value.problems] == [
        "stages.prepare.deps[0]",
        "stages.prepare.deps[1]",
        "stages.prepare.params[0]",
        "stages.train.deps[0]",
    ]
    assert "stages.prepare.deps[0]: 'prepare.py' is not written by any stage" in str(caught.value)
