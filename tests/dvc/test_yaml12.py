"""mlci.dvc.yaml12 reads DVC's files exactly as ruamel.yaml reads them for DVC
(`YAML(typ="safe")`, dvc/utils/serialize/_yaml.py), within mlci's caps."""

from __future__ import annotations

import io
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlci.document_caps import MAX_ALIASES, MAX_DEPTH, MAX_INT_DIGITS, UnreadableDocument
from mlci.dvc import yaml12
from mlci.dvc.dvcfile import is_syntax_error, read_document


def ruamel_reads(text: str) -> tuple[str, Any]:
    """("ok", data) as DVC's reader gives it, or ("refused", None)."""
    from ruamel.yaml import YAML

    try:
        return "ok", YAML(typ="safe").load(text)
    except Exception:  # ruamel's errors share no root but Exception; DVC fails on them
        return "refused", None


def ours(text: str) -> tuple[str, Any]:
    try:
        return "ok", yaml12.load(text)
    except UnreadableDocument:
        return "refused", None


def same(text: str) -> None:
    """Both readers agree: the same data (repr tells 1, 1.0 and True apart, and NaN is NaN),
    or both refuse."""
    theirs, mine = ruamel_reads(text), ours(text)
    assert mine[0] == theirs[0], text
    assert repr(mine[1]) == repr(theirs[1]), text


TRICKY = [
    *(f"a: {word}" for word in ("yes", "Yes", "YES", "no", "No", "on", "On", "off", "OFF")),
    *(f"a: {word}" for word in ("y", "Y", "n", "N", "true", "True", "TRUE", "tRue", "false")),
    *(f"a: {word}" for word in ("0o17", "017", "012", "08", "0x1F", "0b101", "1_000", "+1")),
    *(f"a: {word}" for word in ("-0", "0", "1:20", "1:20:30", "-1:20", "1.5:20", "190:20:30")),
    *(f"a: {word}" for word in (".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf")),
    *(f"a: {word}" for word in (".nan", ".NaN", ".NAN", "-.nan", ".nAn", "inf", "nan")),
    *(f"a: {word}" for word in ("~", "null", "Null", "NULL", "nULL", "", "none", "None")),
    *(f"a: {word}" for word in ("1e3", "1E3", "1.0e5", "1.0e+5", "1e-3", ".5", "1.", "-1.5e-3")),
    *(f"a: {word}" for word in ("1_0.5", "1__0", "0x_1", "-_", "0o", "0b", "0x", "00", "-0.0")),
    "a: 2024-01-01",
    "a: 2024-02-30",
    "a: 2024-01-01 10:00:00",
    "a: 2024-01-01T10:00:00Z",
    "a: 2001-12-14t21:59:43.10-05:00",
    "a: =",
    "=: a",
    "a: <<",
    "b: &x {c: 1}\na: {<<: *x, d: 2}",
    "b: &x {c: 1}\na:\n  <<: *x\n  c: 2",
    "b: &x {c: 1}\nd: &y {e: 1}\na: {<<: [*x, *y]}",
    "a: !!binary aGVsbG8=",
    "a: !!str 1",
    "a: !!int '7'",
    "a: !custom x",
    "1: x",
    "1.5: q",
    "true: y",
    "yes: z",
    "~: n",
    "017: octal",
    "0o17: octal",
    "1: a\n1.0: b",
    "1: a\ntrue: b",
    "a: 1\na: 2",
    "a: {b: 1, b: 1}",
    ".nan: 1\n.nan: 2",
    "? [1]\n: 2",
    "? {a: 1}\n: 2",
    "a: |\n  two\n  lines\n",
    "a: >-\n  folded\n  text\n",
    "a: [1, 'x', {b: null}]",
    "a: 'yes'",
    'a: "1"',
    "a: 'it''s'",
    'a: "tab\\there"',
    'a: "\\u00e9 \\x41"',
    "x: &a [1, 2]\ny: *a",
    "x: &a yes\ny: *a",
    "%YAML 1.1\n---\na: yes",
    "%YAML 1.2\n---\na: yes",
    "---\na: 1\n...\n",
    "a: 1\n---\nb: 2",
    "- yes\n- on",
    "yes",
    "",
    "# only a comment",
    "\ufeffa: 1",
    "a: b\u2028c",
    "a: \x85",
    "a: \t1",
    "a:\tb",
    "a: b #c",
    "a: b#c",
    "a: 'unterminated",
    "a: [1, 2",
    "a: b: c",
    "\ta: 1",
    "cmd: python train.py --lr 0.1 && echo done",
    "cmd: date +%Y",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_scalars_read_as_ruamel_reads_them(text: str) -> None:
    same(text)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "off",
            "1e3",
            "0o17",
            "012",
            "1:30",
            "2024-01-01",
            "~",
            "null",
            ".inf",
            "0x1F",
            "1_000",
            "+1",
            "-0",
            ".5",
            "=",
            "<<",
            "y",
            "n",
        ]
    ),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["yes", "1", "on"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


def _dump(document: Any) -> bytes:
    """As DVC writes dvc.lock (dvc.utils.serialize._yaml)."""

    from ruamel.yaml import YAML

    handler = YAML()
    handler.default_flow_style = False
    stream = io.StringIO()
    handler.dump(document, stream)
    return stream.getvalue().encode()


TRICKY_YAML = [
    "a: yes",
    "a: No",
    "a: on",
    "a: 1e3",
    "a: 1.0e5",
    "a: 1.0e+5",
    "a: 0o17",
    "a: 012",
    "a: 0x1F",
    "a: 1_000",
    "a: 1:30",
    "a: 2024-01-01",
    "a: 2024-01-01 10:00:00",
    "a: ~",
    "a:",
    "a: 'yes'",
    'a: "1"',
    "a: +1",
    "a: -0",
    "a: .5",
    "a: -.inf",
    "a: .NaN",
    "a: =",
    "a: !!str 1",
    "b: &x {c: 1}\na: {<<: *x, d: 2}",
    "a: 1\na: 2",
    "a: |\n  two\n  lines\n",
    "a: >-\n  folded\n  text\n",
    "a: [1, 'x', {b: null}]",
    "? [1]\n: 2",
    "a: tRue",
    "1: x",
    "a: 0b101",
    "a: 1.",
    "a: -1.5e-3",
    "a: 'it''s'",
    'a: "tab\\there"',
]


@given(st.dictionaries(st.text(max_size=8), DOCUMENTS, max_size=5))
@settings(max_examples=300, deadline=None)
def test_what_dvc_writes_reads_as_ruamel_reads_it(document: dict[str, Any]) -> None:
    same(_dump(document).decode())


WORDS = st.sampled_from(
    [
        *("yes", "no", "on", "off", "y", "n", "true", "False", "~", "null", "NULL", ""),
        *("0o17", "017", "0x1F", "0b11", "1_000", "1:20", "1e3", "1.", ".5", "-0", "+7"),
        *(".inf", "-.Inf", ".NaN", "2024-01-01", "=", "<<", "a b", "x:y", "-", "'q'", '"d"'),
        *("&a 1", "*a", "[1, yes]", "{k: on}", "|\n  block", "# c", "?", "a #c", "\tb", "a\t"),
        *("'a\n  b'", "a\n  b", "[a,\n b]", "{a: 1,\n  b: 2}", "a: b", "- c", ">-\n  f", "%x"),
    ]
)
KEYS = st.sampled_from(["a", "b", "yes", "1", "1.0", "true", "~", "<<", "=", "a", "0o1", "x y"])


@st.composite
def yaml_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """Block mappings and lists of tricky plain words, repeated keys and anchors among them."""
    indent = "  " * depth
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.booleans()):
            lead = f"{draw(KEYS)}:" if draw(st.booleans()) else "-"
            lines.append(f"{indent}{lead}\n{draw(yaml_texts(depth + 1))}")
        elif draw(st.booleans()):
            lines.append(f"{indent}{draw(KEYS)}: {draw(WORDS)}")
        else:
            lines.append(f"{indent}- {draw(WORDS)}")
    return "\n".join(lines)


@given(yaml_texts())
@settings(max_examples=1500, deadline=None)
def test_any_text_of_tricky_words_reads_as_ruamel_reads_it(text: str) -> None:
    same(text)


@pytest.mark.parametrize(
    "text",
    [
        f"a: {'9' * (MAX_INT_DIGITS + 1)}",
        f"a: 0x{'f' * (MAX_INT_DIGITS)}",
        "a: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2),
        "a: &x [1]\nb: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]",
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
            for p, c in zip("abcde", "bcdef", strict=True)
        ),
    ],
)
def test_what_breaks_a_cap_is_refused_though_ruamel_reads_it(text: str) -> None:
    with pytest.raises(UnreadableDocument):
        yaml12.load(text)


def test_a_dvc_lock_as_dvc_writes_it_never_needs_ruamel() -> None:
    """The fast path reads what DVC writes: ruamel is for what DVC users rarely write."""
    lock = _dump(
        {
            "schema": "2.0",
            "stages": {
                f"s{index}": {
                    "cmd": f"python train.py --seed {index}",
                    "deps": [{"path": "data", "hash": "md5", "md5": "0" * 32 + ".dir"}],
                    "params": {"params.yaml": {"mode": "yes", "lr": 0.001, "n": 3, "x": None}},
                    "outs": [{"path": "model.pkl", "size": 1024, "isexec": False}],
                }
                for index in range(3)
            },
        }
    )
    with patch.object(yaml12, "load_yaml", side_effect=AssertionError("ruamel was asked")):
        data = yaml12.load(lock.decode())
    assert data["stages"]["s1"]["params"]["params.yaml"] == {
        "mode": "yes",
        "lr": 0.001,
        "n": 3,
        "x": None,
    }


def test_dvc_files_read_as_yaml_1_2_and_refuse_repeated_keys() -> None:
    assert read_document("stages:\n  s: {cmd: yes, mode: on, t: 1:20}\n") == {
        "stages": {"s": {"cmd": "yes", "mode": "on", "t": "1:20"}}
    }
    with pytest.raises(UnreadableDocument) as refused:
        read_document("stages: {}\nstages: {}\n")
    assert is_syntax_error(refused.value)
