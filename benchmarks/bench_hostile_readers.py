"""Benchmark mlci's readers on huge and hostile files: 10,000 against 100,000 keys, and attacks.

What it measures
----------------
Part 1, scaling. For each size (10,000 and 100,000 keys) it builds throw-away git
repositories and times commands in fresh processes (one untimed warm-up, then `--rounds`
timed runs, default 3; the median counts):

    diff metrics (json)   `mlci diff main --format json`: metrics.json holds N keys, every
                          value changed in the workspace (N rows, N verdicts)
    diff metrics (md)     the same comparison rendered as Markdown (the PR comment's table)
    diff params (json)    params.yaml holds N keys under `train:` (YAML 1.2, as DVC reads it),
                          every value changed: N params changes
    history (json)        `mlci history -n 3 --format json` over 3 commits of an N-key
                          metrics.json (N columns discovered)

`ratio` is the median at 100,000 keys over the median at 10,000: about 10 for linear work,
about 100 for quadratic. A row PASSes below RATIO_LIMIT (20: twice linear, to absorb the
fixed start-up cost shrinking in relative terms, garbage collection and a busy machine).

Part 2, attacks. In-process, each hostile document is handed to the reader that gets it in
real use, and the time until it is refused is shown with the first words of the refusal:
billion laughs (9 levels of 9 aliases, as YAML 1.1 and 1.2), a mapping bomb, a merge-key
bomb, 100,000 levels of `[`, a 5,000-digit integer, a 16 MiB + 1 document. PASS when each is
refused (never expanded) in under ATTACK_LIMIT seconds.

The machine is shared and has 2 cores: single runs vary by 30% or more; use `--rounds 5`
before drawing conclusions. Sizes can be changed with `--sizes 5000 50000`.

Run it on demand (it is not a test): python benchmarks/bench_hostile_readers.py [--rounds N]
The exit code is 0 when every row passes, else 1.
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
from collections.abc import Callable, Sequence
from pathlib import Path

RATIO_LIMIT = 20.0
ATTACK_LIMIT = 2.0
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    params: [train]
    metrics:
    - metrics.json:
        cache: false
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def new_repo(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@mlci.invalid")
    (root / "dvc.yaml").write_text(DVC_YAML)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def metrics_text(keys: int, shift: float) -> str:
    return json.dumps({f"eval.class_{i}.score": round(i / 7 + shift, 6) for i in range(keys)})


def params_text(keys: int, shift: int) -> str:
    return "train:\n" + "".join(f"  p{i}: {i + shift}\n" for i in range(keys))


def build(base: Path, keys: int) -> dict[str, Path]:
    """Three repositories: big metrics, big params, and a 3-commit history of big metrics."""
    metrics, params, history = base / f"metrics-{keys}", base / f"params-{keys}", base / f"h-{keys}"
    new_repo(metrics)
    (metrics / "params.yaml").write_text(params_text(3, 0))
    (metrics / "metrics.json").write_text(metrics_text(keys, 0))
    commit(metrics, "base")
    (metrics / "metrics.json").write_text(metrics_text(keys, 1))
    new_repo(params)
    (params / "params.yaml").write_text(params_text(keys, 0))
    (params / "metrics.json").write_text(metrics_text(3, 0))
    commit(params, "base")
    (params / "params.yaml").write_text(params_text(keys, 1))
    new_repo(history)
    (history / "params.yaml").write_text(params_text(3, 0))
    for index in range(3):
        (history / "metrics.json").write_text(metrics_text(keys, index))
        commit(history, f"commit {index}")
    return {"metrics": metrics, "params": params, "history": history}


ROWS: list[tuple[str, str, list[str]]] = [
    ("diff metrics (json)", "metrics", ["diff", "main", "--format", "json"]),
    ("diff metrics (md)", "metrics", ["diff", "main", "--format", "md"]),
    ("diff params (json)", "params", ["diff", "main", "--format", "json"]),
    ("history (json)", "history", ["history", "-n", "3", "--format", "json"]),
]


def timed(args: Sequence[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mlci", *args], cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"mlci {' '.join(args)} failed in {cwd}:\n{done.stderr}")
    return elapsed


def scaling(sizes: Sequence[int], rounds: int) -> bool:
    small, large = sizes
    medians: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="mlci-bench-hostile-") as base:
        for keys in sizes:
            started = time.perf_counter()
            repos = build(Path(base), keys)
            print(f"built the {keys:,}-key repositories in {time.perf_counter() - started:.1f} s")
            for name, repo, args in ROWS:
                timed(args, repos[repo])  # warm-up: disk caches, .pyc files
                runs = [timed(args, repos[repo]) for _ in range(rounds)]
                medians[name, keys] = statistics.median(runs)
    print(f"\n{'row':<22}{f'{small:,} s':>12}{f'{large:,} s':>12}{'ratio':>8}  result")
    passed = True
    for name, _, _ in ROWS:
        ratio = medians[name, large] / medians[name, small]
        verdict = "PASS" if ratio < RATIO_LIMIT else "MISS"
        passed &= verdict == "PASS"
        row = f"{name:<22}{medians[name, small]:>12.2f}{medians[name, large]:>12.2f}"
        print(f"{row}{ratio:>8.1f}  {verdict}")
    print(f"(linear work: ratio about {large / small:.0f}; quadratic: {(large / small) ** 2:.0f})")
    return passed


def attacks() -> bool:
    from mlci.bounded_load import MAX_BYTES, load_json, load_yaml
    from mlci.spec.source import parse_yaml

    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    bomb = "\n".join(laughs) + "\n"
    mapping = ["m0: &m0 {k: 1}"]
    mapping += [
        f"m{n}: &m{n} {{{', '.join(f'x{i}: *m{n - 1}' for i in range(9))}}}" for n in range(1, 12)
    ]

    def merge(n: int) -> str:
        if n == 0:
            return "&g0 {k0: 1, k1: 2, k2: 3}"
        return f"&g{n} {{<<: [{merge(n - 1)}" + f", *g{n - 1}" * 8 + "]}"

    cases: list[tuple[str, Callable[[], object]]] = [
        ("billion laughs, YAML 1.1", lambda: load_yaml(bomb)),
        ("billion laughs, YAML 1.2", lambda: load_yaml(bomb, version="1.2")),
        ("mapping bomb, YAML 1.2", lambda: load_yaml("\n".join(mapping), version="1.2")),
        ("merge-key bomb, spec", lambda: parse_yaml(f"version: 1\nx: {merge(9)}\n", "mlci.yaml")),
        ("100,000 levels, YAML 1.1", lambda: load_yaml("x: " + "[" * 100_000)),
        ("100,000 levels, YAML 1.2", lambda: load_yaml("x: " + "[" * 100_000, version="1.2")),
        ("100,000 levels, JSON", lambda: load_json("[" * 100_000 + "]" * 100_000)),
        ("5,000-digit integer, JSON", lambda: load_json('{"a": ' + "9" * 5000 + "}")),
        ("16 MiB + 1 byte, YAML 1.2", lambda: load_yaml(" " * (MAX_BYTES + 1), version="1.2")),
    ]
    print(f"\n{'attack':<28}{'s':>8}  result: refusal")
    passed = True
    for name, attack in cases:
        started = time.perf_counter()
        try:
            attack()
            words = "NOT REFUSED"
        except Exception as error:  # UnreadableDocument, or the spec's SpecError
            words = str(error).splitlines()[0]
        elapsed = time.perf_counter() - started
        ok = words != "NOT REFUSED" and elapsed < ATTACK_LIMIT
        passed &= ok
        shown = words if len(words) <= 70 else words[:67] + "..."
        print(f"{name:<28}{elapsed:>8.3f}  {'PASS' if ok else 'MISS'}: {shown}")
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_COLOR", "1")
    scaled = scaling(args.sizes, args.rounds)
    refused = attacks()
    return 0 if scaled and refused else 1


if __name__ == "__main__":
    raise SystemExit(main())
