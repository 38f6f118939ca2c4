"""Benchmark `mlci registry` against `gto show` on a repository with thousands of tags.

What it measures
----------------
A temporary git repository with `--versions` commits (default 1,000), each registered as a
version of one model, each version promoted to staging and then to prod: three tags per
version (default 3,000 tags), made at once by `git fast-import`, a second apart. Both tools
must then name the same version in each stage, and are timed in interleaved rounds (each a
fresh process):

    python -c pass       the interpreter's own start-up: the floor of every row
    mlci registry        the command under test (one `git for-each-ref`)
    gto show             the peer, on the same repository

How to read the output
----------------------
`median s` is wall-clock over the rounds; `/ gto` is mlci's median over gto's. The machine is
shared and has 2 cores: compare ratios, not seconds. Exit 0 when both agree and mlci is the
faster, else 1.

Run it on demand (it is not a test):
    python benchmarks/bench_registry.py [--versions N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = 1_700_000_000


def build(root: Path, versions: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    lines = []
    when = START
    for index in range(versions):
        message = f"model {index}"
        lines += [
            "commit refs/heads/main",
            f"mark :{index + 1}",
            f"committer bench <bench@example.invalid> {when} +0000",
            f"data {len(message)}",
            message,
        ]
        when += 1
    counter = 0
    for index in range(versions):
        version = f"v1.{index}.0"
        tags = [(f"model@{version}", f"Registering artifact model version {version}")]
        for stage in ("staging", "prod"):
            counter += 1
            tags.append((f"model#{stage}#{counter}", f"Assigning stage {stage} to {version}"))
        for name, message in tags:
            lines += [
                f"tag {name}",
                f"from :{index + 1}",
                f"tagger bench <bench@example.invalid> {when} +0000",
                f"data {len(message)}",
                message,
            ]
            when += 1
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=root,
        input="\n".join(lines) + "\n",
        text=True,
        check=True,
    )


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    gto = str(Path(sys.executable).with_name("gto"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "mlci registry": [sys.executable, "-m", "mlci", "registry", "--format", "json"],
        "gto show": [gto, "show", "--json"],
    }
    with tempfile.TemporaryDirectory(prefix="mlci-bench-") as scratch:
        root = Path(scratch)
        build(root, args.versions)
        outputs: dict[str, str] = {}
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(args.rounds + 1):  # the first round warms the disk cache
            names = list(commands) if round_ % 2 else list(reversed(commands))
            for name in names:
                took, outputs[name] = timed(commands[name], root)
                if round_:
                    times[name].append(took)
    mine = {
        stage: v for stage, v in json.loads(outputs["mlci registry"])["model"]["stages"].items()
    }
    theirs = json.loads(outputs["gto show"])["model"]["stage"]
    agree = mine == theirs
    medians = {name: statistics.median(found) for name, found in times.items()}
    tags = args.versions * 3
    print(f"{args.versions:,} versions, {tags:,} tags; stages agree: {agree} ({mine})")
    print(f"{'row':<18}{'median s':>10}{'/ gto':>9}")
    for name, median in medians.items():
        print(f"{name:<18}{median:>10.2f}{median / medians['gto show']:>8.3f}x")
    return 0 if agree and medians["mlci registry"] < medians["gto show"] else 1


if __name__ == "__main__":
    sys.exit(main())
