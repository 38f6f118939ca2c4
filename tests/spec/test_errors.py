"""Every kind of mistake in mlci.yaml gives `file:line:col: key.path: message`, exactly."""

from __future__ import annotations

import time

import pytest

from mlci.document_caps import MAX_DEPTH, MAX_VALUES
from mlci.errors import Location, SpecError, SpecProblem
from mlci.spec.load import load_project
from tests.conftest import MINIMAL_SPEC, Repo
from tests.spec.conftest import LoadSpec, SpecProblems

# MINIMAL_SPEC, by line (28 is the first line appended):
#  1 version: 1
#  2 problem:
#  3   task: classification
#  4   target: label
#  5 stages:
#  6   prepare:
#  7     cmd: python prepare.py
#  8     deps: [prepare.py, data/raw.csv]
#  9     params: [prepare.seed]
# 10     outs: [data/prepared.csv]
# 11   train:
# 12     cmd: python train.py
# 13     deps: [train.py, data/prepared.csv]
# 14     params: [train]
# 15     outs: [model.bin]
# 16     metrics: [metrics.json]
# 17 metrics:
# 18   accuracy:
# 19     file: metrics.json
# 20     direction: higher
# 21   loss:
# 22     file: metrics.json
# 23     direction: lower
# 24 gates:
# 25   merge:
# 26     - metric: accuracy
# 27       min: 0.8
TOP_KEYS = (
    "ci, data, deploy, evaluation, gates, metrics, monitor, overrides, params, pipeline, problem, "
    "stages, version"
)
NESTING = (
    f"nests deeper than mlci's cap of {MAX_DEPTH} levels (aliases and merges count); flatten it"
)


def edit(*changes: tuple[str, str], append: str = "") -> str:
    """MINIMAL_SPEC with each `old` replaced by `new` (each must occur exactly once)."""
    text = MINIMAL_SPEC
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text + append


def test_minimal_spec_line_map_is_right() -> None:
    lines = MINIMAL_SPEC.splitlines()
    assert (lines[4], lines[14], lines[19], lines[25]) == (
        "stages:",
        "    outs: [model.bin]",
        "    direction: higher",
        "    - metric: accuracy",
    )
    assert len(lines) == 27


def test_problem_object_carries_location_key_path_and_message(load: LoadSpec) -> None:
    with pytest.raises(SpecError) as caught:
        load(edit(("- metric: accuracy", "- metric: acuracy")))
    assert caught.value.problems == [
        SpecProblem(
            Location("mlci.yaml", 26, 15),
            "gates.merge[0].metric",
            "unknown metric 'acuracy' (did you mean 'accuracy'?)",
        )
    ]
    assert caught.value.exit_code == 2


# --- unknown keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            edit(("stages:", "stagse:")),
            [
                "mlci.yaml:1:1: stages: missing required key 'stages'",
                "mlci.yaml:5:1: stagse: unknown key 'stagse' (did you mean 'stages'?)",
            ],
            id="top-level",
        ),
        pytest.param(
            edit(("    outs: [model.bin]", "    outz: [model.bin]")),
            ["mlci.yaml:15:5: stages.train.outz: unknown key 'outz' (did you mean 'outs'?)"],
            id="stage",
        ),
        pytest.param(
            edit(("    outs: [model.bin]", "    outs:\n      - path: model.bin\n        cach: no")),
            [
                "mlci.yaml:17:9: stages.train.outs[0].cach: unknown key 'cach' "
                "(did you mean 'cache'?)"
            ],
            id="list-item",
        ),
        pytest.param(
            edit(append="ci:\n  cach:\n    pip: false\n"),
            ["mlci.yaml:29:3: ci.cach: unknown key 'cach' (did you mean 'cache'?)"],
            id="ci",
        ),
        pytest.param(
            edit(append="ci:\n  cache:\n    dcv: false\n"),
            ["mlci.yaml:30:5: ci.cache.dcv: unknown key 'dcv' (did you mean 'dvc'?)"],
            id="ci.cache",
        ),
        pytest.param(
            edit(("      min: 0.8", "      mni: 0.8")),
            ["mlci.yaml:27:7: gates.merge[0].mni: unknown key 'mni' (did you mean 'min'?)"],
            id="gate-rule",
        ),
        pytest.param(
            edit(("    direction: lower", "    direction: lower\n    treshold: 1")),
            [
                "mlci.yaml:24:5: metrics.loss.treshold: unknown key 'treshold' "
                "(did you mean 'threshold'?)"
            ],
            id="metric",
        ),
        pytest.param(
            edit(("    params: [train]", "    params: [{file: params.yaml, kyes: [train]}]")),
            [
                "mlci.yaml:14:34: stages.train.params[0].kyes: unknown key 'kyes' "
                "(did you mean 'keys'?)"
            ],
            id="params-long-form",
        ),
        pytest.param(
            edit(
                append="data:\n  - path: data/shared\n    import:\n      rpeo: x\n      path: y\n"
            ),
            [
                "mlci.yaml:30:5: data[0].import.repo: missing required key 'repo'",
                "mlci.yaml:31:7: data[0].import.rpeo: unknown key 'rpeo' (did you mean 'repo'?)",
            ],
            id="data-import",
        ),
        pytest.param(
            edit(append="colour: red\n"),
            [f"mlci.yaml:28:1: colour: unknown key 'colour' (expected one of: {TOP_KEYS})"],
            id="no-close-match-lists-keys",
        ),
        pytest.param(
            edit(("  task: classification", "  Task: classification")),
            [
                "mlci.yaml:2:1: problem.task: missing required key 'task'",
                "mlci.yaml:3:3: problem.Task: unknown key 'Task' (did you mean 'task'?)",
            ],
            id="case-matters",
        ),
    ],
)
def test_unknown_key(problems: SpecProblems, text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_import_key_uses_its_alias(problems: SpecProblems) -> None:
    text = edit(append="data:\n  - path: data/shared\n    import_:\n      repo: x\n      path: y\n")
    assert problems(text) == [
        "mlci.yaml:30:5: data[0].import_: unknown key 'import_' (did you mean 'import'?)"
    ]


# --- enum values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            edit(("direction: higher", "direction: hgiher")),
            [
                "mlci.yaml:20:16: metrics.accuracy.direction: 'hgiher' is not allowed "
                "(did you mean 'higher'?)"
            ],
            id="direction",
        ),
        pytest.param(
            edit(("task: classification", "task: clasification")),
            [
                "mlci.yaml:3:9: problem.task: 'clasification' is not allowed "
                "(did you mean 'classification'?)"
            ],
            id="task",
        ),
        pytest.param(
            edit(("- metric: accuracy\n      min: 0.8", "- check: reproducd")),
            [
                "mlci.yaml:26:14: gates.merge[0].check: 'reproducd' is not allowed "
                "(did you mean 'reproduced'?)"
            ],
            id="check",
        ),
        pytest.param(
            edit(("      min: 0.8", "      min: 0.8\n      severity: blocking")),
            [
                "mlci.yaml:28:17: gates.merge[0].severity: 'blocking' is not allowed "
                "(expected one of: fail, warn)"
            ],
            id="no-close-match-lists-values",
        ),
        pytest.param(
            edit(("direction: higher", "direction: 1")),
            [
                "mlci.yaml:20:16: metrics.accuracy.direction: the number 1 is not allowed "
                "(expected one of: higher, lower)"
            ],
            id="not-text",
        ),
        pytest.param(
            edit(("version: 1", "version: 2")),
            ["mlci.yaml:1:10: version: the number 2 is not allowed"],
            id="version",
        ),
        pytest.param(
            edit(append="overrides:\n  steps:\n    - after: instal\n      steps: [{run: x}]\n"),
            [
                "mlci.yaml:30:14: overrides.steps[0].after: 'instal' is not allowed "
                "(did you mean 'install'?)"
            ],
            id="step-point",
        ),
    ],
)
def test_unknown_enum_value(problems: SpecProblems, text: str, expected: list[str]) -> None:
    assert problems(text) == expected


# --- gates name declared metrics ------------------------------------------------------------


def test_gate_names_undeclared_metric(problems: SpecProblems) -> None:
    assert problems(edit(("- metric: accuracy", "- metric: acuracy"))) == [
        "mlci.yaml:26:15: gates.merge[0].metric: unknown metric 'acuracy' "
        "(did you mean 'accuracy'?)"
    ]


def test_deploy_gate_names_undeclared_metric(problems: SpecProblems) -> None:
    text = edit(append="  deploy:\n    - metric: f1\n      min: 0.5\n")
    assert problems(text) == [
        "mlci.yaml:29:15: gates.deploy[0].metric: unknown metric 'f1' "
        "(expected one of: accuracy, loss)"
    ]


# --- missing required keys: reported at the key that should hold them ----------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            edit(("    cmd: python train.py\n", "")),
            ["mlci.yaml:11:3: stages.train.cmd: missing required key 'cmd'"],
            id="stage-cmd",
        ),
        pytest.param(
            edit(("  task: classification\n", "")),
            ["mlci.yaml:2:1: problem.task: missing required key 'task'"],
            id="problem-task",
        ),
        pytest.param(
            edit(("    direction: lower\n", "")),
            ["mlci.yaml:21:3: metrics.loss.direction: missing required key 'direction'"],
            id="metric-direction",
        ),
        pytest.param(
            "# my project\n" + edit(("version: 1\n", "")),
            ["mlci.yaml:2:1: version: missing required key 'version'"],
            id="top-level-at-document-start",
        ),
        pytest.param(
            edit(append="data:\n  - description: no path\n"),
            ["mlci.yaml:29:5: data[0].path: missing required key 'path'"],
            id="list-item",
        ),
        pytest.param(
            edit(append="overrides:\n  steps:\n    - after: install\n"),
            ["mlci.yaml:30:7: overrides.steps[0].steps: missing required key 'steps'"],
            id="override-steps",
        ),
    ],
)
def test_missing_required_key(problems: SpecProblems, text: str, expected: list[str]) -> None:
    assert problems(text) == expected


# --- wrong types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            edit(append="ci:\n  timeout_minutes: soon\n"),
            ["mlci.yaml:29:20: ci.timeout_minutes: must be a whole number, not 'soon'"],
            id="int-from-text",
        ),
        pytest.param(
            edit(append="ci:\n  timeout_minutes: 1.5\n"),
            ["mlci.yaml:29:20: ci.timeout_minutes: must be a whole number, not the number 1.5"],
            id="int-from-float",
        ),
        pytest.param(
            edit(append="ci:\n  timeout_minutes: 0\n"),
            ["mlci.yaml:29:20: ci.timeout_minutes: must be greater than or equal to 1"],
            id="int-range",
        ),
        pytest.param(
            edit(("    direction: higher", "    direction: higher\n    threshold: high")),
            ["mlci.yaml:21:16: metrics.accuracy.threshold: must be a number, not 'high'"],
            id="float",
        ),
        pytest.param(
            edit(("    direction: higher", "    direction: higher\n    tolerance: -1")),
            ["mlci.yaml:21:16: metrics.accuracy.tolerance: must be greater than or equal to 0"],
            id="negative-tolerance",
        ),
        pytest.param(
            edit(("    metrics: [metrics.json]", "    metrics: [metrics.json]\n    frozen: maybe")),
            ["mlci.yaml:17:13: stages.train.frozen: must be true or false, not 'maybe'"],
            id="bool",
        ),
        pytest.param(
            edit(append="ci:\n  cache: yes\n"),
            ["mlci.yaml:29:10: ci.cache: must be a mapping of keys, not true (a true/false value)"],
            id="mapping-from-bool",
        ),
        pytest.param(
            edit(("problem:\n  task: classification\n  target: label", "problem: classify")),
            ["mlci.yaml:2:10: problem: must be a mapping of keys, not 'classify'"],
            id="mapping-from-text",
        ),
        pytest.param(
            edit(("    cmd: python train.py", "    cmd: [python train.py, 3]")),
            ["mlci.yaml:12:28: stages.train.cmd[1]: must be text, not the number 3"],
            id="text-in-list",
        ),
        pytest.param(
            edit(("  target: label", "  target: label\n  description:")),
            ["mlci.yaml:5:15: problem.description: must be text, not empty"],
            id="empty-text",
        ),
        pytest.param(
            edit(("    params: [train]", "    params: [{other.yaml: 5}]")),
            ["mlci.yaml:14:14: stages.train.params[0]: must be a list, not the number 5"],
            id="params-shorthand-keys",
        ),
        pytest.param(
            edit(append="ci:\n  remote:\n    credentials:\n      AWS_KEY: AKIA/abc+def\n"),
            [
                "mlci.yaml:31:7: ci.remote.credentials: 'AKIA/abc+def' is not a secret name; "
                "give the name of the secret, not its value"
            ],
            id="secret-value-instead-of-name",
        ),
    ],
)
def test_wrong_type(problems: SpecProblems, text: str, expected: list[str]) -> None:
    assert problems(text) == expected


@pytest.mark.parametrize(("written", "number"), [("3.10", "3.1"), ("3.9", "3.9"), ("3.12", "3.12")])
def test_unquoted_python_version_asks_for_quotes(
    problems: SpecProblems, written: str, number: str
) -> None:
    (line,) = problems(edit(append=f"ci:\n  python: {written}\n"))
    assert line.startswith(
        f"mlci.yaml:29:11: ci.python: YAML reads this as the number {number}; quote the version"
    )
    assert line.endswith(
        'quote the version as written, e.g. python: "3.12" (unquoted, 3.10 becomes 3.1)'
    )


# --- duplicate keys -------------------------------------------------------------------------


def test_duplicate_key_points_at_the_second_and_names_the_first(problems: SpecProblems) -> None:
    text = edit(("  target: label", "  target: label\n  task: regression"))
    assert problems(text) == [
        "mlci.yaml:5:3: problem.task: duplicate key 'task' (first defined at line 3); "
        "keep one of them"
    ]


def test_duplicate_top_level_section(problems: SpecProblems) -> None:
    text = edit(append="stages:\n  other:\n    cmd: x\n")
    assert problems(text) == [
        "mlci.yaml:28:1: stages: duplicate key 'stages' (first defined at line 5); keep one of them"
    ]


def test_duplicate_stage_name(problems: SpecProblems) -> None:
    text = edit(("  train:\n", "  prepare:\n"))
    assert problems(text) == [
        "mlci.yaml:11:3: stages.prepare: duplicate key 'prepare' (first defined at line 6); "
        "keep one of them"
    ]


def test_duplicate_key_in_flow_mapping_inside_a_list(problems: SpecProblems) -> None:
    text = edit(("    outs: [model.bin]", "    outs: [{path: model.bin, path: other.bin}]"))
    assert problems(text) == [
        "mlci.yaml:15:30: stages.train.outs[0].path: duplicate key 'path' "
        "(first defined at line 15); keep one of them"
    ]


# --- YAML syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "version: 1\nproblem:\n  task: other\n   extra: 1\n",
            "mlci.yaml:4:9: invalid YAML: mapping values are not allowed here",
            id="bad-indentation",
        ),
        pytest.param(
            "version: 1\nproblem:\n\ttask: other\n",
            "mlci.yaml:3:1: invalid YAML: found character '\\t' that cannot start any token",
            id="tab",
        ),
        pytest.param(
            "version: 1\nstages:\n  a:\n    deps: [a, b\n",
            "mlci.yaml:5:1: invalid YAML: expected ',' or ']', but got '<stream end>'",
            id="unclosed-list",
        ),
        pytest.param(
            "version: 1\nproblem: *nothing\n",
            "mlci.yaml:2:10: invalid YAML: found undefined alias 'nothing'",
            id="undefined-alias",
        ),
        pytest.param(
            "version: 1\nproblem:\n  task: o\x07ther\n",
            "mlci.yaml:3:10: invalid YAML: unacceptable character #x0007: "
            "special characters are not allowed",
            id="control-character",
        ),
        pytest.param(
            "version: 1\r\nproblem:\r\n  task: \x00\r\n",
            "mlci.yaml:3:9: invalid YAML: unacceptable character #x0000: "
            "special characters are not allowed",
            id="control-character-crlf",
        ),
    ],
)
def test_yaml_syntax_error(problems: SpecProblems, text: str, expected: str) -> None:
    assert problems(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nproblem: !!python/object/apply:os.system [echo hacked]\n",
        "version: 1\nproblem: !!python/name:os.system\n",
        "version: 1\nproblem: !!python/object:mlci.spec.model.Problem {task: other}\n",
    ],
)
def test_python_tags_are_refused_not_run(problems: SpecProblems, text: str) -> None:
    (line,) = problems(text)
    assert line.startswith("mlci.yaml:2:10: problem: unsupported YAML value: ")
    assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/" in line


def test_not_utf8(project: Repo) -> None:
    (project.root / "mlci.yaml").write_bytes(b"version: 1\nproblem: caf\xe9\n")
    with pytest.raises(SpecError) as caught:
        load_project(project.root / "mlci.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "mlci.yaml:1:1: not UTF-8 text (invalid continuation byte)"
    ]


def test_missing_file(repo: Repo) -> None:
    with pytest.raises(SpecError) as caught:
        load_project(repo.root / "mlci.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "mlci.yaml:1:1: file not found; write one (see the README) or pass --spec PATH"
    ]


# --- the shape of the document --------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing yet\n", "   \n# still nothing\n"])
def test_empty_file(problems: SpecProblems, text: str) -> None:
    assert problems(text) == ["mlci.yaml:1:1: the file is empty"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("- version: 1\n- stages: {}\n", "list"),
        ("version 1\n", "str"),
        ("42\n", "int"),
        ("~\n", "nothing"),
    ],
)
def test_document_must_be_a_mapping(problems: SpecProblems, text: str, kind: str) -> None:
    assert problems(text) == [
        "mlci.yaml:1:1: the document must be a mapping of keys (version:, stages:, ...), "
        f"not {kind}"
    ]


def test_more_than_one_document(problems: SpecProblems) -> None:
    assert problems(MINIMAL_SPEC + "---\nversion: 1\n") == [
        "mlci.yaml:29:1: more than one YAML document ('---'); mlci.yaml holds exactly one"
    ]


def test_a_lone_trailing_separator_is_a_second_document(problems: SpecProblems) -> None:
    assert problems(MINIMAL_SPEC + "---\n") == [
        "mlci.yaml:29:1: more than one YAML document ('---'); mlci.yaml holds exactly one"
    ]


# --- aliases, merge keys, depth: fail fast and cleanly --------------------------------------


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["version: 1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 9, width: int = 9) -> str:
    def level(n: int) -> str:
        if n == 0:
            return "&m0 {k0: 1, k1: 2, k2: 3}"
        return f"&m{n} {{<<: [{level(n - 1)}" + f", *m{n - 1}" * (width - 1) + "]}"

    return f"version: 1\nx: {level(levels)}\n"


@pytest.mark.parametrize("text", [billion_laughs(), merge_bomb()], ids=["aliases", "merge-keys"])
def test_alias_bomb_is_rejected_fast(problems: SpecProblems, text: str) -> None:
    started = time.monotonic()
    (line,) = problems(text)
    assert time.monotonic() - started < 10
    assert f"expands to more than mlci's cap of {MAX_VALUES:,} values" in line
    assert "(aliases referring to aliases?); write the values out instead" in line
    assert line.startswith("mlci.yaml:")


def test_alias_bomb_location_points_into_the_file(load: LoadSpec) -> None:
    with pytest.raises(SpecError) as caught:
        load(billion_laughs())
    (problem,) = caught.value.problems
    # a6 (line 8) is the first anchor whose expansion passes the cap: it is named, not a0.
    assert (problem.location.line, problem.location.column) == (8, 5)
    assert problem.key_path == "a6"


def test_a_few_aliases_are_fine(load: LoadSpec) -> None:
    text = edit(("    deps: [train.py, data/prepared.csv]", "    deps: &train_deps [train.py]"))
    text = text.replace("    params: [train]", "    params: [train]\n    x_deps: *train_deps")
    with pytest.raises(SpecError) as caught:
        load(text)
    assert [str(p) for p in caught.value.problems] == [
        "mlci.yaml:15:5: stages.train.x_deps: unknown key 'x_deps' (did you mean 'deps'?)"
    ]


def test_recursive_alias_is_rejected(problems: SpecProblems) -> None:
    (line,) = problems("version: 1\nproblem: &p\n  task: other\n  again: *p\n")
    assert line == (
        "mlci.yaml:4:3: problem.again: this alias refers to a value that contains it "
        "(a recursive anchor); write the value out"
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 400, 5000, 20000])
def test_deep_flow_nesting_is_rejected_without_recursion_error(
    problems: SpecProblems, depth: int
) -> None:
    text = "version: 1\nproblem:\n  task: other\nstages: {}\nci: " + "[" * depth + "]" * depth
    started = time.monotonic()
    assert problems(text + "\n") == [f"mlci.yaml:5:{5 + MAX_DEPTH}: {NESTING}"]
    assert time.monotonic() - started < 10


def test_deep_block_nesting_is_rejected(problems: SpecProblems) -> None:
    lines = ["version: 1", "x:"]
    lines += [" " * (2 * level) + "- a:" for level in range(1, 200)]
    (line,) = problems("\n".join(lines) + "\n")
    assert line.endswith(NESTING)


def test_merge_key_into_itself_is_rejected(problems: SpecProblems) -> None:
    assert problems("version: 1\nproblem: &p {<<: *p, task: other}\nstages: {}\n") == [
        "mlci.yaml:2:10: problem: `<<:` merges a mapping into itself"
    ]


def test_long_merge_chain_is_rejected(problems: SpecProblems) -> None:
    lines = ["version: 1", "m0: &m0 {k: 1}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}}}" for i in range(1, 3 * MAX_DEPTH)]
    # A merge counts as a level: m_i merges i + 1 levels of mappings under the top one, so
    # m63 on line 65 is the first whose `<<:` goes past the cap.
    assert problems("\n".join(lines) + "\n") == [f"mlci.yaml:65:12: m{MAX_DEPTH - 1}.<<: {NESTING}"]


@pytest.mark.parametrize("merged", ["1", "[1, 2]", "[{a: 1}, x]"])
def test_merge_key_of_a_non_mapping(problems: SpecProblems, merged: str) -> None:
    text = edit(("  loss:\n", f"  loss:\n    <<: {merged}\n"))
    (line,) = problems(text)
    assert line.startswith("mlci.yaml:22:")
    assert line.endswith("metrics.loss: `<<:` merges a mapping or a list of mappings")


# --- keys must be names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shown"),
    [("1", "1"), ("yes", "yes"), ("null", "null"), ("1.5", "1.5"), ("2024-01-01", "2024-01-01")],
)
def test_key_that_is_not_a_name(problems: SpecProblems, key: str, shown: str) -> None:
    assert problems(edit(("  loss:", f"  {key}:"))) == [
        f"mlci.yaml:21:3: metrics: key {shown!r} is not a name; "
        f"quote it if you meant the text {shown!r}"
    ]


def test_key_with_a_line_break_stays_on_one_line(problems: SpecProblems) -> None:
    text = edit(("  train:\n", '  "train\\nmodel":\n'))
    assert problems(text) == [
        "mlci.yaml:11:3: stages['train\\nmodel']: stage name 'train\\nmodel' may hold only "
        "letters, digits, '_' and '-', and must start with a letter or '_'"
    ]


def test_quoted_key_that_looks_like_a_number_is_a_name(problems: SpecProblems) -> None:
    # Quoting makes it a name; it is then just an unknown stage option.
    assert problems(edit(("    cmd: python train.py", '    cmd: python train.py\n    "1": x'))) == [
        "mlci.yaml:13:5: stages.train.1: unknown key '1' (expected one of: always_changed, "
        "cmd, deps, description, frozen, meta, metrics, outs, params, plots, wdir)"
    ]


def test_complex_key(problems: SpecProblems) -> None:
    (line,) = problems(edit(("  loss:", "  ? [a, b]\n  :")))
    assert line.startswith("mlci.yaml:21:5: metrics: key ")
    assert "is not a name" in line


# --- reserved sections ----------------------------------------------------------------------


def test_deploy_names_what_the_registry_tags_can_hold(problems: SpecProblems) -> None:
    (unknown,) = problems(edit(append="deploy:\n  target: kubernetes\n"))
    assert unknown.startswith("mlci.yaml:29:3: deploy.target: unknown key 'target'")
    (name,) = problems(edit(append="deploy:\n  model: -churn\n"))
    assert name.startswith("mlci.yaml:29:10: deploy.model: '-churn' cannot name a model")
    (twice,) = problems(edit(append="deploy:\n  stages: [staging, prod, staging]\n"))
    assert "`stages` lists staging more than once" in twice


def test_monitor_keys_are_checked_where_they_are(problems: SpecProblems) -> None:
    found = problems(edit(append="monitor:\n  drift: {psi: -1}\n"))
    assert any("monitor.drift.psi" in p and "greater than 0" in p for p in found), found
    found = problems(edit(append="monitor:\n  stage: live\n"))
    assert any(":29:10: monitor.stage: 'live' is not among deploy.stages" in p for p in found)
    assert any("monitor: no reference data: set `monitor.reference`" in p for p in found)


def test_deploy_is_reserved_only_at_the_top(problems: SpecProblems) -> None:
    (line,) = problems(edit(append="ci:\n  deploy: true\n"))
    assert line.startswith("mlci.yaml:29:3: ci.deploy: unknown key 'deploy' (expected one of:")


# --- references between sections -----------------------------------------------------------

DEP_HINT = (
    "is not written by any stage, is not a data source and does not exist; add the file, "
    "declare it under `data:`, or list it in the `outs:` of the stage that makes it"
)


def test_dep_nothing_writes(problems: SpecProblems) -> None:
    text = edit(("data/raw.csv]", "data/missing.csv]"))
    assert problems(text) == [
        f"mlci.yaml:8:24: stages.prepare.deps[1]: 'data/missing.csv' {DEP_HINT}"
    ]


def test_dep_relative_to_wdir(problems: SpecProblems) -> None:
    # From wdir `data`, `raw.csv` is data/raw.csv (exists) and `prepare.py` is data/prepare.py.
    text = edit(("    cmd: python prepare.py", "    cmd: python ../prepare.py\n    wdir: data"))
    text = text.replace("[data/prepared.csv]\n  train", "[prepared.csv]\n  train")
    text = text.replace("deps: [prepare.py, data/raw.csv]", "deps: [prepare.py, raw.csv]")
    assert problems(text) == [
        f"mlci.yaml:9:12: stages.prepare.deps[0]: 'data/prepare.py' {DEP_HINT}",
        "mlci.yaml:10:14: stages.prepare.params[0]: params file 'data/params.yaml' does not "
        "exist; create it",
    ]


@pytest.mark.parametrize("path", ["../secret.csv", "/etc/passwd", "data/../../x"])
def test_dep_outside_the_repository(problems: SpecProblems, path: str) -> None:
    text = edit(("data/raw.csv]", f"data/raw.csv, {path}]"))
    assert problems(text) == [
        f"mlci.yaml:8:38: stages.prepare.deps[2]: {path!r} lies outside the repository"
    ]


def test_two_stages_write_one_output(problems: SpecProblems) -> None:
    text = edit(("stages:\n", "stages:\n  copy:\n    cmd: cp a b\n    outs: [model.bin]\n"))
    assert problems(text) == [
        "mlci.yaml:18:12: stages.train.outs[0]: 'model.bin' is already written by stage "
        "'copy' ('model.bin', line 8); each path has exactly one writer"
    ]


def test_output_inside_another_stages_folder(problems: SpecProblems) -> None:
    text = edit(
        ("outs: [data/prepared.csv]", "outs: [data/prepared]"),
        ("deps: [train.py, data/prepared.csv]", "deps: [train.py, data/prepared/train.csv]"),
        ("    outs: [model.bin]", "    outs: [data/prepared/model.bin]"),
    )
    assert problems(text) == [
        "mlci.yaml:15:12: stages.train.outs[0]: 'data/prepared/model.bin' is already written "
        "by stage 'prepare' ('data/prepared', line 10); each path has exactly one writer"
    ]


def test_folder_output_containing_an_earlier_output(problems: SpecProblems) -> None:
    text = edit(("    outs: [model.bin]", "    outs: [data]"))
    text = text.replace("deps: [train.py, data/prepared.csv]", "deps: [train.py]")
    assert problems(text) == [
        "mlci.yaml:15:12: stages.train.outs[0]: 'data' is already written by stage 'prepare' "
        "('data/prepared.csv', line 10); each path has exactly one writer"
    ]


def test_stage_writes_a_data_source(problems: SpecProblems) -> None:
    text = edit(append="data:\n  - path: model.bin\n")
    assert problems(text) == [
        "mlci.yaml:15:12: stages.train.outs[0]: 'model.bin' is already written by data source "
        "('model.bin', line 29); each path has exactly one writer"
    ]


def test_cycle_names_the_stages(problems: SpecProblems) -> None:
    text = edit(("deps: [prepare.py, data/raw.csv]", "deps: [prepare.py, data/raw.csv, model.bin]"))
    assert problems(text) == [
        "mlci.yaml:8:11: stages.prepare.deps: the stages form a cycle: "
        "prepare -> train -> prepare; break one dependency"
    ]


def test_three_stage_cycle(problems: SpecProblems) -> None:
    text = (
        "version: 1\nproblem:\n  task: other\nstages:\n"
        "  a:\n    cmd: x\n    deps: [c.txt]\n    outs: [a.txt]\n"
        "  b:\n    cmd: x\n    deps: [a.txt]\n    outs: [b.txt]\n"
        "  c:\n    cmd: x\n    deps: [b.txt]\n    outs: [c.txt]\n"
    )
    assert problems(text) == [
        "mlci.yaml:7:11: stages.a.deps: the stages form a cycle: a -> c -> b -> a; "
        "break one dependency"
    ]


def test_stage_reading_its_own_output_is_a_cycle(problems: SpecProblems) -> None:
    text = "version: 1\nproblem:\n  task: other\nstages:\n  a:\n    cmd: x\n"
    text += "    deps: [out/part.csv]\n    outs: [out]\n"
    assert problems(text) == [
        "mlci.yaml:7:11: stages.a.deps: the stages form a cycle: a -> a; break one dependency"
    ]


def test_metric_file_that_no_stage_declares(problems: SpecProblems) -> None:
    text = edit(
        (
            "    file: metrics.json\n    direction: lower",
            "    file: other.json\n    direction: lower",
        )
    )
    assert problems(text) == [
        "mlci.yaml:22:11: metrics.loss.file: 'other.json' is not a metrics file; "
        "list it under the `metrics:` of the stage that writes it"
    ]


def test_metric_file_that_is_a_plain_output(problems: SpecProblems) -> None:
    text = edit(
        ("    outs: [model.bin]", "    outs: [model.bin, scores.json]"),
        (
            "    file: metrics.json\n    direction: lower",
            "    file: scores.json\n    direction: lower",
        ),
    )
    assert problems(text) == [
        "mlci.yaml:22:11: metrics.loss.file: 'scores.json' is not a metrics file; it is an "
        "output of stage 'train'; move it from `outs:` to `metrics:`"
    ]


def test_params_file_that_does_not_exist(problems: SpecProblems) -> None:
    text = edit(("    params: [train]", "    params: [{other.yaml: [lr]}]"))
    assert problems(text) == [
        "mlci.yaml:14:14: stages.train.params[0]: params file 'other.yaml' does not exist; "
        "create it"
    ]


def test_declared_params_file_that_does_not_exist(problems: SpecProblems) -> None:
    assert problems(edit(append="params: [params.yaml, tuning.yaml]\n")) == [
        "mlci.yaml:28:23: params[1]: params file 'tuning.yaml' does not exist; create it"
    ]


def test_stage_name_must_be_a_name(problems: SpecProblems) -> None:
    text = edit(("  train:\n", "  train model:\n"))
    assert problems(text) == [
        "mlci.yaml:11:3: stages.train model: stage name 'train model' may hold only letters, "
        "digits, '_' and '-', and must start with a letter or '_'"
    ]


# --- overrides: pinned actions, no expressions in scripts, no secrets in env ----------------

SHA = "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"
STEP = "overrides:\n  steps:\n    - after: checkout\n      steps:\n        - uses: {uses}\n"
PIN_HINT = (
    "must be pinned to a full commit SHA: owner/repo@<40-hex sha> "
    "(put the version in a comment or `name:`)"
)


@pytest.mark.parametrize(
    "uses",
    [
        "actions/cache@v4",
        "actions/cache@main",
        f"actions/cache@{SHA[:7]}",
        f"actions/cache@{SHA.upper()}",
        f"actions/cache@{SHA}0",
        "actions/cache",
        "github/codeql-action/init@v3",
    ],
)
def test_override_step_must_pin_actions(problems: SpecProblems, uses: str) -> None:
    text = edit(append=STEP.format(uses=uses))
    assert problems(text) == [
        f"mlci.yaml:32:17: overrides.steps[0].steps[0].uses: {uses!r} {PIN_HINT}"
    ]


@pytest.mark.parametrize(
    "uses",
    [
        f"actions/cache@{SHA}",
        f"github/codeql-action/init@{SHA}",
        "./local-action",
        "docker://alpine@sha256:" + "a" * 64,
    ],
)
def test_override_step_pinned_or_local_is_fine(load: LoadSpec, uses: str) -> None:
    text = edit(append=STEP.format(uses=uses))
    project = load(text)
    assert project.spec.overrides.steps[0].steps == ({"uses": uses},)


def test_override_docker_step_needs_a_digest(problems: SpecProblems) -> None:
    (line,) = problems(edit(append=STEP.format(uses="docker://alpine:3")))
    assert line.endswith(
        "overrides.steps[0].steps[0].uses: 'docker://alpine:3' must be pinned to an image "
        "digest: docker://image@sha256:<digest>"
    )


def test_override_step_keys_are_checked(problems: SpecProblems) -> None:
    text = edit(
        append=(
            "overrides:\n  steps:\n    - after: install\n      steps:\n"
            "        - {name: a, run: echo, timeout_minutes: 3}\n"
            "        - {name: b}\n"
        )
    )
    first, second = problems(text)
    assert first.endswith(
        "overrides.steps[0].steps[0].timeout_minutes: unknown step key 'timeout_minutes' "
        "(did you mean 'timeout-minutes'?)"
    )
    assert second.endswith(
        "overrides.steps[0].steps[1]: a step has exactly one of `uses:` or `run:`"
    )


def test_override_step_with_expression_in_run(problems: SpecProblems) -> None:
    text = edit(
        append=(
            "overrides:\n  steps:\n    - before: reproduce\n      steps:\n"
            "        - run: echo fine\n"
            '        - run: echo "${{ github.event.pull_request.title }}"\n'
        )
    )
    assert problems(text) == [
        "mlci.yaml:33:16: overrides.steps[0].steps[1].run: no ${{ }} expressions inside `run:` "
        "(script injection); pass the value through the step's `env:` and use $NAME in the script"
    ]


def test_override_step_expression_in_env_is_fine(load: LoadSpec) -> None:
    text = edit(
        append=(
            "overrides:\n  steps:\n    - before: reproduce\n      steps:\n"
            '        - run: echo "$TITLE"\n'
            "          env:\n            TITLE: ${{ github.event.pull_request.title }}\n"
        )
    )
    assert load(text).spec.overrides.steps[0].before == "reproduce"


def test_secrets_in_override_env(problems: SpecProblems) -> None:
    text = edit(append="overrides:\n  env:\n    PLAIN: hello\n    TOKEN: ${{ secrets.TOKEN }}\n")
    assert problems(text) == [
        "mlci.yaml:31:12: overrides.env.TOKEN: secrets do not belong in plain env; "
        "map them in `ci.remote.credentials`"
    ]


def test_override_set_pull_request_target(problems: SpecProblems) -> None:
    text = edit(append="overrides:\n  set:\n    - path: on.pull_request_target\n      value: {}\n")
    (problem,) = problems(text)
    assert problem.startswith("mlci.yaml:30:7: overrides.set[0]: this override makes ")
    assert "mlci-pr.yml and .github/workflows/mlci-main.yml break a security rule: " in problem
    assert "on.pull_request_target: breaks the rule 'trigger'" in problem


def test_override_set_empty_path_part(problems: SpecProblems) -> None:
    text = edit(append="overrides:\n  set:\n    - path: jobs..runs-on\n      value: gpu\n")
    assert problems(text) == [
        "mlci.yaml:30:13: overrides.set[0].path: empty part in the dotted path"
    ]


@pytest.mark.parametrize("points", ["", "      before: checkout\n      after: install\n"])
def test_step_insertion_needs_exactly_one_point(problems: SpecProblems, points: str) -> None:
    text = edit(append=f"overrides:\n  steps:\n    - steps: [{{run: x}}]\n{points}")
    assert problems(text) == [
        "mlci.yaml:30:7: overrides.steps[0]: give exactly one of `before:` or `after:`"
    ]


# --- gate rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "- metric: accuracy\n      check: reproduced",
            "a rule names either `metric:` or `check:`, exactly one of them",
        ),
        ("- min: 0.8", "a rule names either `metric:` or `check:`, exactly one of them"),
        ("- metric: accuracy\n      min: 0.9\n      max: 0.5", "`min: 0.9` is above `max: 0.5`"),
        (
            "- check: reproduced\n      min: 1",
            "`check:` rules take no thresholds; put them in a `metric:` rule",
        ),
    ],
)
def test_gate_rule_shape(problems: SpecProblems, rule: str, message: str) -> None:
    text = edit(("- metric: accuracy\n      min: 0.8", rule))
    assert problems(text) == [f"mlci.yaml:26:7: gates.merge[0]: {message}"]


def test_min_equal_to_max_is_fine(load: LoadSpec) -> None:
    text = edit(("      min: 0.8", "      min: 0.8\n      max: 0.8"))
    rule = load(text).spec.gates.merge[0]
    assert (rule.min, rule.max) == (0.8, 0.8)


def test_negative_regression_allowance(problems: SpecProblems) -> None:
    text = edit(("      min: 0.8", "      max_regression_pct: -5"))
    assert problems(text) == [
        "mlci.yaml:27:27: gates.merge[0].max_regression_pct: must be greater than or equal to 0"
    ]


# --- many problems at once, in file order ---------------------------------------------------


def test_all_structural_problems_are_reported_in_file_order(problems: SpecProblems) -> None:
    text = edit(
        ("task: classification", "task: clasification"),
        ("    direction: lower", "    direction: lowr"),
        ("    cmd: python prepare.py\n", ""),
        append="ci:\n  timeout_minutes: soon\n  cach: {}\ncolour: red\n",
    )
    assert problems(text) == [
        "mlci.yaml:3:9: problem.task: 'clasification' is not allowed "
        "(did you mean 'classification'?)",
        "mlci.yaml:6:3: stages.prepare.cmd: missing required key 'cmd'",
        "mlci.yaml:22:16: metrics.loss.direction: 'lowr' is not allowed (did you mean 'lower'?)",
        "mlci.yaml:28:20: ci.timeout_minutes: must be a whole number, not 'soon'",
        "mlci.yaml:29:3: ci.cach: unknown key 'cach' (did you mean 'cache'?)",
        f"mlci.yaml:30:1: colour: unknown key 'colour' (expected one of: {TOP_KEYS})",
    ]


def test_all_reference_problems_are_reported_in_file_order(problems: SpecProblems) -> None:
    text = edit(
        ("data/raw.csv]", "data/missing.csv]"),
        (
            "    file: metrics.json\n    direction: lower",
            "    file: other.json\n    direction: lower",
        ),
        ("- metric: accuracy", "- metric: acuracy"),
        append="overrides:\n  env:\n    TOKEN: ${{ secrets.TOKEN }}\n",
    )
    assert problems(text) == [
        f"mlci.yaml:8:24: stages.prepare.deps[1]: 'data/missing.csv' {DEP_HINT}",
        "mlci.yaml:22:11: metrics.loss.file: 'other.json' is not a metrics file; "
        "list it under the `metrics:` of the stage that writes it",
        "mlci.yaml:26:15: gates.merge[0].metric: unknown metric 'acuracy' "
        "(did you mean 'accuracy'?)",
        "mlci.yaml:30:12: overrides.env.TOKEN: secrets do not belong in plain env; "
        "map them in `ci.remote.credentials`",
    ]


def test_problems_sort_by_line_then_column() -> None:
    at = [(5, 9), (2, 30), (5, 1), (2, 3)]
    error = SpecError([SpecProblem(Location("f", line, col), "k", "m") for line, col in at])
    assert [(p.location.line, p.location.column) for p in error.problems] == sorted(at)


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        pytest.param(
            edit(("- metric: accuracy", "- metric: acuracy")),
            "mlci.yaml:26:15: gates.merge[0].metric: unknown metric 'acuracy' "
            "(did you mean 'accuracy'?)",
            id="reference",
        ),
        pytest.param(
            edit(("stages:", "stagse:")),
            "mlci.yaml:1:1: stages: missing required key 'stages'",
            id="structure",
        ),
        pytest.param(
            "version: 1\nproblem:\n\ttask: other\n",
            "mlci.yaml:3:1: invalid YAML: found character '\\t' that cannot start any token",
            id="syntax",
        ),
        pytest.param(billion_laughs(), "mlci.yaml:8:5: a6: expands to more than", id="alias-bomb"),
        pytest.param(
            "ci: " + "[" * 5000 + "]" * 5000 + "\n",
            f"mlci.yaml:1:{5 + MAX_DEPTH}: {NESTING}",
            id="deep",
        ),
        pytest.param("", "mlci.yaml:1:1: the file is empty", id="empty"),
    ],
)
def test_validate_prints_problems_on_stderr_and_exits_2(
    project: Repo, text: str, first_line: str
) -> None:
    project.write({"mlci.yaml": text})
    result = project.mlci_process("validate")
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines()[0].startswith(first_line)
    assert "Traceback" not in result.err
    assert "internal error" not in result.err


def test_validate_prints_every_problem_one_per_line(project: Repo) -> None:
    project.write(
        {
            "mlci.yaml": edit(
                ("task: classification", "task: clasification"),
                ("- metric: accuracy", "- metrc: accuracy"),
            )
        }
    )
    result = project.mlci_process("validate")
    assert result.code == 2
    assert result.err.splitlines() == [
        "mlci.yaml:3:9: problem.task: 'clasification' is not allowed "
        "(did you mean 'classification'?)",
        "mlci.yaml:26:7: gates.merge[0].metrc: unknown key 'metrc' (did you mean 'metric'?)",
    ]


def test_validate_random_bytes_exits_2_without_traceback(project: Repo) -> None:
    (project.root / "mlci.yaml").write_bytes(bytes(range(256)))
    result = project.mlci_process("validate")
    assert result.code == 2
    assert result.err.startswith("mlci.yaml:1:1: not UTF-8 text")
    assert "Traceback" not in result.err


def test_validate_names_the_spec_path_given(project: Repo) -> None:
    project.write({"conf/pipeline.yaml": "version: 1\n"})
    result = project.mlci_process("validate", "--spec", "conf/pipeline.yaml")
    assert result.code == 2
    assert result.err.splitlines() == [
        "pipeline.yaml:1:1: problem: missing required key 'problem'",
        "pipeline.yaml:1:1: stages: missing required key 'stages'",
    ]
