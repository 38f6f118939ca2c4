"""`mlci history` streams: the JSON written commit by commit is json.dumps of the whole
document, and what the history holds while it writes does not grow with commits x keys."""

from __future__ import annotations

import io
import json
import math
import subprocess
import tracemalloc
from collections.abc import Iterator

import pytest

from mlci.git import Commit
from mlci.present import history_format
from mlci.present.history_format import sparkline
from mlci.revision.history import (
    History,
    HistoryRow,
    HistoryStream,
    MetricColumn,
    stream_history,
)
from tests.conftest import Repo


def whole_document(history: History) -> str:
    """The JSON as it was built before it was streamed: the reference to equal."""
    data = {
        "metrics": [
            {"name": c.name, "file": c.file, "key": c.key, "direction": c.direction}
            for c in history.columns
        ],
        "commits": [
            {
                "sha": row.commit.sha,
                "time": row.commit.time,
                "subject": row.commit.subject,
                "stages_changed": row.stages_changed,
                "metrics": row.values,
            }
            for row in history.rows
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


ODD = History(
    [
        MetricColumn("acc", "m.json", "acc", "higher"),
        MetricColumn("é\n\x1b[2K\u202e", None, "k"),
        MetricColumn("b", None, "b"),
    ],
    [
        HistoryRow(Commit("a" * 40, 0, 'quote " and \\ and \t'), {}, []),
        HistoryRow(
            Commit("b" * 40, 1_700_000_000, "ünïcode \u2028 line separator"),
            {"acc": math.nan, "é\n\x1b[2K\u202e": math.inf, "b": 10**300},
            ["train", "eval"],
        ),
        HistoryRow(
            Commit("c" * 40, 2, ""),
            {"acc": -0.0, "é\n\x1b[2K\u202e": "text\nwith a break", "b": True},
            ["s"],
        ),
        HistoryRow(Commit("d" * 40, 3, "none"), {"acc": None, "b": -math.inf}, []),
    ],
)


@pytest.mark.parametrize(
    "history",
    [ODD, History([], []), History(ODD.columns, []), History([], ODD.rows)],
    ids=["odd values", "nothing", "no commits", "no columns"],
)
def test_streamed_json_is_the_whole_document_byte_for_byte(history: History) -> None:
    assert history_format.as_json(history) == whole_document(history)
    # From a stream, whose rows can be iterated once, to a text stream.
    out = io.StringIO()
    history_format.write_json(HistoryStream(history.columns, iter(history.rows)), out)
    assert out.getvalue() == whole_document(history)


def test_every_format_reads_its_rows_once() -> None:
    for name, write in history_format.WRITERS.items():
        out = io.StringIO()
        write(HistoryStream(ODD.columns, iter(ODD.rows)), out)
        assert out.getvalue() == history_format.FORMATS[name](ODD), name


def test_a_sparkline_has_a_gap_for_infinity_and_nan() -> None:
    assert sparkline([1.0, math.inf, 2.0, math.nan, -math.inf, 3.0]) == "▁ ▅  █"
    assert sparkline([math.nan]) == ""
    shown = history_format.as_table(ODD)
    assert "acc" in shown and "\x1b" not in shown  # the table is inert, and does not fail


def metrics_history(repo: Repo, commits: int, keys: int) -> None:
    """`commits` commits sharing one dvc.yaml, each with its own metrics file of `keys`
    numbers (no dvc.lock: reading is then quick, and the test is about what is kept)."""
    repo.commit(
        {"dvc.yaml": "stages:\n  s:\n    cmd: x\n    metrics: [{m.json: {cache: false}}]\n"}
    )
    stream = []
    for index in range(commits):
        text = json.dumps({f"key{k}": index * keys + k + 0.5 for k in range(keys)})
        message = f"c{index}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(b"committer t <t@t> %d +0000\n" % (1_700_000_000 + index))
        stream.append(b"data %d\n%s\n" % (len(message), message))
        if index == 0:
            stream.append(b"from refs/heads/main^0\n")
        stream.append(b"M 100644 inline m.json\ndata %d\n%s\n" % (len(text), text.encode()))
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo.root, input=b"".join(stream), check=True
    )
    repo.git("reset", "-q", "--hard", "main")


KEYS = 40
HISTORY_MODULES = [
    tracemalloc.Filter(True, "*/mlci/revision/history*.py"),
    tracemalloc.Filter(True, "*/mlci/present/history*.py"),
]


class Discarded(io.TextIOBase):
    """Where the JSON goes: nowhere (a StringIO would hold it, and count as held)."""

    def write(self, text: str) -> int:
        return len(text)


def held_while_writing(repo: Repo, count: int, columns: list[MetricColumn] | None) -> int:
    """Bytes that the history's own modules (the reader of rows and the JSON writer) hold
    when the last row is handed to the writer: by then every commit is read and all but
    one written. Allocations are counted by the line that made them, so the reader's
    bounded caches of parsed files and git's log, which are not the history's, are not."""
    held = 0

    def last_row_noted(rows: Iterator[HistoryRow]) -> Iterator[HistoryRow]:
        nonlocal held
        for index, row in enumerate(rows, 1):
            if index == count:  # the last: asking for one more would end what holds them
                snapshot = tracemalloc.take_snapshot().filter_traces(HISTORY_MODULES)
                held = sum(stat.size for stat in snapshot.statistics("filename"))
            yield row

    tracemalloc.start()
    try:
        with stream_history(repo.root, "main", count, columns) as streamed:
            noted = HistoryStream(streamed.columns, last_row_noted(streamed.rows))
            history_format.write_json(noted, Discarded())
    finally:
        tracemalloc.stop()
    return held


@pytest.fixture(scope="module")
def long_history(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    root = tmp_path_factory.mktemp("history") / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("user.name", "mlci tests"), ("user.email", "tests@mlci.invalid")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    repo = Repo(root)
    metrics_history(repo, 400, KEYS)
    return repo


def test_named_columns_hold_nothing_per_commit(long_history: Repo) -> None:
    """Each row is written and dropped: four times the commits, not more held."""
    columns = [MetricColumn("k", "m.json", "key7")]
    small, large = (held_while_writing(long_history, n, columns) for n in (100, 400))
    assert large - small < 300 * 16, (small, large)  # 16 bytes a commit, of 40 keys


def test_found_columns_hold_a_value_per_key_per_commit_no_more(long_history: Repo) -> None:
    """Found columns are known once every commit is read; until then each commit keeps
    8 bytes a value (a tuple of them), not the dict the reader gave (some 100 bytes a key)."""
    small, large = (held_while_writing(long_history, n, None) for n in (100, 400))
    per_commit = (large - small) / 300
    assert per_commit < 12 * KEYS + 200, (small, large, per_commit)
