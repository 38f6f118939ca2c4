"""Benchmark `mlci gate` on the built-in example, now against mlci as it was at a revision.

What it measures
----------------
For each mlci (this checkout, and `--before REV` run from a git worktree of REV), in a
temporary folder: `mlci init demo`, `mlci run`, commit as main; then a branch that switches the
estimator to a random forest, `mlci run`, commit. `mlci gate main` is then timed on that
branch, in interleaved rounds (each a fresh process). With this checkout the gate compares the
two models on the same rows with intervals; before (REV without `evaluation:`) it compared
two numbers. One more row times this checkout's gate on a branch that also moves the split
(`prepare.test_size` 0.2 -> 0.3), where main's model is rescored on the change's rows.

    python -c pass            the interpreter's own start-up: the floor of every row
    gate, before (REV)        the peer: the gate as it was
    gate, now                 target: at most 1.5x the one before
    gate, now, moved split    reported: it reruns the evaluation once

How to read the output
----------------------
`median s` is wall-clock over the rounds; `/ before` is the median over the median before.
The machine is shared and has 2 cores: compare ratios, not seconds. The exit code is 0 when
the target is met, else 1.

Run it on demand (it is not a test):
    python benchmarks/bench_gate_demo.py --before 6c6989d [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5


def sh(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")


def project(folder: Path, name: str, env: dict[str, str], *, move_split: bool) -> Path:
    mlci = [sys.executable, "-m", "mlci"]
    sh([*mlci, "init", name], folder, env)
    demo = folder / name
    sh([*mlci, "run"], demo, env)
    sh(["git", "add", "-A"], demo, env)
    sh(["git", "commit", "-qm", "main"], demo, env)
    sh(["git", "checkout", "-qb", "change"], demo, env)
    params = demo / "params.yaml"
    text = params.read_text().replace(
        "estimator: sklearn.linear_model.LogisticRegression",
        "estimator: sklearn.ensemble.RandomForestClassifier",
    )
    if move_split:
        text = text.replace("test_size: 0.2", "test_size: 0.3")
    params.write_text(text)
    sh([*mlci, "run"], demo, env)
    sh(["git", "add", "-A"], demo, env)
    sh(["git", "commit", "-qm", "change"], demo, env)
    return demo


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, metavar="REV")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlci-bench-") as scratch:
        base = Path(scratch)
        worktree = base / "before-mlci"
        sh(
            ["git", "worktree", "add", "-q", "--detach", str(worktree), args.before],
            ROOT,
            os.environ.copy(),
        )
        try:
            envs = {}
            for label, source in (("before", worktree), ("now", ROOT)):
                env = {
                    **os.environ,
                    "PYTHONPATH": str(source),
                    "XDG_CONFIG_HOME": str(base / label),
                }
                env.update(GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@e", GIT_COMMITTER_NAME="b")
                env["GIT_COMMITTER_EMAIL"] = "b@e"
                envs[label] = env
            (base / "before").mkdir()
            (base / "now").mkdir()
            demos = {
                "before": project(base / "before", "demo", envs["before"], move_split=False),
                "now": project(base / "now", "demo", envs["now"], move_split=False),
                "moved": project(base / "now", "moved", envs["now"], move_split=True),
            }
            gate = [sys.executable, "-m", "mlci", "gate", "main"]
            rows: dict[str, list[float]] = {"floor": [], "before": [], "now": [], "moved": []}
            for round_ in range(args.rounds + 1):  # the first round warms the disk cache
                order = list(rows) if round_ % 2 else list(reversed(rows))
                for name in order:
                    if name == "floor":
                        took = timed([sys.executable, "-c", "pass"], base, envs["now"])
                    else:
                        env = envs["before" if name == "before" else "now"]
                        took = timed(gate, demos[name], env)
                    if round_:
                        rows[name].append(took)
        finally:
            sh(["git", "worktree", "remove", "--force", str(worktree)], ROOT, os.environ.copy())
    medians = {name: statistics.median(times) for name, times in rows.items()}
    labels = {
        "floor": "python -c pass",
        "before": f"gate, before ({args.before})",
        "now": "gate, now",
        "moved": "gate, now, moved split",
    }
    print(f"{'row':<32}{'median s':>10}{'/ before':>10}")
    for name, label in labels.items():
        print(f"{label:<32}{medians[name]:>10.2f}{medians[name] / medians['before']:>9.2f}x")
    ratio = medians["now"] / medians["before"]
    print(f"target: gate now at most {TARGET}x before: {'PASS' if ratio <= TARGET else 'MISS'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
