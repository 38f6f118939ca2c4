"""Benchmark `mlci history -n 300` against `dvc metrics show --all-commits` on 300 commits.

What it measures
----------------
It builds a git + DVC repository with a pipeline whose metrics file (cache: false) changes
in each of `--commits` commits (default 300), each with a dvc.lock, then times, in fresh
processes and interleaved rounds (default 5, order flipped every other round):

    mlci history -n N --format json      the command under test
    dvc metrics show --all-commits --json the peer, reading the same metrics at every commit

Target (from the issue): mlci at most a tenth of DVC's time (ratio <= 0.1), on the median.
It also checks that both report the same value for every commit.

Run it on demand (it is not a test): python benchmarks/bench_history.py [--commits N]
The exit code is 0 when the target is met and the values agree, else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

TARGET_RATIO = 0.1
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    metrics:
    - metrics.json:
        cache: false
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def build(root: Path, commits: int) -> None:
    """A repository whose metrics.json and dvc.lock change in every commit."""
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@mlci.invalid")
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=root, check=True)
    (root / "dvc.yaml").write_text(DVC_YAML)
    for index in range(commits):
        (root / "train.py").write_text(f"# version {index}\n")
        metrics = {"accuracy": round(0.5 + index / (2 * commits), 6), "loss": index}
        (root / "metrics.json").write_text(json.dumps(metrics) + "\n")
        (root / "dvc.lock").write_text(
            "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n"
            f"    deps:\n    - path: train.py\n      md5: '{index:032x}'\n"
        )
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"commit {index}")


def timed(argv: Sequence[str], root: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, env=os.environ.copy())
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return elapsed, done.stdout


def same_values(mlci_json: str, dvc_json: str) -> bool:
    ours = {c["sha"]: c["metrics"] for c in json.loads(mlci_json)["commits"]}
    theirs = json.loads(dvc_json)
    for sha, metrics in ours.items():
        data = theirs.get(sha, {}).get("data", {}).get("metrics.json", {}).get("data", {})
        if {k: data.get(k) for k in metrics} != metrics:
            return False
    return bool(ours)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlci-bench-history-") as base:
        root = Path(base)
        started = time.perf_counter()
        build(root, args.commits)
        print(f"built {args.commits} commits in {time.perf_counter() - started:.1f} s")
        mlci = [
            sys.executable,
            "-m",
            "mlci",
            "history",
            "-n",
            str(args.commits),
            "--rev",
            "main",
            "--format",
            "json",
        ]
        dvc = [sys.executable, "-m", "dvc", "metrics", "show", "--all-commits", "--json"]
        times: dict[str, list[float]] = {"mlci history": [], "dvc metrics show -A": []}
        outputs: dict[str, str] = {}
        for round_index in range(args.rounds):
            order = [("mlci history", mlci), ("dvc metrics show -A", dvc)]
            for name, command in order if round_index % 2 == 0 else reversed(order):
                elapsed, outputs[name] = timed(command, root)
                times[name].append(elapsed)
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["mlci history"] / medians["dvc metrics show -A"]
    agree = same_values(outputs["mlci history"], outputs["dvc metrics show -A"])
    print(f"\n{'command':<22}{'median s':>10}{'min s':>9}")
    for name, values in times.items():
        print(f"{name:<22}{statistics.median(values):>10.3f}{min(values):>9.3f}")
    verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
    print(f"\nmlci / dvc: {ratio:.3f}x (target <= {TARGET_RATIO}x): {verdict}")
    print(f"same value for every commit: {'yes' if agree else 'NO'}")
    return 0 if verdict == "PASS" and agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
