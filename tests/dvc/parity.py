"""Repositories built as DVC's own functional tests build them; mlci's answers in DVC's shape.

DVC's tests (tests/func/metrics and tests/func/params in the DVC repository) build repositories
with `run_copy_metrics`, `run_copy` and `dvc.run`, which run a command and write dvc.yaml,
dvc.lock and the DVC cache. `Project.stage` writes the same three by hand (what `dvc repro`
writes, without a DVC process per stage); the tools compared, `dvc` and `mlci`, always run for
real, as processes.

The adapters map mlci's JSON (`mlci diff --format json`, `mlci history --format json`; schemas
in mlci/present/diff_format.py and mlci/present/history_format.py) to the shape of DVC's
`--json` output, so a test can assert that the two are equal, leaf types included
(`typed`: 1 and 1.0 differ).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import posixpath
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import Repo

Json = Any
DvcDiff = dict[str, dict[str, dict[str, Any]]]
"""`dvc metrics diff --json` / `dvc params diff --json`: {path: {key: {old, new[, diff]}}}."""

ENV = {
    **os.environ,
    "DVC_NO_ANALYTICS": "1",
    # `python -m` puts the working directory first on sys.path, where a repository's own
    # copy.py or params.py would shadow a module of the same name (DVC imports `copy`).
    "PYTHONSAFEPATH": "1",
    "GIT_AUTHOR_NAME": "mlci tests",
    "GIT_AUTHOR_EMAIL": "tests@mlci.invalid",
    "GIT_COMMITTER_NAME": "mlci tests",
    "GIT_COMMITTER_EMAIL": "tests@mlci.invalid",
}
# DVC's fixture calls it copy.py; on Python 3.10 (no PYTHONSAFEPATH) that name would shadow
# the standard library's `copy` for every `python -m dvc` started in the repository.
COPY_SCRIPT = "copy_file.py"
COPY_CODE = "import shutil, sys\nshutil.copyfile(sys.argv[1], sys.argv[2])\n"


def make_template(root: Path) -> Path:
    """What DVC's `tmp_dir, scm, dvc` fixtures start from: `git init`, `dvc init`, one commit."""
    root.mkdir(parents=True)
    for args in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "config", "user.name", "mlci tests"],
        ["git", "config", "user.email", "tests@mlci.invalid"],
        [sys.executable, "-m", "dvc", "init", "-q"],
        ["git", "commit", "-q", "-m", "init dvc"],
    ):
        done = subprocess.run(args, cwd=root, capture_output=True, text=True, env=ENV)
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return root


class Project(Repo):
    """A git + DVC repository, copied from a template, with both tools at hand."""

    @classmethod
    def copy_of(cls, template: Path, root: Path) -> Project:
        shutil.copytree(template, root, symlinks=True)
        return cls(root)

    # --- running the tools --------------------------------------------------------------

    def run(self, *args: str, cwd: str = ".") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=self.root / cwd,
            capture_output=True,
            text=True,
            env=ENV,
            stdin=subprocess.DEVNULL,
        )

    def git(self, *args: str) -> str:
        done = self.run("git", *args)  # with ENV: the tests' identity, whatever git's config
        assert done.returncode == 0, f"git {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def dvc(self, *args: str, cwd: str = ".") -> Json:
        """`python -m dvc ARGS` (a `--json` command); its output, parsed."""
        done = self.run(sys.executable, "-m", "dvc", *args, cwd=cwd)
        assert done.returncode == 0, f"dvc {args}: {done.stdout}{done.stderr}"
        return json.loads(done.stdout)

    def dvc_ok(self, *args: str) -> None:
        done = self.run(sys.executable, "-m", "dvc", *args)
        assert done.returncode == 0, f"dvc {args}: {done.stdout}{done.stderr}"

    def mlci_run(self, *args: str, cwd: str = ".") -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "mlci", *args, cwd=cwd)

    def mlci_json(self, *args: str, cwd: str = ".") -> Json:
        done = self.mlci_run(*args, "--format", "json", cwd=cwd)
        assert done.returncode == 0, f"mlci {args}: exit {done.returncode}: {done.stderr}"
        return json.loads(done.stdout)

    # --- building as DVC's fixtures build -------------------------------------------------

    def gen(self, files: Mapping[str, str]) -> None:
        """DVC's `tmp_dir.gen`: write files as given (no dedenting)."""
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    def add(self, *paths: str) -> None:
        """DVC's `scm.add`: stage exactly these paths (never `git add -A`), skipping the
        ones git ignores (DVC's cached outputs) as DVC's git backend does."""
        ignored = self.run("git", "check-ignore", "--", *paths).stdout.split()
        wanted = [path for path in paths if path not in ignored]
        if wanted:
            self.git("add", "--", *wanted)

    def commit_staged(self, message: str) -> str:
        """DVC's `scm.commit`: commit what is staged, and nothing else."""
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def scm_gen(self, files: Mapping[str, str], commit: str | None = None) -> str:
        """DVC's `tmp_dir.scm_gen(files, commit=)`: write, stage them, commit."""
        self.gen(files)
        self.add(*files)
        return self.commit_staged(commit) if commit else ""

    def copy_metrics(
        self, src: str, dst: str, name: str, *, cache: bool = True, commit: str | None = None
    ) -> None:
        """DVC's `run_copy_metrics(src, dst, name=, metrics=[dst])` (`metrics_no_cache` when
        `cache` is false): a stage copying `src` to `dst`, reproduced and staged."""
        self.gen({dst: self.read(src)})
        command = f"python {COPY_SCRIPT} {src} {dst}"
        self.stage(name, command, deps=[src], metrics=[(dst, cache)])
        self.add("dvc.yaml", "dvc.lock", *([] if cache else [dst]))
        if commit:
            self.commit_staged(commit)

    def copy(self, src: str, dst: str, name: str, params: Sequence[str | dict[str, Any]]) -> None:
        """DVC's `run_copy(src, dst, name=, params=)`: the copy script is a dependency."""
        self.gen({COPY_SCRIPT: COPY_CODE, dst: self.read(src)})
        command = f"python {COPY_SCRIPT} {src} {dst}"
        self.stage(name, command, deps=[src, COPY_SCRIPT], outs=[dst], params=params)

    def stage(
        self,
        name: str,
        cmd: str,
        *,
        deps: Sequence[str] = (),
        outs: Sequence[str] = (),
        metrics: Sequence[tuple[str, bool]] = (),
        params: Sequence[str | dict[str, Any]] = (),
        lock: bool = True,
    ) -> None:
        """What `dvc.run` writes for a stage whose outputs are already in the workspace:
        the dvc.yaml entry, the dvc.lock entry, cache objects and .gitignore for cached
        outputs. `params` as DVC's `dvc.run` takes them: "a,b", "file:a,b" or {file: keys}."""
        entry: dict[str, Any] = {"cmd": cmd}
        if deps:
            entry["deps"] = list(deps)
        declared = _params_entries(params)
        if declared:
            entry["params"] = declared
        if outs:
            entry["outs"] = list(outs)
        if metrics:
            entry["metrics"] = [
                path if cached else {path: {"cache": False}} for path, cached in metrics
            ]
        document = self._yaml("dvc.yaml")
        document.setdefault("stages", {})[name] = entry
        self.gen({"dvc.yaml": yaml.safe_dump(document, sort_keys=False)})
        if not lock:  # `dvc stage add`: dvc.yaml only
            return
        locked: dict[str, Any] = {"cmd": cmd}
        if deps:
            locked["deps"] = [self._hashed(path) for path in deps]
        if declared:
            locked["params"] = self._locked_params(declared)
        written = [*((path, True) for path in outs), *metrics]
        if written:
            locked["outs"] = [self._hashed(path) for path, _ in written]
        lockfile = self._yaml("dvc.lock") or {"schema": "2.0"}
        lockfile.setdefault("stages", {})[name] = locked
        self.gen({"dvc.lock": yaml.safe_dump(lockfile, sort_keys=False)})
        for path, cached in written:
            if cached:
                self.cache(path)

    def cache(self, path: str) -> str:
        """Put a workspace file into the DVC cache and git-ignore it, as DVC does; its md5."""
        content = (self.root / path).read_bytes()
        md5 = hashlib.md5(content).hexdigest()
        obj = self.root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
        obj.parent.mkdir(parents=True, exist_ok=True)
        obj.write_bytes(content)
        folder, _, base = path.rpartition("/")
        ignore = self.root / (folder or ".") / ".gitignore"
        lines = ignore.read_text().splitlines() if ignore.exists() else []
        if f"/{base}" not in lines:
            ignore.write_text("".join(f"{line}\n" for line in [*lines, f"/{base}"]))
        return md5

    def dvc_add_by_hand(self, path: str) -> None:
        """`dvc add FILE` for one file: the cache object, the .dvc file, .gitignore."""
        md5 = self.cache(path)
        size = (self.root / path).stat().st_size
        name = path.rpartition("/")[2]
        out = {"md5": md5, "size": size, "hash": "md5", "path": name}
        self.gen({f"{path}.dvc": yaml.safe_dump({"outs": [out]}, sort_keys=False)})

    def _yaml(self, name: str) -> dict[str, Any]:
        path = self.root / name
        return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}

    def _hashed(self, path: str) -> dict[str, Any]:
        content = (self.root / path).read_bytes()
        md5 = hashlib.md5(content).hexdigest()
        return {"path": path, "hash": "md5", "md5": md5, "size": len(content)}

    def _locked_params(self, declared: list[Any]) -> dict[str, dict[str, Any]]:
        """dvc.lock's `params:`: each file's tracked keys with their values (all keys for a
        file tracked whole)."""
        locked: dict[str, dict[str, Any]] = {}
        for item in declared:
            file, keys = (
                next(iter(item.items())) if isinstance(item, dict) else ("params.yaml", [item])
            )
            data = load_params(self.root / file)
            values = locked.setdefault(file, {})
            for key in keys or list(data):
                value: Any = data
                for part in key.split("."):
                    value = value[part]
                values[key] = value
        return locked


def _params_entries(params: Sequence[str | dict[str, Any]]) -> list[Any]:
    """DVC's `dvc.run(params=[...])` strings ("a,b", "file.yaml:a,b") as dvc.yaml entries."""
    entries: list[Any] = []
    for item in params:
        if isinstance(item, dict):
            entries.extend({file: keys} for file, keys in item.items())
            continue
        file, _, keys = item.rpartition(":")
        if file:
            entries.append({file: keys.split(",")})
        else:
            entries.extend(keys.split(","))
    return entries


def load_params(path: Path) -> dict[str, Any]:
    """A params file's values, read as DVC reads it (YAML 1.2, JSON, TOML, Python)."""
    text = path.read_text()
    if path.suffix == ".json":
        data: dict[str, Any] = json.loads(text)
        return data
    if path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # Python 3.10
            import tomli as tomllib
        return tomllib.loads(text)
    if path.suffix == ".py":
        return _python_params(text)
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text) or {}


def _python_params(text: str) -> dict[str, Any]:
    """Module and class-level literal assignments, as DVC's params.py reader takes them."""

    def assignments(body: list[ast.stmt]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for node in body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                found[node.targets[0].id] = ast.literal_eval(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found[node.target.id] = ast.literal_eval(node.value) if node.value else None
            elif isinstance(node, ast.ClassDef):
                found[node.name] = assignments(node.body)
        return found

    return assignments(ast.parse(text).body)


# --- mlci's answers in DVC's shape ---------------------------------------------------------

# Verdicts of a row that has no value on either side and only says why (a file that could not
# be read): DVC reports those as errors, not as rows. A row without values whose verdict
# claims a change ("new", "removed") is kept: DVC never reports such a row.
EXPLAINED = frozenset({"unreadable", "not-pushed", "not-produced", "no-baseline", "missing"})


def metrics_as_dvc(report: Json, *, all_keys: bool) -> DvcDiff:
    """`mlci diff --format json`'s metrics as `dvc metrics diff --json [--all]` shows them.

    Without `all_keys` the rows mlci calls unchanged are left out, as DVC hides its unchanged
    keys; `diff` is mlci's `change`, present only when mlci computed one.
    """
    shape: DvcDiff = {}
    for row in report["metrics"]:
        if row["old"] is None and row["new"] is None and row["verdict"] in EXPLAINED:
            continue
        if not all_keys and row["verdict"] == "unchanged":
            continue
        entry = {"old": row["old"], "new": row["new"]}
        if row["change"] is not None:
            entry["diff"] = row["change"]
        shape.setdefault(row["file"], {})[row["key"]] = entry
    return shape


def params_as_dvc(report: Json) -> DvcDiff:
    """`mlci diff --format json`'s params as `dvc params diff --json` shows them: lists as
    DVC formats them (`str(list)`). mlci's params rows carry no numeric change, so compare
    with `without_diff(dvc's output)`."""
    shape: DvcDiff = {}
    for change in report["params"]:
        entry = {"old": _dvc_text(change["old"]), "new": _dvc_text(change["new"])}
        shape.setdefault(change["file"], {})[change["key"]] = entry
    return shape


def without_diff(dvc_diff: DvcDiff) -> DvcDiff:
    return {
        path: {key: {k: v for k, v in row.items() if k != "diff"} for key, row in keys.items()}
        for path, keys in dvc_diff.items()
    }


def _dvc_text(value: Any) -> Any:
    return str(value) if isinstance(value, list) else value


def history_as_dvc(report: Json) -> dict[str, dict[str, dict[str, Any]]]:
    """`mlci history --format json` as {sha: {file: {key: value}}}, values it has only."""
    columns = report["metrics"]
    shown: dict[str, dict[str, dict[str, Any]]] = {}
    for commit in report["commits"]:
        files: dict[str, dict[str, Any]] = {}
        for column in columns:
            value = commit["metrics"].get(column["name"])
            if value is not None:
                files.setdefault(column["file"], {})[column["key"]] = value
        shown[commit["sha"]] = files
    return shown


def workspace_as_dvc(report: Json) -> dict[str, dict[str, Any]]:
    """The target side (the workspace) of `mlci diff BASE --format json`: {file: {key: value}}."""
    files: dict[str, dict[str, Any]] = {}
    for row in report["metrics"]:
        if row["new"] is not None:
            files.setdefault(row["file"], {})[row["key"]] = row["new"]
    return files


def dvc_show_values(result: Json, *, numbers_only: bool) -> dict[str, dict[str, Any]]:
    """One revision of `dvc metrics show --json`, flattened: {file: {dotted key: value}}."""
    files: dict[str, dict[str, Any]] = {}
    for path, entry in result.get("data", {}).items():
        if "data" in entry:
            flat = flatten(entry["data"])
            if numbers_only:
                flat = {k: v for k, v in flat.items() if is_number(v)}
            if flat:
                files[path] = flat
    return files


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested values as dotted keys; a file holding a bare value is key "" (DVC's `diff`)."""
    if not isinstance(data, dict):
        return {} if isinstance(data, list) else {prefix[:-1]: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(flatten(value, f"{prefix}{key}."))
    return flat


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def repo_path(folder: str, path: str) -> str:
    """`path`, relative to `folder`, as a path from the repository's root."""
    return posixpath.normpath(posixpath.join(folder, path))


def from_cwd(dvc_diff: Mapping[str, Any], cwd: str) -> dict[str, Any]:
    """DVC names files relative to the working directory, mlci from the project root
    wherever it runs (a deliberate difference: README, `mlci diff`): DVC's names as
    repository paths."""
    return {repo_path(cwd, path): keys for path, keys in dvc_diff.items()}


def typed(value: Any) -> Any:
    """Leaves tagged with their type, so that equality tells 1 from 1.0 and 1 from true."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return f"{type(value).__name__}: {value!r}"


def history_and_diff(project: Project) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every commit on HEAD's first-parent line, as `mlci history` shows it and as the target
    side of `mlci diff SHA SHA` shows it: {sha: {file: {key: number}}} each, so that the two
    readers can be compared cell by cell."""
    history = project.mlci_json("history", "--rev", "HEAD", "-n", "1000")
    diffs: dict[str, Any] = {}
    for commit in history["commits"]:
        report = project.mlci_json("diff", commit["sha"], commit["sha"])
        files: dict[str, dict[str, Any]] = {}
        for row in report["metrics"]:
            if is_number(row["new"]):
                files.setdefault(row["file"], {})[row["key"]] = row["new"]
        diffs[commit["sha"]] = files
    return history_as_dvc(history), diffs
