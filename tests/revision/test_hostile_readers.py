"""Everything a pull request or a repository holds is an attacker's; mlci reads it anyway.

Each test performs the attack for real, in a real git repository (and real DVC where DVC's
own layout matters): alias bombs, recursive anchors, deep nesting and huge files in every
file mlci parses; integers of thousands of digits, dates that do not exist and lone
surrogates; symbolic links, FIFOs and devices where a metrics, params, dvc.yaml or spec file
should be, in the workspace and in git. The answer is always a worded refusal (exit 2 for
the spec, the "unreadable" state or a note in a diff), never a hang, exit 3 or the content
of a file outside the repository. No test measures time: a subprocess timeout only turns a
hang into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlci.bounded_load import load_yaml
from mlci.document_caps import MAX_BYTES, MAX_DEPTH, UnreadableDocument
from mlci.dvc.metrics_file import parse_metrics
from mlci.files import ReadRefused, read_confined
from mlci.gitbatch import GitObjects
from mlci.revision.snapshot import RevisionReader
from mlci.yaml_nodes import check_nodes
from tests.conftest import MINIMAL_SPEC, Repo, Result

HANG = 120  # seconds: far beyond any honest run here; only a hang reaches it
SECRET = '{"acc": 0.123456789}'  # outside the repository; its digits must never be printed
PIPELINE = """\
stages:
  train:
    cmd: python train.py
    params: [train]
    metrics:
    - metrics.json:
        cache: false
    - other.yaml:
        cache: false
"""
KEYS = {"metrics.json": "acc", "other.yaml": "loss"}  # BASE's keys
BASE = {
    "dvc.yaml": PIPELINE,
    "params.yaml": "train:\n  lr: 0.1\n",
    "metrics.json": '{"acc": 0.5}',
    "other.yaml": "loss: 0.25\n",
}


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "\n".join(lines) + "\n"


def mapping_bomb() -> str:
    # Flattening it into dotted keys used to take minutes: 9^11 keys from 12 lines.
    lines = ["m0: &m0 {k: 1}"]
    lines += [
        f"m{n}: &m{n} {{{', '.join(f'x{i}: *m{n - 1}' for i in range(9))}}}" for n in range(1, 12)
    ]
    return "\n".join(lines) + "\n"


def run(repo: Repo, *args: str) -> Result:
    """The real CLI in its own process, as CI runs it; a hang fails the test."""
    done = subprocess.run(
        [sys.executable, "-m", "mlci", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=HANG,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return Result(done.returncode, done.stdout, done.stderr)


def diff_json(repo: Repo, *args: str) -> dict[str, Any]:
    result = run(repo, "diff", *args, "--format", "json")
    assert result.code == 0, result.err
    report: dict[str, Any] = json.loads(result.out)
    return report


def rows(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["file"], row["key"]): row for row in report["metrics"]}


def side_message(report: dict[str, Any], side: str, path: str) -> str:
    entry = report[side]["files"][path]
    assert entry["state"] == "unreadable", entry
    message: str = entry["message"]
    return message


@pytest.fixture
def based(repo: Repo) -> Repo:
    """A repository whose main holds a small pipeline with two metrics files and params."""
    repo.commit(BASE, "base")
    return repo


# --- 1. one bounded reader: size, nesting, aliases, expansion ------------------------------


@pytest.mark.parametrize(
    ("name", "text", "refusal"),
    [
        ("other.yaml", billion_laughs(), "expands to more than mlci's cap of 1,000,000 values"),
        ("other.yaml", mapping_bomb(), "expands to more than mlci's cap of 1,000,000 values"),
        ("other.yaml", "a: &a\n  b: *a\n", "refers to a value that contains it"),
        ("other.yaml", "x: " + "[" * 5000 + "]" * 5000 + "\n", "nests deeper than mlci's cap"),
        ("metrics.json", "[" * 100_000 + "]" * 100_000, "nests deeper than mlci's cap"),
        ("metrics.json", " " * MAX_BYTES + "{}", "mlci's cap of 16,777,216 bytes"),
    ],
    ids=["billion-laughs", "mapping-bomb", "recursive-anchor", "deep-yaml", "deep-json", "huge"],
)
def test_a_hostile_metrics_file_is_unreadable_on_both_sides_never_expanded(
    based: Repo, name: str, text: str, refusal: str
) -> None:
    # Committed on a branch (git's side) and left in the workspace (the disk's side).
    based.git("checkout", "-q", "-b", "attack")
    sha = based.commit({name: text}, "attack")
    based.git("checkout", "-q", "main")
    report = diff_json(based, "main", sha)
    assert refusal in side_message(report, "target", name)
    assert rows(report)[name, KEYS[name]]["verdict"] == "unreadable"
    based.write({name: text})
    assert refusal in side_message(diff_json(based, "main"), "target", name)


def test_an_alias_bomb_in_dvc_yaml_or_dvc_lock_is_an_error_not_a_hang(based: Repo) -> None:
    """Refused like a dvc.yaml that is not YAML: the pipeline is unknown, so no comparison."""
    based.write({"dvc.lock": "schema: '2.0'\nstages: {}\n" + billion_laughs()})
    done = run(based, "diff", "main", "--format", "json")
    assert done.code == 2, done.err
    assert "dvc.lock at the workspace cannot be read: line" in done.err
    assert "1,000,000 values" in done.err and "fix dvc.lock" in done.err
    based.write({"dvc.yaml": PIPELINE + billion_laughs()})
    done = run(based, "diff", "main", "--format", "json")
    assert done.code == 2 and "dvc.yaml at the workspace cannot be read" in done.err
    # History shows the other commits, as DVC shows the revisions it can read.
    based.commit(message="bombs on main")
    history = json.loads(run(based, "history", "-n", "5", "--format", "json").out)
    read = [any(v is not None for v in row["metrics"].values()) for row in history["commits"]]
    assert read == [True, False]  # oldest first: the base, then the bombs


def test_an_alias_bomb_in_params_is_a_note_and_the_other_params_still_compare(
    based: Repo,
) -> None:
    based.write({"params.yaml": "train:\n  lr: 0.2\n" + billion_laughs()})
    report = diff_json(based, "main")
    (note,) = [n for n in report["notes"] if "params.yaml" in n]
    assert "params.yaml at the workspace cannot be read: line 9, column 5: expands" in note
    assert rows(report)["metrics.json", "acc"]["verdict"] == "unchanged"


@pytest.mark.parametrize("command", [["validate"], ["generate"], ["diff", "main"]])
def test_an_alias_bomb_spec_is_a_located_spec_error_for_every_command(
    project: Repo, command: list[str]
) -> None:
    # `mlci diff` reads the spec directly first; its duplicate-key check used to walk every
    # expanded node of a bomb.
    project.commit({"mlci.yaml": MINIMAL_SPEC + billion_laughs()}, "spec")
    result = run(project, *command)
    assert result.code == 2
    assert result.err.startswith("mlci.yaml:34:5: a6: expands to more than mlci's cap of 1,000")


def test_aliases_are_counted_linearly_and_capped() -> None:
    # 10,000 aliases to one small list: harmless to expand, refused by the alias cap.
    text = "a: &a [1]\nb: [" + ", ".join(["*a"] * 10_000) + "]\n"
    with pytest.raises(UnreadableDocument, match="more than mlci's cap of 1,000 aliases"):
        load_yaml(text)
    # Aliases stacked 20 levels deep each pass the nesting cap once expanded.
    lines = ["a0: &a0 1"] + [
        f"a{n}: &a{n} " + "[" * 20 + f"*a{n - 1}" + "]" * 20 for n in (1, 2, 3, 4)
    ]
    with pytest.raises(UnreadableDocument, match=f"nests deeper than mlci's cap of {MAX_DEPTH}"):
        load_yaml("\n".join(lines), version="1.2")


def test_the_node_walk_expands_each_anchored_list_once() -> None:
    # The structural property behind "refused fast": a0 .. a5 are each sized once (a6 is the
    # first past the cap); an alias to a sized list costs one step, not a second walk.
    import yaml

    from mlci.yaml_nodes import _NodeWalk

    walk = _NodeWalk(unique_keys=False)
    with pytest.raises(UnreadableDocument):
        walk.run(yaml.compose(billion_laughs(), Loader=yaml.SafeLoader))
    assert sorted(values for values, _ in walk.expanded.values()) == [
        10,
        91,
        820,
        7381,
        66430,
        597871,
    ]
    check_nodes(yaml.compose("a: &a [1, 2]\nb: [*a, *a]\n", Loader=yaml.SafeLoader))


# --- 2. 100,000 keys --------------------------------------------------------------------------


def test_100000_metric_and_params_keys_are_each_compared(based: Repo) -> None:
    keys = 100_000
    based.write(
        {
            "metrics.json": json.dumps({"eval": {f"k{i}": i for i in range(keys)}}),
            "params.yaml": "train:\n" + "".join(f"  p{i}: {i}\n" for i in range(keys)),
        }
    )
    with GitObjects(based.root) as objects:
        reader = RevisionReader(based.root, objects)
        read = reader.read_metrics(None)["metrics.json"]
        params = reader.params(None)["params.yaml"]
    assert read.state == "found" and len(read.values) == keys
    assert list(read.values)[:2] == ["eval.k0", "eval.k1"]  # file order kept
    assert len(params) == keys and params["train.p99999"] == 99999


def test_nested_keys_flatten_in_file_order_however_deep() -> None:
    deep = "a:\n" + "".join("  " * n + f"l{n}:\n" for n in range(1, 40)) + "  " * 40 + "x: 1\n"
    text = "first: 1\n" + deep + "last: 2\n"
    flat = parse_metrics("m.yaml", text.encode())
    assert list(flat) == ["first", "a." + ".".join(f"l{n}" for n in range(1, 40)) + ".x", "last"]


# --- 3. integers of thousands of digits, dates that do not exist, lone surrogates ----------


SPEC_ATTACKS = {
    "int-5000-digits": (
        ("min: 0.8", "min: " + "9" * 5000),
        "mlci.yaml:27:12: gates.merge[0].min: holds an integer of more than 300 digits",
    ),
    "int-hex": (
        ("min: 0.8", "min: 0x" + "f" * 280),
        "mlci.yaml:27:12: gates.merge[0].min: holds an integer of more than 300 digits",
    ),
    "date": (
        ("target: label", "target: 2024-02-30"),
        "mlci.yaml:4:11: problem.target: holds a date that does not exist (day is out of range",
    ),
    "surrogate": (
        ("target: label", 'target: "\\ud800"'),
        "mlci.yaml:4:11: problem.target: holds text with a lone surrogate (\\ud800)",
    ),
    "surrogate-key": (
        ("target: label", 'target: label\n  "\\udc00x": 1'),
        "mlci.yaml:5:3: problem['\\udc00x']: holds text with a lone surrogate (\\udc00)",
    ),
    "escape-past-unicode": (
        ("target: label", 'target: "\\U00110000"'),
        "mlci.yaml:4:14: invalid YAML: found invalid Unicode character escape code",
    ),
}


@pytest.mark.parametrize("command", [["validate"], ["generate"], ["diff", "main"]])
@pytest.mark.parametrize("attack", SPEC_ATTACKS)
def test_bad_values_in_the_spec_are_spec_errors_exit_2(
    project: Repo, attack: str, command: list[str]
) -> None:
    (old, new), first_line = SPEC_ATTACKS[attack]
    project.commit({"mlci.yaml": MINIMAL_SPEC.replace(old, new)}, "spec")
    result = run(project, *command)
    assert result.code == 2
    assert result.err.splitlines()[0].startswith(first_line)


@pytest.mark.parametrize(
    ("name", "text", "refusal"),
    [
        ("metrics.json", '{"acc": ' + "9" * 5000 + "}", "integer of more than 300 digits"),
        # 400 digits pass Python's own limit, then overflow the float arithmetic of a diff.
        ("metrics.json", '{"acc": ' + "9" * 400 + "}", "integer of more than 300 digits"),
        ("other.yaml", "loss: 0x" + "f" * 300 + "\n", "integer of more than 300 digits"),
        ("other.yaml", "loss: 2024-02-30\n", "holds a date that does not exist"),
        # Printed escaped in each form (JSON and Markdown double the backslash).
        ("other.yaml", 'loss: "\\ud800"\n', "holds text with a lone surrogate"),
        ("metrics.json", '{"\\udc00": 1, "acc": 0.5}', "holds text with a lone surrogate"),
    ],
    ids=["int-5000", "int-400", "hex", "date", "surrogate", "surrogate-key"],
)
@pytest.mark.parametrize("form", ["json", "md", "table"])
def test_bad_values_in_metrics_are_unreadable_in_every_output_form(
    based: Repo, name: str, text: str, refusal: str, form: str
) -> None:
    based.write({name: text})
    result = run(based, "diff", "main", "--format", form)
    assert result.code == 0, result.err
    assert refusal in result.out
    result.out.encode("utf-8")  # the refusal itself prints: no surrogate in it


def test_bad_values_in_params_are_a_note_and_toml_csv_are_bounded_too(based: Repo) -> None:
    based.write({"params.yaml": "train:\n  lr: 2024-02-30\n  seed: " + "1" * 5000 + "\n"})
    report = diff_json(based, "main")
    assert any("params.yaml" in n and "date that does not exist" in n for n in report["notes"])
    # TOML's hexadecimal integers escape Python's digit limit; a long CSV cell is a float.
    with pytest.raises(ValueError, match="integer of more than 300 digits"):
        parse_metrics("m.toml", ("acc = 0x" + "f" * 300).encode())
    assert parse_metrics("m.csv", ("acc\n" + "9" * 400 + "\n").encode()) == {"acc": float("inf")}


# --- 4. reads confined to the repository and the DVC cache -----------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.json").write_text(SECRET)
    return folder


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda r, o: (r / "metrics.json").symlink_to("/etc/passwd"), "is a symbolic link leading"),
        (
            lambda r, o: (r / "metrics.json").symlink_to(os.path.relpath(o / "secret.json", r)),
            "is a symbolic link leading outside the repository",
        ),
        (lambda r, o: (r / "metrics.json").symlink_to("/dev/zero"), "is a symbolic link leading"),
        (lambda r, o: os.mkfifo(r / "metrics.json"), "is not a regular file (a FIFO"),
        (lambda r, o: (r / "metrics.json").symlink_to("metrics.json"), "leads nowhere (a loop)"),
        (
            lambda r, o: (r / "metrics.json").write_bytes(b" " * (MAX_BYTES + 1)),
            "is larger than mlci's cap of 16,777,216 bytes",
        ),
    ],
    ids=["etc-passwd", "relative-out", "dev-zero", "fifo", "loop", "huge"],
)
def test_a_workspace_metrics_file_that_leaves_the_tree_is_named_not_read(
    based: Repo, outside: Path, make: Any, reason: str
) -> None:
    (based.root / "metrics.json").unlink()
    make(based.root, outside)
    report = diff_json(based, "main")
    message = side_message(report, "target", "metrics.json")
    assert message.startswith("metrics.json ") and reason in message
    assert rows(report)["metrics.json", "acc"]["verdict"] == "unreadable"
    assert "root:" not in json.dumps(report) and "0.123456789" not in json.dumps(report)


def test_a_linked_folder_leaving_the_tree_is_never_listed(based: Repo, outside: Path) -> None:
    # A metrics folder linked to / would have mlci walk the whole machine.
    based.write({"dvc.yaml": PIPELINE + "metrics: [reports, everything]\n"})
    (based.root / "reports").symlink_to(outside)
    (based.root / "everything").symlink_to("/")
    report = diff_json(based, "main")
    assert side_message(report, "target", "reports") == (
        "reports is a symbolic link leading outside the repository; mlci reads no file outside it"
    )
    assert "everything" in report["target"]["files"]
    # A declared file below a linked folder names the folder.
    based.write({"dvc.yaml": PIPELINE + "metrics: [reports/secret.json]\n"})
    message = side_message(diff_json(based, "main"), "target", "reports/secret.json")
    assert message.startswith(
        "reports/secret.json lies in reports, a symbolic link to a folder outside the repository"
    )
    assert "0.123456789" not in json.dumps(diff_json(based, "main"))


def test_params_dvc_yaml_and_dvc_config_outside_the_tree_are_notes(
    based: Repo, outside: Path
) -> None:
    (based.root / "params.yaml").unlink()
    (based.root / "params.yaml").symlink_to(outside / "secret.json")
    (based.root / ".dvc").mkdir()
    os.mkfifo(based.root / ".dvc" / "config")  # read for cache.dir: must not block
    report = diff_json(based, "main")
    assert (
        "workspace: params.yaml at the workspace is a symbolic link leading outside the "
        "repository; mlci reads no file outside it" in report["notes"]
    )
    (based.root / "dvc.yaml").unlink()
    (based.root / "dvc.yaml").symlink_to("/dev/zero")
    report = diff_json(based, "main")
    assert report["target"]["has_pipeline"] is False
    assert any(
        n.startswith("workspace: dvc.yaml at the workspace is a symbolic") for n in report["notes"]
    )


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_spec_that_is_a_link_out_or_a_fifo_is_a_spec_error(
    project: Repo, outside: Path, kind: str
) -> None:
    (project.root / "mlci.yaml").unlink()
    if kind == "link":
        (project.root / "mlci.yaml").symlink_to(outside / "secret.json")
        expected = "mlci.yaml:1:1: is a symbolic link leading outside the repository"
    else:
        os.mkfifo(project.root / "mlci.yaml")
        expected = "mlci.yaml:1:1: is not a regular file (a FIFO, a device or a socket)"
    for command in (["validate"], ["generate"]):
        result = run(project, *command)
        assert (result.code, result.err.splitlines()[0][: len(expected)]) == (2, expected)
        assert "0.123456789" not in result.err


def test_links_inside_the_tree_are_followed(based: Repo) -> None:
    based.write({"reports/metrics.json": '{"acc": 0.75}'})
    (based.root / "metrics.json").unlink()
    (based.root / "metrics.json").symlink_to("reports/metrics.json")
    (based.root / "linked").symlink_to("reports")
    based.write({"dvc.yaml": PIPELINE + "metrics: [linked/metrics.json]\n"})
    report = diff_json(based, "main")
    assert rows(report)["metrics.json", "acc"]["new"] == 0.75
    assert rows(report)["linked/metrics.json", "acc"]["new"] == 0.75


def test_a_link_into_an_outside_dvc_cache_is_read_but_only_at_object_names(
    repo: Repo, tmp_path: Path
) -> None:
    # DVC's symlink cache type, with the cache outside the repository (cache.dir): the
    # workspace file is a link to an object there, exactly as `dvc add` makes it.
    def dvc(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "dvc", *args], cwd=repo.root, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    dvc("init", "-q")
    dvc("config", "cache.dir", str(tmp_path / "cache"))
    dvc("config", "cache.type", "symlink")
    repo.write({"metrics.json": '{"acc": 0.7}', "dvc.yaml": "metrics: [metrics.json]\n"})
    dvc("add", "-q", "metrics.json")
    assert (repo.root / "metrics.json").is_symlink()
    sha = repo.commit(message="tracked by DVC")
    report = diff_json(repo, sha)
    assert report["target"]["files"]["metrics.json"]["state"] == "found"
    assert rows(report)["metrics.json", "acc"]["new"] == 0.7
    # The cache is named by .dvc/config, which a pull request edits: only object paths.
    (tmp_path / "cache" / "notes.json").write_text(SECRET)
    (repo.root / "metrics.json").unlink()
    (repo.root / "metrics.json").symlink_to(tmp_path / "cache" / "notes.json")
    assert "leading outside" in side_message(diff_json(repo, sha), "target", "metrics.json")


def test_a_cache_object_that_is_a_fifo_or_a_link_is_unreadable(repo: Repo, outside: Path) -> None:
    md5 = "0123456789abcdef0123456789abcdef"
    lock = (
        "schema: '2.0'\nstages:\n  train:\n    cmd: x\n    outs:\n"
        f"    - path: cached.json\n      hash: md5\n      md5: {md5}\n"
    )
    repo.commit({"dvc.yaml": "stages:\n  train:\n    cmd: x\n    metrics: [cached.json]\n"})
    repo.write({"dvc.lock": lock})
    sha = repo.commit(message="lock")
    objects = repo.root / ".dvc" / "cache" / "files" / "md5" / md5[:2]
    objects.mkdir(parents=True)
    os.mkfifo(objects / md5[2:])
    report = diff_json(repo, sha, sha)
    assert "whose object in the DVC cache is not a regular file" in side_message(
        report, "target", "cached.json"
    )
    (objects / md5[2:]).unlink()
    (objects / md5[2:]).symlink_to(outside / "secret.json")
    report = diff_json(repo, sha, sha)
    assert "whose object in the DVC cache cannot be opened" in side_message(
        report, "target", "cached.json"
    )
    assert "0.123456789" not in json.dumps(report)


def test_links_committed_to_git_are_not_followed_nor_read(based: Repo, outside: Path) -> None:
    (based.root / "metrics.json").unlink()
    (based.root / "metrics.json").symlink_to("/etc/passwd")
    (based.root / "reports").symlink_to(outside)
    based.write({"dvc.yaml": PIPELINE + "metrics: [reports/secret.json]\n"})
    sha = based.commit(message="links")
    report = diff_json(based, "main", sha)
    assert side_message(report, "target", "metrics.json") == (
        "metrics.json is a symbolic link committed to git; not followed"
    )
    assert side_message(report, "target", "reports/secret.json") == (
        "reports/secret.json lies in reports, which is a symbolic link committed to git; "
        "not followed"
    )
    assert "root:" not in json.dumps(report) and "0.123456789" not in json.dumps(report)


def test_a_huge_committed_file_is_skipped_by_size(based: Repo) -> None:
    based.git("checkout", "-q", "-b", "big")
    sha = based.commit({"metrics.json": " " * (MAX_BYTES + 1) + "{}"}, "huge")
    report = diff_json(based, "main", sha)
    assert side_message(report, "target", "metrics.json") == (
        "metrics.json is 16,777,219 bytes, over mlci's cap of 16,777,216 bytes for a file it "
        "reads; keep bulk data out of it"
    )


def test_history_reads_no_file_a_dvc_lock_md5_points_to(repo: Repo, outside: Path) -> None:
    # dvc.lock's md5 becomes a path into the cache: "xx/abs/path" once read any file.
    stage = "stages:\n  s:\n    cmd: x\n    metrics: [m.json]\n"
    lock = "stages:\n  s:\n    cmd: x\n    outs:\n    - path: m.json\n"
    lock += f"      md5: xx{outside}/secret.json\n"
    repo.commit({"dvc.yaml": stage, "dvc.lock": lock})
    result = run(repo, "history", "-n", "3", "--format", "json")
    assert result.code == 0, result.err
    assert "0.123456789" not in result.out


def test_read_confined_refuses_paths_that_leave_the_tree(tmp_path: Path) -> None:
    for path in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(ReadRefused, match="lies outside the repository"):
            read_confined(tmp_path, path)
    assert read_confined(tmp_path, "absent.json") is None
    (tmp_path / "folder").mkdir()
    assert read_confined(tmp_path, "folder") is None


# --- 5. the report's plot files and the base's spec --------------------------------------------

PLOTTED_SPEC = MINIMAL_SPEC.replace(
    "    metrics: [metrics.json]\n", "    metrics: [metrics.json]\n    plots: [roc.json, cm.csv]\n"
)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda r, o: (r / "roc.json").symlink_to("/etc/passwd"), "symbolic link leading"),
        (lambda r, o: (r / "roc.json").symlink_to(o / "secret.json"), "outside the repository"),
        (lambda r, o: os.mkfifo(r / "roc.json"), "is not a regular file"),
        (lambda r, o: (r / "roc.json").write_text("[" * 5000 + "]" * 5000), "nests deeper"),
        (
            lambda r, o: (
                (r / "roc.json").unlink(missing_ok=True)
                or (r / "cm.csv").write_text("actual,predicted\n" + "a" * 200_000 + ",a\n")
            ),
            "field larger than field limit",
        ),
    ],
    ids=["etc-passwd", "outside", "fifo", "deep-json", "huge-csv-field"],
)
def test_a_plot_file_the_report_reads_is_confined_and_bounded(
    project: Repo, outside: Path, make: Any, reason: str
) -> None:
    from mlci.present.charts import read_plots
    from mlci.spec.load import load_project
    from mlci.usecases.report import _plots

    project.write({"mlci.yaml": PLOTTED_SPEC, "cm.csv": "actual,predicted\na,a\n"})
    make(project.root, outside)
    spec = load_project(project.root / "mlci.yaml").spec
    plots = read_plots(_plots(project.root, spec, None), {"base": "main", "target": "PR"})
    skipped = dict(plots.skipped)
    refused = "cm.csv" if "cm.csv" in skipped else "roc.json"
    assert reason in skipped[refused], skipped
    assert "0.123456789" not in json.dumps(skipped) and "root:" not in json.dumps(skipped)
    if refused == "roc.json":
        assert [c.path for c in plots.confusions] == ["cm.csv"]  # the other plot still shows


def test_a_base_spec_over_the_cap_is_never_read_whole(project: Repo) -> None:
    from mlci.revision.judging_rules import MAX_SPEC_BYTES, judging_rules
    from mlci.spec.load import load_project

    project.commit({"mlci.yaml": MINIMAL_SPEC + "#" * (MAX_SPEC_BYTES + 1) + "\n"}, "huge spec")
    base = project.git("rev-parse", "HEAD").strip()
    project.write({"mlci.yaml": MINIMAL_SPEC})
    spec = load_project(project.root / "mlci.yaml").spec
    with GitObjects(project.root) as objects:
        judged = judging_rules(objects, spec, base, "main", "mlci.yaml")
    assert judged.source == "this change"
    assert f"over {MAX_SPEC_BYTES:,}" in (judged.note or "")
