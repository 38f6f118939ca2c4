"""Benchmark mlci's CLI on a 200-stage project, against DVC doing the same work.

What it measures
----------------
In a temporary git + DVC repository holding an mlci.yaml of `--stages` stages (default 200:
a chain where each stage runs its own script, reads one params key and the previous stage's
output, and writes one output; the last stage also writes metrics.json), it times each
command below `--runs` times, every run in a fresh process (after one untimed warm-up, in
rounds that run each command once, so a slow spell of the machine hits every row alike),
and reports the median and the minimum wall time in seconds:

    python -c pass                 the interpreter's own start-up: the floor of every row
    mlci --help                    CLI start-up                         (target < 0.3 s)
    dvc --help                     DVC's CLI start-up: the peer of `mlci --help`
    mlci generate (fresh)          first run: writes dvc.yaml, workflows, manifest
                                   (target < 1 s)
    mlci generate (no-op)          nothing changed: reads everything, writes nothing
                                   (target < 1 s)
    mlci generate --check          the CI drift check                   (target < 1 s)
    mlci validate                  read and check mlci.yaml, write nothing
    dvc stage list                 DVC loading the generated 200-stage dvc.yaml
    dvc dag                        DVC loading it, building and drawing the graph

How to read the output
----------------------
`/ peer` is mlci's median divided by the median of its peer: `dvc --help` for `mlci --help`,
`dvc stage list` (the cheapest way DVC can load the same pipeline) for the pipeline rows;
`/ dvc dag` divides by `dvc dag` instead. Below 1.00x, mlci is faster than DVC merely
loading the pipeline it generated. `result` is PASS or MISS against the targets of the
issue, judged on the median.

Then, running mlci under `python -X importtime` and reading sys.modules at exit, it lists
the third-party packages `--help`, `validate` and `generate` import and whether dvc, pandas
or sklearn is among them (none may be); then the ten imports of `generate` with the largest
cumulative time (a parent's time includes its children's), and the import time of each
top-level package (the self times of its modules, summed: these add up to the total).

The exit code is 0 when every target is met and no forbidden package is imported, else 1.

Run it on demand (it is not a test): python benchmarks/bench_generate.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scratch import environment, in_scratch_folder

HELP_TARGET_S = 0.3
GENERATE_TARGET_S = 1.0
FORBIDDEN = ("dvc", "pandas", "sklearn")
BIN = Path(sys.executable).parent
ENV = environment()


# --- the project under test ----------------------------------------------------------------


def stage_name(index: int) -> str:
    return f"step_{index:03d}"


def stage_yaml(index: int, last: bool) -> str:
    name = stage_name(index)
    previous = f"out/{stage_name(index - 1)}.csv" if index else "data/raw.csv"
    lines = [
        f"  {name}:",
        f"    description: Stage {index} of the chain.",
        f"    cmd: python src/{name}.py",
        f"    deps: [src/{name}.py, {previous}]",
        f"    params: [{name}.seed]",
        f"    outs: [out/{name}.csv]",
    ]
    if last:
        lines.append("    metrics: [metrics.json]")
    return "\n".join(lines)


def spec_text(stages: int) -> str:
    body = "\n".join(stage_yaml(i, last=i == stages - 1) for i in range(stages))
    head = textwrap.dedent(
        """\
        version: 1
        problem:
          task: classification
          target: label
          description: A long chain of stages, to time mlci on a large pipeline.
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
            threshold: 0.8
          loss:
            file: metrics.json
            direction: lower
        gates:
          merge:
            - metric: accuracy
              min: 0.8
              max_regression: 0.02
            - check: reproduced
        ci:
          python: "3.11"
          install: python -m pip install .
        """
    )
    return f"{head}{body}\n{tail}"


def project_files(stages: int) -> dict[str, str]:
    files = {
        "mlci.yaml": spec_text(stages),
        "params.yaml": "".join(f"{stage_name(i)}:\n  seed: {i}\n" for i in range(stages)),
        "data/raw.csv": "a,label\n1,0\n",
        ".gitignore": "/out/\n",
    }
    for i in range(stages):
        files[f"src/{stage_name(i)}.py"] = f"print('stage {i}')\n"
    return files


def run(argv: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command, failing loudly with its output if it fails."""
    done = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return done


def build_project(root: Path, stages: int) -> None:
    """A committed git repository with DVC initialised and the spec and its files."""
    for name, text in project_files(stages).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "config", "user.name", "mlci bench"], root)
    run(["git", "config", "user.email", "bench@mlci.invalid"], root)
    run([tool("dvc"), "init", "-q"], root)
    run([tool("dvc"), "config", "core.analytics", "false"], root)
    run([tool("dvc"), "config", "core.check_update", "false"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "benchmark project"], root)


def remove_generated(root: Path) -> None:
    """Back to a tree mlci has never generated into."""
    (root / "dvc.yaml").unlink(missing_ok=True)
    shutil.rmtree(root / ".github", ignore_errors=True)
    shutil.rmtree(root / ".mlci", ignore_errors=True)


def tool(name: str) -> str:
    """The console script installed beside this interpreter, else the one on PATH."""
    beside = BIN / name
    return str(beside) if beside.exists() else shutil.which(name) or name


# --- timing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    label: str
    argv: tuple[str, ...]
    setup: Callable[[], None] | None = None
    target: float | None = None
    peer: str | None = None  # label of the DVC row this one is compared with
    may_fail: bool = False  # a peer DVC row: its failure is reported, not fatal


@dataclass
class Timing:
    bench: Bench
    seconds: list[float] = field(default_factory=list)
    failure: str | None = None  # the first line DVC printed when it failed

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)


def time_once(timing: Timing, cwd: Path) -> float:
    bench = timing.bench
    if bench.setup is not None:
        bench.setup()
    start = time.perf_counter()
    if not bench.may_fail:
        run(bench.argv, cwd)
        return time.perf_counter() - start
    done = subprocess.run(bench.argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        timing.failure = next((line for line in done.stderr.splitlines() if line), "failed")
    return time.perf_counter() - start


def measure(benches: list[Bench], cwd: Path, runs: int) -> list[Timing]:
    """One untimed warm-up round (disk cache, .pyc files), then `runs` timed rounds.

    Each round runs every command once, in order, so that a slow spell of the machine
    affects mlci and DVC alike instead of skewing the ratios; the order also leaves the
    tree generated for the rows that expect it.
    """
    timings = [Timing(bench) for bench in benches]
    for round_ in range(runs + 1):
        for timing in timings:
            seconds = time_once(timing, cwd)
            if round_:
                timing.seconds.append(seconds)
    return timings


def benches(root: Path) -> list[Bench]:
    mlci, dvc = tool("mlci"), tool("dvc")
    list_peer = "dvc stage list"
    return [
        Bench("python -c pass", (sys.executable, "-c", "pass")),
        Bench("mlci --help", (mlci, "--help"), target=HELP_TARGET_S, peer="dvc --help"),
        Bench("dvc --help", (dvc, "--help")),
        Bench(
            "mlci generate (fresh)",
            (mlci, "generate"),
            setup=lambda: remove_generated(root),
            target=GENERATE_TARGET_S,
            peer=list_peer,
        ),
        Bench(
            "mlci generate (no-op)", (mlci, "generate"), target=GENERATE_TARGET_S, peer=list_peer
        ),
        Bench(
            "mlci generate --check",
            (mlci, "generate", "--check"),
            target=GENERATE_TARGET_S,
            peer=list_peer,
        ),
        Bench("mlci validate", (mlci, "validate"), peer=list_peer),
        Bench(list_peer, (dvc, "stage", "list")),
        # At about 1,000 chained stages DVC's graph drawing exceeds Python's recursion limit.
        Bench("dvc dag", (dvc, "dag"), may_fail=True),
    ]


def sanity_check(root: Path, stages: int) -> None:
    """Make sure every row did the work it claims: mlci is a no-op, DVC sees every stage."""
    noop = run([tool("mlci"), "generate"], root).stdout
    if "everything is up to date" not in noop:
        raise SystemExit(f"`mlci generate` is not a no-op on a generated tree:\n{noop}")
    listed = run([tool("dvc"), "stage", "list"], root).stdout.splitlines()
    if len(listed) != stages:
        raise SystemExit(f"`dvc stage list` shows {len(listed)} stages, expected {stages}")


# --- the table -------------------------------------------------------------------------------


def ratio(timing: Timing, peer: Timing | None) -> str:
    return f"{timing.median / peer.median:.2f}x" if peer and not peer.failure else ""


def verdict(timing: Timing) -> tuple[str, str]:
    target = timing.bench.target
    if target is None:
        return "", ""
    return f"< {target:.1f} s", "PASS" if timing.median < target else "MISS"


def print_table(timings: list[Timing]) -> None:
    by_label = {t.bench.label: t for t in timings}
    header = ("command", "median s", "min s", "/ peer", "/ dvc dag", "target", "result")
    row = "{:<24} {:>9} {:>7} {:>8} {:>10} {:>9} {:>7}"
    print(row.format(*header))
    print("-" * 80)
    for timing in timings:
        peer = by_label.get(timing.bench.peer or "")
        dag = by_label.get("dvc dag") if timing.bench.peer == "dvc stage list" else None
        target, result = verdict(timing)
        cells = (f"{timing.median:.3f}", f"{timing.best:.3f}", ratio(timing, peer))
        if timing.failure:
            cells = ("failed", "", "")
        print(row.format(timing.bench.label, *cells, ratio(timing, dag), target, result))
        if timing.failure:
            print(f"  {timing.bench.label}: {timing.failure}")
    print("/ peer: `mlci --help` / `dvc --help`; pipeline rows / `dvc stage list`")


# --- imports ---------------------------------------------------------------------------------

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)\s*$")


@dataclass(frozen=True)
class Import:
    module: str
    self_us: int
    cumulative_us: int
    depth: int

    @property
    def package(self) -> str:
        return self.module.split(".")[0]


# Runs mlci as `python -m mlci` would, then lists sys.modules: importtime also logs imports
# that failed (optional probes such as `org.python.core` in copy.py), sys.modules does not.
_PROBE = """\
import runpy, sys

sys.argv = ["mlci", *sys.argv[1:]]
try:
    runpy.run_module("mlci", run_name="__main__", alter_sys=True)
finally:
    sys.stderr.write("".join(f"loaded: {name}\\n" for name in sys.modules))
"""


def import_profile(root: Path, args: Sequence[str]) -> list[Import]:
    """Every module `mlci ARGS` imports, with its -X importtime times."""
    stderr = run([sys.executable, "-X", "importtime", "-c", _PROBE, *args], root).stderr
    loaded = {line.removeprefix("loaded: ") for line in stderr.splitlines()}
    found = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match and match[4] in loaded:
            self_us, cumulative_us, indent, module = match.groups()
            found.append(Import(module, int(self_us), int(cumulative_us), len(indent) // 2))
    return found


def third_party(imports: list[Import]) -> list[str]:
    stdlib = sys.stdlib_module_names
    packages = {i.package for i in imports}
    return sorted(p for p in packages if p not in stdlib and not p.startswith("_") and p != "mlci")


def print_import_check(root: Path) -> bool:
    """Per command: third-party packages imported and any forbidden one; True if clean."""
    print("\nimports (python -X importtime, sys.modules at exit)")
    clean = True
    for args in (["--help"], ["validate"], ["generate"]):
        imports = import_profile(root, args)
        packages = third_party(imports)
        forbidden = [p for p in FORBIDDEN if p in packages]
        clean = clean and not forbidden
        total_ms = sum(i.cumulative_us for i in imports if i.depth == 0) / 1000
        status = "FAIL, imports " + ", ".join(forbidden) if forbidden else "ok, none"
        print(f"  mlci {' '.join(args):<10} {len(imports):>4} modules, {total_ms:6.1f} ms")
        print(f"    dvc/pandas/sklearn: {status}")
        print(f"    third-party: {', '.join(packages) or '(none)'}")
    return clean


def print_top_imports(root: Path, count: int = 10) -> None:
    imports = import_profile(root, ["generate"])
    print(f"\ntop {count} imports of `mlci generate` by cumulative time")
    print(f"  {'cumulative ms':>13} {'self ms':>8}  module (indent = nesting)")
    for item in sorted(imports, key=lambda i: i.cumulative_us, reverse=True)[:count]:
        indent = "  " * item.depth
        print(
            f"  {item.cumulative_us / 1000:13.1f} {item.self_us / 1000:8.1f}  {indent}{item.module}"
        )
    by_package: dict[str, int] = {}
    for item in imports:
        by_package[item.package] = by_package.get(item.package, 0) + item.self_us
    print("\nimport time of `mlci generate` by top-level package (sum of self times)")
    for package, micros in sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:count]:
        print(f"  {micros / 1000:8.1f} ms  {package}")


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--stages", type=int, default=200, help="stages in the spec (200)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.stages < 1:
        parser.error("--runs and --stages must be at least 1")
    return args


def benchmark(root: Path, args: argparse.Namespace) -> int:
    build_project(root, args.stages)
    print(f"project: {args.stages} stages in {root}; {args.runs} runs per command")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    timings = measure(benches(root), root, args.runs)
    sanity_check(root, args.stages)
    print_table(timings)
    clean = print_import_check(root)
    print_top_imports(root)
    met = all(verdict(t)[1] != "MISS" for t in timings)
    return 0 if met and clean else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return in_scratch_folder("mlci-bench-", args.keep, lambda base: _in(base / "project", args))


def _in(root: Path, args: argparse.Namespace) -> int:
    root.mkdir()
    return benchmark(root, args)


if __name__ == "__main__":
    sys.exit(main())
