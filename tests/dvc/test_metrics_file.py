"""Metrics files in every format DVC reads, flattened to dotted keys."""

from __future__ import annotations

import pytest

from mlci.dvc.metrics_file import (
    BARE,
    MetricsFormatError,
    parse_metrics,
    read_document,
    read_structured,
)


def test_nested_json_flattens_with_dots_and_skips_lists() -> None:
    content = b'{"test": {"acc": 0.9, "loss": 1}, "per_class": [1, 2], "note": "ok", "best": true}'
    assert parse_metrics("m.json", content) == {
        "test.acc": 0.9,
        "test.loss": 1,
        "note": "ok",
        "best": True,
    }


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("m.yaml", b"test:\n  acc: 0.9\n"),
        ("m.yml", b"test: {acc: 0.9}\n"),
        ("m.toml", b"[test]\nacc = 0.9\n"),
        ("metrics", b'{"test": {"acc": 0.9}}'),  # no suffix: YAML, which reads JSON too
    ],
)
def test_yaml_toml_and_suffixless(name: str, content: bytes) -> None:
    assert parse_metrics(name, content) == {"test.acc": 0.9}


def test_csv_and_tsv_give_the_last_row() -> None:
    assert parse_metrics("log.csv", b"epoch,loss\n1,0.5\n2,0.25\n") == {"epoch": 2, "loss": 0.25}
    assert parse_metrics("m.tsv", b"acc\tmodel\n0.8\tlr\n") == {"acc": 0.8, "model": "lr"}
    assert parse_metrics("empty.csv", b"a,b\n") == {}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.json", b"{not json", "m.json: not valid JSON"),
        ("m.toml", b"= 1", "m.toml: not valid TOML"),
        ("m.yaml", b"- 1\n- 2\n", "m.yaml: holds a list; a metrics file holds a mapping"),
        ("m.yaml", b"2026-01-02\n", "m.yaml: holds a date;"),
    ],
)
def test_unreadable_files_say_why(name: str, content: bytes, message: str) -> None:
    with pytest.raises(MetricsFormatError, match=message):
        parse_metrics(name, content)


def test_yaml_is_read_as_yaml_1_2_like_dvc() -> None:
    # PyYAML (YAML 1.1) would read 1e-3 as text and yes as true; DVC's ruamel does not.
    assert parse_metrics("m.yaml", b"lr: 1e-3\nflag: yes\nacc: 0.5\n") == {
        "lr": 0.001,
        "flag": "yes",
        "acc": 0.5,
    }


@pytest.mark.parametrize(
    ("name", "content", "value"),
    [
        ("m.yaml", b"0.9\n", 0.9),
        ("m.json", b"3", 3),
        ("m", b"1e-3", 0.001),  # YAML 1.2, as DVC reads it
        ("m.yaml", b"best\n", "best"),
        ("m.json", b"true", True),
        # DVC's reader (`load(text) or {}`) reads these as holding nothing: a count that
        # falls to 0 would show as removed. mlci keeps the value (README, `mlci diff`).
        ("m.yaml", b"0\n", 0),
        ("m.json", b"0.0", 0.0),
        ("m.yaml", b"false\n", False),
    ],
)
def test_a_bare_value_is_key_empty_as_dvc_keys_it(name: str, content: bytes, value: object) -> None:
    parsed = parse_metrics(name, content)
    assert parsed == {BARE: value} and BARE == ""
    assert type(parsed[BARE]) is type(value)


@pytest.mark.parametrize("content", [b"", b"~\n", b"# nothing yet\n"])
def test_an_empty_file_holds_no_metrics(content: bytes) -> None:
    assert parse_metrics("m.yaml", content) == {}
    assert parse_metrics("m.json", b"null") == {}


def test_params_files_keep_dvcs_reading_of_an_empty_document() -> None:
    assert read_structured("params.yaml", b"") == {}
    assert read_structured("params.yaml", b"0\n") == {}
    assert read_document("params.yaml", b"0\n") == 0
