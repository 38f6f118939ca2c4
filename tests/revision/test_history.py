"""`mlci history`: metrics along first-parent history, equal to what DVC reports."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc

import pytest

from mlci.present.history_format import sparkline
from mlci.revision import history, snapshot
from tests.conftest import Repo

pytestmark = pytest.mark.slow

DVC_YAML = """\
stages:
  score:
    cmd: python score.py
    deps: [score.py]
    params: [lr]
    metrics:
    - metrics.json:
        cache: false
    - cached.json
  other:
    cmd: python -c "open('o.txt','w').write('o')"
    outs: [o.txt]
"""
SCORE = """\
import json, yaml
lr = yaml.safe_load(open("params.yaml"))["lr"]
json.dump({"test": {"acc": round(1 - lr, 4)}, "loss": lr * 2}, open("metrics.json", "w"))
json.dump({"auc": round(0.5 + lr, 4)}, open("cached.json", "w"))
"""


def dvc(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=repo.root, capture_output=True, text=True
    )


@pytest.fixture
def tracked(repo: Repo) -> tuple[Repo, list[str]]:
    """Four commits on main, each reproduced with another learning rate."""
    assert dvc(repo, "init", "-q").returncode == 0
    repo.commit({"dvc.yaml": DVC_YAML, "score.py": SCORE, "README": "x"}, "pipeline, no results")
    shas = []
    for lr in (0.3, 0.2, 0.1):
        repo.write({"params.yaml": f"lr: {lr}\n"})
        assert dvc(repo, "repro").returncode == 0
        shas.append(repo.commit(message=f"lr {lr}"))
    return repo, shas


def test_values_equal_dvc_metrics_show_for_every_commit(
    tracked: tuple[Repo, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, shas = tracked
    result = repo.mlci("history", "--rev", "main", "--format", "json", capsys=capsys)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [c["sha"] for c in report["commits"]][-3:] == shas
    shown = json.loads(dvc(repo, "metrics", "show", "--all-commits", "--json").stdout)
    for commit in report["commits"][-3:]:
        files = shown[commit["sha"]]["data"]
        assert commit["metrics"] == {
            "test.acc": files["metrics.json"]["data"]["test"]["acc"],
            "loss": files["metrics.json"]["data"]["loss"],
            "auc": files["cached.json"]["data"]["auc"],  # read from the DVC cache
        }


def test_stages_changed_and_missing_values(
    tracked: tuple[Repo, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, shas = tracked
    rows = json.loads(repo.mlci("history", "--format", "json", capsys=capsys).out)["commits"]
    by_sha = {row["sha"]: row for row in rows}
    assert rows[0]["metrics"] == {"test.acc": None, "loss": None, "auc": None}  # before any results
    assert by_sha[shas[0]]["stages_changed"] == ["score", "other"]  # the first reproduction
    assert by_sha[shas[1]]["stages_changed"] == ["score"]
    # -n 1: the one commit shown is still compared with its parent, not with nothing.
    last = json.loads(repo.mlci("history", "-n", "1", "--format", "json", capsys=capsys).out)
    assert [c["stages_changed"] for c in last["commits"]] == [["score"]]


def test_one_git_process_reads_every_commit(
    tracked: tuple[Repo, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = tracked
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def counting_popen(args: list[str], *rest: object, **kw: object) -> object:
        started.append(list(args))  # every process, subprocess.run's included, starts here
        return real_popen(args, *rest, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    result = history.read_history(repo.root, "HEAD", 100, None)
    assert len(result.rows) == 4
    git_commands = [args[1] for args in started if args[0] == "git"]
    assert sorted(git_commands) == ["cat-file", "log", "rev-parse"], started


def test_formats(tracked: tuple[Repo, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    repo, shas = tracked
    table = repo.mlci("history", "test.acc", capsys=capsys).out
    assert shas[-1][:8] in table
    assert "test.acc   ▁▅█  min 0.7  max 0.9  last 0.9" in table  # a gap: no value yet
    rows = list(
        csv.DictReader(io.StringIO(repo.mlci("history", "--format", "csv", capsys=capsys).out))
    )
    assert [row["test.acc"] for row in rows] == ["", "0.7", "0.8", "0.9"]
    markdown = repo.mlci("history", "--format", "md", "loss", capsys=capsys).out
    assert markdown.startswith("| commit | loss | stages changed |\n|---|---|---|\n")
    assert f"| `{shas[0][:8]}` | 0.6 | score, other |" in markdown


def test_spec_names_the_metrics_and_the_branch(
    tracked: tuple[Repo, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = tracked
    repo.write(
        {
            "mlci.yaml": "version: 1\nproblem: {task: other}\nstages: {}\n"
            "metrics:\n  accuracy: {file: metrics.json, key: test.acc, direction: higher}\n"
            "ci: {main_branch: main}\n"
        }
    )
    report = json.loads(repo.mlci("history", "--format", "json", capsys=capsys).out)
    assert report["metrics"] == [
        {"name": "accuracy", "file": "metrics.json", "key": "test.acc", "direction": "higher"}
    ]
    assert [c["metrics"]["accuracy"] for c in report["commits"]] == [None, 0.7, 0.8, 0.9]


def test_bad_revision_is_a_usage_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit({"a": "1"})
    for revision in ("--output=x", "no-such-branch"):
        result = repo.mlci("history", f"--rev={revision}", capsys=capsys)
        assert result.code == 2
        assert "is not" in result.err


def test_sparkline_scales_and_leaves_gaps() -> None:
    assert sparkline([1.0, 2.0, None, 3.0]) == "▁▅ █"
    assert sparkline([5.0, 5.0]) == "▁▁"
    assert sparkline([None]) == ""


def many_commits(repo: Repo, count: int) -> None:
    """`count` commits on main sharing one dvc.yaml, each with its own metrics and dvc.lock
    (written by `git fast-import`: seconds for a thousand)."""
    repo.commit(
        {"dvc.yaml": "stages:\n  s:\n    cmd: x\n    metrics: [{m.json: {cache: false}}]\n"}
    )
    stream = []
    for index in range(count):
        files = {
            "m.json": f'{{"acc": {index / count}}}',
            "dvc.lock": f"schema: '2.0'\nstages:\n  s:\n    cmd: x{index}\n",
        }
        message = f"c{index}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(b"committer t <t@t> %d +0000\n" % (1_700_000_000 + index))
        stream.append(b"data %d\n%s\n" % (len(message), message))
        if index == 0:
            stream.append(b"from refs/heads/main^0\n")
        for name, text in files.items():
            stream.append(
                b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(text), text.encode())
            )
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo.root, input=b"".join(stream), check=True
    )
    repo.git("reset", "-q", "--hard", "main")


def test_each_distinct_blob_is_parsed_once(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    many_commits(repo, 200)
    parsed: list[str] = []
    real = snapshot.read_document

    def counting(text: str) -> dict[str, object]:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(snapshot, "read_document", counting)
    result = history.read_history(repo.root, "main", 200, None)
    assert [row.values["acc"] for row in result.rows][-2:] == [0.99, 0.995]
    # The dvc.yaml all commits share, once; each commit's own dvc.lock, once.
    assert len(parsed) == 1 + 200
    assert all(row.stages_changed == ["s"] for row in result.rows)


def test_memory_stays_flat_as_commits_grow(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a commit needed is dropped once it is read, and what is remembered by blob id is
    bounded (here at 64 KiB, full after a few dozen commits): ten times the commits cost the
    rows they add, not ten times the peak."""
    monkeypatch.setattr(snapshot, "BLOB_CACHE_BYTES", 64 << 10)
    monkeypatch.setattr(snapshot, "PARSED_CACHE_BYTES", 64 << 10)
    many_commits(repo, 1000)

    def peak(count: int) -> int:
        tracemalloc.start()
        history.read_history(repo.root, "main", count, None)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(100), peak(1000)
    assert large < small + 900 * 2_000, (small, large)  # under 2 KB a row more


def test_a_commit_whose_dvc_yaml_is_not_yaml_has_no_values(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = "stages:\n  s:\n    cmd: x\n    metrics: [{m.json: {cache: false}}]\n"
    lock = "schema: '2.0'\nstages:\n  s:\n    cmd: x\n"
    repo.commit({"dvc.yaml": spec, "dvc.lock": lock, "m.json": '{"acc": 0.5}'})
    repo.commit({"dvc.yaml": spec + "\nMALFORMED!\n", "m.json": '{"acc": 0.6}'})
    repo.commit({"dvc.yaml": spec, "m.json": '{"acc": 0.7}'})
    result = repo.mlci("history", "--rev", "HEAD", "--format", "json", capsys=capsys)
    assert result.code == 0, result.err
    rows = json.loads(result.out)["commits"]
    assert [row["metrics"]["acc"] for row in rows] == [0.5, None, 0.7]
    assert [row["stages_changed"] for row in rows] == [["s"], [], []]  # the lock never changed
