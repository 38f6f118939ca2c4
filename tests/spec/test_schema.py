"""The JSON Schema of mlci.yaml: printed by `mlci schema`, shipped with mlci, true to the loader."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # a dependency of check-jsonschema, in the test extra
import pytest
import yaml

from mlci.spec.load import load_project
from mlci.spec.schema import spec_json_schema, spec_json_schema_text
from tests.conftest import MINIMAL_SPEC, Repo
from tests.spec.conftest import LoadSpec
from tests.spec.samples import FULL_FILES, FULL_SPEC

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "mlci" / "spec" / "mlci.schema.json"


def schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(spec_json_schema())
    return [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_schema_command_prints_the_schema(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    result = repo.mlci("schema", capsys=capsys)
    assert (result.code, result.err) == (0, "")
    assert result.out == spec_json_schema_text()
    assert json.loads(result.out) == spec_json_schema()


def test_schema_command_as_a_process(repo: Repo) -> None:
    result = repo.mlci_process("schema")
    assert (result.code, result.err) == (0, "")
    assert result.out == spec_json_schema_text()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = spec_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"version", "problem", "stages"}


def test_schema_text_is_stable() -> None:
    assert spec_json_schema_text() == spec_json_schema_text()
    assert spec_json_schema_text().endswith("}\n")


def test_shipped_schema_file_is_up_to_date() -> None:
    shipped = SHIPPED.read_text(encoding="utf-8") if SHIPPED.exists() else None
    assert shipped == spec_json_schema_text(), (
        f"{SHIPPED.relative_to(ROOT)} is missing or out of date with the models; "
        "run `python -m mlci schema > mlci/spec/mlci.schema.json` and commit it"
    )


def test_own_spec_points_editors_at_the_shipped_schema() -> None:
    first_line = (ROOT / "mlci.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=mlci/spec/mlci.schema.json"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param((ROOT / "mlci.yaml").read_text(encoding="utf-8"), id="own-mlci.yaml"),
        pytest.param(MINIMAL_SPEC, id="MINIMAL_SPEC"),
        pytest.param(FULL_SPEC, id="FULL_SPEC"),
    ],
)
def test_schema_accepts_valid_specs(text: str) -> None:
    assert schema_errors(yaml.safe_load(text)) == []


def test_full_spec_is_valid_for_the_loader_too(repo: Repo) -> None:
    # The schema test above is only meaningful if the loader agrees the spec is valid.
    repo.write({**FULL_FILES, "mlci.yaml": FULL_SPEC})
    assert len(load_project(repo.root / "mlci.yaml").spec.stages) == 3


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda d: d.update(stagse={}),
            ": Additional properties are not allowed ('stagse' was unexpected)",
            id="top-level-key",
        ),
        pytest.param(
            lambda d: d["stages"]["train"].update(outz=["x"]),
            "stages.train: Additional properties are not allowed ('outz' was unexpected)",
            id="stage-key",
        ),
        pytest.param(
            lambda d: d.update(ci={"cach": {}}),
            "ci: Additional properties are not allowed ('cach' was unexpected)",
            id="ci-key",
        ),
        pytest.param(
            lambda d: d["metrics"]["accuracy"].update(direction="hgiher"),
            "metrics.accuracy.direction: 'hgiher' is not one of ['higher', 'lower']",
            id="enum",
        ),
        pytest.param(
            lambda d: d.update(ci={"python": 3.1}),
            "ci.python: 3.1 is not of type 'string'",
            id="unquoted-python",
        ),
        pytest.param(
            lambda d: d["problem"].pop("task"),
            "problem: 'task' is a required property",
            id="missing-key",
        ),
        pytest.param(
            lambda d: d.update(version=2),
            "version: 1 was expected",
            id="version",
        ),
    ],
)
def test_schema_rejects_invalid_specs(mutate: Any, expected: str) -> None:
    document = yaml.safe_load(MINIMAL_SPEC)
    mutate(document)
    assert expected in schema_errors(document)


def test_schema_rejects_reserved_sections() -> None:
    document = yaml.safe_load(MINIMAL_SPEC)
    document["deploy"] = {"target": "k8s"}
    assert schema_errors(document) == [
        ": Additional properties are not allowed ('deploy' was unexpected)"
    ]


@pytest.mark.parametrize(
    "params",
    [
        ["train.lr"],
        [{"params.yaml": ["train"]}],
        [{"params.yaml": None}],
        [{"file": "params.yaml", "keys": ["train"]}],
        [{"file": "params.yaml"}],
    ],
)
def test_schema_and_loader_agree_on_params_forms(load: LoadSpec, params: list[Any]) -> None:
    document = yaml.safe_load(MINIMAL_SPEC)
    document["stages"]["train"]["params"] = params
    text = yaml.safe_dump(document, sort_keys=False)
    assert schema_errors(document) == []
    assert load(text).spec.stages["train"].params[0].file == "params.yaml"


@pytest.mark.skipif(shutil.which("check-jsonschema") is None, reason="check-jsonschema missing")
def test_check_jsonschema_accepts_the_own_spec_with_the_shipped_schema() -> None:
    done = subprocess.run(
        ["check-jsonschema", "--schemafile", str(SHIPPED), str(ROOT / "mlci.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("check-jsonschema") is None, reason="check-jsonschema missing")
def test_check_jsonschema_rejects_an_unknown_key(tmp_path: Path) -> None:
    bad = tmp_path / "mlci.yaml"
    bad.write_text(MINIMAL_SPEC.replace("stages:", "stagse:"), encoding="utf-8")
    done = subprocess.run(
        ["check-jsonschema", "--schemafile", str(SHIPPED), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "stagse" in done.stdout + done.stderr
