"""Benchmark `mlci history -n N` against `dvc metrics show --all-commits` on N commits.

What it measures
----------------
It builds a git + DVC repository whose pipeline has a metrics file (cache: false) and a
dvc.lock that change in each of `-n` commits (default 300; `git fast-import` writes them,
so 10,000 commits take seconds), the dvc.yaml the same in all of them. Then it times, in
fresh processes and interleaved rounds (default 3, order flipped every other round):

    mlci history -n N --format json      the command under test
    dvc metrics show --all-commits --json the peer, reading the same metrics at every commit

and the peak memory (maximum resident set size) of each process, from the kernel's
accounting of the finished child (`os.wait4`). It also runs `mlci history` on a tenth of
the commits, to show how mlci's memory grows with N.

Targets (from the issue): mlci at most 0.02x DVC's time (ratio of medians) at 10,000
commits, and a peak memory below DVC's that is flat in N: at N commits at most 1.5x the
peak at N/10 (the rows themselves grow with N; the parsed documents must not). It also
checks that both report the same value for every commit.

Run it on demand (it is not a test): python benchmarks/bench_history.py [-n N] [--rounds R]
The exit code is 0 when the targets are met and the values agree, else 1.
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
from dataclasses import dataclass, field
from pathlib import Path

# DVC without its usage analytics (a network call that can stall where there is none).
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1"}
TARGET_RATIO = 0.02
FLAT_FACTOR = 1.5
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    metrics:
    - metrics.json:
        cache: false
"""


def git(root: Path, *args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, input=stdin
    ).stdout.decode()


def build(root: Path, commits: int) -> None:
    """A repository whose metrics.json, train.py and dvc.lock change in every commit."""
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@mlci.invalid")
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=root, check=True)
    (root / "dvc.yaml").write_text(DVC_YAML)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "pipeline")
    stream = [b"feature done\n"]
    for index in range(commits):
        metrics = {"accuracy": round(0.5 + index / (2 * commits), 6), "loss": index}
        files = {
            "train.py": f"# version {index}\n",
            "metrics.json": json.dumps(metrics) + "\n",
            "dvc.lock": (
                "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n"
                f"    deps:\n    - path: train.py\n      md5: '{index:032x}'\n"
            ),
        }
        message = f"commit {index}".encode()
        stream.append(b"commit refs/heads/main\n")
        when = 1_700_000_000 + index
        stream.append(f"committer bench <bench@mlci.invalid> {when} +0000\n".encode())
        stream.append(b"data %d\n%s\n" % (len(message), message))
        if index == 0:
            stream.append(b"from refs/heads/main^0\n")
        for name, text in files.items():
            data = text.encode()
            stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(data), data))
    stream.append(b"done\n")
    git(root, "fast-import", "--quiet", "--done", stdin=b"".join(stream))
    git(root, "reset", "-q", "--hard", "main")


@dataclass
class Measure:
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)


def timed(argv: Sequence[str], root: Path) -> tuple[float, float, str]:
    """(seconds, peak resident MiB, stdout) of one run of `argv` in a fresh process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=root, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=ENV
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{err.read().decode()}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()  # Linux: KiB


def same_values(mlci_json: str, dvc_json: str) -> bool:
    ours = {c["sha"]: c["metrics"] for c in json.loads(mlci_json)["commits"]}
    theirs = json.loads(dvc_json)
    for sha, metrics in ours.items():
        data = theirs.get(sha, {}).get("data", {}).get("metrics.json", {}).get("data", {})
        if {k: data.get(k) for k in metrics} != metrics:
            return False
    return bool(ours)


def mlci_history(commits: int) -> list[str]:
    options = ["-n", str(commits), "--rev", "main", "--format", "json"]
    return [sys.executable, "-m", "mlci", "history", *options]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--commits", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlci-bench-history-") as base:
        root = Path(base)
        started = time.perf_counter()
        build(root, args.commits)
        print(f"built {args.commits} commits in {time.perf_counter() - started:.1f} s")
        small = max(1, args.commits // 10)
        dvc = [sys.executable, "-m", "dvc", "metrics", "show", "--all-commits", "--json"]
        commands = {
            "mlci history": mlci_history(args.commits),
            "dvc metrics show -A": dvc,
            f"mlci history -n {small}": mlci_history(small),
        }
        measures = {name: Measure() for name in commands}
        outputs: dict[str, str] = {}
        for round_index in range(args.rounds):
            order = list(commands.items())
            for name, command in order if round_index % 2 == 0 else reversed(order):
                seconds, peak, outputs[name] = timed(command, root)
                measures[name].seconds.append(seconds)
                measures[name].peak_mib.append(peak)
    median = {name: statistics.median(m.seconds) for name, m in measures.items()}
    peak = {name: max(m.peak_mib) for name, m in measures.items()}
    print(f"\n{'command':<24}{'median s':>10}{'min s':>9}{'peak MiB':>10}")
    for name, m in measures.items():
        print(f"{name:<24}{median[name]:>10.3f}{min(m.seconds):>9.3f}{peak[name]:>10.1f}")
    ratio = median["mlci history"] / median["dvc metrics show -A"]
    memory_below = peak["mlci history"] < peak["dvc metrics show -A"]
    growth = peak["mlci history"] / peak[f"mlci history -n {small}"]
    agree = same_values(outputs["mlci history"], outputs["dvc metrics show -A"])
    time_ok, flat = ratio <= TARGET_RATIO, growth <= FLAT_FACTOR
    print(f"\nmlci / dvc time: {ratio:.4f}x (target <= {TARGET_RATIO}x): {_verdict(time_ok)}")
    print(f"peak memory below dvc's: {_verdict(memory_below)}")
    print(
        f"peak memory at {args.commits} over at {small} commits: {growth:.2f}x "
        f"(target <= {FLAT_FACTOR}x): {_verdict(flat)}"
    )
    print(f"same value for every commit: {'yes' if agree else 'NO'}")
    return 0 if time_ok and memory_below and flat and agree else 1


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


if __name__ == "__main__":
    raise SystemExit(main())
