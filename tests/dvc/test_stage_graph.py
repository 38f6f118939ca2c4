"""The stages a change reaches, as `dvc repro` would run them."""

from __future__ import annotations

from mlci.dvc.stage_graph import downstream

STAGES = {
    "load": {"cmd": "x", "outs": ["data/raw.csv"]},
    "prepare": {"cmd": "x", "deps": ["data/raw.csv"], "outs": [{"data/prepared": {"cache": True}}]},
    "train": {"cmd": "x", "deps": ["data/prepared/train.csv"], "outs": ["model"]},
    "evaluate": {"cmd": "x", "deps": ["model"], "metrics": [{"m.json": {"cache": False}}]},
    "report": {"cmd": "x", "deps": ["m.json"], "outs": ["r.html"], "frozen": True},
    "lint": {"cmd": "x", "always_changed": True},
    "side": {"cmd": "x", "wdir": "sub", "deps": ["../extra.csv"], "outs": ["o"]},
}


def test_a_changed_stage_reaches_everything_downstream_but_frozen() -> None:
    assert downstream(STAGES, ["prepare"], []) == ["prepare", "train", "evaluate", "lint"]


def test_changed_data_reaches_its_readers_through_folders_and_wdir() -> None:
    assert downstream(STAGES, [], ["data/prepared/train.csv"]) == ["train", "evaluate", "lint"]
    assert downstream(STAGES, [], ["extra.csv"]) == ["lint", "side"]


def test_nothing_changed_runs_only_always_changed_stages() -> None:
    assert downstream(STAGES, [], []) == ["lint"]
