"""The command line as users and CI meet it: exit codes, messages, start-up cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlci import __version__
from tests.conftest import MINIMAL_SPEC, PROJECT_FILES, Repo

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("dvc", "pandas", "sklearn", "numpy", "git")


def test_version(repo: Repo) -> None:
    result = repo.mlci_process("--version")
    assert (result.code, result.out.strip()) == (0, f"mlci {__version__}")


def test_help_lists_commands_and_exit_codes(repo: Repo) -> None:
    result = repo.mlci_process("--help")
    assert result.code == 0
    for word in ("validate", "generate", "schema", "exit codes:", "3  internal error"):
        assert word in result.out
    generate = repo.mlci_process("generate", "--help")
    for flag in ("--check", "--diff", "--force", "--spec"):
        assert flag in generate.out


def test_no_command_prints_help_and_exits_2(repo: Repo) -> None:
    result = repo.mlci_process()
    assert result.code == 2
    assert "usage: mlci" in result.out


def test_unknown_option_is_a_usage_error(repo: Repo) -> None:
    result = repo.mlci_process("generate", "--chek")
    assert result.code == 2
    assert "unrecognized arguments: --chek" in result.err


def test_check_and_diff_exclude_each_other(repo: Repo) -> None:
    result = repo.mlci_process("generate", "--check", "--diff")
    assert result.code == 2
    assert "not allowed with argument" in result.err


def test_missing_spec_is_a_spec_error_without_traceback(repo: Repo) -> None:
    result = repo.mlci_process("generate")
    assert result.code == 2
    assert result.err.startswith("mlci.yaml:1:1: file not found")
    assert "Traceback" not in result.err


def test_spec_error_exit_code_and_message(project: Repo) -> None:
    project.write({"mlci.yaml": MINIMAL_SPEC.replace("metric: accuracy", "metric: acuracy")})
    result = project.mlci_process("validate")
    assert result.code == 2
    line = next(i for i, text in enumerate(MINIMAL_SPEC.splitlines(), 1) if "metric: acc" in text)
    assert result.err == (
        f"mlci.yaml:{line}:15: gates.merge[0].metric: unknown metric 'acuracy' "
        "(did you mean 'accuracy'?)\n"
    )


def test_validate_ok(project: Repo) -> None:
    result = project.mlci_process("validate")
    assert (result.code, result.out) == (
        0,
        "mlci.yaml: valid (2 stages, 2 metrics, 1 gate rules)\n",
    )


def test_spec_option_and_directory_option(project: Repo, tmp_path: Path) -> None:
    (project.root / "mlci.yaml").rename(project.root / "pipeline.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = Repo(elsewhere).mlci_process(
        "-C", str(project.root), "validate", "--spec", "pipeline.yaml"
    )
    assert result.code == 0, result.err
    assert result.out.startswith("pipeline.yaml: valid")


def test_directory_options_add_up_like_gits(project: Repo, tmp_path: Path) -> None:
    project.write({f"sub/{name}": text for name, text in PROJECT_FILES.items()})
    (project.root / "mlci.yaml").rename(project.root / "sub" / "pipeline.yaml")
    result = Repo(tmp_path).mlci_process(
        "-C", str(project.root), "-C", "sub", "validate", "--spec", "pipeline.yaml"
    )
    assert (result.code, result.out) == (
        0,
        "pipeline.yaml: valid (2 stages, 2 metrics, 1 gate rules)\n",
    )


def test_a_missing_directory_is_a_usage_error(project: Repo) -> None:
    result = project.mlci_process("-C", "absent", "diff")
    assert (result.code, result.out) == (2, "")
    assert result.err == "mlci: error: cannot change to 'absent': No such file or directory\n"


def test_history_from_a_subfolder_reads_the_projects_spec(project: Repo) -> None:
    (project.root / ".dvc").mkdir()
    project.write({".dvc/config": "", "metrics.json": '{"accuracy": 0.9, "loss": 0.5}'})
    project.commit(message="first")
    for folder in ("data", "."):
        result = project.mlci_process("-C", folder, "history", "--format", "json")
        assert result.code == 0, result.err
        names = [column["name"] for column in json.loads(result.out)["metrics"]]
        assert names == ["accuracy", "loss"]  # declared in the root's mlci.yaml
    result = project.mlci_process("-C", "data", "history", "--spec", "absent.yaml")
    assert (result.code, result.err) == (2, "mlci: error: absent.yaml: file not found\n")


def test_unreadable_dvc_yaml_is_a_clear_error(project: Repo) -> None:
    project.write({"dvc.yaml": "stages: [unclosed\n"})
    result = project.mlci_process("generate")
    assert result.code == 2
    assert result.err.startswith(
        "mlci: error: dvc.yaml: cannot read it (line 2, column 1: not valid"
    )
    assert "Traceback" not in result.err


def test_internal_error_exits_3_with_a_hint(project: Repo) -> None:
    # A file where the workflows folder must be: an OSError mlci cannot recover from is
    # reported plainly; an unexpected exception is an internal error with a hint.
    code = (
        "import sys, mlci.generate.plan as g\n"
        "def broken(*a, **k): raise RuntimeError('boom')\n"
        "g.plan_generation = broken\n"
        "from mlci.cli.main import main\n"
        "sys.exit(main(['generate']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True
    )
    assert done.returncode == 3
    assert "internal error: RuntimeError: boom" in done.stderr
    assert "This is a bug in mlci" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_internal_errors_message_never_shows_the_token(project: Repo) -> None:
    token = "ghs_" + "k3y" * 12
    code = (
        "import sys, mlci.generate.plan as g\n"
        f"def broken(*a, **k): raise RuntimeError('server said: ...{token[5:30]}...')\n"
        "g.plan_generation = broken\n"
        "from mlci.cli.main import main\n"
        "sys.exit(main(['generate']))\n"
    )
    env = {**os.environ, "GITHUB_TOKEN": token}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, env=env
    )
    assert done.returncode == 3
    assert "server said: ...<token>..." in done.stderr
    assert token[5:13] not in done.stderr


@pytest.mark.parametrize("args", [["--help"], ["validate"], ["generate"], ["generate", "--check"]])
def test_light_commands_do_not_import_heavy_libraries(project: Repo, args: list[str]) -> None:
    code = (
        "import sys, json\n"
        "from mlci.cli.main import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if '.' not in m)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True
    )
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "mlci" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    if args == ["--help"]:
        assert not modules & {"pydantic", "jinja2", "ruamel", "yaml"}


def test_schema_command_prints_json_schema(repo: Repo) -> None:
    result = repo.mlci_process("schema")
    schema = json.loads(result.out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"version", "problem", "stages", "metrics", "gates", "ci"} <= set(schema["properties"])


@pytest.mark.slow
def test_templates_ship_inside_the_wheel(tmp_path: Path, project: Repo) -> None:
    """A non-editable install must find the templates: build the wheel and run from it."""
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("mlci-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlci/templates/workflows/pr.yml.j2" in names
    assert "mlci/spec/mlci.schema.json" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    done = subprocess.run(
        [sys.executable, "-m", "mlci", "generate"],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert (project.root / ".github/workflows/mlci-pr.yml").exists()
    probe = subprocess.run(
        [sys.executable, "-c", "import mlci.render.templating as t; print(t.templates_dir())"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(unpacked)},
    )
    assert probe.stdout.strip() == str(unpacked / "mlci" / "templates")


def test_the_repository_is_its_own_mlci_project() -> None:
    """The root dvc.yaml and mlci-* workflows are generated from the root mlci.yaml."""
    done = subprocess.run(
        [sys.executable, "-m", "mlci", "generate", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_missing_dependency_is_named_not_called_a_bug(project: Repo) -> None:
    # A Python where ruamel cannot be imported, as in a source checkout without pip install.
    code = (
        "import sys\n"
        "sys.modules['ruamel'] = None\n"
        "from mlci.cli.main import main\n"
        "sys.exit(main(['generate', '--check']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "lacks the package 'ruamel.yaml' that mlci needs" in done.stderr
    assert "bug" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("dvc_yaml", "words"),
    [
        (
            "stages:\n  a: &a [1, 2]\n" + "".join(f"  b{i}: &b{i} [*a, *a]\n" for i in range(1500)),
            "aliases",
        ),
        ("stages:\n  x:\n    cmd: echo\n    meta: {n: " + "9" * 5000 + "}\n", "300 digits"),
    ],
    ids=["alias-bomb", "huge-integer"],
)
def test_a_hostile_dvc_yaml_stops_generate_in_one_line(
    project: Repo, dvc_yaml: str, words: str
) -> None:
    project.write({"dvc.yaml": dvc_yaml})
    result = project.mlci_process("generate")
    assert result.code == 2, result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith("mlci: error: dvc.yaml: cannot read it (") and words in line
    assert "set_int_max_str_digits" not in line
    assert project.read("dvc.yaml") == dvc_yaml  # nothing written
