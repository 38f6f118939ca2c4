"""Adopting an existing DVC pipeline: real DVC repositories in, the same pipeline out.

Each repository is built with DVC itself (`dvc init`, `dvc add`, `dvc import`, `dvc stage add`,
`dvc repro`). What DVC sees before adoption (stage list, status, every stage's deps, outs,
params, metrics and plots) must be exactly what it sees after `adopt_pipeline`, a written
mlci.yaml and `mlci generate`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlci.errors import UsageError
from mlci.generate.dvcyaml_editor import DvcYamlDocument
from mlci.markers import is_managed_stage
from mlci.render.dvcyaml import render_stage
from mlci.scaffold.adopt import Adoption, adopt_pipeline
from mlci.spec.model import Stage
from tests.conftest import Repo

# Writes every output named after `--` from the inputs before it: JSON, CSV or text.
TOOL = """\
import json, os, sys
args = sys.argv[1:]
inputs, outputs = args[: args.index("--")], args[args.index("--") + 1 :]
text = "".join(open(path).read() for path in inputs)
for out in outputs:
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as handle:
        if out.endswith(".json"):
            json.dump({"score": len(text) % 97 / 100, "rows": text.count("\\n")}, handle)
        elif out.endswith(".csv"):
            handle.write("epoch,loss\\n0,1.0\\n1,0.5\\n")
        else:
            handle.write(text.upper() or out)
"""

RICH_DVC_YAML = """\
# The team's pipeline, written by hand. Keep these notes.
stages:
  prepare:  # split the raw data
    desc: Split the raw data into train and test
    cmd: python tool.py data/raw.csv -- data/train.csv data/test.csv
    deps:
    - tool.py
    - data/raw.csv
    params:
    - prepare.split
    - prepare.seed
    outs:
    - data/train.csv
    - data/test.csv:
        persist: true
        desc: Held-out rows
  train:
    cmd:
    - python tool.py data/train.csv -- model.pkl
    - python tool.py data/train.csv -- history.csv checkpoints.bin
    deps:
    - tool.py
    - data/train.csv
    params:
    - train
    - configs/model.yaml:
      - model.depth
      - model.width
    outs:
    - model.pkl:
        remote: archive
    - checkpoints.bin:
        push: false
    plots:
    - history.csv:
        cache: false
        x: epoch
        y: loss
    meta:
      owner: ml-team
  evaluate:
    cmd: python ../tool.py ../model.pkl ../data/test.csv -- metrics.json scores.json roc.csv
    wdir: reports
    deps:
    - ../tool.py
    - ../model.pkl
    - ../data/test.csv
    params:
    - ../params.yaml:
      - evaluate.threshold
    metrics:
    - metrics.json:
        cache: false
    - scores.json
    plots:
    - roc.csv
  # One stage per language: DVC templating, which stays the user's own.
  per_lang:  # expanded by DVC into per_lang@en and per_lang@de
    foreach:
    - en
    - de
    do:
      cmd: python tool.py tool.py -- out/${item}.txt
      deps:
      - tool.py
      outs:
      - out/${item}.txt
  bundle:
    cmd: python tool.py out/en.txt out/de.txt model.pkl -- bundle.txt
    deps:
    - out/en.txt
    - out/de.txt
    - model.pkl
    params:
    - configs/bundle.yaml:
    outs:
    - bundle.txt
    always_changed: true
  legacy:
    cmd: python tool.py data/raw.csv -- legacy.txt
    deps:
    - data/raw.csv
    outs:
    - legacy.txt
# Top-level sections: what DVC shows besides the stages.
metrics:
- summary.json
plots:
- Loss:  # the training curve
    x: epoch
    y:
      history.csv: loss
- reports/roc.csv
params:
- configs/extra.yaml
artifacts:
  classifier:
    path: model.pkl
    type: model
    desc: The classifier
    labels:
    - demo
"""
RICH_FILES = {
    "tool.py": TOOL,
    "data/raw.csv": "a,label\n1,0\n2,1\n3,0\n",
    "params.yaml": (
        "prepare:\n  split: 0.25\n  seed: 7\ntrain:\n  lr: 0.1\n  epochs: 3\n"
        "evaluate:\n  threshold: 0.5\n"
    ),
    "configs/model.yaml": "model:\n  depth: 3\n  width: 8\n",
    "configs/bundle.yaml": "name: demo\n",
    "configs/extra.yaml": "extra: 1\n",
    "summary.json": '{"rows": 3}\n',
    "reports/README.md": "Evaluation reports.\n",
    "dvc.yaml": RICH_DVC_YAML,
}
# Comments the user wrote outside the stages mlci takes over...
RICH_COMMENTS = (
    "# The team's pipeline, written by hand. Keep these notes.",
    "per_lang:  # expanded by DVC into per_lang@en and per_lang@de",
    "- Loss:  # the training curve",
)
# ...and those on a line of their own right after a stage mlci takes over, which ruamel.yaml
# files under the last value of that stage.
RICH_COMMENTS_AFTER_ADOPTED_STAGES = (
    "# One stage per language: DVC templating, which stays the user's own.",
    "# Top-level sections: what DVC shows besides the stages.",
)
RICH_STAGES = ["prepare", "train", "evaluate", "per_lang", "bundle", "legacy"]


def dvc(root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, f"dvc {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def pipeline_seen_by_dvc(root: Path) -> dict[str, dict[str, Any]]:
    """Every stage as DVC loads it: what it runs, reads and writes, and how it keeps outputs."""
    from dvc.dependency.param import ParamsDependency
    from dvc.repo import Repo as DvcRepo

    with DvcRepo(str(root)) as dvc_repo:
        return {
            stage.addressing: _stage_view(stage, root, ParamsDependency)
            for stage in dvc_repo.index.stages
        }


def _stage_view(stage: Any, root: Path, params_type: Any) -> dict[str, Any]:
    params = {d.def_path: sorted(d.params) for d in stage.deps if isinstance(d, params_type)}
    return {
        "cmd": stage.cmd,
        "wdir": Path(stage.wdir).relative_to(root).as_posix(),
        "deps": [d.def_path for d in stage.deps if not isinstance(d, params_type)],
        "params": params,
        "outs": [
            {
                "path": o.def_path,
                "cache": o.use_cache,
                "metric": o.metric,
                "plot": o.plot,
                "persist": o.persist,
                "push": o.can_push,
                "remote": o.remote,
                "desc": o.annot.desc,
            }
            for o in stage.outs
        ],
        "frozen": stage.frozen,
        "always_changed": stage.always_changed,
        "desc": stage.desc,
        "meta": {k: v for k, v in (stage.meta or {}).items() if k != "generated-by"},
    }


def snapshot(root: Path) -> dict[str, Any]:
    return {
        "list": dvc(root, "stage", "list"),
        "status": json.loads(dvc(root, "status", "--json")),
        "stages": pipeline_seen_by_dvc(root),
    }


def write_spec(repo: Repo, adoption: Adoption) -> None:
    spec = {
        "version": 1,
        "problem": {"task": "other"},
        "data": adoption.data,
        "params": adoption.params_files,
        "stages": adoption.stages,
        "pipeline": adoption.pipeline,
    }
    repo.write({"mlci.yaml": yaml.safe_dump(spec, sort_keys=False)})


def adopt_and_generate(repo: Repo, capsys: pytest.CaptureFixture[str]) -> Adoption:
    adoption = adopt_pipeline(repo.root)
    write_spec(repo, adoption)
    for command in (("validate",), ("generate",), ("generate", "--check")):
        result = repo.mlci(*command, capsys=capsys)
        assert result.code == 0, f"mlci {' '.join(command)}:\n{result.out}{result.err}"
    return adoption


@pytest.fixture
def rich_repo(repo: Repo) -> Repo:
    """Every feature: foreach, wdir, sections, cached and git metrics, two params files, frozen."""
    repo.write(RICH_FILES)
    dvc(repo.root, "init", "-q")
    with (repo.root / ".dvc" / "config").open("a") as config:
        config.write("['remote \"archive\"']\n    url = ../archive\n")
    dvc(repo.root, "add", "-q", "data/raw.csv")
    dvc(repo.root, "repro", "-q")
    # Frozen after its first run, as a team does with a stage it no longer wants to rerun.
    frozen = repo.read("dvc.yaml").replace(
        "    - legacy.txt\n", "    - legacy.txt\n    frozen: true\n"
    )
    repo.write({"dvc.yaml": frozen})
    repo.commit(message="the team's pipeline")
    return repo


@pytest.mark.slow
def test_a_rich_pipeline_is_adopted_and_dvc_sees_the_same_pipeline(
    rich_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(rich_repo.root)
    assert {"data/raw.csv.dvc", "per_lang@en", "per_lang@de", "legacy"} <= set(before["stages"])

    adoption = adopt_and_generate(rich_repo, capsys)

    after = snapshot(rich_repo.root)
    assert after["list"] == before["list"]  # same stages, order and descriptions
    assert after["status"] == before["status"]
    assert after["stages"] == before["stages"]

    imported = [name for name in RICH_STAGES if name != "per_lang"]
    assert list(adoption.stages) == imported
    assert adoption.data == [{"path": "data/raw.csv"}]
    assert adoption.params_files == ["params.yaml", "configs/model.yaml", "configs/bundle.yaml"]
    assert list(adoption.pipeline) == ["metrics", "plots", "params", "artifacts"]
    foreach, reads = adoption.left_to_user
    assert "'per_lang'" in foreach and "foreach" in foreach
    assert "'bundle' reads 'out/en.txt'" in reads and "'per_lang'" in reads

    text = rich_repo.read("dvc.yaml")
    for comment in RICH_COMMENTS:
        assert comment in text, f"the user's comment {comment!r} was lost"
    document = yaml.safe_load(text)
    assert list(document["stages"]) == RICH_STAGES
    managed = [name for name, s in document["stages"].items() if is_managed_stage(s)]
    assert managed == imported
    original = yaml.safe_load(RICH_DVC_YAML)
    assert document["stages"]["per_lang"] == original["stages"]["per_lang"]
    for section in ("metrics", "plots", "params", "artifacts"):
        assert document[section] == original[section]
    manifest = json.loads(rich_repo.read(".mlci/manifest.json"))
    assert sorted(manifest["sections"]) == ["artifacts", "metrics", "params", "plots"]
    assert sorted(manifest["stages"]) == sorted(imported)


def test_the_rich_pipeline_in_mlci_yaml_words(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text(RICH_DVC_YAML)
    stages = adopt_pipeline(tmp_path).stages
    assert stages["prepare"] == {
        "description": "Split the raw data into train and test",
        "cmd": "python tool.py data/raw.csv -- data/train.csv data/test.csv",
        "deps": ["tool.py", "data/raw.csv"],
        "params": ["prepare.split", "prepare.seed"],
        "outs": [
            "data/train.csv",
            {"path": "data/test.csv", "persist": True, "desc": "Held-out rows"},
        ],
    }
    assert stages["train"]["params"] == [
        "train",
        {"configs/model.yaml": ["model.depth", "model.width"]},
    ]
    assert stages["train"]["outs"] == [
        {"path": "model.pkl", "remote": "archive"},
        {"path": "checkpoints.bin", "push": False},
    ]
    # mlci keeps metrics and plots in git by default, DVC in its cache: the default is spelt out.
    assert stages["train"]["plots"] == [{"path": "history.csv", "x": "epoch", "y": "loss"}]
    assert stages["evaluate"]["metrics"] == ["metrics.json", {"path": "scores.json", "cache": True}]
    assert stages["evaluate"]["plots"] == [{"path": "roc.csv", "cache": True}]
    assert stages["evaluate"]["wdir"] == "reports"
    assert stages["bundle"]["params"] == [{"configs/bundle.yaml": None}]
    assert stages["bundle"]["always_changed"] is True
    assert stages["train"]["meta"] == {"owner": "ml-team"}


def test_comments_between_stages_survive_adoption(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write({**RICH_FILES, "out/en.txt": "EN", "out/de.txt": "DE"})
    adopt_and_generate(repo, capsys)
    text = repo.read("dvc.yaml")
    for comment in RICH_COMMENTS + RICH_COMMENTS_AFTER_ADOPTED_STAGES:
        assert comment in text, f"the user's comment {comment!r} was lost"


# A stage DVC runs the same, written as mlci would not write it, and a `${...}` stage.
HAND_WRITTEN_STAGES = """\
  report:
    cmd:
    - python tool.py model.bin -- report.txt
    deps:
    - model.bin
    outs:
    - report.txt:
        persist: false
  gate:
    cmd: python tool.py scores.json -- gate-${threshold}.txt
    deps:
    - scores.json
    outs:
    - gate-${threshold}.txt
"""


@pytest.mark.slow
def test_stages_written_by_dvc_are_adopted_and_the_rest_stays_the_users(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        {
            "tool.py": TOOL,
            "params.yaml": "featurize:\n  n: 2\nfit:\n  depth: 4\n",
            "extra.yaml": "alpha: 0.5\nbeta: 1\n",
        }
    )
    dvc(repo.root, "init", "-q")
    featurize = "-n featurize -p featurize.n -d tool.py -o features.csv"
    dvc(repo.root, "stage", "add", "-q", *featurize.split(), "python tool.py -- features.csv")
    fit = "-n fit -p fit.depth -p extra.yaml:alpha -d features.csv -o model.bin -M scores.json"
    dvc(
        repo.root,
        *["stage", "add", "-q", *fit.split(), "--plots-no-cache", "curve.csv"],
        "python tool.py features.csv -- model.bin scores.json curve.csv",
    )
    written = repo.read("dvc.yaml")
    repo.write({"dvc.yaml": "vars:\n- threshold: 0.5\n" + written + HAND_WRITTEN_STAGES})
    dvc(repo.root, "repro", "-q")
    repo.commit(message="pipeline")
    before = snapshot(repo.root)

    adoption = adopt_and_generate(repo, capsys)

    assert snapshot(repo.root) == before
    assert list(adoption.stages) == ["featurize", "fit"]
    assert adoption.stages["fit"]["metrics"] == ["scores.json"]
    assert adoption.stages["fit"]["plots"] == ["curve.csv"]
    assert adoption.params_files == ["params.yaml", "extra.yaml"]
    report, gate, variables = adoption.left_to_user
    assert report.startswith("stage 'report' means the same to DVC as what mlci would write")
    assert "cmd: python tool.py model.bin -- report.txt" in report
    assert "outs: [report.txt]" in report
    assert gate.startswith("stage 'gate' uses `${...}` interpolation")
    assert variables.startswith("top-level `vars:`")
    document = yaml.safe_load(repo.read("dvc.yaml"))
    assert list(document["stages"]) == ["featurize", "fit", "report", "gate"]
    assert [is_managed_stage(s) for s in document["stages"].values()] == [True, True, False, False]
    assert repo.read("dvc.yaml").endswith(HAND_WRITTEN_STAGES)


@pytest.mark.slow
def test_a_repository_with_only_dvc_files_gives_data_and_no_stages(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "registry"
    source.mkdir()
    (source / "shared.csv").write_text("x,y\n1,2\n")
    registry = Repo(source)
    subprocess.run(["git", "init", "-q", "-b", "main", str(source)], check=True)
    registry.git("config", "user.name", "mlci tests")
    registry.git("config", "user.email", "tests@mlci.invalid")
    dvc(source, "init", "-q")
    dvc(source, "add", "-q", "shared.csv")
    registry.commit(message="registry")
    (tmp_path / "remote.txt").write_text("hello\n")

    repo.write({"data/raw/images.txt": "img\n", "data/README.md": "Data.\n"})
    dvc(repo.root, "init", "-q")
    dvc(repo.root, "add", "-q", "data/raw")
    dvc(
        repo.root,
        "import",
        "-q",
        str(source),
        "shared.csv",
        "-o",
        "data/shared.csv",
        "--rev",
        "main",
    )
    dvc(repo.root, "import-url", "-q", str(tmp_path / "remote.txt"), "data/remote.txt")
    repo.commit(message="data")
    # No dvc.yaml yet, so no `dvc stage list`: the .dvc files are the whole pipeline.
    before = (dvc(repo.root, "status", "--json"), pipeline_seen_by_dvc(repo.root))

    adoption = adopt_pipeline(repo.root)

    assert adoption.stages == {} and adoption.pipeline == {}
    assert adoption.params_files == [] and adoption.left_to_user == []
    assert adoption.data == [
        {"path": "data/raw"},
        {"path": "data/remote.txt", "url": str(tmp_path / "remote.txt")},
        {
            "path": "data/shared.csv",
            "import": {"repo": str(source), "path": "shared.csv", "rev": "main"},
        },
    ]
    write_spec(repo, adoption)
    assert repo.mlci("validate", capsys=capsys).code == 0
    assert repo.mlci("generate", capsys=capsys).code == 0
    assert yaml.safe_load(repo.read("dvc.yaml"))["stages"] == {}
    assert (dvc(repo.root, "status", "--json"), pipeline_seen_by_dvc(repo.root)) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stages:\n  a: [unclosed\n", "cannot read it (line 3, column 1: not valid YAML"),
        ("stages:\n\tprepare: {}\n", "cannot read it (line 2, column 1: not valid YAML"),
        ("- a\n- b\n", "is not a mapping of keys"),
        ("stages:\n- a\n", "`stages:` is not a mapping of stage names"),
        (b"stages: \xff\n", "cannot read it"),
        (
            "stages:\n  a: {cmd: echo}\n  a: {cmd: echo}\n",
            "cannot read it (line 3, column 3: not valid YAML (found duplicate key",
        ),
        (
            "stages:\n  a: &a [1]\n" + "".join(f"  b{i}: [*a, *a]\n" for i in range(1001)),
            "aliases",
        ),
    ],
)
def test_an_unreadable_dvc_yaml_is_a_one_line_usage_error(
    tmp_path: Path, text: str | bytes, expected: str
) -> None:
    path = tmp_path / "dvc.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(UsageError) as error:
        adopt_pipeline(tmp_path)
    message = str(error.value)
    assert message.startswith("dvc.yaml: ") and expected in message
    assert "\n" not in message


def test_a_dvc_yaml_that_is_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").mkdir()
    with pytest.raises(UsageError, match=r"^dvc\.yaml: cannot read it \("):
        adopt_pipeline(tmp_path)


def adopt_text(tmp_path: Path, text: str) -> Adoption:
    (tmp_path / "dvc.yaml").write_text(text)
    return adopt_pipeline(tmp_path)


@pytest.mark.parametrize(
    ("stage", "reason"),
    [
        ("matrix: {x: [1, 2]}\n    cmd: echo ${item.x}", "uses DVC templating (`matrix`)"),
        ("cmd: echo ${x}\n    vars: [{x: 1}]", "uses DVC templating (`vars`)"),
        ("cmd: echo ${x}", "uses `${...}` interpolation"),
        (
            "cmd: echo\n    outs: [{model.pkl: {type: model}}]",
            "options mlci.yaml cannot express: type",
        ),
        ("cmd: echo\n    plots: [{p.csv: {header: true}}]", "cannot express: header"),
        ("cmd: echo\n    plots: [{p.csv: [{x: a}, {x: b}]}]", "options that are not a mapping"),
        ("cmd: echo\n    deps: [s3://bucket/raw.csv]", "(a URL)"),
        ("cmd: echo\n    outs: [/tmp/model.pkl]", "outside the repository"),
        ("cmd: echo\n    wdir: src\n    deps: [../../x]", "outside the repository"),
        ("cmd: echo\n    md5: abc", "keys mlci.yaml cannot express: md5"),
        ("cmd: echo\n    meta: just a note", "does not fit mlci.yaml (meta:"),
        ("cmd: echo\n    meta: {since: 2024-01-31}", "cannot keep (such as dates)"),
        ("cmd: [echo]", "written differently (mlci writes cmd: echo;"),
        ("cmd: echo\n    wdir: .", "(mlci writes no `wdir`;"),
        ("cmd: echo\n    frozen: false", "(mlci writes no `frozen`;"),
        ("cmd: echo\n    params: [{params.yaml: [lr]}]", "(mlci writes params: [lr];"),
        ("cmd: echo\n    params: [{b.yaml: [x]}, lr]", "params: [lr, {b.yaml: [x]}]"),
        ("cmd: echo\n    outs: [{m.pkl: {cache: true}}]", "(mlci writes outs: [m.pkl];"),
        ("cmd: echo\n    metrics: [{m.json: {cache: true}}]", "(mlci writes metrics: [m.json];"),
        ("cmd: echo\n    meta: {}", "(mlci writes no `meta`;"),
    ],
)
def test_stages_mlci_cannot_take_over_as_they_are_stay_the_users(
    tmp_path: Path, stage: str, reason: str
) -> None:
    adoption = adopt_text(tmp_path, f"stages:\n  s:\n    {stage}\n")
    assert adoption.stages == {}
    (sentence,) = adoption.left_to_user
    assert sentence.startswith("stage 's' ") and reason in sentence
    assert sentence.endswith("it stays in dvc.yaml as your own stage and DVC keeps running it")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("stages:\n  1st: {cmd: echo}\n", "stage '1st' has a name mlci.yaml does not allow"),
        ("stages:\n  s: echo\n", "stage 's' is not a mapping of keys"),
        ("plots:\n- ${plot}\n", "top-level `plots:` uses `${...}` interpolation"),
        ("metrics:\n- {a: b}\n", "top-level `metrics:` does not fit mlci.yaml"),
        ("artifacts:\n  m: {path: m.pkl, labels: []}\n", "top-level `artifacts:` means the same"),
        ("datasets:\n- {name: d, type: dvc, url: x}\n", "top-level `datasets:` of dvc.yaml"),
    ],
)
def test_parts_of_dvc_yaml_left_to_the_user_are_named(
    tmp_path: Path, text: str, reason: str
) -> None:
    adoption = adopt_text(tmp_path, text)
    assert adoption.stages == {} and adoption.pipeline == {}
    assert [s for s in adoption.left_to_user if reason in s], adoption.left_to_user


def test_text_yaml_1_1_reads_as_booleans_or_numbers_stays_text(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write({"dvc.yaml": "stages:\n  s:\n    cmd: yes\n    desc: on\n    meta: {at: 1:30}\n"})
    adoption = adopt_and_generate(repo, capsys)
    assert adoption.stages == {"s": {"description": "on", "cmd": "yes", "meta": {"at": "1:30"}}}
    assert is_managed_stage(yaml.safe_load(repo.read("dvc.yaml"))["stages"]["s"])


def test_mlcis_marker_is_not_imported_as_the_users_meta(tmp_path: Path) -> None:
    adoption = adopt_text(
        tmp_path,
        "stages:\n"
        "  a: {cmd: echo a, meta: {generated-by: mlci}}\n"
        "  b: {cmd: echo b, meta: {owner: me, generated-by: mlci}}\n",
    )
    assert adoption.stages == {
        "a": {"cmd": "echo a"},
        "b": {"cmd": "echo b", "meta": {"owner": "me"}},
    }


def test_dvc_files_it_cannot_read_are_named_and_nested_pipelines_too(tmp_path: Path) -> None:
    files = {
        "broken.dvc": "outs: [unclosed\n",
        "old.dvc": "cmd: python make.py\nouts:\n- path: made.txt\n",
        "sub/dvc.yaml": "stages: {}\n",
        "sub/data.txt.dvc": "outs:\n- path: data.txt\n  desc: Raw rows\n",
        ".git/ignored.dvc": "outs:\n- path: x\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    adoption = adopt_pipeline(tmp_path)
    assert adoption.data == [{"path": "sub/data.txt", "description": "Raw rows"}]
    broken, old, nested = adoption.left_to_user
    assert broken.startswith("broken.dvc: cannot be read as YAML")
    assert old.startswith("old.dvc: is a single-stage pipeline file")
    assert nested.startswith("sub/dvc.yaml: mlci manages only the dvc.yaml")


# --- every stage mlci renders comes back as the same stage --------------------------------

paths = st.from_regex(r"[a-z][a-z0-9_]{0,6}(/[a-z0-9_]{1,6}){0,2}(\.[a-z]{1,4})?", fullmatch=True)
# Any text, and text that YAML 1.1 (PyYAML) would read as something else than DVC does. No
# U+0085 (NEL): ruamel.yaml 0.19 writes "0\x85" as '0\x85      ', which it reads back as "0 ".
free_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x85"), max_size=20),
    st.sampled_from(["yes", "No", "on", "OFF", "y", "1:30", "1e3", "010", "0o10", "~", "null"]),
).filter(lambda t: "${" not in t)
keys = st.from_regex(r"[a-z]{1,5}(\.[a-z]{1,5}){0,2}", fullmatch=True)


@st.composite
def output_entries(draw: st.DrawFn, plots: bool) -> Any:
    path = draw(paths)
    options: dict[str, Any] = {
        "cache": draw(st.booleans()),
        "persist": draw(st.booleans()),
        "push": draw(st.booleans()),
        "remote": draw(st.none() | st.sampled_from(["archive", "s3"])),
        "desc": draw(st.none() | free_text),
    }
    if plots:
        options |= {k: draw(st.none() | free_text) for k in ("x", "y", "template", "title")}
    chosen = draw(st.lists(st.sampled_from(sorted(options)), unique=True))
    return {"path": path, **{k: options[k] for k in chosen}} if chosen else path


@st.composite
def spec_stages(draw: st.DrawFn) -> Stage:
    params = draw(
        st.lists(
            keys
            | st.dictionaries(
                st.sampled_from(["a.yaml", "c/b.yaml"]),
                st.none() | st.lists(keys, min_size=1),
                min_size=1,
                max_size=1,
            ),
            max_size=4,
        )
    )
    return Stage.model_validate(
        {
            "cmd": draw(st.lists(free_text.filter(str.strip), min_size=1, max_size=3)),
            "description": draw(free_text),
            "wdir": draw(st.sampled_from([".", "src", "a/b"])),
            "deps": draw(st.lists(paths, max_size=3)),
            "params": params,
            "outs": draw(st.lists(output_entries(False), max_size=2)),
            "metrics": draw(st.lists(output_entries(False), max_size=2)),
            "plots": draw(st.lists(output_entries(True), max_size=2)),
            "always_changed": draw(st.booleans()),
            "frozen": draw(st.booleans()),
            "meta": draw(st.dictionaries(keys, st.integers() | free_text, max_size=2)),
        }
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stage=spec_stages(), marked=st.booleans())
def test_every_stage_mlci_writes_is_adopted_back_unchanged(stage: Stage, marked: bool) -> None:
    rendered = render_stage(stage)
    if not marked:  # as a user who copied mlci's stage would have it
        meta = {k: v for k, v in rendered.pop("meta").items() if k != "generated-by"}
        if meta:
            rendered["meta"] = meta
    document = DvcYamlDocument.parse(None)  # written as mlci writes dvc.yaml
    document.replace_stage("s", rendered)
    with TemporaryDirectory() as folder:
        adoption = adopt_text(Path(folder), document.dump())
    assert adoption.left_to_user == []
    assert render_stage(Stage.model_validate(adoption.stages["s"])) == render_stage(stage)
