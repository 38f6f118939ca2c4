"""DVC's own functional tests of metrics and params, ported: mlci's values equal DVC's.

Each test builds the repository that a test in DVC's tests/func/metrics/test_diff.py,
test_show.py, tests/func/params/test_diff.py or test_show.py builds (named in its docstring),
or one the mlci issue on DVC parity lists, asks the real `dvc` (`metrics diff --json`,
`params diff --json`, `metrics show --json -A`) and the real `mlci` (`diff`, `history`, as
processes), and asserts that mlci's answer, in DVC's shape, equals DVC's: the same files and
keys, the same old and new values of the same types, the same `diff`.

Where mlci differs from DVC today the test is a strict xfail naming the gap: it fails the
moment the gap is closed, and then the marker goes.

Not ported: tests of DVC's table formatting and rounding (test_metrics_diff_cli), and of
options mlci has no equivalent of (`targets=`, `deps_only=`, `revs=` of `params show`, a
repository without git or without DVC). `dvc params diff --all` has no mlci equivalent (mlci
lists changed params only): those tests are compared without `--all`.

How to read the comparisons: `dvc metrics diff A B` is `mlci diff A B`; DVC's default base,
HEAD, is given to mlci explicitly (mlci's default is main's merge-base). A `metrics show`
test commits what it built, so both the commit (`mlci history`) and the workspace (the target
side of `mlci diff HEAD`) are compared with `dvc metrics show -A`. A `params show` test is
compared as `params diff` from the first commit, which has no params: every param is new.
"""

from __future__ import annotations

import json
import math
import posixpath
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.dvc.parity import (
    Project,
    dvc_show_values,
    from_cwd,
    history_and_diff,
    history_as_dvc,
    make_template,
    metrics_as_dvc,
    params_as_dvc,
    repo_path,
    typed,
    without_diff,
    workspace_as_dvc,
)

pytestmark = pytest.mark.slow

# --- the gaps, in one place: each names what mlci does differently from DVC today ----------
# None today: every case above and below passes. `gap(reason)` marks the next one found.


def gap(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


# --- repositories --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`git init`, `dvc init`, commit "init dvc": DVC's `tmp_dir, scm, dvc` fixtures, once."""
    return make_template(tmp_path_factory.mktemp("template") / "repo")


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Project:
    return Project.copy_of(template, tmp_path / "project")


def new_project(template: Path, factory: pytest.TempPathFactory, name: str) -> Project:
    """A project for a module-scoped fixture, shared by the cases of one scenario."""
    return Project.copy_of(template, factory.mktemp(name) / "project")


# --- comparisons ---------------------------------------------------------------------------


def check_metrics_diff(
    project: Project,
    *revisions: str,
    all_keys: bool = False,
    cwd: str = ".",
    dvc_says: Any = None,
) -> None:
    """`dvc metrics diff --json [--all] REVS` equals `mlci diff REVS`, in DVC's shape.

    `dvc_says`: what DVC's own test expects DVC to answer; checked first, it shows that the
    repository here is the one DVC's test builds.
    """
    flags = ["--all"] if all_keys else []
    theirs = project.dvc("metrics", "diff", "--json", *flags, *revisions, cwd=cwd)
    if dvc_says is not None:
        assert theirs == dvc_says
    report = project.mlci_json("diff", *revisions, cwd=cwd)
    assert typed(metrics_as_dvc(report, all_keys=all_keys)) == typed(from_cwd(theirs, cwd))


def check_params_diff(
    project: Project, *revisions: str, cwd: str = ".", dvc_says: Any = None
) -> None:
    """`dvc params diff --json REVS` equals `mlci diff REVS`'s params (DVC's numeric `diff`
    aside: mlci's params rows carry none)."""
    theirs = project.dvc("params", "diff", "--json", *revisions, cwd=cwd)
    if dvc_says is not None:
        assert theirs == dvc_says
    report = project.mlci_json("diff", *revisions, cwd=cwd)
    assert typed(params_as_dvc(report)) == typed(without_diff(from_cwd(theirs, cwd)))


def check_show(project: Project, rev: str = "HEAD", cwd: str = ".") -> None:
    """`dvc metrics show --json -A` equals `mlci history --rev REV` for every commit on REV's
    first-parent line (numbers: what mlci history follows), and the target side of
    `mlci diff HEAD` for the workspace (every value)."""
    shown = project.dvc("metrics", "show", "--json", "-A", cwd=cwd)
    history = project.mlci_json("history", "--rev", rev, "-n", "1000", cwd=cwd)
    line = project.git("rev-list", "--first-parent", "--reverse", rev).split()
    assert [commit["sha"] for commit in history["commits"]] == line
    theirs = {
        sha: from_cwd(dvc_show_values(shown.get(sha, {}), numbers_only=True), cwd) for sha in line
    }
    assert typed(history_as_dvc(history)) == typed(theirs)
    workspace = from_cwd(dvc_show_values(shown["workspace"], numbers_only=False), cwd)
    report = project.mlci_json("diff", "HEAD", cwd=cwd)
    assert typed(workspace_as_dvc(report)) == typed(workspace)


# === tests/func/metrics/test_diff.py ========================================================


@pytest.fixture(scope="module")
def counted(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """test_metrics_diff_simple / _dirty: m.yaml (cached) holds 1, 2, 3 in three commits;
    the workspace then holds 4."""
    project = new_project(template, tmp_path_factory, "counted")
    for value in (1, 2, 3):
        project.gen({"m_temp.yaml": str(value)})
        project.copy_metrics("m_temp.yaml", "m.yaml", name="copy-metrics", commit=str(value))
    project.gen({"m.yaml": "4"})
    return project


def test_metrics_diff_simple(counted: Project) -> None:
    """DVC compares HEAD~2 with a clean workspace, which is HEAD here."""
    expected = {"m.yaml": {"": {"old": 1, "new": 3, "diff": 2}}}
    check_metrics_diff(counted, "HEAD~2", "HEAD", dvc_says=expected)


def test_metrics_diff_dirty(counted: Project) -> None:
    expected = {"m.yaml": {"": {"old": 3, "new": 4, "diff": 1}}}
    check_metrics_diff(counted, "HEAD", dvc_says=expected)


def test_metrics_history_of_a_bare_number(counted: Project) -> None:
    """`mlci history` over test_metrics_diff_simple's commits."""
    check_show(counted)


def nested_metrics(project: Project, suffix: str, values: tuple[int, ...], name: str) -> None:
    """{"a": {"b": {"c": val, "d": 1, "e": str(val)}}} in m.SUFFIX (cached), one commit each."""
    for value in values:
        metrics = {"a": {"b": {"c": value, "d": 1, "e": str(value)}}}
        text = json.dumps(metrics) if suffix == "json" else yaml.safe_dump(metrics)
        project.gen({f"m_temp.{suffix}": text})
        project.copy_metrics(f"m_temp.{suffix}", f"m.{suffix}", name=name, commit=str(value))


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_metrics_diff_yaml_and_json(project: Project, suffix: str) -> None:
    """test_metrics_diff_yaml, test_metrics_diff_json; then their history."""
    nested_metrics(project, suffix, (1, 2, 3), "copy-metrics")
    expected = {
        f"m.{suffix}": {
            "a.b.e": {"old": "1", "new": "3"},
            "a.b.c": {"old": 1, "new": 3, "diff": 2},
        }
    }
    check_metrics_diff(project, "HEAD~2", dvc_says=expected)
    check_metrics_diff(project, "HEAD~2", all_keys=True)
    check_show(project)


@pytest.mark.parametrize(
    ("suffix", "base"),
    [("json", "HEAD~2"), ("yaml", "main")],
    ids=["test_metrics_diff_json_unchanged", "test_metrics_diff_active_branch_unchanged"],
)
def test_metrics_diff_unchanged(project: Project, suffix: str, base: str) -> None:
    nested_metrics(project, suffix, (1, 2, 1), "copy-metrics")
    check_metrics_diff(project, base, dvc_says={})


def test_metrics_diff_broken_json(project: Project) -> None:
    metrics = {"a": {"b": {"c": 1, "d": 1, "e": "3"}}}
    project.gen({"m_temp.json": json.dumps(metrics)})
    project.copy_metrics("m_temp.json", "m.json", "copy-metrics", cache=False, commit="add")
    project.gen({"m.json": json.dumps(metrics) + "ma\nlformed\n"})
    expected = {
        "m.json": {
            "a.b.e": {"old": "3", "new": None},
            "a.b.c": {"old": 1, "new": None},
            "a.b.d": {"old": 1, "new": None},
        }
    }
    check_metrics_diff(project, "HEAD", dvc_says=expected)


def test_metrics_diff_no_metrics(project: Project) -> None:
    project.scm_gen({"foo": "foo"}, commit="add foo")
    check_metrics_diff(project, "HEAD~1", dvc_says={})


def test_metrics_diff_new_metric(project: Project) -> None:
    project.gen({"m_temp.json": json.dumps({"a": {"b": {"c": 1, "d": 1, "e": "3"}}})})
    project.copy_metrics("m_temp.json", "m.json", "copy-metrics", cache=False)
    expected = {
        "m.json": {
            "a.b.e": {"old": None, "new": "3"},
            "a.b.c": {"old": None, "new": 1},
            "a.b.d": {"old": None, "new": 1},
        }
    }
    check_metrics_diff(project, "HEAD", dvc_says=expected)


def test_metrics_diff_deleted_metric(project: Project) -> None:
    project.gen({"m_temp.json": json.dumps({"a": {"b": {"c": 1, "d": 1, "e": "3"}}})})
    project.copy_metrics("m_temp.json", "m.json", "copy-metrics", cache=False, commit="add")
    (project.root / "m.json").unlink()
    expected = {
        "m.json": {
            "a.b.e": {"old": "3", "new": None},
            "a.b.c": {"old": 1, "new": None},
            "a.b.d": {"old": 1, "new": None},
        }
    }
    check_metrics_diff(project, "HEAD", dvc_says=expected)


def test_metrics_diff_with_unchanged(project: Project) -> None:
    project.gen({"metrics_temp.yaml": "foo: 1\nxyz: 10"})
    project.copy_metrics(
        "metrics_temp.yaml", "metrics.yaml", "copy-metrics", cache=False, commit="1"
    )
    project.scm_gen({"metrics.yaml": "foo: 2\nxyz: 10"}, commit="2")
    project.scm_gen({"metrics.yaml": "foo: 3\nxyz: 10"}, commit="3")
    expected = {
        "metrics.yaml": {
            "foo": {"old": 1, "new": 3, "diff": 2},
            "xyz": {"old": 10, "new": 10, "diff": 0},
        }
    }
    check_metrics_diff(project, "HEAD~2", all_keys=True, dvc_says=expected)


@pytest.fixture(scope="module")
def no_commits(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """test_no_commits (metrics and params): `git init`, `dvc init`, nothing committed; and
    what DVC answers there: nothing to compare, successfully."""
    project = Project(tmp_path_factory.mktemp("no-commits") / "project")
    project.root.mkdir()
    project.git("init", "-q", "-b", "main")
    project.dvc_ok("init", "-q")
    project.gen({"params.yaml": "foo: 1\n"})
    assert project.dvc("metrics", "diff", "--json") == {}
    assert project.dvc("params", "diff", "--json") == {}
    assert project.dvc("metrics", "show", "--json", "-A") == {"workspace": {"data": {}}}
    return project


@pytest.mark.parametrize("command", ["diff", "history"])
def test_no_commits(no_commits: Project, command: str) -> None:
    """A deliberate difference (README, `mlci diff`): where DVC prints `{}` and exits 0,
    mlci refuses with the reason, as a usage error, and prints no document."""
    done = no_commits.mlci_run(command, "--format", "json")
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith("mlci: error: this repository has no commit yet"), done.stderr


@pytest.mark.parametrize(
    ("dvcfile", "metrics_file"),
    [
        ("dvc.yaml", "my_metrics.yaml"),
        ("dir/dvc.yaml", "my_metrics.yaml"),
        ("dir/dvc.yaml", "../my_metrics.yaml"),
    ],
)
def test_diff_top_level_metrics(project: Project, dvcfile: str, metrics_file: str) -> None:
    path = repo_path(posixpath.dirname(dvcfile), metrics_file)
    project.gen({dvcfile: yaml.safe_dump({"metrics": [metrics_file]}), path: "foo: 3\n"})
    project.add(path, dvcfile)
    project.commit_staged("add metrics")
    project.gen({path: "foo: 5\n"})
    check_metrics_diff(project, "HEAD", dvc_says={path: {"foo": {"diff": 2, "new": 5, "old": 3}}})


@pytest.mark.parametrize("ignored", ["ignored/", "ignored/dvc.yaml", "*.yaml\n!/dvc.yaml"])
def test_a_dvcignored_pipeline_is_not_read(project: Project, ignored: str) -> None:
    """DVC collects no dvc.yaml that .dvcignore hides: its metrics are nobody's."""
    project.gen(
        {
            ".dvcignore": f"{ignored}\n",
            "dvc.yaml": yaml.safe_dump({"metrics": ["top.json"]}),
            "top.json": '{"acc": 1}',
            "ignored/dvc.yaml": yaml.safe_dump({"metrics": ["hidden.json"]}),
            "ignored/hidden.json": '{"acc": 1}',
        }
    )
    project.add(".dvcignore", "dvc.yaml", "top.json", "ignored/dvc.yaml", "ignored/hidden.json")
    project.commit_staged("two pipelines, one ignored")
    project.gen({"top.json": '{"acc": 2}', "ignored/hidden.json": '{"acc": 3}'})
    expected = {"top.json": {"acc": {"diff": 1, "new": 2, "old": 1}}}
    check_metrics_diff(project, "HEAD", dvc_says=expected)
    project.add("top.json", "ignored/hidden.json")
    project.commit_staged("both changed")
    check_metrics_diff(project, "HEAD~1", "HEAD", dvc_says=expected)


# === tests/func/metrics/test_show.py ========================================================


def commit_all(project: Project, message: str = "metrics") -> None:
    """Commit what a show test built, so that mlci history has a commit to read."""
    project.git("add", "-A")
    project.commit_staged(message)


@pytest.mark.parametrize(
    ("files", "copies"),
    [
        pytest.param(
            {"metrics_t.yaml": "1.1"},
            [("metrics_t.yaml", "metrics.yaml")],
            id="test_show_simple",
        ),
        pytest.param(
            {"metrics_t.yaml": "foo: 1.1"}, [("metrics_t.yaml", "metrics.yaml")], id="test_show"
        ),
        pytest.param(
            {"metrics_t.toml": "[foo]\nbar = 1.2"},
            [("metrics_t.toml", "metrics.toml")],
            id="test_show_toml",
        ),
        pytest.param(
            {"foo_temp": "foo: 1\n", "baz_temp": "baz: 2\n"},
            [("foo_temp", "foo"), ("baz_temp", "baz")],
            id="test_show_multiple",
        ),
    ],
)
def test_show_cached_metrics(
    project: Project, files: dict[str, str], copies: list[tuple[str, str]]
) -> None:
    """Cached metrics (run_copy_metrics with metrics=): JSON-less formats, several files."""
    project.gen(files)
    for number, (src, dst) in enumerate(copies):
        project.copy_metrics(src, dst, name=f"copy-{number}")
    commit_all(project)
    check_show(project)


@pytest.fixture(scope="module")
def in_subdir(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Project]:
    """test_show_simple_from_subdir: subdir/metrics.yaml, cached, holding DVC's bare number;
    and the same holding a mapping, so that the subfolder alone is what a case is about."""
    projects = {}
    for content in ("1.1", "foo: 1.1"):
        project = new_project(template, tmp_path_factory, "subdir")
        project.gen({"metrics_t.yaml": content})
        project.copy_metrics("metrics_t.yaml", "subdir/metrics.yaml", name="copy-metrics")
        (project.root / "subdir2").mkdir()
        commit_all(project)
        projects[content] = project
    return projects


@pytest.mark.parametrize(
    ("content", "cwd"),
    [
        ("1.1", "."),
        ("1.1", "subdir"),
        ("1.1", "subdir2"),
        ("foo: 1.1", "."),
        ("foo: 1.1", "subdir"),
        ("foo: 1.1", "subdir2"),
    ],
)
def test_show_simple_from_subdir(in_subdir: dict[str, Project], content: str, cwd: str) -> None:
    check_show(in_subdir[content], cwd=cwd)


@pytest.mark.parametrize("cwd", ["subdir", "subdir2"])
def test_paths_from_a_subfolder_are_repository_paths(
    in_subdir: dict[str, Project], cwd: str
) -> None:
    """A deliberate difference (README, `mlci diff`): DVC names a file from the working
    directory, mlci from the project root, wherever it runs (what `from_cwd` adapts)."""
    project = in_subdir["foo: 1.1"]
    shown = project.dvc("metrics", "show", "--json", cwd=cwd)
    dvc_path = posixpath.relpath("subdir/metrics.yaml", cwd)
    assert list(shown[""]["data"]) == [dvc_path]
    (row,) = project.mlci_json("diff", "HEAD", cwd=cwd)["metrics"]
    assert (row["file"], row["key"], row["new"]) == ("subdir/metrics.yaml", "foo", 1.1)


def test_show_branch(project: Project) -> None:
    project.gen({"metrics_temp.yaml": "foo: 1"})
    project.copy_metrics("metrics_temp.yaml", "metrics.yaml", "copy-metrics", cache=False)
    project.commit_staged("init")
    project.git("checkout", "-q", "-b", "branch")
    project.scm_gen({"metrics.yaml": "foo: 2"}, commit="branch")
    project.git("checkout", "-q", "main")
    check_show(project, rev="branch")


def test_show_subrepo_with_preexisting_tags(tmp_path: Path) -> None:
    """A DVC project in a subfolder of the git repository (`dvc init --subdir`); DVC's test
    reads tags (-T), -A reads those commits and the ones before the project existed."""
    repo = Project(tmp_path / "repo")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.scm_gen({"foo": "foo"}, commit="init")
    repo.git("tag", "no-metrics")
    subrepo = Project(repo.root / "subdir")
    subrepo.root.mkdir()
    subrepo.dvc_ok("init", "--subdir", "-q")
    subrepo.commit_staged("init dvc")
    subrepo.gen({"metrics.yaml": "foo: 1\n"})  # what the stage's `echo foo: 1 > ...` writes
    command = "echo foo: 1 > metrics.yaml"
    subrepo.stage("generate-metrics", command, metrics=[("metrics.yaml", True)])
    subrepo.add("metrics.yaml", "dvc.yaml", "dvc.lock")
    subrepo.commit_staged("init metrics")
    repo.git("tag", "v1")
    check_show(subrepo)


@pytest.mark.parametrize("content", ["1.1", "foo: 1.1"])
def test_missing_cache(project: Project, content: str) -> None:
    """A second cached metrics file gone from the workspace and the cache (the object both
    files share: their content is the same). DVC's bare number, and a mapping."""
    project.gen({"metrics_t.yaml": content})
    project.copy_metrics("metrics_t.yaml", "metrics.yaml", name="copy-metrics")
    project.copy_metrics("metrics_t.yaml", "metrics2.yaml", name="copy-metrics2")
    commit_all(project)
    (project.root / "metrics2.yaml").unlink()
    md5 = yaml.safe_load(project.read("dvc.lock"))["stages"]["copy-metrics2"]["outs"][0]["md5"]
    (project.root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).unlink()
    check_show(project)


def test_show_falsey(project: Project) -> None:
    """Zeros are values, an empty mapping is none; declared in dvc.yaml (DVC's test names
    the file with `targets=`, which mlci has no equivalent of)."""
    project.gen(
        {
            "metrics.json": '{"foo": 0, "bar": 0.0, "baz": {}}',
            "dvc.yaml": yaml.safe_dump({"metrics": ["metrics.json"]}),
        }
    )
    commit_all(project)
    check_show(project)


def test_show_no_metrics_files(project: Project) -> None:
    check_show(project)


@pytest.mark.parametrize(
    ("file", "error"),
    [
        ("dvc.yaml", "YAMLSyntaxError"),
        ("metrics.yaml", "YAMLFileCorruptedError"),
    ],
)
def test_log_errors(project: Project, file: str, error: str) -> None:
    """A malformed workspace file: DVC reports the error, for the workspace revision (a
    broken dvc.yaml) or for the file (a broken metrics file). mlci must fail where DVC
    fails the revision (exit 2: the user's file is wrong) and call the file unreadable."""
    project.gen({"metrics_t.yaml": "m: 1.1"})
    project.copy_metrics("metrics_t.yaml", "metrics.yaml", name="train")
    project.git("tag", "v1")
    with (project.root / file).open("a") as stream:
        stream.write("\nMALFORMED!")
    workspace = project.dvc("metrics", "show", "--all-tags", "--json")["workspace"]
    done = project.mlci_run("diff", "v1", "--format", "json")
    if file == "dvc.yaml":
        assert workspace["error"]["type"] == error
        assert done.returncode == 2 and "dvc.yaml" in done.stderr, done.stderr
    else:
        assert workspace["data"]["metrics.yaml"]["error"]["type"] == error
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["target"]["files"]["metrics.yaml"]["state"] == "unreadable"
        check_metrics_diff(project, "v1")


def cached_folders(project: Project, name: str, remote: Path) -> None:
    """DVC's test_cached_metrics / test_cached_params: dir/NAME and dir2/NAME tracked with
    `dvc add`, pushed to a local remote, the local cache cleared; dvc.yaml names
    `dir/NAME` and the folder `dir2`. Committed here, so that a commit is read too."""
    project.gen({f"dir/{name}": "foo: 3\nbar: 10", f"dir2/{name}": "foo: 42\nbar: 4"})
    project.dvc_ok("remote", "add", "-q", "-d", "upstream", str(remote))
    project.dvc_ok("add", "-q", "dir", "dir2")
    project.dvc_ok("push", "-q")
    shutil.rmtree(project.root / ".dvc" / "cache")
    section = "metrics" if name == "metrics.yaml" else "params"
    project.gen({"dvc.yaml": yaml.safe_dump({section: [f"dir/{name}", "dir2"]})})
    commit_all(project, "cached")


@pytest.fixture(scope="module")
def cached_metrics(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = new_project(template, tmp_path_factory, "cached-metrics")
    cached_folders(project, "metrics.yaml", project.root.parent / "remote")
    return project


def test_cached_metrics_diff(cached_metrics: Project) -> None:
    """The commit's files come from the remote (the cache is empty); the workspace's from
    the workspace."""
    check_metrics_diff(cached_metrics, "HEAD~1", "HEAD", all_keys=True)
    check_metrics_diff(cached_metrics, "HEAD~1")


def test_cached_metrics_show(cached_metrics: Project) -> None:
    check_show(cached_metrics)


def test_top_level_parametrized_metrics(project: Project) -> None:
    project.gen({"metrics.yaml": "foo: 3\nbar: 10"})
    project.dvc_add_by_hand("metrics.yaml")
    project.gen(
        {
            "params.yaml": yaml.safe_dump({"metric_file": "metrics.yaml"}),
            "dvc.yaml": yaml.safe_dump({"metrics": ["${metric_file}"]}),
        }
    )
    commit_all(project)
    check_show(project)


def test_in_a_tracked_directory_with_missing_dir_file(project: Project) -> None:
    """test_metric_in_a_tracked_directory_with_missing_dir_file and its params twin: the
    folder is gone from the workspace and its .dir object from the cache: no values."""
    project.gen({"dir/file": "2"})
    project.dvc_ok("add", "-q", "dir")
    project.gen({"dvc.yaml": yaml.safe_dump({"metrics": ["dir/file"], "params": ["dir/file"]})})
    shutil.rmtree(project.root / "dir")
    shutil.rmtree(project.root / ".dvc" / "cache")
    check_show(project)
    check_params_diff(project, "HEAD", dvc_says={})


# === tests/func/params/test_diff.py =========================================================


def echo_params(project: Project, params: list[str], name: str = "echo-params") -> None:
    """DVC's `dvc.run(cmd="echo params.yaml", params=PARAMS, name=NAME)`."""
    project.stage(name, "echo params.yaml", params=params)


def test_diff_no_params(project: Project) -> None:
    """Also test_show_empty of params/test_show.py: the same repository, the same answer."""
    check_params_diff(project, "HEAD", dvc_says={})


def committed_params(project: Project, first: str, *later: str, keys: str = "foo") -> None:
    """params.yaml holding FIRST tracked by an echo stage, committed (without dvc.yaml, as
    DVC's tests commit it); then one commit per LATER text."""
    project.gen({"params.yaml": first})
    echo_params(project, [keys])
    project.add("params.yaml")
    project.commit_staged("first")
    for text in later:
        project.scm_gen({"params.yaml": text}, commit=text)


def test_diff_no_changes(project: Project) -> None:
    committed_params(project, "foo: bar")
    check_params_diff(project, "HEAD", dvc_says={})


def test_diff(project: Project) -> None:
    committed_params(project, "foo: bar", "foo: baz", "foo: qux")
    expected = {"params.yaml": {"foo": {"old": "bar", "new": "qux"}}}
    check_params_diff(project, "HEAD~2", dvc_says=expected)


def test_diff_dirty(project: Project) -> None:
    committed_params(project, "foo: bar", "foo: baz")
    project.gen({"params.yaml": "foo: qux"})
    expected = {"params.yaml": {"foo": {"old": "baz", "new": "qux"}}}
    check_params_diff(project, "HEAD", dvc_says=expected)


def test_diff_new(project: Project) -> None:
    project.gen({"params.yaml": "foo: bar"})
    echo_params(project, ["foo"])
    check_params_diff(
        project, "HEAD", dvc_says={"params.yaml": {"foo": {"old": None, "new": "bar"}}}
    )


def test_diff_deleted(project: Project) -> None:
    committed_params(project, "foo: bar")
    (project.root / "params.yaml").unlink()
    check_params_diff(
        project, "HEAD", dvc_says={"params.yaml": {"foo": {"old": "bar", "new": None}}}
    )


def test_diff_list(project: Project) -> None:
    committed_params(project, "foo:\n- bar\n- baz")
    project.gen({"params.yaml": "foo:\n- bar\n- baz\n- qux"})
    expected = {"params.yaml": {"foo": {"old": "['bar', 'baz']", "new": "['bar', 'baz', 'qux']"}}}
    check_params_diff(project, "HEAD", dvc_says=expected)


def test_diff_dict(project: Project) -> None:
    committed_params(project, "foo:\n  bar: baz")
    project.gen({"params.yaml": "foo:\n  bar: qux"})
    expected = {"params.yaml": {"foo.bar": {"old": "baz", "new": "qux"}}}
    check_params_diff(project, "HEAD", dvc_says=expected)


def test_diff_with_unchanged(project: Project) -> None:
    """DVC's test asks for --all (unchanged xyz too), which mlci has no equivalent of for
    params: compared without it."""
    committed_params(
        project, "foo: bar\nxyz: val", "foo: baz\nxyz: val", "foo: qux\nxyz: val", keys="foo,xyz"
    )
    expected = {"params.yaml": {"foo": {"old": "bar", "new": "qux"}}}
    check_params_diff(project, "HEAD~2", dvc_says=expected)


def test_pipeline_tracked_params(project: Project) -> None:
    project.gen({"foo": "foo", "params.yaml": "foo: bar\nxyz: val"})
    project.copy("foo", "bar", name="copy-foo-bar", params=["foo,xyz"])
    project.add("params.yaml", "dvc.yaml")
    project.commit_staged("add stage")
    project.scm_gen({"params.yaml": "foo: baz\nxyz: val"}, commit="baz")
    project.scm_gen({"params.yaml": "foo: qux\nxyz: val"}, commit="qux")
    expected = {"params.yaml": {"foo": {"old": "bar", "new": "qux"}}}
    check_params_diff(project, "HEAD~2", dvc_says=expected)


@pytest.fixture(scope="module")
def with_vars(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """test_vars_shows_on_params_diff: test_params.yaml named in `vars:` and used by a
    foreach stage; committed, then changed in the workspace."""
    project = new_project(template, tmp_path_factory, "vars")
    data = {"vars": {"model1": {"epoch": 15}, "model2": {"epoch": 35}}}
    stages = {"build": {"foreach": "${vars}", "do": {"cmd": "script --epoch ${item.epoch}"}}}
    pipeline = {"vars": ["test_params.yaml"], "stages": stages}
    project.gen({"test_params.yaml": yaml.safe_dump(data), "dvc.yaml": yaml.safe_dump(pipeline)})
    project.add("dvc.yaml", "test_params.yaml")
    project.commit_staged("added stages")
    data["vars"]["model1"]["epoch"] = 20
    project.gen({"test_params.yaml": yaml.safe_dump(data)})
    (project.root / "data").mkdir()
    return project


@pytest.mark.parametrize(
    ("revisions", "cwd", "expected"),
    [
        pytest.param(
            ["HEAD~1", "HEAD"],  # DVC's first step: nothing committed yet, against HEAD
            ".",
            {
                "test_params.yaml": {
                    "vars.model1.epoch": {"new": 15, "old": None},
                    "vars.model2.epoch": {"new": 35, "old": None},
                }
            },
            id="new",
        ),
        pytest.param(
            ["HEAD"],
            ".",
            {"test_params.yaml": {"vars.model1.epoch": {"new": 20, "old": 15, "diff": 5}}},
            id="changed",
        ),
        pytest.param(
            ["HEAD"],
            "data",
            {"../test_params.yaml": {"vars.model1.epoch": {"new": 20, "old": 15, "diff": 5}}},
            id="from-a-subfolder",
        ),
    ],
)
def test_vars_shows_on_params_diff(
    with_vars: Project, revisions: list[str], cwd: str, expected: dict[str, Any]
) -> None:
    check_params_diff(with_vars, *revisions, cwd=cwd, dvc_says=expected)


def test_diff_targeted(project: Project) -> None:
    """Its first assertion, without targets: a key tracked in a second params file."""
    project.gen({"foo": "foo", "params.yaml": "foo: bar", "other_params.yaml": "xyz: val"})
    project.copy("foo", "bar", name="copy-foo-bar", params=["foo", "other_params.yaml:xyz"])
    project.add("params.yaml", "other_params.yaml", "dvc.yaml")
    project.commit_staged("add stage")
    project.scm_gen({"params.yaml": "foo: baz", "other_params.yaml": "xyz: val2"}, commit="baz")
    project.scm_gen({"params.yaml": "foo: qux", "other_params.yaml": "xyz: val3"}, commit="qux")
    expected = {
        "params.yaml": {"foo": {"old": "bar", "new": "qux"}},
        "other_params.yaml": {"xyz": {"old": "val", "new": "val3"}},
    }
    check_params_diff(project, "HEAD~2", dvc_says=expected)


@pytest.mark.parametrize("file", ["params.yaml", "other_params.yaml"])
def test_diff_without_targets_specified(project: Project, file: str) -> None:
    """A params file tracked whole (`params: [{FILE: null}]`, by `dvc stage add`)."""
    project.gen({file: yaml.safe_dump({"foo": {"bar": "bar"}, "x": "0"})})
    project.stage("test", f"echo {file}", params=[{file: None}], lock=False)
    project.add(file, "dvc.yaml")
    project.commit_staged("foo")
    project.gen({file: yaml.safe_dump({"foo": {"bar": "baz"}, "y": "100"})})
    expected = {
        file: {
            "foo.bar": {"new": "baz", "old": "bar"},
            "x": {"new": None, "old": "0"},
            "y": {"new": "100", "old": None},
        }
    }
    check_params_diff(project, "HEAD", dvc_says=expected)


@pytest.mark.parametrize(
    ("dvcfile", "params_file"),
    [
        ("dvc.yaml", "my_params.yaml"),
        ("dir/dvc.yaml", "my_params.yaml"),
        ("dir/dvc.yaml", "../my_params.yaml"),
    ],
)
def test_diff_top_level_params(project: Project, dvcfile: str, params_file: str) -> None:
    path = repo_path(posixpath.dirname(dvcfile), params_file)
    project.gen({dvcfile: yaml.safe_dump({"params": [params_file]}), path: "foo: 3\n"})
    project.add(path, dvcfile)
    project.commit_staged("add params")
    project.gen({path: "foo: 5\n"})
    check_params_diff(project, "HEAD", dvc_says={path: {"foo": {"diff": 2, "new": 5, "old": 3}}})


def test_diff_active_branch_no_changes(project: Project) -> None:
    committed_params(project, "foo: bar")
    check_params_diff(project, "main", dvc_says={})


# === tests/func/params/test_show.py, as diffs from the first commit (no params) ===========


def test_show(project: Project) -> None:
    project.gen({"params.yaml": "foo: bar"})
    echo_params(project, ["foo"])
    check_params_diff(project, "HEAD")


def test_show_toml(project: Project) -> None:
    project.gen({"params.toml": "[foo]\nbar = 42\nbaz = [1, 2]\n"})
    echo_params(project, ["params.toml:foo"])
    check_params_diff(project, "HEAD")


def test_show_py(project: Project) -> None:
    project.gen({"params.py": "CONST = 1\nIS_DIR: bool = True\n\n\nclass Config:\n    foo = 42\n"})
    echo_params(project, ["params.py:CONST,IS_DIR,Config.foo"])
    check_params_diff(project, "HEAD")


def test_show_multiple(project: Project) -> None:
    project.gen({"params.yaml": "foo: bar\nbaz: qux\n"})
    echo_params(project, ["foo"], name="echo-params1")
    echo_params(project, ["baz"], name="echo-params2")
    check_params_diff(project, "HEAD")


def test_show_list(project: Project) -> None:
    project.gen({"params.yaml": "foo:\n- bar\n- baz\n"})
    echo_params(project, ["foo"])
    check_params_diff(project, "HEAD")


def test_show_branch_params(project: Project) -> None:
    """params/test_show.py's test_show_branch: the branch against the workspace."""
    committed_params(project, "foo: bar")
    project.git("checkout", "-q", "-b", "branch")
    project.scm_gen({"params.yaml": "foo: baz"}, commit="branch")
    project.git("checkout", "-q", "main")
    check_params_diff(project, "branch")


def test_pipeline_params(project: Project) -> None:
    """Without deps_only: every key of params.yaml, tracked or not, at the branch's tip."""
    first = project.git("rev-parse", "HEAD").strip()
    project.gen({"foo": "foo", "params.yaml": "foo: bar\nxyz: val\nabc: ignore"})
    project.copy("foo", "bar", name="copy-foo-bar", params=["foo,xyz"])
    project.add("params.yaml", "dvc.yaml")
    project.commit_staged("add stage")
    project.scm_gen({"params.yaml": "foo: baz\nxyz: val\nabc: ignore"}, commit="baz")
    project.scm_gen({"params.yaml": "foo: qux\nxyz: val\nabc: ignore"}, commit="qux")
    check_params_diff(project, first, "main")


@pytest.mark.parametrize("file", ["params.yaml", "other_params.yaml"])
def test_show_without_targets_specified(project: Project, file: str) -> None:
    project.gen({file: yaml.safe_dump({"foo": {"bar": "bar"}, "x": "0"})})
    project.stage("test", f"echo {file}", params=[{file: None}], lock=False)
    check_params_diff(project, "HEAD")


@pytest.fixture(scope="module")
def cached_params(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = new_project(template, tmp_path_factory, "cached-params")
    cached_folders(project, "params.yaml", project.root.parent / "remote")
    return project


def test_cached_params(cached_params: Project) -> None:
    """DVC's test: the workspace (whose files are there; the cache is empty)."""
    check_params_diff(cached_params, "HEAD~1")


def test_cached_params_committed(cached_params: Project) -> None:
    """The commit: DVC reads both files from the remote."""
    check_params_diff(cached_params, "HEAD~1", "HEAD")


def test_top_level_parametrized_params(project: Project) -> None:
    project.gen(
        {
            "param.json": json.dumps({"foo": 3, "bar": 10}),
            "params.yaml": yaml.safe_dump({"param_file": "param.json"}),
            "dvc.yaml": yaml.safe_dump({"params": ["${param_file}"]}),
        }
    )
    check_params_diff(project, "HEAD")


# === the cases the issue lists, each against DVC ============================================


@pytest.fixture(scope="module")
def leaves(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One committed metrics file per kind of value, each changed in the workspace: DVC's
    answers with and without --all, and mlci's, asked once for all the cases."""
    committed = {
        "bare.json": "0.5",
        "ints.json": '{"v": 1}',
        "flag.json": '{"v": true}',
        "text.json": '{"v": "a"}',
        "yes.yaml": "mode: yes\n",
        "same.json": '{"v": 2, "w": 0.5}',
    }
    changed = {
        "bare.json": "0.75",
        "ints.json": '{"v": 1.0}',
        "flag.json": '{"v": false}',
        "text.json": '{"v": "b"}',
        "yes.yaml": "mode: no\n",
        "same.json": '{"v": 2, "w": 0.5}',
    }
    project = new_project(template, tmp_path_factory, "leaves")
    metrics = [{name: {"cache": False}} for name in committed]
    stages = {"evaluate": {"cmd": "python evaluate.py", "metrics": metrics}}
    project.gen({**committed, "dvc.yaml": yaml.safe_dump({"stages": stages})})
    commit_all(project)
    project.gen(changed)
    return {
        "dvc": {
            all_keys: project.dvc("metrics", "diff", "--json", *["--all"] * all_keys, "HEAD")
            for all_keys in (False, True)
        },
        "mlci": project.mlci_json("diff", "HEAD"),
    }


@pytest.mark.parametrize("all_keys", [False, True], ids=["changed", "all"])
@pytest.mark.parametrize(
    "file",
    [
        "bare.json",  # DVC's key "" for a file holding one bare value
        "ints.json",  # 1 -> 1.0: unchanged for DVC, shown with diff 0.0 under --all
        "text.json",
        "yes.yaml",  # YAML 1.2, as DVC reads it: `yes` is a string
        "same.json",
    ],
)
def test_metric_values(leaves: dict[str, Any], file: str, all_keys: bool) -> None:
    theirs = leaves["dvc"][all_keys].get(file)
    ours = metrics_as_dvc(leaves["mlci"], all_keys=all_keys).get(file)
    assert typed(ours) == typed(theirs)


# --- deliberate differences: each asks both tools and asserts the difference README states ---


@pytest.mark.parametrize("all_keys", [False, True], ids=["changed", "all"])
def test_a_flipped_boolean_metric_has_no_numeric_change(
    leaves: dict[str, Any], all_keys: bool
) -> None:
    """DVC subtracts booleans (bools are ints): true -> false is a diff of -1. mlci shows the
    same old and new values, changed, with no number: a flag is not a quantity."""
    theirs = leaves["dvc"][all_keys]["flag.json"]
    assert typed(theirs) == typed({"v": {"old": True, "new": False, "diff": -1}})
    ours = metrics_as_dvc(leaves["mlci"], all_keys=all_keys)["flag.json"]
    assert typed(ours) == typed({"v": {"old": True, "new": False}})
    (row,) = [row for row in leaves["mlci"]["metrics"] if row["file"] == "flag.json"]
    assert (row["change"], row["verdict"]) == (None, "no-direction")


@pytest.fixture(scope="module")
def falsy_bare_values(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Files holding one bare value that becomes 0, false or "" in the workspace."""
    project = new_project(template, tmp_path_factory, "falsy")
    files = {"zero.yaml": ("1\n", "0\n"), "off.json": ("true", "false"), "text.yaml": ("a", "''")}
    metrics = [{name: {"cache": False}} for name in files]
    stages = {"evaluate": {"cmd": "python evaluate.py", "metrics": metrics}}
    project.gen({name: old for name, (old, _) in files.items()})
    project.gen({"dvc.yaml": yaml.safe_dump({"stages": stages})})
    commit_all(project)
    project.gen({name: new for name, (_, new) in files.items()})
    return project


@pytest.mark.parametrize("all_keys", [False, True], ids=["changed", "all"])
def test_a_bare_value_that_becomes_falsy_is_still_a_value(
    falsy_bare_values: Project, all_keys: bool
) -> None:
    """DVC's readers (`load(text) or {}`) read a file holding 0, false or "" as holding
    nothing, so a count falling from 1 to 0 is no change at all, even with --all. mlci reads
    the value."""
    flags = ["--all"] if all_keys else []
    assert falsy_bare_values.dvc("metrics", "diff", "--json", *flags, "HEAD") == {}
    report = falsy_bare_values.mlci_json("diff", "HEAD")
    assert typed(metrics_as_dvc(report, all_keys=all_keys)) == typed(
        {
            "off.json": {"": {"old": True, "new": False}},
            "text.yaml": {"": {"old": "a", "new": ""}},
            "zero.yaml": {"": {"old": 1, "new": 0, "diff": -1}},
        }
    )


@pytest.fixture(scope="module")
def param_leaves(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """params.yaml with one key per kind of value, committed, then changed."""
    project = new_project(template, tmp_path_factory, "param-leaves")
    project.gen({"params.yaml": "lr: 1\nflag: true\nmode: yes\nswitch: on\ntext: a\n"})
    echo_params(project, ["lr,flag,mode,switch,text"])
    commit_all(project)
    project.gen({"params.yaml": "lr: 1.0\nflag: false\nmode: no\nswitch: off\ntext: b\n"})
    return {
        "dvc": without_diff(project.dvc("params", "diff", "--json", "HEAD")),
        "mlci": params_as_dvc(project.mlci_json("diff", "HEAD")),
    }


@pytest.mark.parametrize(
    "key",
    [
        "lr",  # 1 -> 1.0: unchanged, as 1 == 1.0
        "flag",
        "mode",  # `yes` and `no` are strings in YAML 1.2 (DVC's ruamel.yaml)
        "switch",  # so are `on` and `off`
        "text",
    ],
)
def test_param_values(param_leaves: dict[str, Any], key: str) -> None:
    theirs = param_leaves["dvc"].get("params.yaml", {}).get(key)
    ours = param_leaves["mlci"].get("params.yaml", {}).get(key)
    assert typed(ours) == typed(theirs)


def test_params_that_dvc_calls_equal_or_changed_wrongly(project: Project) -> None:
    """A deliberate difference: DVC compares params with Python's `==`, so `true` -> `1` and
    `0` -> `false` are no change, and `.nan` -> `.nan` is one (NaN != NaN). mlci reports a
    boolean that became a number, and leaves NaN alone. Lists compare by their text in both."""
    project.gen({"params.yaml": "flag: true\nzero: 0\nnan: .nan\nlst: [1]\nsame: 1\n"})
    echo_params(project, ["flag,zero,nan,lst,same"])
    commit_all(project)
    project.gen({"params.yaml": "flag: 1\nzero: false\nnan: .nan\nlst: [1.0]\nsame: 1.0\n"})
    theirs = without_diff(project.dvc("params", "diff", "--json", "HEAD"))["params.yaml"]
    assert set(theirs) == {"nan", "lst"} and math.isnan(theirs.pop("nan")["old"])
    assert typed(theirs) == typed({"lst": {"old": "[1]", "new": "[1.0]"}})
    ours = params_as_dvc(project.mlci_json("diff", "HEAD"))["params.yaml"]
    assert typed(ours) == typed(
        {
            "flag": {"old": True, "new": 1},
            "lst": {"old": "[1]", "new": "[1.0]"},
            "zero": {"old": 0, "new": False},
        }
    )


@pytest.mark.parametrize(
    ("file", "before", "after"),
    [
        ("params.json", '{"lr": 0.1, "name": "a"}', '{"lr": 0.2, "name": "b"}'),
        ("params.toml", 'lr = 0.1\nname = "a"\n', 'lr = 0.2\nname = "b"\n'),
        pytest.param(
            "params.py",
            'lr = 0.1\nname = "a"\n',
            'lr = 0.2\nname = "b"\n',
        ),
    ],
    ids=["json", "toml", "py"],
)
def test_params_file_formats(project: Project, file: str, before: str, after: str) -> None:
    project.gen({file: before})
    echo_params(project, [f"{file}:lr,name"])
    commit_all(project)
    project.gen({file: after})
    check_params_diff(project, "HEAD")


def test_only_the_keys_stages_track_in_other_params_files(project: Project) -> None:
    project.gen({"other.yaml": "lr: 0.1\nunused: 1\n"})
    echo_params(project, ["other.yaml:lr"])
    commit_all(project)
    project.gen({"other.yaml": "lr: 0.2\nunused: 2\n"})
    check_params_diff(project, "HEAD")


def test_a_dvc_tracked_params_file(project: Project) -> None:
    project.gen({"hp.yaml": "lr: 0.1\n"})
    project.dvc_add_by_hand("hp.yaml")
    echo_params(project, ["hp.yaml:lr"])
    commit_all(project)
    project.gen({"hp.yaml": "lr: 0.2\n"})
    project.dvc_add_by_hand("hp.yaml")
    check_params_diff(project, "HEAD")


@pytest.fixture(scope="module", params=[False, True], ids=["committed", "cached"])
def metrics_folder(
    template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Project:
    """A stage whose metrics output is a folder of two files (committed, or cached through a
    .dir object); one file changed in the workspace. dvc.lock from `dvc commit`."""
    project = new_project(template, tmp_path_factory, "folder")
    output: Any = "metrics" if request.param else {"metrics": {"cache": False}}
    stages = {"evaluate": {"cmd": "python evaluate.py", "metrics": [output]}}
    project.gen(
        {
            "metrics/a.json": '{"acc": 0.5, "n": 1}',
            "metrics/b.json": '{"loss": 0.3}',
            "dvc.yaml": yaml.safe_dump({"stages": stages}),
        }
    )
    project.dvc_ok("commit", "-f", "-q")
    commit_all(project)
    project.gen({"metrics/a.json": '{"acc": 0.75, "n": 1}'})
    return project


@pytest.mark.parametrize("all_keys", [False, True], ids=["changed", "all"])
def test_a_metrics_folder(metrics_folder: Project, all_keys: bool) -> None:
    check_metrics_diff(metrics_folder, "HEAD", all_keys=all_keys)


@pytest.fixture(scope="module")
def pipelines(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Two pipelines: dvc.yaml and sub/dvc.yaml, each with its metrics and params."""
    project = new_project(template, tmp_path_factory, "pipelines")

    def pipeline(stage: str, param: str) -> str:
        entry = {
            "cmd": "python run.py",
            "params": [param],
            "metrics": [{"m.json": {"cache": False}}],
        }
        return yaml.safe_dump({"stages": {stage: entry}})

    project.gen(
        {
            "dvc.yaml": pipeline("train", "lr"),
            "params.yaml": "lr: 0.1\n",
            "m.json": '{"acc": 0.5}',
            "sub/dvc.yaml": pipeline("evaluate", "depth"),
            "sub/params.yaml": "depth: 2\n",
            "sub/m.json": '{"auc": 0.6}',
        }
    )
    commit_all(project)
    project.gen(
        {
            "params.yaml": "lr: 0.2\n",
            "m.json": '{"acc": 0.75}',
            "sub/params.yaml": "depth: 3\n",
            "sub/m.json": '{"auc": 0.7}',
        }
    )
    return project


def test_several_pipelines_metrics(pipelines: Project) -> None:
    check_metrics_diff(pipelines, "HEAD", all_keys=True)


def test_several_pipelines_params(pipelines: Project) -> None:
    check_params_diff(pipelines, "HEAD")


def test_templated_metrics_paths_with_vars(project: Project) -> None:
    stage = {"cmd": "python evaluate.py", "metrics": [{"${out}/${name}": {"cache": False}}]}
    pipeline = {"vars": [{"out": "results", "name": "m.json"}], "stages": {"eval": stage}}
    project.gen({"dvc.yaml": yaml.safe_dump(pipeline), "results/m.json": '{"acc": 0.5}'})
    commit_all(project)
    project.gen({"results/m.json": '{"acc": 0.75}'})
    check_metrics_diff(project, "HEAD")


def test_a_malformed_workspace_dvc_yaml_is_an_error(project: Project) -> None:
    """A change breaks dvc.yaml: DVC fails the workspace revision (its diff shows every
    value gone); mlci must say that dvc.yaml is broken, not that there is no pipeline."""
    project.gen({"m.json": '{"acc": 0.5}', "dvc.yaml": "metrics:\n- m.json\n"})
    commit_all(project)
    project.gen({"dvc.yaml": "metrics:\n- m.json\n\nMALFORMED!"})
    assert project.dvc("metrics", "diff", "--json", "HEAD") == {
        "m.json": {"acc": {"old": 0.5, "new": None}}
    }
    shown = project.dvc("metrics", "show", "--json")
    assert shown[""]["error"]["type"] == "YAMLSyntaxError"
    done = project.mlci_run("diff", "HEAD", "--format", "json")
    assert done.returncode == 2 and "dvc.yaml" in done.stderr, done.stderr


# === revisions and lock files: as DVC resolves and reads them ===============================


@pytest.fixture(scope="module")
def origin_only(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A clone whose `main` exists only as origin/main, as in a fresh CI checkout of a
    branch: main holds foo 1 then 2; the clone's branch commits 3; the workspace holds 4."""
    upstream = new_project(template, tmp_path_factory, "upstream")
    upstream.gen({"m_temp.yaml": "foo: 1"})
    upstream.copy_metrics("m_temp.yaml", "metrics.yaml", "copy-metrics", cache=False, commit="1")
    upstream.scm_gen({"metrics.yaml": "foo: 2"}, commit="2")
    clone = Project(upstream.root.parent / "clone")
    upstream.git("clone", "-q", ".", str(clone.root))
    clone.git("checkout", "-q", "-b", "feature")
    clone.git("branch", "-q", "-D", "main")
    clone.scm_gen({"metrics.yaml": "foo: 3"}, commit="3")
    clone.gen({"metrics.yaml": "foo: 4"})
    return clone


@pytest.mark.parametrize(
    ("revisions", "expected"),
    [
        (["main"], {"metrics.yaml": {"foo": {"old": 2, "new": 4, "diff": 2}}}),
        (["main", "HEAD"], {"metrics.yaml": {"foo": {"old": 2, "new": 3, "diff": 1}}}),
        (["HEAD~2", "main"], {"metrics.yaml": {"foo": {"old": 1, "new": 2, "diff": 1}}}),
    ],
    ids=["workspace", "commit", "to-main"],
)
def test_a_branch_only_on_origin(
    origin_only: Project, revisions: list[str], expected: dict[str, Any]
) -> None:
    """A name git does not know is, for DVC, the branch of that name on a remote (scmrepo's
    resolve_rev): `main` is origin/main. mlci looks on origin (DVC: every remote)."""
    check_metrics_diff(origin_only, *revisions, all_keys=True, dvc_says=expected)


def test_a_revision_from_a_branch_only_on_origin(origin_only: Project) -> None:
    """A deliberate difference: DVC looks a name up on the remotes only as a whole, so
    `main~1` is unknown to it; mlci reads it as origin/main~1."""
    done = origin_only.run(sys.executable, "-m", "dvc", "metrics", "diff", "--json", "main~1")
    assert done.returncode != 0 and "unknown Git revision 'main~1'" in done.stderr
    report = origin_only.mlci_json("diff", "main~1")
    assert report["base"]["revision"] == origin_only.git("rev-parse", "origin/main~1").strip()
    assert report["base"]["label"] == "origin/main~1"
    assert metrics_as_dvc(report, all_keys=False) == {
        "metrics.yaml": {"foo": {"old": 1, "new": 4, "diff": 3}}
    }


def test_history_of_a_main_only_on_origin(origin_only: Project) -> None:
    """`mlci history` walks main by default, and `--rev main`, both origin/main here."""
    line = origin_only.git("rev-list", "--first-parent", "--reverse", "origin/main").split()
    shown = origin_only.dvc("metrics", "show", "--json", "-A")
    theirs = {sha: dvc_show_values(shown.get(sha, {}), numbers_only=True) for sha in line}
    assert theirs[line[-1]] == {"metrics.yaml": {"foo": 2}}
    for args in ([], ["--rev", "main"]):
        history = origin_only.mlci_json("history", *args)
        assert [commit["sha"] for commit in history["commits"]] == line
        assert typed(history_as_dvc(history)) == typed(theirs)


@pytest.fixture(scope="module", params=[False, True], ids=["committed", "cached"])
def dvc1_lock(
    template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Project:
    """A commit whose dvc.lock DVC 1 wrote: stage -> {cmd, deps, outs} at the top, no
    `schema: '2.0'`, md5s without `hash: md5`, cache objects in DVC 1's flat layout
    (.dvc/cache/ab/cdef...); then a commit whose dvc.lock DVC 3 wrote. m.json: acc 0.5 then
    0.75, committed to git or DVC-cached."""
    cached: bool = request.param
    project = new_project(template, tmp_path_factory, "dvc1")
    project.gen({"m_temp.json": '{"acc": 0.5}'})
    project.copy_metrics("m_temp.json", "m.json", "copy-metrics", cache=cached)
    stages = yaml.safe_load(project.read("dvc.lock"))["stages"]
    flat = {
        name: {
            "cmd": stage["cmd"],
            **{
                section: [{"path": out["path"], "md5": out["md5"]} for out in stage[section]]
                for section in ("deps", "outs")
            },
        }
        for name, stage in stages.items()
    }
    project.gen({"dvc.lock": yaml.safe_dump(flat, sort_keys=False)})
    if cached:
        md5 = flat["copy-metrics"]["outs"][0]["md5"]
        cache = project.root / ".dvc" / "cache"
        (cache / md5[:2]).mkdir(parents=True, exist_ok=True)
        (cache / "files" / "md5" / md5[:2] / md5[2:]).rename(cache / md5[:2] / md5[2:])
    project.add("dvc.lock")
    project.commit_staged("dvc 1")
    (project.root / "dvc.lock").unlink()
    project.gen({"m_temp.json": '{"acc": 0.75}'})
    project.copy_metrics("m_temp.json", "m.json", "copy-metrics", cache=cached, commit="dvc 3")
    return project


def test_a_dvc1_lock_file_diff(dvc1_lock: Project) -> None:
    """A deliberate difference (README, `mlci diff`): DVC 3 refuses a DVC 1 dvc.lock, and
    with it the whole revision, even metrics committed to git (`'./dvc.lock' validation
    failed`): its diff shows no old value. mlci reads that commit's metrics: old commits
    cannot be rewritten, and their numbers are the history a comparison needs."""
    shown = dvc1_lock.dvc("metrics", "show", "--json", "-A")
    old = dvc1_lock.git("rev-parse", "HEAD~1").strip()
    assert shown[old]["error"]["type"] == "YAMLValidationError"
    theirs = dvc1_lock.dvc("metrics", "diff", "--json", "HEAD~1", "HEAD")
    assert theirs == {"m.json": {"acc": {"old": None, "new": 0.75}}}
    report = dvc1_lock.mlci_json("diff", "HEAD~1", "HEAD")
    assert typed(metrics_as_dvc(report, all_keys=False)) == typed(
        {"m.json": {"acc": {"old": 0.5, "new": 0.75, "diff": 0.25}}}
    )


def test_a_dvc1_lock_file_history(dvc1_lock: Project) -> None:
    """The same difference in `mlci history`: DVC 3 shows the DVC 1 commit as an error."""
    history = dvc1_lock.mlci_json("history", "--rev", "HEAD")
    values = [commit["metrics"] for commit in history["commits"]]
    assert values == [{"acc": None}, {"acc": 0.5}, {"acc": 0.75}]


# === mlci history and mlci diff read a commit alike ==========================================


@pytest.fixture(scope="module")
def get_started(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """As iterative/example-get-started lays it out: an evaluate stage working in src/ whose
    cached output folder eval/ holds the metrics file dvc.yaml names at the top level, and a
    cached metrics file of a stage (relative to its wdir); the cache in a `cache.dir` outside
    the repository, pushed to a local remote, then emptied: every commit's values come from
    the remote. Two commits, each `dvc commit`ted."""
    project = new_project(template, tmp_path_factory, "get-started")
    cache, remote = project.root.parent / "cache", project.root.parent / "remote"
    project.dvc_ok("config", "cache.dir", str(cache))
    project.dvc_ok("remote", "add", "-q", "-d", "storage", str(remote))
    stages = {
        "evaluate": {"cmd": "python evaluate.py", "wdir": "src", "outs": ["../eval"]},
        "score": {"cmd": "python score.py", "wdir": "src", "metrics": ["../score.json"]},
    }
    project.gen({"dvc.yaml": yaml.safe_dump({"stages": stages, "metrics": ["eval/metrics.json"]})})
    for accuracy in (0.5, 0.75):
        project.gen(
            {
                "eval/metrics.json": json.dumps({"avg_prec": {"test": accuracy}, "n": 10}),
                "eval/plots/roc.json": "[]",
                "score.json": json.dumps({"score": accuracy * 2}),
            }
        )
        project.dvc_ok("commit", "-f", "-q")
        commit_all(project, f"accuracy {accuracy}")
    project.dvc_ok("push", "-q")
    shutil.rmtree(cache)
    return project


def test_get_started_layout_equals_dvc(get_started: Project) -> None:
    check_show(get_started)


@pytest.mark.parametrize(
    "name", ["counted", "cached_metrics", "pipelines", "get_started", "dvc_tracked_metrics"]
)
def test_history_and_diff_agree_on_every_cell(request: pytest.FixtureRequest, name: str) -> None:
    """Both commands read a commit through one reader: the same numbers in every cell."""
    ours, theirs = history_and_diff(request.getfixturevalue(name))
    assert typed(ours) == typed(theirs)
    assert any(ours.values())  # the repository has values to compare


def test_history_and_diff_agree_on_a_metrics_folder(metrics_folder: Project) -> None:
    ours, theirs = history_and_diff(metrics_folder)
    assert typed(ours) == typed(theirs) and any(ours.values())


@pytest.fixture(scope="module")
def dvc_tracked_metrics(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A top-level metrics file tracked by a .dvc file, in two commits."""
    project = new_project(template, tmp_path_factory, "dvc-tracked-metrics")
    project.gen({"dvc.yaml": yaml.safe_dump({"metrics": ["metrics.json"]})})
    for value in (1, 2):
        project.gen({"metrics.json": json.dumps({"acc": value / 4})})
        project.dvc_add_by_hand("metrics.json")
        commit_all(project, str(value))
    return project
