"""Property tests: whatever the file holds, loading gives a spec or a clean list of problems.

"Clean" means a SpecError whose every problem has a 1-based line and column inside the file, a
one-line message and a key path - never another exception, never a traceback for the user.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from mlci.errors import SpecError
from mlci.spec.load import Project, load_project
from mlci.spec.model import (
    CI,
    STEP_POINTS,
    Cache,
    DataSource,
    DvcImport,
    GateRule,
    Gates,
    KeyOverride,
    Metric,
    MetricsOutput,
    Output,
    Overrides,
    ParamsRef,
    PlotsOutput,
    Problem,
    Remote,
    Spec,
    Stage,
    StepInsertion,
)
from mlci.spec.source import parse_yaml
from tests.conftest import MINIMAL_SPEC, PROJECT_FILES
from tests.spec.samples import FULL_FILES, FULL_SPEC

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FULL_SETTINGS = settings(SETTINGS, max_examples=100)  # each example loads all of FULL_SPEC
FULL = yaml.safe_load(FULL_SPEC)
MINIMAL = yaml.safe_load(MINIMAL_SPEC)

Path_ = tuple[str | int, ...]

# Mappings of FULL_SPEC that are models (a fixed set of keys), with the model they become.
MODEL_MAPPINGS: dict[Path_, type[BaseModel]] = {
    (): Spec,
    ("problem",): Problem,
    ("data", 0): DataSource,
    ("data", 2, "import"): DvcImport,
    ("stages", "featurize"): Stage,
    ("stages", "evaluate"): Stage,
    ("stages", "featurize", "outs", 1): Output,
    ("stages", "train", "metrics", 1): MetricsOutput,
    ("stages", "train", "plots", 0): PlotsOutput,
    ("stages", "train", "params", 1): ParamsRef,
    ("metrics", "rmse"): Metric,
    ("gates",): Gates,
    ("gates", "merge", 0): GateRule,
    ("gates", "merge", 2): GateRule,
    ("ci",): CI,
    ("ci", "cache"): Cache,
    ("ci", "remote"): Remote,
    ("overrides",): Overrides,
    ("overrides", "steps", 0): StepInsertion,
    ("overrides", "set", 1): KeyOverride,
}

# Keys a model cannot do without, by the mapping that holds them in FULL_SPEC.
REQUIRED: list[tuple[Path_, str]] = [
    ((), "version"),
    ((), "problem"),
    ((), "stages"),
    (("problem",), "task"),
    (("data", 0), "path"),
    (("data", 2, "import"), "repo"),
    (("data", 2, "import"), "path"),
    (("stages", "train"), "cmd"),
    (("stages", "featurize", "outs", 1), "path"),
    (("stages", "train", "plots", 0), "path"),
    (("metrics", "r2"), "file"),
    (("metrics", "r2"), "direction"),
    (("overrides", "steps", 1), "steps"),
    (("overrides", "set", 0), "path"),
    (("overrides", "set", 0), "value"),
]

# Words that reach deeper into the models than random text would.
VOCAB = [
    "version",
    "problem",
    "task",
    "stages",
    "train",
    "cmd",
    "deps",
    "outs",
    "metrics",
    "params",
    "plots",
    "path",
    "file",
    "keys",
    "direction",
    "higher",
    "classification",
    "gates",
    "merge",
    "deploy",
    "monitor",
    "metric",
    "check",
    "reproduced",
    "min",
    "max",
    "ci",
    "python",
    "runs_on",
    "overrides",
    "steps",
    "uses",
    "run",
    "env",
    "set",
    "import",
    "data",
    "metrics.json",
    "train.py",
    "model.bin",
    "../outside",
    "/abs",
    ".",
    "${{ secrets.X }}",
    "actions/cache@v4",
    "<<",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(VOCAB),
)
keys = st.one_of(st.sampled_from(VOCAB), st.text(max_size=10))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project directory for every example: the files both sample specs refer to."""
    root = tmp_path_factory.mktemp("property")
    for name, text in {**PROJECT_FILES, **FULL_FILES}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def load(root: Path, content: str | bytes) -> Project | SpecError:
    """Load `content` as mlci.yaml; a SpecError is returned after checking it is clean."""
    spec = root / "mlci.yaml"
    if isinstance(content, bytes):
        spec.write_bytes(content)
    else:
        spec.write_bytes(content.encode("utf-8", "surrogatepass"))
    try:
        return load_project(spec)
    except SpecError as error:
        assert_clean(error, content)
        return error


def assert_clean(error: SpecError, content: str | bytes) -> None:
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    last_line = len(text.splitlines()) + 1
    assert error.problems, "a SpecError must name at least one problem"
    for problem in error.problems:
        where = problem.location
        assert where.file == "mlci.yaml"
        assert isinstance(where.line, int) and isinstance(where.column, int)
        assert 1 <= where.line <= last_line, problem
        assert where.column >= 1, problem
        assert problem.message.strip(), problem
        assert "\n" not in str(problem) and "\r" not in str(problem), problem
        assert str(problem).startswith(f"mlci.yaml:{where.line}:{where.column}: ")
    found = [(p.location.line, p.location.column) for p in error.problems]
    assert found == sorted(found), "problems are reported in file order"


def get(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def containers(document: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every mapping and list in the document, outermost first, with its path."""
    if isinstance(document, dict | list):
        yield path, document
        items = document.items() if isinstance(document, dict) else enumerate(document)
        for key, value in items:
            yield from containers(value, (*path, key))


def dump(document: Any, style: dict[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, **style)


dump_styles = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, True, None]),
        "indent": st.integers(min_value=2, max_value=6),
        "width": st.sampled_from([40, 80, 10_000]),
    }
)


@st.composite
def mutated_specs(draw: st.DrawFn) -> Any:
    """A sample spec with one to four random changes anywhere in it."""
    document = copy.deepcopy(draw(st.sampled_from([FULL, MINIMAL])))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = list(containers(document))
        _, node = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["delete", "insert", "replace", "rename", "wrap"]))
        if isinstance(node, dict):
            names = list(node)
            if action == "insert" or not names:
                node[draw(keys)] = draw(values)
                continue
            name = draw(st.sampled_from(names))
            if action == "delete":
                del node[name]
            elif action == "rename":
                typo = draw(st.sampled_from([name[1:], name + name[-1:], name.upper(), "_" + name]))
                node[typo] = node.pop(name)
            elif action == "wrap":
                node[name] = [node[name]]
            else:
                node[name] = draw(values)
        elif isinstance(node, list):
            if action == "insert" or not node:
                node.insert(draw(st.integers(0, len(node))), draw(values))
                continue
            index = draw(st.integers(0, len(node) - 1))
            if action == "delete":
                del node[index]
            elif action == "wrap":
                node[index] = {"path": node[index]}
            else:
                node[index] = draw(values)
    return document


# --- any content: a spec or clean problems --------------------------------------------------


@FULL_SETTINGS
@given(document=mutated_specs(), style=dump_styles)
def test_mutated_specs_load_or_fail_cleanly(root: Path, document: Any, style: Any) -> None:
    load(root, dump(document, style))


@SETTINGS
@given(document=values)
def test_any_yaml_data_loads_or_fails_cleanly(root: Path, document: Any) -> None:
    load(root, dump(document, {}))


@SETTINGS
@given(
    spec=st.dictionaries(
        st.sampled_from(sorted(FULL)), st.one_of(values, st.sampled_from(list(FULL.values())))
    )
)
def test_random_sections_load_or_fail_cleanly(root: Path, spec: dict[str, Any]) -> None:
    load(root, dump({"version": 1, **spec}, {}))


YAML_ALPHABET = st.sampled_from(
    [
        *"abcxyz019 .-_:[]{},&*!|>'\"#%@`?<=~\n\t\r\\/$",
        "\n  ",
        "\n    - ",
        ": ",
        "- ",
        "---\n",
        "<<: ",
        "&a ",
        "*a",
        "!!str ",
        "\x00",
        "é",
        "\ufeff",
    ]
)


@SETTINGS
@given(text=st.lists(YAML_ALPHABET, max_size=60).map("".join))
def test_yaml_like_text_loads_or_fails_cleanly(root: Path, text: str) -> None:
    load(root, text)


@SETTINGS
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(MINIMAL_SPEC.splitlines() + FULL_SPEC.splitlines()),
            st.integers(min_value=-4, max_value=4),
        ),
        max_size=40,
    )
)
def test_spec_lines_shuffled_and_reindented_load_or_fail_cleanly(
    root: Path, lines: list[tuple[str, int]]
) -> None:
    text = "".join(
        (" " * shift + line if shift >= 0 else line[-shift:]) + "\n" for line, shift in lines
    )
    load(root, text)


@SETTINGS
@given(text=st.text(max_size=200))
def test_any_text_loads_or_fails_cleanly(root: Path, text: str) -> None:
    load(root, text)


@SETTINGS
@given(content=st.binary(max_size=200))
def test_any_bytes_load_or_fail_cleanly(root: Path, content: bytes) -> None:
    load(root, content)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(FULL_SPEC)), junk=st.text(max_size=5))
def test_truncated_spec_loads_or_fails_cleanly(root: Path, cut: int, junk: str) -> None:
    load(root, FULL_SPEC[:cut] + junk + FULL_SPEC[cut:][len(junk) :])


# --- targeted mistakes: exactly one problem, with its exact key path ------------------------


def field_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


@FULL_SETTINGS
@given(
    where=st.sampled_from(sorted(MODEL_MAPPINGS, key=repr)),
    key=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    value=values,
    style=dump_styles,
)
def test_unknown_key_is_reported_where_it_is(
    root: Path, where: Path_, key: str, value: Any, style: Any
) -> None:
    model = MODEL_MAPPINGS[where]
    reserved = {"deploy", "monitor"} if where == () else set()
    if key in field_names(model) | reserved:
        return
    document = copy.deepcopy(FULL)
    get(document, where)[key] = value
    text = dump(document, style)
    outcome = load(root, text)
    assert isinstance(outcome, SpecError)
    (problem,) = outcome.problems
    assert problem.key_path == dotted((*where, key))
    assert problem.message.startswith(f"unknown key {key!r}")
    line = text.splitlines()[problem.location.line - 1]
    assert line[problem.location.column - 1 :].lstrip("'\"").startswith(key)


@FULL_SETTINGS
@given(missing=st.sampled_from(REQUIRED), style=dump_styles)
def test_missing_required_key_is_reported(
    root: Path, missing: tuple[Path_, str], style: Any
) -> None:
    where, key = missing
    document = copy.deepcopy(FULL)
    del get(document, where)[key]
    outcome = load(root, dump(document, style))
    assert isinstance(outcome, SpecError)
    (problem,) = outcome.problems
    assert (problem.key_path, problem.message) == (
        dotted((*where, key)),
        f"missing required key {key!r}",
    )


@FULL_SETTINGS
@given(
    where=st.sampled_from(
        [
            (("problem",), "task"),
            (("metrics", "rmse"), "direction"),
            (("gates", "merge", 0), "no_baseline"),
            (("gates", "merge", 1), "severity"),
            (("gates", "merge", 2), "check"),
            (("overrides", "steps", 0), "after"),
        ]
    ),
    word=st.from_regex(r"[a-z]{1,12}", fullmatch=True),
)
def test_enum_typo_is_reported(root: Path, where: tuple[Path_, str], word: str) -> None:
    path, key = where
    document = copy.deepcopy(FULL)
    allowed = {
        "task": {"classification", "regression", "other"},
        "direction": {"higher", "lower"},
        "no_baseline": {"pass", "warn", "fail"},
        "severity": {"fail", "warn"},
        "check": {"reproduced"},
        "after": set(STEP_POINTS),
    }[key]
    if word in allowed or word in {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}:
        return
    get(document, path)[key] = word
    outcome = load(root, dump(document, {}))
    assert isinstance(outcome, SpecError)
    (problem,) = outcome.problems
    assert problem.key_path == dotted((*path, key))
    assert problem.message.startswith(f"{word!r} is not allowed (")


# --- valid documents in any layout ----------------------------------------------------------


def shuffled(document: Any, rng: random.Random) -> Any:
    if isinstance(document, dict):
        items = list(document.items())
        rng.shuffle(items)
        return {key: shuffled(value, rng) for key, value in items}
    if isinstance(document, list):
        return [shuffled(item, rng) for item in document]
    return document


@pytest.fixture(scope="module")
def full_spec(root: Path) -> Spec:
    outcome = load(root, FULL_SPEC)
    assert isinstance(outcome, Project)
    return outcome.spec


@FULL_SETTINGS
@given(rng=st.randoms(use_true_random=False), style=dump_styles)
def test_full_spec_in_any_key_order_and_layout_loads_the_same(
    root: Path, full_spec: Spec, rng: random.Random, style: Any
) -> None:
    text = dump(shuffled(FULL, rng), style)
    outcome = load(root, text)
    assert isinstance(outcome, Project), str(outcome)
    assert outcome.spec == full_spec


# --- the reader against PyYAML --------------------------------------------------------------

plain_keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda k: k not in {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(plain_keys, children, max_size=3)
    ),
    max_leaves=10,
)


@SETTINGS
@given(document=st.dictionaries(plain_keys, json_values, min_size=1), style=dump_styles)
def test_reader_reads_what_pyyaml_reads(document: dict[str, Any], style: Any) -> None:
    text = dump(document, style)
    data, source = parse_yaml(text, "mlci.yaml")
    assert data == yaml.safe_load(text)
    for key in document:
        location = source.keys[(key,)]
        assert text.splitlines()[location.line - 1][location.column - 1 :].startswith(key)


@SETTINGS
@given(
    base=st.dictionaries(plain_keys, st.integers(), max_size=5),
    own=st.dictionaries(plain_keys, st.integers(), max_size=5),
    merge_at=st.integers(min_value=0, max_value=5),
)
def test_merge_key_keeps_own_keys_over_merged_ones(
    base: dict[str, int], own: dict[str, int], merge_at: int
) -> None:
    entries = [f"  {key}: {value}" for key, value in own.items()]
    entries.insert(min(merge_at, len(entries)), "  <<: *base")
    text = f"base: &base {json.dumps(base)}\nx:\n" + "\n".join(entries) + "\n"
    data, _ = parse_yaml(text, "mlci.yaml")
    assert data["x"] == {**base, **own} == yaml.safe_load(text)["x"]


@SETTINGS
@given(
    first=st.dictionaries(plain_keys, st.integers(), max_size=4),
    second=st.dictionaries(plain_keys, st.integers(), max_size=4),
)
def test_merge_key_list_earlier_mapping_wins(first: dict[str, int], second: dict[str, int]) -> None:
    # The YAML merge-key spec: keys in mappings earlier in the list override later ones.
    text = f"a: &a {json.dumps(first)}\nb: &b {json.dumps(second)}\nx: {{<<: [*a, *b]}}\n"
    data, _ = parse_yaml(text, "mlci.yaml")
    assert data["x"] == {**second, **first}
