"""Benchmark `mlci monitor`'s drift check on a 1,000,000-row x 50-column window.

What it measures
----------------
A reference of `--reference-rows` rows (default 200,000: a training set) and a current
window of `--rows` rows (default 1,000,000), with `--columns` features (default 50: four
in five numeric, one in five categorical with 8 levels), half of them shifted (0.6 standard
deviations; 7.5 points of one level moved to another).
Then, each in a fresh process so that its peak memory is its own:

    mlci        mlci.monitor.check.check_drift on the whole window: per numeric feature
                KS (D and p-value), Wasserstein and PSI; per categorical feature
                chi-squared and Jensen-Shannon (target: under 10 s, within 2 GiB)
    scipy       the peer: the same statistics feature by feature with scipy's own
                functions (ks_2samp, wasserstein_distance, chi2_contingency,
                jensenshannon), as a hand-written monitor would call them

Both must reach the same verdicts. Reading the window from a CSV is timed apart (pandas'
reader, not mlci's work).

How to read the output
----------------------
Seconds are wall-clock for the check alone (data made before the clock starts); `peak MiB`
is the process's maximum resident memory, data included; `/ scipy` is mlci's time over the
peer's. The machine has 2 cores and is shared: compare ratios, not seconds. The exit code
is 0 when mlci's check takes under 10 s within 2 GiB and the verdicts agree, else 1.

Run it on demand (it is not a test):
    python benchmarks/bench_monitor.py [--rows N] [--reference-rows N] [--columns N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 10.0
TARGET_MIB = 2048
LEVELS = [f"level-{n}" for n in range(8)]


def frames(rows: int, reference_rows: int, columns: int, seed: int = 0):  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    features = []
    reference, current = {}, {}
    for index in range(columns):
        name = f"f{index:02d}"
        shift = 0.6 if index % 2 else 0.0
        if index % 5 == 4:
            p = np.full(len(LEVELS), 1 / len(LEVELS))
            moved = p.copy()
            moved[0], moved[1] = p[0] + shift / 8, p[1] - shift / 8  # 0.125: 0.2, 0.05
            reference[name] = pd.Categorical(rng.choice(LEVELS, reference_rows, p=p))
            current[name] = pd.Categorical(rng.choice(LEVELS, rows, p=moved))
            features.append((name, "categorical"))
        else:
            reference[name] = rng.normal(0, 1, reference_rows)
            current[name] = rng.normal(shift, 1, rows)
            features.append((name, "numeric"))
    return pd.DataFrame(reference), pd.DataFrame(current), features


def run_mlci(reference, current, features) -> list[str]:  # type: ignore[no-untyped-def]
    from mlci.monitor.check import check_drift
    from mlci.spec.model import Monitor

    checked = check_drift(reference, current, features, Monitor(window=len(current)))
    return [c.verdict for c in checked.features]


def run_scipy(reference, current, features) -> list[str]:  # type: ignore[no-untyped-def]
    import numpy as np
    from scipy import stats
    from scipy.spatial import distance

    from mlci.spec.model import Drift

    drift = Drift()
    verdicts = []
    for name, kind in features:
        ref, cur = reference[name].to_numpy(), current[name].to_numpy()
        if kind == "numeric":
            ks = stats.ks_2samp(ref, cur)
            stats.wasserstein_distance(ref, cur)
            edges = np.quantile(ref, np.linspace(0, 1, 11)[1:-1])
            e = np.maximum(np.bincount(np.searchsorted(edges, ref), minlength=10) / len(ref), 1e-4)
            a = np.maximum(np.bincount(np.searchsorted(edges, cur), minlength=10) / len(cur), 1e-4)
            psi = float(np.sum((a - e) * np.log(a / e)))
            drifted = ks.pvalue < drift.alpha and psi >= drift.psi
        else:
            levels = sorted(set(ref) | set(cur))
            table = np.array([[np.sum(s == v) for v in levels] for s in (ref, cur)])
            _, p_value, _, _ = stats.chi2_contingency(table, correction=False)
            shares = table / table.sum(axis=1, keepdims=True)
            js = distance.jensenshannon(shares[0], shares[1], base=2)
            drifted = p_value < drift.alpha and js >= drift.js
        verdicts.append("drift" if drifted else "no drift")
    return verdicts


def child(which: str, rows: int, reference_rows: int, columns: int) -> None:
    reference, current, features = frames(rows, reference_rows, columns)
    run = run_mlci if which == "mlci" else run_scipy
    started = time.perf_counter()
    verdicts = run(reference, current, features)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "verdicts": verdicts}))


def measure(which: str, args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, __file__, "--child", which, "--rows", str(args.rows),
         "--reference-rows", str(args.reference_rows), "--columns", str(args.columns)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def csv_read_seconds(args: argparse.Namespace) -> float:
    import pandas as pd

    _, current, _ = frames(args.rows, 10, args.columns)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "window.csv"
        current.to_csv(path, index=False)
        started = time.perf_counter()
        pd.read_csv(path)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--child", choices=("mlci", "scipy"))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.reference_rows, args.columns)
        return 0
    mlci, scipy = measure("mlci", args), measure("scipy", args)
    print(f"window {args.rows:,} rows x {args.columns} columns; reference {args.reference_rows:,}")
    print(f"{'':8}{'seconds':>10}{'peak MiB':>10}{'/ scipy':>10}")
    ratio = mlci["seconds"] / scipy["seconds"]
    print(f"{'mlci':8}{mlci['seconds']:10.2f}{mlci['peak_mib']:10.0f}{ratio:9.2f}x")
    print(f"{'scipy':8}{scipy['seconds']:10.2f}{scipy['peak_mib']:10.0f}{1:9.2f}x")
    print(f"reading the window from a CSV (pandas): {csv_read_seconds(args):.2f} s")
    agree = mlci["verdicts"] == scipy["verdicts"]
    print(f"verdicts agree: {agree} ({mlci['verdicts'].count('drift')} of {args.columns} drift)")
    met = mlci["seconds"] < TARGET_SECONDS and mlci["peak_mib"] < TARGET_MIB
    verdict = "PASS" if met else "MISS"
    print(f"target: under {TARGET_SECONDS:g} s within {TARGET_MIB} MiB: {verdict}")
    return 0 if met and agree else 1


if __name__ == "__main__":
    sys.exit(main())
