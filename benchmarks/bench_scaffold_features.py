"""Benchmark the model `mlci init --data` scaffolds for a messy table, at 5,000 and 100,000 rows.

What it measures
----------------
For each size it writes the churn table of tests/scaffold/churn_table.py (a customer ID, two
date columns, three categories of which one has a long tail of levels, a unique e-mail address,
missing values, one customer in five churned) as a CSV, runs `mlci init --data` on it (the
features are decided there), then src/prepare.py once and, for each estimator (the default
LogisticRegression, and RandomForestClassifier switched to as params.yaml suggests),
src/train.py and src/evaluate.py, each as its own process. It reports:

    features    the width of the fitted preprocessing's output: the columns the estimator
                learns from (`model[0].get_feature_names_out()`)
    model MB    the size of models/model.skops
    train s     wall-clock seconds of `python src/train.py`, start-up and imports included
                (the `imports s` line is the floor: the same imports alone)
    peak MB     the largest resident set of that process (its own rusage, from wait4)
    f1, roc_auc what evaluate wrote to metrics.json, for the positive class (churned)
    baseline f1 the same for the baseline that always says the most common class

With `--before REV` it also trains the scaffold as it was at git revision REV (its
prepare.py, train.py and params.yaml templates, rendered from that revision) on the tables
of at most `--before-rows` rows (default 5,000): the scaffold before the features were
decided at init one-hot encoded every text column densely, the e-mail address and the dates
included, so at 100,000 rows its matrix alone would take hundreds of GB.

Run it on demand (it is not a test):
    python benchmarks/bench_scaffold_features.py [--rows 5000 100000] [--before REV] [--keep]

The machine is shared: seconds vary by 30% or more between runs; sizes, widths and scores
do not (the table and every seed are fixed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scratch import environment, in_scratch_folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the churn table of the tests, and mlci from this checkout

from tests.scaffold.churn_table import TARGET, churn_table  # noqa: E402

ESTIMATORS = ("sklearn.linear_model.LogisticRegression", "sklearn.ensemble.RandomForestClassifier")
DEFAULT_ESTIMATOR = ESTIMATORS[0]


@dataclass(frozen=True)
class Process:
    seconds: float
    peak_mb: float
    stdout: str


@dataclass(frozen=True)
class Row:
    rows: int
    scaffold: str
    features: int
    model_mb: float
    train: Process
    f1: float | None
    roc_auc: float | None
    baseline_f1: float | None


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Process:
    """Run a command to its end: its wall time, its output, and its own peak resident memory
    (from wait4, which reports that one process's; Linux gives KiB)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert child.stdout is not None
    stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}) in {cwd}:\n{stdout}")
    return Process(seconds, usage.ru_maxrss / 1024, stdout)


def model_facts(project: Path) -> tuple[int, float]:
    """The width of the fitted preprocessing's output, and the model file's size in MB."""
    import skops.io as sio

    path = project / "models/model.skops"
    model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    return len(model[0].get_feature_names_out()), path.stat().st_size / 1e6


def scores(project: Path) -> tuple[float | None, float | None, float | None]:
    metrics = json.loads((project / "metrics.json").read_text())
    baseline = metrics.get("baseline") or {}
    return metrics.get("f1"), metrics.get("roc_auc"), baseline.get("f1")


def switch_estimator(project: Path, estimator: str) -> None:
    params = project / "params.yaml"
    line = f"  estimator: {DEFAULT_ESTIMATOR}\n"
    text = params.read_text()
    current = next(x for x in text.splitlines(keepends=True) if x.startswith("  estimator: "))
    params.write_text(text.replace(current, line.replace(DEFAULT_ESTIMATOR, estimator), 1))


def measure_scaffold(folder: Path, rows: int, csv: Path, env: dict[str, str]) -> list[Row]:
    """`mlci init --data`, prepare once, then train and evaluate with each estimator."""
    mlci = [sys.executable, "-m", "mlci"]
    init = run(
        [*mlci, "init", "proj", "--data", str(csv), "--target", TARGET, "--yes"], folder, env
    )
    print(f"  mlci init: {init.seconds:.1f} s")
    for line in init.stdout.splitlines():
        if line.startswith("note: features"):
            print(f"    {line}")
    project = folder / "proj"
    python = [sys.executable]
    run([*python, "src/prepare.py"], project, env)
    found = []
    for estimator in ESTIMATORS:
        switch_estimator(project, estimator)
        train = run([*python, "src/train.py"], project, env)
        run([*python, "src/evaluate.py"], project, env)
        width, size = model_facts(project)
        name = f"now, {estimator.rsplit('.', 1)[1]}"
        found.append(Row(rows, name, width, size, train, *scores(project)))
        print(f"  {name}: trained in {train.seconds:.1f} s")
    return found


def measure_before(folder: Path, rows: int, csv: Path, revision: str, env: dict[str, str]) -> Row:
    """The scaffold's prepare and train as they were at `revision`, on the same table."""
    from mlci.render.templating import environment as templates

    project = folder / "before"
    (project / "src").mkdir(parents=True)
    (project / "data").mkdir()
    (project / "data/raw.csv").write_bytes(csv.read_bytes())
    context = {"task": "classification", "target": TARGET, "example": None}
    context["raw_data"] = "data/raw.csv"
    for name in ("params.yaml", "src/prepare.py", "src/train.py"):
        shown = subprocess.run(
            ["git", "show", f"{revision}:templates/scaffold/{name}.j2"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (project / name).write_text(templates().from_string(shown).render(**context))
    run([sys.executable, "src/prepare.py"], project, env)
    train = run([sys.executable, "src/train.py"], project, env)
    width, size = model_facts(project)
    print(f"  before ({revision}): trained in {train.seconds:.1f} s")
    return Row(rows, f"before ({revision})", width, size, train, None, None, None)


def imports_floor(env: dict[str, str]) -> float:
    code = "import pandas, sklearn.linear_model, sklearn.compose, skops.io, yaml"
    return run([sys.executable, "-c", code], ROOT, env).seconds


def table(found: list[Row], floor: float) -> str:
    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    header = (
        "| rows | scaffold | features | model MB | train s | peak MB | f1 | roc_auc | baseline f1 |"
    )
    lines = [header, "|" + "---|" * 9]
    for row in found:
        lines.append(
            f"| {row.rows:,} | {row.scaffold} | {row.features:,} | {row.model_mb:.2f} | "
            f"{row.train.seconds:.1f} | {row.train.peak_mb:.0f} | {number(row.f1)} | "
            f"{number(row.roc_auc)} | {number(row.baseline_f1)} |"
        )
    lines.append(f"\nimports s (the floor under every `train s`): {floor:.1f}")
    return "\n".join(lines)


def benchmark(base: Path, args: argparse.Namespace) -> int:
    found: list[Row] = []
    for rows in args.rows:
        folder = base / f"rows-{rows}"
        folder.mkdir()
        env = environment(folder) | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        csv = folder / "customers.csv"
        churn_table(rows, seed=0).to_csv(csv, index=False)
        print(f"{rows:,} rows ({csv.stat().st_size / 1e6:.1f} MB of CSV)")
        found += measure_scaffold(folder, rows, csv, env)
        if args.before and rows <= args.before_rows:
            found.append(measure_before(folder, rows, csv, args.before, env))
    print()
    print(table(found, imports_floor(environment())))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[5_000, 100_000])
    parser.add_argument("--before", metavar="REV", help="also train the scaffold as of REV")
    parser.add_argument("--before-rows", type=int, default=5_000, metavar="N")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    return in_scratch_folder("mlci-bench-features-", args.keep, lambda base: benchmark(base, args))


if __name__ == "__main__":
    sys.exit(main())
