"""One cat-file process reads files at revisions exactly as `git show` would."""

from __future__ import annotations

import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from mlci.gitbatch import GitObjects
from tests.conftest import Repo


def test_reads_files_at_revisions_and_reports_absent_ones(repo: Repo) -> None:
    first = repo.commit({"metrics.json": '{"acc": 0.5}\n', "dir/x.txt": "x"})
    second = repo.commit({"metrics.json": '{"acc": 0.75}\n'})
    with GitObjects(repo.root) as objects:
        assert objects.read(first, "metrics.json") == b'{"acc": 0.5}\n'
        assert objects.read(second, "metrics.json") == b'{"acc": 0.75}\n'
        assert objects.read(first, "missing.json") is None
        assert objects.read(first, "dir") is None  # a folder is not a file
        assert objects.read("0" * 40, "metrics.json") is None
        # Still answering after misses: the stream stays in step.
        assert objects.read("HEAD~1", "dir/x.txt") == b"x"


def test_paths_are_relative_to_a_project_inside_the_work_tree(repo: Repo) -> None:
    commit = repo.commit({"sub/project/m.json": "{}"})
    with GitObjects(repo.root / "sub" / "project") as objects:
        assert objects.read(commit, "m.json") == b"{}"


@settings(max_examples=20, deadline=None)
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=30))
def test_many_reads_in_one_batch_match_git_show(tmp_path_factory, contents: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("batch")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    revisions = []
    for index, content in enumerate(contents):
        (root / "f.bin").write_bytes(content)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
        subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                str(index),
            ],
            check=True,
        )
        revisions.append(
            subprocess.run(
                ["git", "-C", str(root), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    with GitObjects(root) as objects:
        read = objects.read_many([(rev, "f.bin") for rev in revisions])
    assert read == contents


def test_a_missing_name_with_spaces_is_absent_not_a_crash(repo: Repo) -> None:
    """git answers `<name> missing` with the name first: one with a space in it must not be
    read as an object header (it made `mlci gate --spec "my spec.yaml"` exit 3)."""
    repo.commit({"a.txt": "a"}, "one")
    with GitObjects(repo.root) as objects:
        assert objects.read_many(
            [("HEAD", "my spec.yaml"), ("HEAD", "a b c"), ("HEAD", "a.txt")]
        ) == [
            None,
            None,
            b"a",
        ]
