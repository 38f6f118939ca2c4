"""Property: every valid spec renders workflows that pass the security checks and a dvc.yaml
that DVC loads as the same pipeline."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlci.generate.dvcyaml_editor import DvcYamlDocument
from mlci.render.dvcyaml import render_stages
from mlci.render.workflows import render_workflows
from mlci.spec.checks import SpecChecker
from mlci.spec.load import validate
from mlci.spec.source import parse_yaml
from tests.render.workflow_checks import schema_errors, structural_problems, zizmor

EXISTING = {"src/code.py", "params.yaml"}

names = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)
labels = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
path_parts = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}", fullmatch=True).filter(
    lambda p: p not in (".", "..")
)
# Any text a user may type, control characters and odd Unicode included.
free_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
plain_text = free_text.filter(lambda t: "${{" not in t)
script = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda t: "${{" not in t and t.strip()
)


@st.composite
def outputs(draw: st.DrawFn, stem: str) -> list[Any]:
    path = f"{stem}/{draw(path_parts)}"
    if draw(st.booleans()):
        return [path]
    options = {"cache": draw(st.booleans()), "persist": draw(st.booleans())}
    return [{"path": path, **options}]


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    stage_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    stages: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    written: list[str] = []
    for index, name in enumerate(stage_names):
        outs = draw(outputs(f"out{index}"))
        stage: dict[str, Any] = {
            "cmd": draw(st.one_of(script, st.lists(script, min_size=1, max_size=3))),
            "description": draw(free_text),
            "deps": ["src/code.py", *draw(st.lists(st.sampled_from(written), unique=True))]
            if written
            else ["src/code.py"],
            "params": draw(st.lists(st.sampled_from(["p.a", "p.b", "q"]), unique=True)),
            "outs": outs,
            "always_changed": draw(st.booleans()),
        }
        written += [o if isinstance(o, str) else o["path"] for o in outs]
        if draw(st.booleans()):
            file = f"metrics{index}.json"
            stage["metrics"] = [file]
            metrics[f"m{index}"] = {
                "file": file,
                "direction": draw(st.sampled_from(["higher", "lower"])),
            }
        if draw(st.booleans()):
            stage["plots"] = [{"path": f"plot{index}.csv", "x": "a", "y": "b"}]
        stages[name] = stage
    rules = [
        {"metric": m, "min": draw(st.floats(-1e6, 1e6)), "no_baseline": "pass"} for m in metrics
    ]
    return {
        "version": 1,
        "problem": {"task": draw(st.sampled_from(["classification", "regression", "other"]))},
        "stages": stages,
        "metrics": metrics,
        "gates": {"merge": [*rules, {"check": "reproduced"}]},
        "ci": draw(ci_sections()),
        "overrides": draw(overrides()),
    }


@st.composite
def ci_sections(draw: st.DrawFn) -> dict[str, Any]:
    ci: dict[str, Any] = {
        "python": draw(st.sampled_from(["3.10", "3.11", "3.12", "3.x", "pypy3.10"])),
        "runs_on": draw(st.lists(labels, min_size=1, max_size=3, unique=True)),
        "install": draw(script),
        "main_branch": draw(labels),
        "branches": draw(st.lists(labels, max_size=3)),
        "timeout_minutes": draw(st.integers(1, 4320)),
        "cache": {"pip": draw(st.booleans()), "dvc": draw(st.booleans())},
    }
    if draw(st.booleans()):
        ci["schedule"] = draw(st.sampled_from(["0 3 * * *", "*/30 * * * 1-5"]))
    if draw(st.booleans()):
        ci["remote"] = {
            "name": draw(labels),
            # A URL starting with "-" is refused (DVC would read it as an option).
            "url": draw(plain_text.filter(lambda t: not t.startswith("-"))),
            "credentials": draw(
                st.dictionaries(
                    st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True),
                    st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True),
                    max_size=3,
                )
            ),
        }
    return ci


@st.composite
def overrides(draw: st.DrawFn) -> dict[str, Any]:
    points = ["checkout", "setup-python", "install", "dvc-cache", "pull", "reproduce", "check"]
    steps = [
        {
            draw(st.sampled_from(["before", "after"])): draw(st.sampled_from(points)),
            "steps": [{"name": draw(plain_text) or "step", "run": draw(script)}],
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    env = draw(st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True), plain_text))
    return {"env": env, "steps": steps}


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def load(data: dict[str, Any]) -> Any:
    """Through the real YAML path: dump the spec as a user would write it, then load it."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    parsed, source = parse_yaml(text, "mlci.yaml")
    spec = validate(parsed, source)
    problems = SpecChecker(spec, source, exists=lambda p: p in EXISTING).run()
    assert problems == [], [str(p) for p in problems]
    return spec


@pytest.mark.slow
@SETTINGS
@given(data=specs())
def test_workflows_of_any_valid_spec_pass_the_security_checks(
    data: dict[str, Any], tmp_path: Path
) -> None:
    spec = load(data)
    workflows = render_workflows(spec)
    files = []
    for name, text in workflows.items():
        assert structural_problems(text) == [], name
        assert schema_errors(text) == [], name
        file = tmp_path / Path(name).name
        file.write_text(text)
        files.append(file)
    result = zizmor(*files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def dvc_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dvc")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=root, check=True)
    (root / "src").mkdir()
    (root / "src" / "code.py").write_text("")
    (root / "params.yaml").write_text("p:\n  a: 1\n  b: 2\nq: 3\n")
    return root


@pytest.mark.slow
@settings(SETTINGS, max_examples=25)
@given(data=specs())
def test_dvc_loads_the_pipeline_of_any_valid_spec(data: dict[str, Any], dvc_root: Path) -> None:
    from dvc.dependency.param import ParamsDependency
    from dvc.repo import Repo as DvcRepo

    spec = load(data)
    document = DvcYamlDocument.parse(None)
    for name, stage in render_stages(spec).items():
        document.replace_stage(name, stage)
    (dvc_root / "dvc.yaml").write_text(document.dump())
    with DvcRepo(str(dvc_root)) as repo:
        loaded = {stage.name: stage for stage in repo.index.stages}
    assert list(loaded) == list(spec.stages)
    for name, stage in spec.stages.items():
        dvc_stage = loaded[name]
        deps = [d.def_path for d in dvc_stage.deps if not isinstance(d, ParamsDependency)]
        assert deps == list(stage.deps)
        outs = [*stage.outs, *stage.metrics, *stage.plots]
        assert [o.def_path for o in dvc_stage.outs] == [o.path for o in outs]
        assert [o.use_cache for o in dvc_stage.outs] == [o.cache for o in outs]
        assert dvc_stage.cmd == (stage.cmd[0] if len(stage.cmd) == 1 else list(stage.cmd))


# Scalars as the spec can hold them: any text (lone surrogates cannot reach a file), numbers,
# booleans, nulls; nested as dvc.yaml nests them.
scalars = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["0E0", "1e3", "0o17", "0x1F", ".inf", "~", "null", "yes", "12:30", "1_0"]),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
documents = st.dictionaries(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=10),
    st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(max_size=8).filter(str.strip), inner, max_size=4)
        ),
        max_leaves=12,
    ),
    max_size=5,
)


@SETTINGS
@given(document=documents)
def test_a_fresh_dvc_yaml_reads_back_as_written_under_yaml_1_2(document: dict[str, Any]) -> None:
    """DVC reads dvc.yaml as YAML 1.2; the libyaml path must not let a string turn into a
    number or a null there, nor lose anything else."""
    from ruamel.yaml import YAML

    from mlci.generate.fast_dump import fast_dump

    text = fast_dump(document)
    assert text is not None
    assert YAML(typ="safe", pure=True).load(text) == document
