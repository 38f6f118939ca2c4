"""Benchmark `mlci gate` against `dvc status` on a pipeline of 1,000 stages.

What it measures
----------------
In a temporary git + DVC repository it builds an mlci.yaml of `--stages` chained stages
(default 1,000: each runs its own script, reads one params key and the previous stage's
output, writes one output; the last also writes metrics.json), generates dvc.yaml with
`mlci generate`, and writes what `dvc repro` would leave: every output, dvc.lock with the
hashes DVC records and the cached outputs in .dvc/cache (reproducing 1,000 stages would take
far longer than the benchmark). One `dvc status` must then say that nothing changed, mlci's
own answer (`mlci.dvc.status.compute`) must be the same and `mlci gate` must pass; these
first runs are the warm-up (disk cache, .pyc files) of the timed ones.

The spec's merge gate has one rule, `check: reproduced`, so `mlci gate` compares the
committed dvc.lock with the workspace and asks which stages are out of date: the question
it used to ask `dvc status`, and now works out itself. The rows, in interleaved rounds
(order reversed every other round, each command a fresh process):

    python -c pass      the interpreter's own start-up: the floor of every row
    mlci gate           the command under test (target: at most 0.1x dvc status)
    dvc status --json   the peer, on the same repository

Then the script of the middle stage is edited and both answer once more: each must name that
stage alone (`dvc status` names the stages whose own inputs changed, not those downstream),
and `mlci gate` must fail, naming it.

How to read the output
----------------------
`median s` and `min s` are wall-clock seconds over the rounds; `/ dvc` is mlci's median
divided by DVC's; `result` is PASS or MISS against the target. `paired` gives the ratio
within each round. The machine is shared and has 2 cores: compare ratios, not seconds.

The exit code is 0 when the target is met and both answers agree, else 1.

Run it on demand (it is not a test):
    python benchmarks/bench_gate.py [--stages N] [--rounds N] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RATIO_TARGET = 0.1
BIN = Path(sys.executable).parent
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1", "PYTHONWARNINGS": "ignore", "NO_COLOR": "1"}


def tool(name: str) -> str:
    """The console script installed beside this interpreter, else the one on PATH."""
    beside = BIN / name
    return str(beside) if beside.exists() else shutil.which(name) or name


def run(
    argv: Sequence[str], cwd: Path, *, allowed: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    """Run a command, failing loudly with its output if it exits otherwise than allowed."""
    done = subprocess.run(
        argv, cwd=cwd, env=ENV, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode not in allowed:
        raise SystemExit(
            f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done


# --- the project under test --------------------------------------------------------------------


def name(index: int) -> str:
    return f"step_{index:04d}"


def source(index: int) -> str:
    return "data/raw.csv" if index == 0 else f"out/{name(index - 1)}.csv"


SCRIPT = """\
import sys
text = open({source!r}).read()
open("out/{name}.csv", "w").write(text[-200:] + "{name}\\n")
"""
METRICS = '{"accuracy": 0.9}\n'


def spec_text(stages: int) -> str:
    lines = []
    for i in range(stages):
        lines += [
            f"  {name(i)}:",
            f"    cmd: python src/{name(i)}.py",
            f"    deps: [src/{name(i)}.py, {source(i)}]",
            f"    params: [{name(i)}.seed]",
            f"    outs: [out/{name(i)}.csv]",
        ]
    lines.append("    metrics: [metrics.json]")
    head = textwrap.dedent(
        """\
        version: 1
        problem:
          task: classification
          target: label
        params: [params.yaml]
        stages:
        """
    )
    tail = textwrap.dedent(
        """\
        metrics:
          accuracy:
            file: metrics.json
            direction: higher
        gates:
          merge:
            - check: reproduced
        ci:
          python: "3.11"
          install: python -m pip install "$MLCI_REQUIREMENT"
        """
    )
    return head + "\n".join(lines) + "\n" + tail


def outputs(stages: int) -> dict[str, str]:
    """What running every script would write (and the last stage's metrics)."""
    written = {"data/raw.csv": "a,label\n1,0\n"}
    for i in range(stages):
        written[f"out/{name(i)}.csv"] = written[source(i)][-200:] + f"{name(i)}\n"
    return written


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def lock_entry(path: str, text: str) -> list[str]:
    return [
        f"    - path: {path}",
        "      hash: md5",
        f"      md5: {md5(text)}",
        f"      size: {len(text.encode())}",
    ]


def lock_text(files: dict[str, str], stages: int) -> str:
    """dvc.lock as `dvc repro` writes it: deps sorted by path, then params, then outs."""
    lines = ["schema: '2.0'", "stages:"]
    for i in range(stages):
        deps = sorted([f"src/{name(i)}.py", source(i)])
        outs = [f"out/{name(i)}.csv"] + (["metrics.json"] if i == stages - 1 else [])
        lines += [f"  {name(i)}:", f"    cmd: python src/{name(i)}.py", "    deps:"]
        for path in deps:
            lines += lock_entry(path, files[path])
        lines += ["    params:", "      params.yaml:", f"        {name(i)}.seed: {i}", "    outs:"]
        for path in outs:
            lines += lock_entry(path, files[path])
    return "\n".join(lines) + "\n"


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def build_project(root: Path, stages: int) -> None:
    """A committed repository in the state `dvc repro` would leave it in."""
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "config", "user.name", "mlci bench"], root)
    run(["git", "config", "user.email", "bench@mlci.invalid"], root)
    run([tool("dvc"), "init", "-q"], root)
    run([tool("dvc"), "config", "core.analytics", "false"], root)
    files = {
        "mlci.yaml": spec_text(stages),
        "params.yaml": "".join(f"{name(i)}:\n  seed: {i}\n" for i in range(stages)),
        **{
            f"src/{name(i)}.py": SCRIPT.format(source=source(i), name=name(i))
            for i in range(stages)
        },
        **outputs(stages),
        "metrics.json": METRICS,
    }
    write(root, files)
    run([tool("mlci"), "generate"], root)
    write(root, {"dvc.lock": lock_text(files, stages)})
    cache = root / ".dvc" / "cache" / "files" / "md5"
    for i in range(stages):  # metrics.json is `cache: false`
        digest = md5(files[f"out/{name(i)}.csv"])
        write(cache, {f"{digest[:2]}/{digest[2:]}": files[f"out/{name(i)}.csv"]})
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "reproduced"], root)


# --- the answers -------------------------------------------------------------------------------


def dvc_pending(root: Path) -> tuple[dict[str, str], float]:
    """What `mlci gate` used to ask: pending_stages of `dvc status --json`, and its time."""
    from mlci.dvc.status import pending_stages

    start = time.perf_counter()
    done = run([tool("dvc"), "status", "--json"], root)
    seconds = time.perf_counter() - start
    return pending_stages(json.loads(done.stdout or "{}")), seconds


def mlci_pending(root: Path) -> dict[str, str]:
    from mlci.dvc import status as dvc_status

    return dvc_status.compute(root)


def gate(root: Path) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    done = run([tool("mlci"), "gate", "--format", "json"], root, allowed=(0, 1))
    seconds = time.perf_counter() - start
    report: dict[str, Any] = json.loads(done.stdout)
    return report, seconds


def check_agree(root: Path, label: str, expected: set[str]) -> bool:
    theirs, seconds = dvc_pending(root)
    ours = mlci_pending(root)
    same = ours == theirs and set(ours) == expected
    print(f"{label}: dvc status ({seconds:.1f} s) says {sorted(theirs) or 'nothing'}; ", end="")
    print(f"mlci says {sorted(ours) or 'nothing'}: {'same' if same else 'DIFFERENT'}")
    return same


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    argv: tuple[str, ...]
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(root: Path, rounds: int) -> list[Timing]:
    timings = [
        Timing("python -c pass", (sys.executable, "-c", "pass")),
        Timing("mlci gate", (tool("mlci"), "gate")),
        Timing("dvc status --json", (tool("dvc"), "status", "--json")),
    ]
    for round_ in range(1, rounds + 1):
        order = timings if round_ % 2 else list(reversed(timings))
        for timing in order:
            start = time.perf_counter()
            run(timing.argv, root)
            timing.seconds.append(time.perf_counter() - start)
        done = ", ".join(f"{t.label} {t.seconds[-1]:.2f} s" for t in timings)
        print(f"  round {round_}: {done}")
    return timings


def print_table(timings: list[Timing], stages: int) -> bool:
    mlci, dvc = timings[1], timings[2]
    ratio = mlci.median / dvc.median
    met = ratio <= RATIO_TARGET
    row = "{:<20} {:>9} {:>8} {:>8} {:>9} {:>7}"
    print(f"\n{stages} stages, {len(mlci.seconds)} interleaved rounds, each in a fresh process")
    print(row.format("command", "median s", "min s", "/ dvc", "target", "result"))
    print("-" * 66)
    for timing in timings:
        cells = [f"{timing.median:.3f}", f"{min(timing.seconds):.3f}", "", "", ""]
        if timing is mlci:
            target = f"<= {RATIO_TARGET:.1f}x"
            cells[2:] = [f"{ratio:.3f}x", target, "PASS" if met else "MISS"]
        print(row.format(timing.label, *cells).rstrip())
    paired = [m / d for m, d in zip(mlci.seconds, dvc.seconds, strict=True)]
    print(
        f"paired, round by round: mlci gate / dvc status: median {statistics.median(paired):.3f}x "
        f"(min {min(paired):.3f}x, max {max(paired):.3f}x)"
    )
    return met


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stages", type=int, default=1000, help="stages (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args(argv)
    if args.stages < 2 or args.rounds < 1:
        parser.error("--stages must be at least 2 and --rounds at least 1")
    return args


def benchmark(root: Path, args: argparse.Namespace) -> int:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; project under {root}")
    started = time.perf_counter()
    build_project(root, args.stages)
    built = time.perf_counter() - started
    print(f"built {args.stages} stages, reproduced as DVC would, in {built:.1f} s")
    agree = check_agree(root, "reproduced", set())
    report, _ = gate(root)
    passed = report.get("verdict") == "pass"
    print(f"mlci gate on it: {report.get('verdict')}")
    timings = measure(root, args.rounds)
    met = print_table(timings, args.stages)

    middle = name(args.stages // 2)
    script = root / "src" / f"{middle}.py"
    script.write_text(script.read_text() + "# edited\n")
    agree = check_agree(root, f"\n{middle}.py edited", {middle}) and agree
    report, seconds = gate(root)
    named = report.get("verdict") == "fail" and f"stage '{middle}' is out of date" in json.dumps(
        report
    )
    verdict = report.get("verdict")
    print(f"mlci gate: {verdict} in {seconds:.2f} s, naming {middle}: {'yes' if named else 'NO'}")
    return 0 if met and agree and passed and named else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # mlci from this checkout
    root = Path(tempfile.mkdtemp(prefix="mlci-bench-gate-")) / "project"
    root.mkdir()
    try:
        return benchmark(root, args)
    finally:
        if args.keep:
            print(f"\nkept {root}")
        else:
            shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
