"""mlci's own staleness check answers exactly what `dvc status` answers, case by case.

Every case edits a copy of one real git + DVC repository, reproduced once, and asserts that
`dvc_status.compute` equals `pending_stages(pipeline.status(root))`, the answer `mlci gate`
used to get from DVC, and which stages that answer names (so no case passes by both sides
saying nothing). Where mlci cannot be sure of DVC's answer it must fall back to DVC.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from mlci.dvc import pipeline, yaml12
from mlci.dvc import status as dvc_status
from mlci.dvc.status import pending_stages
from mlci.errors import UsageError
from mlci.usecases.assess import _pending

STEP = "import sys\nopen(sys.argv[2], 'w').write(open(sys.argv[1]).read())\n"
PARAMS = """\
train:
  lr: 1
  epochs: 3
  name: adam
  decay: 1e-3
prepare:
  seed: 7
"""
DVC_YAML = """\
stages:
  prepare:
    cmd: python step.py in.txt prepared.txt
    deps: [step.py, in.txt, data]
    params: [prepare.seed]
    outs: [prepared.txt]
  train:
    cmd: python step.py prepared.txt model.txt && python step.py extra.json metrics.json
    deps: [step.py, prepared.txt]
    params: [train, {extra.json: [alpha]}, {conf.toml: }]
    outs: [model.txt]
    metrics: [{metrics.json: {cache: false}}]
  whole:
    cmd: python step.py in.txt whole.txt
    deps: [in.txt, params.yaml]
    params: [{params.yaml: }]
    outs: [whole.txt]
  local:
    wdir: sub
    cmd: python ../step.py local.txt local.out
    deps: [local.txt, ../in.txt]
    params: [p, {../params.yaml: [train.lr]}]
    outs: [local.out]
  legacy:
    cmd: python step.py crlf.txt legacy.txt
    deps: [crlf.txt]
    outs: [legacy.txt]
  always:
    cmd: python step.py in.txt always.txt
    deps: [in.txt]
    always_changed: true
    outs: [always.txt]
"""
FILES = {
    "step.py": STEP,
    "in.txt": "input\n",
    "crlf.txt": "one\r\ntwo\r\n",
    "data/a.txt": "a\n",
    "data/b.txt": "b\n",
    "data/sub/c.txt": "c\n",
    "data/skip.tmp": "ignored\n",
    "params.yaml": PARAMS,
    "extra.json": '{"alpha": 0.5, "beta": [1, 2]}\n',
    "conf.toml": "[model]\ndepth = 4\n",
    "sub/local.txt": "local\n",
    "sub/params.yaml": "p: 1\n",
    "dvc.yaml": DVC_YAML,
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def dvc(root: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pipeline above, reproduced by DVC and committed: nothing is out of date."""
    root = tmp_path_factory.mktemp("dvc-status") / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "mlci tests")
    git(root, "config", "user.email", "tests@mlci.invalid")
    dvc(root, "init", "-q")
    write(root, FILES)
    with (root / ".dvcignore").open("a") as ignore:
        ignore.write("*.tmp\n")
    dvc(root, "repro", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "reproduced")
    return root


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


def dvc_answer(root: Path) -> dict[str, str]:
    return pending_stages(pipeline.status(root))


def agree(root: Path) -> dict[str, str]:
    """mlci's answer, asserted equal to DVC's, reading YAML with libyaml and with ruamel."""
    ours = dvc_status.compute(root)
    with patch.object(yaml12, "_CParser", None):  # every document read by ruamel
        assert dvc_status.compute(root) == ours
    assert ours == dvc_answer(root)
    return ours


def edit_yaml(root: Path, name: str, change: Callable[[Any], None]) -> None:
    """Change dvc.yaml or dvc.lock as DVC writes them (ruamel, round trip)."""
    from ruamel.yaml import YAML

    handler = YAML()
    path = root / name
    document = handler.load(path.read_text())
    change(document)
    with path.open("w") as out:
        handler.dump(document, out)


def replace(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new))


def lock_dep(lock: Any, stage: str, path: str) -> Any:
    return next(dep for dep in lock["stages"][stage]["deps"] if dep["path"] == path)


# --- the cases ---------------------------------------------------------------------------------


def _add_stage(root: Path) -> None:
    with (root / "dvc.yaml").open("a") as out:
        out.write(
            "  fresh:\n    cmd: python step.py in.txt fresh.txt\n"
            "    deps: [in.txt, data, missing.txt]\n    params: [train.lr, {other.yaml: [x]}]\n"
        )


def _remove_stage(root: Path) -> None:
    replace(root, "in.txt", "input", "INPUT")
    edit_yaml(root, "dvc.yaml", lambda doc: doc["stages"].pop("prepare"))


def _dotted_paths(root: Path) -> None:
    """dvc.lock keeps `./in.txt` as written but `./extra.json` as `extra.json`: DVC then looks
    the params up as written, finds nothing, and calls them new for ever."""
    with (root / "dvc.yaml").open("a") as out:
        out.write(
            "  dotted:\n    cmd: python step.py ./in.txt dotted.txt\n"
            "    deps: [./in.txt, data/, sub/../crlf.txt]\n"
            "    params: [{./extra.json: [beta]}]\n    outs: [dotted.txt]\n"
        )
    dvc(root, "repro", "-q", "dotted")


def _yes(in_params: str) -> Callable[[Path], None]:
    """`name: yes` in dvc.lock, as DVC writes the text "yes": YAML 1.1 would read true."""

    def edit(root: Path) -> None:
        def change(lock: Any) -> None:
            lock["stages"]["train"]["params"]["params.yaml"]["train"]["name"] = "yes"
            lock["stages"]["whole"]["params"]["params.yaml"]["train"]["name"] = "yes"

        edit_yaml(root, "dvc.lock", change)
        replace(root, "params.yaml", "name: adam", f"name: {in_params}")
        assert "name: yes" in (root / "dvc.lock").read_text()

    return edit


def _dvc_add(root: Path) -> None:
    write(root, {"raw.csv": "a,b\n"})
    dvc(root, "add", "-q", "raw.csv")
    write(root, {"raw.csv": "a,b\n1,2\n"})


def _freeze(root: Path) -> None:
    edit_yaml(root, "dvc.yaml", lambda doc: doc["stages"]["legacy"].insert(0, "frozen", True))
    replace(root, "crlf.txt", "one", "ONE")


def _freeze_and_change_command(root: Path) -> None:
    _freeze(root)
    replace(root, "dvc.yaml", "crlf.txt legacy.txt", "crlf.txt  legacy.txt")


def _add_dependency(root: Path) -> None:
    edit_yaml(root, "dvc.yaml", lambda doc: doc["stages"]["legacy"]["deps"].append("in.txt"))


def _remove_dependency(root: Path) -> None:
    edit_yaml(root, "dvc.yaml", lambda doc: doc["stages"]["prepare"]["deps"].remove("data"))


def _dvc2_lock(root: Path) -> None:
    """As DVC 2 wrote crlf.txt: no `hash:`, the md5 of the text with LF line ends."""

    def change(lock: Any) -> None:
        dep = lock_dep(lock, "legacy", "crlf.txt")
        del dep["hash"]
        dep["md5"] = hashlib.md5(b"one\ntwo\n").hexdigest()

    edit_yaml(root, "dvc.lock", change)


def _dvc2_lock_crlf_to_lf(root: Path) -> None:
    _dvc2_lock(root)
    (root / "crlf.txt").write_bytes(b"one\ntwo\n")  # the same DVC 2 hash


def _dvc2_lock_edited(root: Path) -> None:
    _dvc2_lock(root)
    (root / "crlf.txt").write_bytes(b"one\r\nTWO\r\n")


def _dvc2_lock_binary(root: Path) -> None:
    """A file that is not text by DVC's rule keeps its CRLF in the DVC 2 hash."""
    content = bytes(range(256)) + b"\r\n"
    (root / "crlf.txt").write_bytes(content)

    def change(lock: Any) -> None:
        dep = lock_dep(lock, "legacy", "crlf.txt")
        del dep["hash"]
        dep["md5"] = hashlib.md5(content).hexdigest()

    edit_yaml(root, "dvc.lock", change)


CASES: dict[str, tuple[Callable[[Path], None], set[str]]] = {
    "nothing changed": (lambda root: None, set()),
    "a dependency edited": (
        lambda root: replace(root, "in.txt", "input", "changed input"),
        {"prepare", "whole", "local", "always"},
    ),
    "same size, other content": (
        lambda root: replace(root, "in.txt", "input", "INPUT"),
        {"prepare", "whole", "local", "always"},
    ),
    "a dependency deleted": (lambda root: (root / "step.py").unlink(), {"prepare", "train"}),
    "a file added to a dependency folder": (
        lambda root: write(root, {"data/sub/d.txt": "d\n"}),
        {"prepare"},
    ),
    "a file removed from a dependency folder": (
        lambda root: (root / "data/b.txt").unlink(),
        {"prepare"},
    ),
    "a file in a dependency folder edited": (
        lambda root: replace(root, "data/sub/c.txt", "c", "C"),
        {"prepare"},
    ),
    "a dvcignored file changed and added": (
        lambda root: write(root, {"data/skip.tmp": "other\n", "data/sub/new.tmp": "x\n"}),
        set(),
    ),
    "an empty folder added to a dependency folder": (
        lambda root: (root / "data/empty").mkdir(),
        set(),
    ),
    "a listed params key changed": (
        lambda root: replace(root, "params.yaml", "seed: 7", "seed: 8"),
        {"prepare", "whole"},
    ),
    "a key added to a tracked section": (
        lambda root: replace(root, "params.yaml", "  epochs: 3\n", "  epochs: 3\n  new: 1\n"),
        {"train", "whole"},
    ),
    "a top-level key added to a whole params file": (
        lambda root: replace(root, "params.yaml", "prepare:\n", "other: 2\nprepare:\n"),
        {"whole"},
    ),
    "a params key removed": (
        lambda root: replace(root, "params.yaml", "  seed: 7\n", ""),
        {"prepare", "whole"},
    ),
    "a listed params key removed from its file": (
        lambda root: replace(root, "params.yaml", "  lr: 1\n", ""),
        {"train", "whole", "local"},
    ),
    "a param in another file changed": (
        lambda root: replace(root, "extra.json", "0.5", "0.25"),
        {"train"},
    ),
    "an unlisted key of another params file changed": (
        lambda root: replace(root, "extra.json", "[1, 2]", "[1, 3]"),
        set(),
    ),
    "a toml params file changed": (lambda root: replace(root, "conf.toml", "4", "5"), {"train"}),
    "a param 1 -> 1.0": (
        lambda root: replace(root, "params.yaml", "lr: 1\n", "lr: 1.0\n"),
        {"whole"},
    ),
    "a param 1 -> true": (
        lambda root: replace(root, "params.yaml", "lr: 1\n", "lr: true\n"),
        {"whole"},
    ),
    "a param 1 -> '1'": (
        lambda root: replace(root, "params.yaml", "lr: 1\n", "lr: '1'\n"),
        {"train", "whole", "local"},
    ),
    "a param yes in dvc.lock, yes in params (YAML 1.2 reads text)": (_yes("yes"), {"whole"}),
    "a param yes in dvc.lock, 'yes' in params": (_yes("'yes'"), {"whole"}),
    "a param yes in dvc.lock, true in params": (_yes("true"), {"train", "whole"}),
    "a param 1e-3 -> 0.001 (YAML 1.2 reads both as a number)": (
        lambda root: replace(root, "params.yaml", "1e-3", "0.001"),
        {"whole"},
    ),
    "a params file deleted": (lambda root: (root / "extra.json").unlink(), {"train"}),
    "a params file of a wdir stage changed": (
        lambda root: write(root, {"sub/params.yaml": "p: 2\n"}),
        {"local"},
    ),
    "a dependency of a wdir stage changed": (
        lambda root: write(root, {"sub/local.txt": "other\n"}),
        {"local"},
    ),
    "a command changed": (
        lambda root: replace(root, "dvc.yaml", "prepared.txt model.txt", "prepared.txt  model.txt"),
        {"train"},
    ),
    "a command and a dependency changed": (
        lambda root: (
            replace(root, "dvc.yaml", "prepared.txt model.txt", "prepared.txt  model.txt"),
            replace(root, "step.py", "write", "write "),
        ),
        {"prepare", "train"},
    ),
    "a stage added to dvc.yaml, not in dvc.lock": (_add_stage, {"fresh"}),
    "paths written with ./, a trailing / or ..": (_dotted_paths, {"dotted"}),
    "a stage removed from dvc.yaml": (_remove_stage, {"whole", "local", "always"}),
    "a dependency added to a stage": (_add_dependency, {"legacy"}),
    "a dependency removed from a stage": (_remove_dependency, set()),
    "data tracked by a .dvc file changed": (_dvc_add, set()),
    "an output changed": (lambda root: write(root, {"model.txt": "other model\n"}), set()),
    "an output deleted": (lambda root: (root / "model.txt").unlink(), set()),
    "a metrics file deleted": (lambda root: (root / "metrics.json").unlink(missing_ok=True), set()),
    "an output another stage reads changed": (
        lambda root: write(root, {"prepared.txt": "tampered\n"}),
        {"train"},
    ),
    "an output another stage reads deleted": (
        lambda root: (root / "prepared.txt").unlink(),
        {"train"},
    ),
    "an always_changed stage, its dependency changed": (
        lambda root: write(root, {"in.txt": "x\n"}),
        {"prepare", "whole", "local", "always"},
    ),
    "a frozen stage, its dependency changed": (_freeze, set()),
    "a frozen stage, its command changed": (_freeze_and_change_command, {"legacy"}),
    "a DVC 2 lock entry, nothing changed": (_dvc2_lock, set()),
    "a DVC 2 lock entry, CRLF turned into LF": (_dvc2_lock_crlf_to_lf, set()),
    "a DVC 2 lock entry, the file edited": (_dvc2_lock_edited, {"legacy"}),
    "a DVC 2 lock entry of a binary file": (_dvc2_lock_binary, set()),
    "the text file turned into CRLF under a DVC 3 lock": (
        lambda root: (root / "in.txt").write_bytes(b"input\r\n"),
        {"prepare", "whole", "local", "always"},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_mlci_answers_what_dvc_status_answers(repo: Path, case: str) -> None:
    edit, expected = CASES[case]
    edit(repo)
    assert set(agree(repo)) == expected


# --- random edits ------------------------------------------------------------------------------

EDITABLE = (
    "in.txt",
    "step.py",
    "crlf.txt",
    "data/a.txt",
    "data/sub/c.txt",
    "data/skip.tmp",
    "data/new.txt",
    "data/sub/deeper/e.txt",
    "sub/local.txt",
    "prepared.txt",
    "model.txt",
)
CONTENTS = ("", "input\n", "input\r\n", "x\n", "one\ntwo\n", "a\n", "\x00\x01binary\r\n")
VALUES: tuple[Any, ...] = (1, 1.0, True, False, "1", "yes", 2, None, [1, 2], {"x": 1}, 0.001, "")


def random_edit(root: Path, rng: random.Random) -> str:
    kind = rng.randrange(6)
    name = rng.choice(EDITABLE)
    if kind == 0:
        write(root, {name: rng.choice(CONTENTS)})
        return f"write {name}"
    if kind == 1:
        (root / name).unlink(missing_ok=True)
        return f"delete {name}"
    if kind in (2, 3):
        section, key = rng.choice(["train", "prepare", "fresh"]), rng.choice(["lr", "seed", "k"])
        value = rng.choice(VALUES)

        def change(params: Any) -> None:
            group = params.setdefault(section, {})
            if kind == 2:
                group[key] = value
            else:
                group.pop(key, None)

        edit_yaml(root, "params.yaml", change)
        return f"params {section}.{key} {'= ' + repr(value) if kind == 2 else 'removed'}"
    if kind == 4:
        extra = {"alpha": rng.choice(VALUES), "beta": rng.choice(VALUES)}
        (root / "extra.json").write_text(json.dumps(extra))
        return f"extra.json = {extra}"
    stage = rng.choice(["prepare", "train", "whole", "local", "legacy", "always"])
    flag = rng.choice(["cmd", "frozen", "always_changed"])

    def toggle(document: Any) -> None:
        definition = document["stages"][stage]
        if flag == "cmd":
            definition["cmd"] = definition["cmd"] + " "
        else:
            definition[flag] = not definition.get(flag, False)

    edit_yaml(root, "dvc.yaml", toggle)
    return f"{stage}: {flag} toggled"


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_random_edits_agree_with_dvc(repo: Path, seed: int) -> None:
    rng = random.Random(seed)
    edits = [random_edit(repo, rng) for _ in range(rng.randint(1, 4))]
    ours = dvc_status.compute(repo)
    assert ours == dvc_answer(repo), edits


# --- where DVC has to answer -------------------------------------------------------------------


def _append_stage(text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        with (root / "dvc.yaml").open("a") as out:
            out.write(text)

    return edit


def _dvc2_folder(root: Path) -> None:
    edit_yaml(root, "dvc.lock", lambda lock: lock_dep(lock, "prepare", "data").pop("hash"))


def _symlink_dependency(root: Path) -> None:
    (root / "in.txt").unlink()
    (root / "in.txt").symlink_to(root / "crlf.txt")


def _symlink_in_folder(root: Path) -> None:
    (root / "data/link.txt").symlink_to(root / "in.txt")


FALLBACKS: dict[str, Callable[[Path], None]] = {
    "a foreach stage": _append_stage(
        "  many:\n    foreach: [a, b]\n    do:\n      cmd: echo ${item}\n      deps: [in.txt]\n"
    ),
    "a matrix stage": _append_stage(
        "  grid:\n    matrix:\n      n: [1, 2]\n    cmd: echo ${item.n}\n    deps: [in.txt]\n"
    ),
    "a ${} in a command": _append_stage(
        "  templated:\n    cmd: echo ${train.lr}\n    deps: [in.txt]\n"
    ),
    "vars": lambda root: replace(root, "dvc.yaml", "stages:", "vars: [{x: 1}]\nstages:"),
    "a DVC 2 folder hash": _dvc2_folder,
    "a symbolic link as a dependency": _symlink_dependency,
    "a symbolic link in a dependency folder": _symlink_in_folder,
    "another dvc.yaml": lambda root: write(
        root, {"sub/dvc.yaml": "stages:\n  inner:\n    cmd: echo\n    deps: [local.txt]\n"}
    ),
    "a Python params file": (
        lambda root: (
            write(root, {"params.py": "X = 1\n"}),
            replace(
                root, "dvc.yaml", "[p, {../params.yaml", "[p, {../params.py: [X]}, {../params.yaml"
            ),
        )
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(FALLBACKS))
def test_what_mlci_cannot_answer_is_asked_of_dvc(
    repo: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    FALLBACKS[case](repo)
    with pytest.raises(dvc_status.Unsupported):
        dvc_status.compute(repo)
    theirs = dvc_answer(repo)
    asked: list[Path] = []
    status = pipeline.status
    monkeypatch.setattr(pipeline, "status", lambda root: asked.append(root) or status(root))
    assert dvc_status.pending(repo) == theirs
    assert asked == [repo]


REFUSED: dict[str, Callable[[Path], None]] = {
    "a .dvcignore inside a dependency folder": lambda root: write(
        root, {"data/.dvcignore": "a.txt\n"}
    ),
    "a date in params.yaml": lambda root: write(
        root, {"params.yaml": PARAMS + "released: 2024-01-01\n"}
    ),
    "params.yaml is no mapping": lambda root: write(root, {"params.yaml": "- 1\n"}),
    "a schema error in dvc.yaml": lambda root: replace(
        root, "dvc.yaml", "deps: [crlf.txt]", "deps: crlf.txt"
    ),
    "a dependency that is a DVC file": lambda root: replace(
        root, "dvc.yaml", "deps: [crlf.txt]", "deps: [crlf.txt, raw.dvc]"
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(REFUSED))
def test_what_dvc_refuses_fails_as_dvc_fails(repo: Path, case: str) -> None:
    """DVC refuses these, and mlci, asking DVC, says so through the gate in DVC's words."""
    REFUSED[case](repo)
    with pytest.raises(dvc_status.Unsupported):
        dvc_status.compute(repo)
    with pytest.raises(UsageError) as from_dvc:
        pipeline.status(repo)
    assert _pending(repo, True) == (
        {},
        f"cannot tell whether the workspace is reproduced: {from_dvc.value}",
    )


@pytest.mark.slow
def test_the_gate_answers_without_running_dvc(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replace(repo, "sub/local.txt", "local", "LOCAL")

    def refuse(root: Path) -> dict[str, Any]:
        raise AssertionError("dvc status ran")

    monkeypatch.setattr(pipeline, "status", refuse)
    assert _pending(repo, True) == ({"local": "changed deps: sub/local.txt (modified)"}, None)
    assert _pending(repo, False) == ({}, None)
    shutil.rmtree(repo / ".dvc")
    assert _pending(repo, True) == (
        {},
        f"{repo} is not a DVC repository (no .dvc folder): nothing was reproduced",
    )


def test_pending_stages_from_dvc_status() -> None:
    # As `dvc status --json` (DVC 3.67) prints it after code, params and a command changed.
    status = {
        "train": [
            {"changed deps": {"train.py": "modified", "params.yaml": {"train.lr": "modified"}}},
            {"changed outs": {"model.skops": "deleted"}},
        ],
        "evaluate": [{"changed outs": {"metrics.json": "modified"}}],
        "report": ["changed command"],
        "always": ["always changed"],
        "data/raw.csv.dvc": [{"changed outs": {"data/raw.csv": "modified"}}],
    }
    assert pending_stages(status) == {
        "train": "changed deps: train.py (modified), params.yaml (train.lr modified)",
        "report": "command changed",
    }
