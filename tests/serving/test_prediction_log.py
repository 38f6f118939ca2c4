"""The prediction log: rows appended as JSON lines, rotated and bounded, read back newest
first as a window, and nothing planted in its folder followed or trusted."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from mlci.serving.prediction_log import PredictionLog, default_log_folder, read_log


def _rows(start: int, count: int) -> list[dict[str, float]]:
    return [{"x": float(i), "y": float(-i)} for i in range(start, start + count)]


def test_rows_are_read_back_as_the_newest_window_oldest_first(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", max_bytes=2_000, keep=50)
    for start in range(0, 100, 10):
        log.write("v1.0.0", _rows(start, 10), [str(i % 3) for i in range(start, start + 10)])
    files = sorted((tmp_path / "log").iterdir())
    assert len(files) > 3  # rotated at 2,000 bytes
    assert all(f.stat().st_size <= 2_000 for f in files)
    window = read_log(tmp_path / "log", 25)
    assert [row["x"] for row in window.rows] == [float(i) for i in range(75, 100)]
    assert window.rows[-1] == {"x": 99.0, "y": -99.0, "prediction": "0"}
    assert window.other_versions == {} and window.skipped == 0
    everything = read_log(tmp_path / "log", 1_000)
    assert [row["x"] for row in everything.rows] == [float(i) for i in range(100)]


def test_only_the_newest_files_are_kept(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", max_bytes=1_000, keep=3)
    for start in range(0, 200, 5):
        log.write("v1.0.0", _rows(start, 5), [0] * 5)
    files = sorted(p.name for p in (tmp_path / "log").iterdir())
    assert len(files) == 3
    kept = read_log(tmp_path / "log", 10_000).rows
    assert kept[-1]["x"] == 199.0 and kept[0]["x"] > 0  # the oldest rows are gone
    # A new server on the same folder goes on with the newest file.
    PredictionLog(tmp_path / "log", max_bytes=1_000, keep=3).write("v1.0.1", _rows(500, 1), [1])
    assert read_log(tmp_path / "log", 1).rows == [{"x": 500.0, "y": -500.0, "prediction": 1}]


def test_threads_writing_at_once_lose_and_tear_no_line(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", max_bytes=50_000, keep=100)

    def serve(worker: int) -> None:
        for batch in range(50):
            log.write("v1", _rows(worker * 1_000 + batch * 4, 4), [worker] * 4)

    threads = [threading.Thread(target=serve, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    read = read_log(tmp_path / "log", 100_000)
    assert len(read.rows) == 4 * 50 * 4 and read.skipped == 0


def test_what_is_planted_in_the_folder_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere.jsonl"
    elsewhere.write_text("")
    (folder / "predictions-000001.jsonl").symlink_to(elsewhere)
    log = PredictionLog(folder)
    log.write("v1", _rows(0, 1), [0])
    log.write("v1", _rows(1, 1), [0])
    assert elsewhere.read_text() == ""  # the link was not written through
    assert capsys.readouterr().err.count("the prediction log is not written") == 1
    assert read_log(folder, 10).rows == []  # nor read


def test_lines_that_are_not_logged_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    PredictionLog(folder).write("v1", _rows(0, 2), [0, 1])
    with (folder / "predictions-000001.jsonl").open("a") as handle:
        handle.write("not json\n[1, 2]\n")
        handle.write(json.dumps({"row": "x", "prediction": 1}) + "\n")
        handle.write(json.dumps({"row": {"x": 1.0}}) + "\n")
        handle.write('{"row": {"x": "' + "a" * (1 << 20) + '"}, "prediction": 0}\n')
    read = read_log(folder, 100)
    assert len(read.rows) == 2 and read.skipped == 5


def test_the_default_folder(tmp_path: Path) -> None:
    target = tmp_path / "served"
    (target / "versions").mkdir(parents=True)
    environ = {"XDG_STATE_HOME": str(tmp_path / "state")}
    assert default_log_folder(target / "current", "churn", environ) == target / "predictions"
    elsewhere = default_log_folder(tmp_path / "package", "churn", environ)
    assert elsewhere == tmp_path / "state" / "mlci" / "predictions" / "churn"
    chosen = {"MLCI_PREDICTION_LOG": str(tmp_path / "mine"), **environ}
    assert default_log_folder(target / "current", "churn", chosen) == tmp_path / "mine"


def test_a_version_reads_only_the_rows_it_predicted(tmp_path: Path) -> None:
    """A folder target's log holds every version served from it: after a promotion the
    new version's window must not hold the old one's rows."""
    log = PredictionLog(tmp_path / "log")
    log.write("v1.0.0", _rows(0, 30), [0] * 30)
    log.write("v1.1.0", _rows(100, 20), [1] * 20)
    log.write("v1.0.0", _rows(200, 5), [0] * 5)  # a rollback served the old one again
    new = read_log(tmp_path / "log", 1_000, version="v1.1.0")
    assert [row["x"] for row in new.rows] == [float(i) for i in range(100, 120)]
    assert new.other_versions == {"v1.0.0": 35}
    old = read_log(tmp_path / "log", 10, version="v1.0.0")
    assert [row["x"] for row in old.rows] == [
        25.0,
        26.0,
        27.0,
        28.0,
        29.0,
        *map(float, range(200, 205)),
    ]
