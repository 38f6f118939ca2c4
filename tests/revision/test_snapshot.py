"""RevisionReader: what a commit or the workspace holds, read from git, disk and the DVC cache.

These repositories are real git repositories; the DVC cache is written in DVC 3's on-disk
layout (the same bytes `dvc repro` writes, checked against real DVC in test_diff.py).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlci.dvc.config import read_dvc_config
from mlci.gitbatch import GitObjects
from mlci.revision import pipelines
from mlci.revision.snapshot import (
    BrokenPipelineFile,
    MetricsFile,
    RevisionReader,
    snapshots,
)
from tests.conftest import Repo

PIPELINE = """\
stages:
  train:
    cmd: python train.py
    wdir: src
    deps: [train.py]
    params: [train]
    metrics:
    - ../metrics.json:
        cache: false
    - ../cached.json
  report:
    cmd: python report.py
    outs: [report]
metrics: [summary.yaml]
"""


def md5(content: bytes) -> str:
    return hashlib.md5(content).hexdigest()


def put_object(store: Path, content: bytes, *, legacy: bool = False) -> str:
    """Store `content` as DVC does: files/md5/ab/cdef... (DVC 2: ab/cdef... at the top)."""
    digest = md5(content)
    folder = store if legacy else store / "files" / "md5"
    path = folder / digest[:2] / digest[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return digest


def lock(outs: dict[str, str], *, params: str = "0.1", legacy: bool = False) -> str:
    """A dvc.lock for PIPELINE's train stage (paths relative to its wdir, src)."""
    hashed = "" if legacy else "      hash: md5\n"
    lines = "".join(
        f"    - path: ../{path}\n{hashed}      md5: {digest}\n      size: 10\n"
        for path, digest in outs.items()
    )
    return (
        "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n"
        "    - path: train.py\n      hash: md5\n      md5: 0123456789abcdef0123456789abcdef\n"
        f"    params:\n      ../params.yaml:\n        train:\n          lr: {params}\n"
        f"    outs:\n{lines}"
    )


@pytest.fixture
def reader(repo: Repo) -> Iterator[RevisionReader]:
    with GitObjects(repo.root) as objects:
        yield RevisionReader(repo.root, objects)


def test_metrics_files_follow_that_revisions_dvc_yaml(repo: Repo, reader: RevisionReader) -> None:
    first = repo.commit({"dvc.yaml": PIPELINE})
    second = repo.commit({"dvc.yaml": "stages: {}\nmetrics: [other.json]\n"})
    assert reader.metrics_files(first) == [
        MetricsFile("metrics.json", cached=False),  # wdir-relative ../metrics.json
        MetricsFile("cached.json", cached=True),  # DVC's default: cache: true
        MetricsFile("summary.yaml", cached=False),  # top-level, not an output
    ]
    assert reader.metrics_files(second) == [MetricsFile("other.json", cached=False)]
    assert reader.dvc_yaml(first) is not None and reader.dvc_lock(first) is None


def test_committed_metrics_nested_keys_yaml_and_toml(repo: Repo, reader: RevisionReader) -> None:
    spec = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {m.json: {cache: false}}\n" + (
        "    - {m.yaml: {cache: false}}\n    - {m.toml: {cache: false}}\n"
    )
    sha = repo.commit(
        {
            "dvc.yaml": spec,
            "m.json": '{"test": {"acc": 0.9, "per_class": [1, 2]}, "loss": 1}',
            "m.yaml": "val:\n  acc: 0.8\n",
            "m.toml": "[train]\nacc = 0.7\n",
        }
    )
    repo.write({"m.json": '{"test": {"acc": 0.95}}'})  # the workspace differs from HEAD
    committed = reader.read_metrics(sha)
    assert {path: read.values for path, read in committed.items()} == {
        "m.json": {"test.acc": 0.9, "loss": 1},
        "m.toml": {"train.acc": 0.7},
        "m.yaml": {"val.acc": 0.8},
    }
    assert {read.source for read in committed.values()} == {"git"}
    workspace = reader.read_metrics(None)
    assert workspace["m.json"].values == {"test.acc": 0.95}
    assert workspace["m.json"].source == "workspace"


def test_cached_metrics_come_from_the_dvc_cache_by_the_lock_md5(
    repo: Repo, reader: RevisionReader
) -> None:
    content = b'{"auc": 0.75}'
    digest = put_object(repo.root / ".dvc" / "cache", content)
    sha = repo.commit(
        {
            "dvc.yaml": PIPELINE,
            "dvc.lock": lock({"cached.json": digest}),
            ".gitignore": "/cached.json\n",
        }
    )
    read = reader.read_metrics(sha)["cached.json"]
    assert (read.state, read.values, read.source, read.md5) == (
        "found",
        {"auc": 0.75},
        "cache",
        digest,
    )
    # The workspace has no copy of the file: DVC would read it from the cache too.
    assert reader.read_metrics(None)["cached.json"].values == {"auc": 0.75}


def test_dvc2_entries_cache_dir_and_local_remote(repo: Repo, tmp_path: Path) -> None:
    cache, remote = tmp_path / "elsewhere", tmp_path / "remote"
    legacy = put_object(cache, b'{"acc": 0.5}', legacy=True)  # DVC 2: no `hash: md5` in the lock
    (repo.root / ".dvc").mkdir()
    (repo.root / ".dvc" / "config").write_text(f"[cache]\n    dir = {cache}\n")
    sha = repo.commit(
        {"dvc.yaml": PIPELINE, "dvc.lock": lock({"cached.json": legacy}, legacy=True)}
    )
    pushed = put_object(remote, b'{"acc": 0.25}')
    (repo.root / ".dvc" / "config.local").write_text(
        f"[core]\n    remote = storage\n['remote \"storage\"']\n    url = {remote}\n"
    )
    later = repo.commit({"dvc.lock": lock({"cached.json": pushed})})
    with GitObjects(repo.root) as objects:
        reader = RevisionReader(repo.root, objects)
        assert reader.read_metrics(sha)["cached.json"].values == {"acc": 0.5}
        from_remote = reader.read_metrics(later)["cached.json"]
    assert (from_remote.values, from_remote.source) == ({"acc": 0.25}, "remote")
    assert read_dvc_config(repo.root)['remote "storage"'] == {"url": str(remote)}


def test_states_say_why_there_are_no_values(repo: Repo, reader: RevisionReader) -> None:
    bare = repo.commit({"README": "no pipeline yet"})
    missing = "feedfacefeedfacefeedfacefeedface"
    sha = repo.commit(
        {
            "dvc.yaml": PIPELINE,
            "dvc.lock": lock({"cached.json": missing}),
            "summary.yaml": "- a list\n- not metrics\n",
        }
    )
    assert reader.read_metrics(bare, also=["metrics.json"])["metrics.json"].state == "no-pipeline"
    reads = reader.read_metrics(sha)
    assert reads["metrics.json"].state == "absent"
    assert "never committed" in reads["metrics.json"].message
    assert reads["cached.json"].state == "not-in-cache"
    assert missing in reads["cached.json"].message
    assert "dvc pull" in reads["cached.json"].message
    assert "dvc push" in reads["cached.json"].message
    assert reads["summary.yaml"].state == "unreadable"
    assert "holds" in reads["summary.yaml"].message and "list" in reads["summary.yaml"].message


def test_a_cached_output_without_a_lock_entry_was_never_reproduced(
    repo: Repo, reader: RevisionReader
) -> None:
    sha = repo.commit({"dvc.yaml": PIPELINE})
    read = reader.read_metrics(sha)["cached.json"]
    assert read.state == "absent"
    assert "never reproduced and committed" in read.message
    assert reader.read_metrics(None)["metrics.json"].message.endswith(
        "run `mlci run` to produce it"
    )


def test_undeclared_files_are_read_only_on_request(repo: Repo, reader: RevisionReader) -> None:
    sha = repo.commit({"dvc.yaml": "stages: {}\n", "old.json": '{"a": 1}'})
    assert reader.read_metrics(sha) == {}
    asked = reader.read_metrics(sha, also=["old.json", "new.json"])
    assert (asked["old.json"].values, asked["old.json"].declared) == ({"a": 1}, False)
    assert asked["new.json"].state == "absent"
    assert "a new metrics file" in asked["new.json"].message


def test_a_metrics_folder_gives_each_file(repo: Repo, reader: RevisionReader) -> None:
    spec = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {eval: {cache: false}}\n"
    sha = repo.commit({"dvc.yaml": spec, "eval/a.json": '{"x": 1}', "eval/sub/b.yaml": "y: 2\n"})
    for rev in (sha, None):
        reads = reader.read_metrics(rev)
        assert {p: r.values for p, r in reads.items()} == {
            "eval/a.json": {"x": 1},
            "eval/sub/b.yaml": {"y": 2},
        }


def test_a_metrics_folder_has_rows_for_its_files_only(repo: Repo, reader: RevisionReader) -> None:
    spec = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {eval: {cache: false}}\n"
    base = repo.commit({"dvc.yaml": spec, "eval/a.json": '{"x": 1}', "eval/b.json": '{"y": 2}'})
    repo.git("rm", "-q", "-r", "eval")
    target = repo.commit(message="the folder is gone")
    old, new = snapshots(reader, (base, "main"), (target, "HEAD"))
    assert set(old.metrics) == set(new.metrics) == {"eval/a.json", "eval/b.json"}
    # The target declares the folder but lacks it: each file takes the folder's reason.
    assert {read.state for read in new.metrics.values()} == {"absent"}
    assert all(read.declared for read in new.metrics.values())
    both_lack = snapshots(reader, (target, "main"), (target, "HEAD"))[1].metrics
    assert list(both_lack) == ["eval"]  # no file on either side: one entry for the folder


def test_params_outputs_and_stage_inputs(repo: Repo, reader: RevisionReader) -> None:
    data = b"a,b\n1,2\n"
    tracked = f"outs:\n- md5: {md5(data)}\n  size: 8\n  hash: md5\n  path: raw.csv\n"
    first = repo.commit(
        {
            "dvc.yaml": PIPELINE,
            "dvc.lock": lock({"cached.json": "a" * 32}),
            "params.yaml": "train:\n  lr: 0.1\n  layers: [64, 32]\n  opt: {name: adam}\n",
            "data/raw.csv.dvc": tracked,
        }
    )
    second = repo.commit(
        {
            "dvc.lock": lock({"cached.json": "b" * 32}, params="0.2"),
            "params.yaml": "train:\n  lr: 0.2\n",
        }
    )
    assert reader.params(first) == {
        "params.yaml": {"train.lr": 0.1, "train.layers": [64, 32], "train.opt.name": "adam"}
    }
    outputs = reader.outputs(first)
    assert set(outputs) == {"cached.json", "data/raw.csv"}
    assert outputs["data/raw.csv"].stage == "data/raw.csv.dvc"
    assert (outputs["data/raw.csv"].md5, outputs["data/raw.csv"].size) == (md5(data), 8)
    assert outputs["cached.json"].stage == "train"
    before, after = reader.stage_inputs(first)["train"], reader.stage_inputs(second)["train"]
    assert before.params == {"params.yaml": {"train.lr": 0.1}}
    assert before.deps == {"src/train.py": "0123456789abcdef0123456789abcdef"}
    assert before.digest != after.digest


def test_workspace_lists_dvc_files_git_does_not_ignore(repo: Repo, reader: RevisionReader) -> None:
    repo.commit({"dvc.yaml": "stages: {}\n"})
    repo.write({"new.csv.dvc": "outs:\n- md5: " + "c" * 32 + "\n  path: new.csv\n"})
    repo.write({".gitignore": "/ignored/\n", "ignored/x.dvc": "outs:\n- path: x\n  md5: d\n"})
    assert set(reader.outputs(None)) == {"new.csv"}


def test_snapshots_read_both_sides_at_every_declared_file(
    repo: Repo, reader: RevisionReader
) -> None:
    base = repo.commit({"dvc.yaml": "stages: {}\n"})
    spec = "stages:\n  s:\n    cmd: x\n    metrics:\n    - {m.json: {cache: false}}\n"
    target = repo.commit({"dvc.yaml": spec, "m.json": json.dumps({"acc": 1})})
    old, new = snapshots(reader, (base, "main"), (target, "HEAD"), extra=["spec.json"])
    assert set(old.metrics) == set(new.metrics) == {"m.json", "spec.json"}
    assert not old.metrics["m.json"].declared and new.metrics["m.json"].declared
    assert (old.label, new.revision, old.has_pipeline, old.has_lock) == (
        "main",
        target,
        True,
        False,
    )


@pytest.mark.parametrize("name", ["dvc.yaml", "dvc.lock"])
def test_a_pipeline_file_that_is_not_yaml_fails_the_revision(
    repo: Repo, reader: RevisionReader, name: str
) -> None:
    good = repo.commit({"dvc.yaml": PIPELINE})
    broken = repo.commit({name: "stages:\n  train:\n    cmd: x\n\nMALFORMED!\n"})
    with pytest.raises(BrokenPipelineFile, match=f"^{name} at commit {broken[:12]} cannot be"):
        snapshots(reader, (good, "main"), (broken, "HEAD"))
    repo.write({name: "- a list\n"})
    with pytest.raises(BrokenPipelineFile, match=r"the workspace .* holds list, not a mapping"):
        reader.snapshot(None, "workspace")
    assert reader.dvc_yaml(good) is not None  # the other revision reads as before


def test_an_empty_dvc_yaml_is_a_pipeline_of_nothing(repo: Repo, reader: RevisionReader) -> None:
    sha = repo.commit({"dvc.yaml": ""})
    assert reader.dvc_yaml(sha) == {}
    assert reader.snapshot(sha, "HEAD").has_pipeline


def test_params_read_whole_or_only_the_keys_stages_track(
    repo: Repo, reader: RevisionReader
) -> None:
    stages = """\
stages:
  a:
    cmd: x
    params: [lr, {other.yaml: [train, seed]}, {whole.yaml: null}]
  b:
    cmd: y
    params: [{other.json: []}, {top.yaml: [kept]}]
params: [top.yaml]
"""
    sha = repo.commit(
        {
            "dvc.yaml": stages,
            "params.yaml": "lr: 1\nunused: 2\n",  # the default file: always whole
            "other.yaml": "train: {lr: 0.1, depth: 3}\nseed: 7\nunused: 1\n",
            "whole.yaml": "a: 1\nb: 2\n",
            "other.json": '{"c": 3}',  # no keys: the whole file
            "top.yaml": "kept: 1\nalso: 2\n",  # top-level params: whole, whatever a stage names
        }
    )
    assert reader.params(sha) == {
        "params.yaml": {"lr": 1, "unused": 2},
        "other.yaml": {"train.lr": 0.1, "train.depth": 3, "seed": 7},
        "whole.yaml": {"a": 1, "b": 2},
        "other.json": {"c": 3},
        "top.yaml": {"kept": 1, "also": 2},
    }


def test_params_py_is_read_as_dvc_reads_it_never_run(repo: Repo, reader: RevisionReader) -> None:
    code = (
        "import os\nLR = 0.1\nEPOCHS: int = 3\nNAME = os.environ['HOME']\na = b = 1\n"
        "open('ran', 'w')\n\nclass Model:\n    depth = 2\n"
        "    def __init__(self):\n        self.width = 8\n        local = 1\n"
    )
    stages = "stages:\n  s:\n    cmd: x\n    params: [{params.py: []}, {broken.py: [x]}]\n"
    sha = repo.commit({"dvc.yaml": stages, "params.py": code, "broken.py": "x = (\n"})
    snapshot = reader.snapshot(sha, "HEAD")
    assert snapshot.params == {
        "params.py": {"LR": 0.1, "EPOCHS": 3, "Model.depth": 2, "Model.width": 8}
    }
    assert any(
        "broken.py at commit" in note and "not valid Python" in note for note in snapshot.notes
    )
    assert not (repo.root / "ran").exists()


def test_a_params_py_of_bulk_data_is_refused_before_it_is_parsed(
    repo: Repo, reader: RevisionReader
) -> None:
    # 400,000 tokens: Python's parser would take some 500 MB and seconds for them.
    stages = "stages:\n  s:\n    cmd: x\n    params: [{params.py: []}]\n"
    sha = repo.commit({"dvc.yaml": stages, "params.py": "x = [" + "0," * 200_000 + "]\n"})
    snapshot = reader.snapshot(sha, "HEAD")
    assert snapshot.params == {}
    assert any("cap of 100,000 Python tokens" in note for note in snapshot.notes)


def test_dvc_tracked_params_come_from_the_cache_and_folders_give_each_file(
    repo: Repo, reader: RevisionReader
) -> None:
    cache = repo.root / ".dvc" / "cache"
    hp = put_object(cache, b"lr: 0.1\nunused: 1\n")
    a, b = put_object(cache, b"depth: 2\n"), put_object(cache, b"width: 8\n")
    listing = json.dumps([{"md5": a, "relpath": "a.yaml"}, {"md5": b, "relpath": "sub/b.yaml"}])
    folder = md5(listing.encode())  # DVC keeps a folder's listing as <md5>.dir
    (cache / "files" / "md5" / folder[:2] / f"{folder[2:]}.dir").parent.mkdir(exist_ok=True)
    (cache / "files" / "md5" / folder[:2] / f"{folder[2:]}.dir").write_text(listing)
    stages = "stages:\n  s:\n    cmd: x\n    params: [{hp.yaml: [lr]}, {conf: []}]\n"
    sha = repo.commit(
        {
            "dvc.yaml": stages,
            "hp.yaml.dvc": f"outs:\n- md5: {hp}\n  hash: md5\n  path: hp.yaml\n",
            "conf.dvc": f"outs:\n- md5: {folder}.dir\n  hash: md5\n  path: conf\n",
            ".gitignore": "/hp.yaml\n/conf\n",
        }
    )
    assert reader.params(sha) == {
        "hp.yaml": {"lr": 0.1},
        "conf/a.yaml": {"depth": 2},
        "conf/sub/b.yaml": {"width": 8},
    }
    (cache / "files" / "md5" / hp[:2] / hp[2:]).unlink()
    with GitObjects(repo.root) as objects:
        snapshot = RevisionReader(repo.root, objects).snapshot(sha, "HEAD")
    assert set(snapshot.params) == {"conf/a.yaml", "conf/sub/b.yaml"}
    assert any(n.startswith("hp.yaml is a DVC output") and "dvc pull" in n for n in snapshot.notes)


# --- several pipelines, templating ---------------------------------------------------------

SUB_PIPELINE = """\
stages:
  evaluate:
    cmd: python evaluate.py
    params: [depth]
    metrics:
    - m.json:
        cache: false
metrics: [../top.json]
"""


def test_every_dvc_yaml_is_read_relative_to_its_folder(repo: Repo, reader: RevisionReader) -> None:
    files = {
        "dvc.yaml": "stages:\n  train:\n    cmd: x\n    metrics: [{m.json: {cache: false}}]\n",
        "m.json": '{"acc": 0.5}',
        "sub/dvc.yaml": SUB_PIPELINE,
        "sub/dvc.lock": "schema: '2.0'\nstages:\n  evaluate:\n    cmd: python evaluate.py\n",
        "sub/m.json": '{"auc": 0.6}',
        "sub/params.yaml": "depth: 2\nunused: 1\n",
        "top.json": '{"n": 3}',
        # Never read: a DVC subrepo (its own .dvc folder), and DVC's own folder.
        "nested/.dvc/config": "",
        "nested/dvc.yaml": "metrics: [no.json]\n",
        ".dvc/dvc.yaml": "metrics: [no.json]\n",
    }
    sha = repo.commit(files)
    for rev in (sha, None):
        snapshot = reader.snapshot(rev, "HEAD")
        assert {p: r.values for p, r in snapshot.metrics.items()} == {
            "m.json": {"acc": 0.5},
            "sub/m.json": {"auc": 0.6},
            "top.json": {"n": 3},
        }
        assert snapshot.params == {"sub/params.yaml": {"depth": 2}}
        assert list(snapshot.stages) == ["sub/dvc.yaml:evaluate"]  # DVC's address
        assert snapshot.has_lock


def test_a_broken_dvc_yaml_below_the_root_fails_the_revision(
    repo: Repo, reader: RevisionReader
) -> None:
    sha = repo.commit({"dvc.yaml": "stages: {}\n", "sub/dvc.yaml": "stages:\n- [\n"})
    with pytest.raises(BrokenPipelineFile, match=r"^sub/dvc\.yaml at commit"):
        reader.snapshot(sha, "HEAD")


def test_a_commit_is_read_through_its_trees_by_one_git_process(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"f{n}/dvc.yaml": "metrics: [m.json]\n" for n in range(30)}
    files.update({f"f{n}/m.json": f'{{"v": {n}}}' for n in range(30)})
    sha = repo.commit(files)
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def counting_popen(args: list[str], *rest: object, **kw: object) -> object:
        started.append(list(args))
        return real_popen(args, *rest, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    with GitObjects(repo.root) as objects:
        metrics = RevisionReader(repo.root, objects).read_metrics(sha)
    assert len(metrics) == 30
    assert [args[1] for args in started if args[0] == "git"] == ["rev-parse", "cat-file"]


TEMPLATED_PIPELINES = [
    {
        "vars": ["vars.yaml", {"name": "m.json", "flag": True}],
        "stages": {
            "build": {"foreach": "${models}", "do": {"cmd": "fit --epochs ${item.epochs} ${key}"}},
            "train": {
                "cmd": "python train.py --lr ${lr} ${flag}",
                "wdir": "${out}",
                "metrics": [{"${name}": {"cache": False}}],
                "params": [{"${out}/p.yaml": ["${key_name}"]}],
            },
            "grid": {"matrix": {"x": [1, 2], "opt": ["adam", "sgd"]}, "cmd": "echo ${item.x}"},
            "each": {"foreach": ["a", "b"], "do": {"cmd": "echo ${item}", "outs": ["${item}.txt"]}},
            "rows": {"foreach": [{"n": 1}, {"n": 2}], "do": {"cmd": "echo ${item.n}"}},
            "own": {"vars": [{"local": 3}], "cmd": "echo ${local} ${lr}"},
            "escaped": {"cmd": "echo \\${lr}"},
        },
        "metrics": ["${out}/top.json"],
        "params": ["${out}/${name}"],
    },
    {"stages": {"plain": {"cmd": "echo", "deps": ["a"]}}, "metrics": ["m.json"]},
]


@pytest.mark.parametrize("document", TEMPLATED_PIPELINES)
def test_templating_resolves_as_dvc_parsing_does(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    document: dict,  # type: ignore[type-arg]
) -> None:
    """mlci's resolver against DVC's own DataResolver, in process, on the same files."""
    from dvc.parsing import DataResolver
    from dvc.repo import Repo as DvcRepo

    from mlci.dvc.dvcfile import resolve_pipeline

    files = {
        "params.yaml": {"lr": 0.1, "out": "results", "key_name": "depth"},
        "vars.yaml": {"models": {"small": {"epochs": 3}, "big": {"epochs": 30}}},
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    # In a child: DVC's logger keeps the stream of the first test that set it up, which
    # pytest has closed by now when another in-process DVC test ran on this worker first.
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)  # DVC names vars files from the working directory
    theirs = DataResolver(DvcRepo(str(tmp_path)), str(tmp_path), document)
    ours = resolve_pipeline(document, files.get, templated=True)
    assert ours.problems == []
    assert list(ours.stages) == theirs.get_keys()
    for name, stage in ours.stages.items():
        assert dict(stage.data) == theirs.resolve_one(name)[name]
        assert stage.tracked == dict(theirs.tracked_vars.get(name, {}))
    assert ours.metrics == theirs.resolve_metrics()
    assert ours.params == theirs.resolve_params()


@pytest.mark.parametrize(
    ("stage", "problem", "who"),
    [
        (
            {"cmd": "echo ${nope}", "metrics": ["a.json"]},
            "stage 'broken' cannot be resolved (could not find 'nope'",
            "DVC cannot read that revision either",
        ),
        (
            {"matrix": {f"k{i}": list(range(10)) for i in range(5)}, "cmd": "x"},
            "stage 'broken' cannot be resolved (it would generate more than",
            "mlci stops",
        ),
    ],
    ids=["missing-var", "over-the-cap"],
)
def test_a_template_that_does_not_resolve_fails_the_revision(
    repo: Repo, reader: RevisionReader, stage: dict[str, Any], problem: str, who: str
) -> None:
    """As DVC fails it: the stages that do resolve are not read as the whole pipeline."""
    pipeline = {"stages": {"broken": stage, "fine": {"cmd": "echo", "metrics": ["b.json"]}}}
    sha = repo.commit({"dvc.yaml": json.dumps(pipeline), "b.json": '{"v": 1}'})
    with pytest.raises(BrokenPipelineFile) as raised:
        reader.snapshot(sha, "HEAD")
    assert problem in str(raised.value)
    assert f"{who}: fix dvc.yaml there, or compare with another commit" in str(raised.value)


def test_vars_stages_use_are_params_as_dvc_reports_them(repo: Repo, reader: RevisionReader) -> None:
    pipeline = {
        "vars": ["hp.yaml"],
        "stages": {"fit": {"cmd": "fit --lr ${train.lr} --seed ${seed}"}},
    }
    sha = repo.commit(
        {
            "dvc.yaml": json.dumps(pipeline),
            "hp.yaml": "train: {lr: 0.1, unused: 1}\n",
            "params.yaml": "seed: 7\nother: 1\n",  # read whole already: not again as vars
        }
    )
    assert reader.params(sha) == {
        "params.yaml": {"seed": 7, "other": 1},
        "hp.yaml": {"train.lr": 0.1},
    }


def test_the_stage_list_is_built_once_per_revision(
    repo: Repo, reader: RevisionReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every question about stages (outputs, params, metrics, stage inputs) asks for the
    stage list; at 1,000 stages building it per question cost 10^6 steps."""
    count = 1000
    stages = {
        f"s{i}": {"cmd": "x", "params": [f"p.s{i}"], "metrics": [{f"m{i}.json": {"cache": False}}]}
        for i in range(count)
    }
    locked = {
        f"s{i}": {"cmd": "x", "outs": [{"path": f"m{i}.json", "md5": "0" * 32}]}
        for i in range(count)
    }
    sha = repo.commit(
        {
            "dvc.yaml": json.dumps({"stages": stages}),
            "dvc.lock": json.dumps({"schema": "2.0", "stages": locked}),
            **{f"m{i}.json": f'{{"acc": {i}}}' for i in range(count)},
        }
    )
    built: list[str] = []
    real = pipelines.Stage

    def counting(*args: object, **kw: object) -> object:
        built.append(str(args[0] if args else kw["name"]))
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pipelines, "Stage", counting)
    old, new = snapshots(reader, (sha, "HEAD"), (None, "workspace"))
    assert len(new.metrics) == count and len(old.stages) == count
    assert len(built) == 2 * count  # once per stage and revision


def test_hostile_templates_are_refused_in_linear_time(repo: Repo, reader: RevisionReader) -> None:
    """A line of a million `${` with no `}` (DVC's own pattern takes quadratic time over
    it), a foreach whose stages would expand past the cap on values, a key that resolves
    to a mapping: refused in words, never a hang or a crash."""
    open_only = {"stages": {"open": {"cmd": "${" * 1_000_000, "metrics": ["m.json"]}}}
    sha = repo.commit({"dvc.yaml": json.dumps(open_only), "m.json": '{"acc": 1}'})
    assert reader.snapshot(sha, "HEAD").metrics["m.json"].values == {"acc": 1}  # plain text
    pipeline = {
        "vars": [{"d": {"a": 1}, "many": list(range(5000))}],
        "stages": {
            **open_only["stages"],
            "wide": {"foreach": "${many}", "do": {"cmd": "x", "outs": list(range(300))}},
        },
        "plots": [{"${d}": {"x": "step"}}],
    }
    sha = repo.commit({"dvc.yaml": json.dumps(pipeline)})
    with pytest.raises(BrokenPipelineFile) as raised:
        reader.snapshot(sha, "HEAD")
    refusal = str(raised.value)
    assert "stage 'wide' cannot be resolved (its 5,000 stages would expand" in refusal
    assert "`plots` entry {'${d}': {'x': 'step'}} cannot be resolved (the key '${d}'" in refusal
