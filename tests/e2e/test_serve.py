"""`mlci package` and `mlci serve` on a real trained model, over a real socket on 127.0.0.1:
the server predicts what the evaluate stage predicted, row for row."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from mlci.serving.model import load_package
from mlci.serving.prediction_log import read_log
from mlci.serving.server import make_server
from tests.conftest import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    workspace = Workspace(tmp_path_factory.mktemp("serve"))
    assert workspace.mlci("init", "demo").code == 0
    demo = workspace.base / "demo"
    assert workspace.mlci("run", cwd=demo).code == 0
    workspace.run("git", "add", "-A", cwd=demo)
    workspace.run("git", "commit", "-qm", "model", cwd=demo)
    assert workspace.mlci("register", cwd=demo).code == 0
    made = workspace.mlci("package", "--output", str(workspace.base / "pkg"), cwd=demo)
    assert made.code == 0, made.err
    return demo, workspace.base / "pkg"


@pytest.fixture(scope="module")
def server(packaged: tuple[Path, Path]):  # type: ignore[no-untyped-def]
    _, package = packaged
    running = make_server(load_package(package), "127.0.0.1", 0, max_bytes=200_000)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{running.effective_port}"
    running.close()


def _test_rows(demo: Path) -> tuple[list[dict], list[str], list[str]]:
    with (demo / "data/prepared/test.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    schema = json.loads((demo / "models/metadata.json").read_text())["input_schema"]
    rows = [
        {
            c["name"]: float(row[c["name"]]) if c["type"] == "number" else row[c["name"]]
            for c in schema
        }
        for row in table
    ]
    return rows, [row["row_id"] for row in table], [c["name"] for c in schema]


def test_the_package_holds_what_a_server_needs(packaged: tuple[Path, Path]) -> None:
    demo, package = packaged
    manifest = json.loads((package / "package.json").read_text())
    assert manifest["version"] == "v0.1.0" and manifest["task"] == "classification"
    assert [f["path"] for f in manifest["files"]] == ["models/model.skops", "models/metadata.json"]
    lock = (demo / "dvc.lock").read_text()
    assert manifest["files"][0]["md5"] in lock
    assert (package / "models/model.skops").read_bytes() == (
        demo / "models/model.skops"
    ).read_bytes()
    assert (package / "card.md").read_text().startswith("# Model card: model v0.1.0")
    assert len(manifest["input_schema"]) == 30  # breast cancer's measurements


def test_predictions_over_the_socket_equal_the_evaluations(
    packaged: tuple[Path, Path], server: str
) -> None:
    demo, _ = packaged
    rows, ids, _ = _test_rows(demo)
    with (demo / "predictions.csv").open(newline="") as handle:
        evaluated = {row["row_id"]: row for row in csv.DictReader(handle)}
    answer = requests.post(f"{server}/predict", json={"rows": rows}, timeout=30)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert len(found["predictions"]) == len(rows)
    for row_id, predicted, proba in zip(
        ids, found["predictions"], found["probabilities"], strict=True
    ):
        assert str(predicted) == evaluated[row_id]["predicted"]
        for label, p in proba.items():
            assert p == pytest.approx(float(evaluated[row_id][f"proba:{label}"]), abs=1e-9)


def test_health_and_clear_refusals(packaged: tuple[Path, Path], server: str) -> None:
    demo, _ = packaged
    health = requests.get(f"{server}/health", timeout=10).json()
    assert health["status"] == "ok" and health["version"] == "v0.1.0"
    rows, _, names = _test_rows(demo)
    missing = dict(rows[0])
    del missing[names[0]]
    cases = [
        ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "not JSON"),
        ({"json": {"rows": [missing]}}, 422, f"row 0 lacks {names[0]}"),
        ({"json": {"rows": [{**rows[0], "extra": 1}]}}, 422, "does not know: extra"),
        (
            {"json": {"rows": [{**rows[0], names[1]: "high"}]}},
            422,
            f"{names[1]} must be a finite number",
        ),
        ({"json": {"rows": []}}, 422, "non-empty list"),
    ]
    for request, status, words in cases:
        answer = requests.post(f"{server}/predict", timeout=30, **request)
        assert answer.status_code == status, (words, answer.text)
        assert words in answer.json()["error"]
    # Over the cap, waitress refuses the body before the application reads any of it.
    too_big = requests.post(f"{server}/predict", json={"rows": rows * 40}, timeout=30)
    assert too_big.status_code == 413 and "200000" in too_big.text
    assert requests.get(f"{server}/predict", timeout=10).status_code == 405
    assert requests.get(f"{server}/nothing", timeout=10).status_code == 404


def test_the_command_serves_the_version_in_a_stage_and_logs_its_predictions(
    packaged: tuple[Path, Path], tmp_path: Path
) -> None:
    demo, _ = packaged
    promoted = subprocess.run(
        [sys.executable, "-m", "mlci", "promote", "--to", "staging"], cwd=demo, capture_output=True
    )
    assert promoted.returncode == 0
    environ = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mlci", "serve", "--stage", "staging", "--port", "0"],
        cwd=demo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("serving model v0.1.0 on http://127.0.0.1:"), process.stderr
        address = line.split(" on ", 1)[1].split(",")[0].strip()
        log = tmp_path / "state" / "mlci" / "predictions" / "model"
        assert line.strip().endswith(f"logging predictions to {log}")
        assert requests.get(f"{address}/health", timeout=10).json()["version"] == "v0.1.0"
        rows, _, _ = _test_rows(demo)
        answer = requests.post(f"{address}/predict", json={"rows": rows[:3]}, timeout=30).json()
        logged = read_log(log, 10, version="v0.1.0")
        assert [{k: r[k] for k in rows[0]} for r in logged.rows] == rows[:3]
        assert [r["prediction"] for r in logged.rows] == answer["predictions"]
        assert logged.other_versions == {}
    finally:
        process.terminate()
        process.wait(timeout=30)
