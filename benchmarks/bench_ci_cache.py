"""Simulate the generated workflows' CI cache: how many stages each CI run really reruns.

What it does
------------
It scaffolds the example project (`mlci init --example iris`), reproduces and commits it as
a developer would, and then plays CI runs on fresh clones, each doing what the generated
job does, in order:

    restore   actions/cache with the generated key (`dvc-cache-<os>-` + hashFiles of
              dvc.lock) and restore-keys (that prefix), under GitHub's scoping: a run on
              main sees main's caches only; a pull request's run sees its own and main's.
              An exact hit restores that entry; else the newest entry with the prefix.
    pull      the generated `pull` step, run as written (only with `--remote`)
    reproduce the generated `reproduce` step, run as written; stages counted from DVC's
              "Running stage" lines
    trim      the generated `trim-cache` step, run as written
    save      at the job's end, as actions/cache's post step does: only when the key was
              not an exact hit (an existing key is never overwritten)

Scenarios, each a fresh clone and a fresh runner:
    main after init           the first run of the main workflow
    PR that changes nothing   a README edit
    PR that changes train     `train.hyperparameters` edited; the developer ran `mlci run`
                              and committed dvc.lock
    main after merging it     the merge commit on main
    rerun of main             the same commit again

With `--remote`, the spec gets a DVC remote (a local folder standing in for the bucket) and
the developer pushes with `mlci run --push`, as the README describes; the main job pushes
as its generated `push` step does. Without it, CI has only its cache.

It prints, per scenario: the cache entry restored (exact, by prefix, or none), the stages
that ran, and the size of every saved entry. With `--runs N` it also repeats the PR/main
cycle N times and reports the largest saved entry with the trim step and without it (the
cache must stay bounded: with the trim, an entry holds what one commit and its base use).

Exit code: 0 when "PR that changes nothing" and "rerun of main" ran 0 stages, "PR that
changes train" ran at most train and evaluate (evaluate is skipped when the model comes
out byte for byte as the developer's, which dvc.lock records; with `--remote` train is
restored from what the developer pushed), and (with `--remote`) "main after merging
it" ran 0 stages; else 1.

Run it on demand (it is not a test): python benchmarks/bench_ci_cache.py [--remote] [--runs N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from scratch import environment

PREFIX = "dvc-cache-Linux-"
RUNNING = re.compile(r"Running stage '([^']+)'")


@dataclass
class Entry:
    key: str
    scope: str  # the ref that saved it: "main" or "pr-N"
    archive: Path
    order: int

    @property
    def size(self) -> int:
        return self.archive.stat().st_size


@dataclass
class CacheService:
    """GitHub's Actions cache as the generated key and restore-keys meet it."""

    folder: Path
    entries: list[Entry] = field(default_factory=list)

    def visible(self, scope: str) -> list[Entry]:
        # A pull request reads its own caches and the base branch's; main reads only main's.
        scopes = {scope, "main"}
        return [e for e in self.entries if e.scope in scopes]

    def restore(self, key: str, scope: str, into: Path) -> tuple[str, bool]:
        seen = self.visible(scope)
        exact = [e for e in seen if e.key == key and e.scope == scope] or [
            e for e in seen if e.key == key
        ]
        hit = exact[-1] if exact else None
        if hit is None:
            prefixed = sorted((e for e in seen if e.key.startswith(PREFIX)), key=lambda e: e.order)
            hit = prefixed[-1] if prefixed else None
        if hit is None:
            return "none", False
        with tarfile.open(hit.archive) as archive:
            archive.extractall(into, filter="data")
        how = "exact" if hit.key == key else f"prefix ({hit.scope} {hit.key[len(PREFIX) :][:8]})"
        return how, hit.key == key

    def save(self, key: str, scope: str, cache: Path) -> Entry | None:
        if any(e.key == key and e.scope == scope for e in self.entries):
            return None  # actions/cache never overwrites a key
        archive = self.folder / f"{len(self.entries)}.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(cache, arcname=".dvc/cache")
        entry = Entry(key, scope, archive, len(self.entries))
        self.entries.append(entry)
        return entry


class Simulation:
    def __init__(self, base: Path, *, remote: bool, trim: bool) -> None:
        self.base = base
        self.remote = base / "remote" if remote else None
        self.trim = trim
        self.cache = CacheService(base / "cache-service")
        self.cache.folder.mkdir(parents=True)
        self.env = environment(base)
        self.origin = base / "origin"
        self.runs = 0

    def sh(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=self.env)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")
        return done

    def mlci(self, *args: str, cwd: Path) -> str:
        return self.sh(sys.executable, "-m", "mlci", *args, cwd=cwd).stdout

    def set_up(self) -> None:
        self.mlci("init", "origin", "--example", "iris", "--yes", cwd=self.base)
        if self.remote is not None:
            spec = self.origin / "mlci.yaml"
            spec.write_text(spec.read_text() + f"  remote:\n    url: {self.remote}\n")
            self.mlci("generate", cwd=self.origin)
            # The developer's own DVC remote is the one CI reads.
            dvc = (sys.executable, "-m", "dvc")
            self.sh(
                *dvc, "remote", "add", "--local", "-f", "storage", str(self.remote), cwd=self.origin
            )
            self.sh(*dvc, "remote", "default", "--local", "storage", cwd=self.origin)
        self.developer_run()
        self.commit("the example, reproduced")

    def developer_run(self) -> None:
        self.mlci("run", *(["--push"] if self.remote else []), cwd=self.origin)

    def commit(self, message: str) -> None:
        self.sh("git", "add", "-A", cwd=self.origin)
        self.sh("git", "commit", "-qm", message, cwd=self.origin)

    def ci_run(self, ref: str, scope: str, kind: str, base_sha: str = "") -> dict[str, Any]:
        """One CI job on a fresh runner: clone, restore, pull, reproduce, trim, save."""
        self.runs += 1
        runner = self.base / f"runner-{self.runs}"
        self.sh("git", "clone", "-q", str(self.origin), str(runner), cwd=self.base)
        self.sh("git", "checkout", "-q", ref, cwd=runner)
        key = PREFIX + hashlib.sha256((runner / "dvc.lock").read_bytes()).hexdigest()
        how, exact = self.cache.restore(key, scope, runner)
        workflow = (runner / f".github/workflows/mlci-{kind}.yml").read_text()
        context = {"github.event.pull_request.base.sha": base_sha}
        if self.remote is not None:
            self.step(workflow, "pull", runner, context)
        output = self.step(workflow, "reproduce", runner, context)
        if self.remote is not None and kind == "main":
            self.step(workflow, "push", runner, context)
        if self.trim:
            self.step(workflow, "trim-cache", runner, context)
        saved = None if exact else self.cache.save(key, scope, runner / ".dvc" / "cache")
        shutil.rmtree(runner)
        return {"restored": how, "ran": RUNNING.findall(output), "saved": saved}

    def step(self, workflow: str, step_id: str, cwd: Path, context: dict[str, str]) -> str:
        """The generated step's own script, with its env; expressions from `context`."""
        job = YAML(typ="safe").load(workflow)["jobs"]["reproduce"]
        (step,) = [s for s in job["steps"] if s.get("id") == step_id]
        env = {
            name: re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: context[m[1]], str(value))
            for name, value in (step.get("env") or {}).items()
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**self.env, **env, "GITHUB_OUTPUT": os.devnull},
        )
        if done.returncode != 0:
            raise SystemExit(f"step {step_id} failed:\n{done.stdout}{done.stderr}")
        return done.stdout + done.stderr

    def head(self) -> str:
        return self.sh("git", "rev-parse", "HEAD", cwd=self.origin).stdout.strip()

    def pull_request(self, number: int, branch: str, edit: Any) -> dict[str, Any]:
        main = self.head()
        self.sh("git", "checkout", "-qb", branch, cwd=self.origin)
        edit(self.origin)
        self.developer_run()
        self.commit(branch)
        result = self.ci_run(branch, f"pr-{number}", "pr", base_sha=main)
        self.sh("git", "checkout", "-q", "main", cwd=self.origin)
        return result

    def merge(self, branch: str) -> dict[str, Any]:
        self.sh("git", "merge", "-q", "--no-ff", "-m", f"merge {branch}", branch, cwd=self.origin)
        return self.ci_run("main", "main", "main")


def readme(root: Path) -> None:
    (root / "NOTES.md").write_text("a change that touches no stage\n")


def train_params(value: str) -> Any:
    def edit(root: Path) -> None:
        params = root / "params.yaml"
        params.write_text(re.sub(r"max_iter: \d+", f"max_iter: {value}", params.read_text()))

    return edit


def scenarios(sim: Simulation) -> list[tuple[str, dict[str, Any]]]:
    sim.set_up()
    rows = [("main after init", sim.ci_run("main", "main", "main"))]
    rows.append(("PR that changes nothing", sim.pull_request(1, "notes", readme)))
    rows.append(("PR that changes train", sim.pull_request(2, "train", train_params("2000"))))
    rows.append(("main after merging it", sim.merge("train")))
    rows.append(("rerun of main", sim.ci_run("main", "main", "main")))
    return rows


def growth(base: Path, *, remote: bool, trim: bool, cycles: int) -> int:
    """The largest cache entry saved over `cycles` PR + merge cycles of param changes."""
    sim = Simulation(base, remote=remote, trim=trim)
    sim.set_up()
    sim.ci_run("main", "main", "main")
    for n in range(cycles):
        sim.pull_request(10 + n, f"cycle-{n}", train_params(str(1100 + 100 * n)))
        sim.merge(f"cycle-{n}")
    return max(entry.size for entry in sim.cache.entries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--remote", action="store_true", help="a DVC remote the developer uses")
    parser.add_argument("--runs", type=int, default=0, help="PR/main cycles for cache growth")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="mlci-bench-ci-"))
    try:
        rows = scenarios(Simulation(base / "scenarios", remote=args.remote, trim=True))
        print(f"{'scenario':<26} {'cache restored':<22} {'stages that ran':<22} saved")
        for name, row in rows:
            saved = f"{row['saved'].size / 1024:.0f} KiB" if row["saved"] else "-"
            ran = ", ".join(row["ran"]) or "none"
            print(f"{name:<26} {row['restored']:<22} {ran:<22} {saved}")
        ran = {name: row["ran"] for name, row in rows}
        ok = (
            ran["PR that changes nothing"] == []
            and ran["rerun of main"] == []
            and set(ran["PR that changes train"]) <= {"train", "evaluate"}
            and (not args.remote or ran["main after merging it"] == [])
        )
        if args.runs:
            trimmed = growth(base / "trimmed", remote=args.remote, trim=True, cycles=args.runs)
            untrimmed = growth(base / "untrimmed", remote=args.remote, trim=False, cycles=args.runs)
            print(
                f"\nlargest cache entry over {args.runs} PR+merge cycles: "
                f"{trimmed / 1024:.0f} KiB with the trim step, {untrimmed / 1024:.0f} KiB "
                f"without ({untrimmed / trimmed:.2f}x)"
            )
        print("\nresult:", "PASS" if ok else "MISS")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
