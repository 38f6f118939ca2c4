"""Benchmark mlci's paired bootstrap against scipy's on 1,000,000 paired predictions.

What it measures
----------------
Two classifiers' predictions on `--rows` rows (default 1,000,000; two classes, the change
right 1 point more often than the base), and `--resamples` paired bootstrap resamples
(default 1,000) of the difference in accuracy, in three ways:

    mlci, confusion metrics   mlci.scoring.compare_paired on accuracy, balanced accuracy,
                              precision, recall and F1 at once (target: under 5 s)
    scipy.stats.bootstrap     the peer: the same resamples of the accuracy difference alone,
                              paired, vectorised, in batches that fit in memory
    mlci, ROC AUC             the row-weight path (one resample costs O(rows)), on
                              `--weighted-rows` rows (default 100,000): reported, no target

Both intervals of the accuracy difference are printed: they must agree to Monte Carlo error.

How to read the output
----------------------
Seconds are wall-clock, one run each after a warm-up; `/ scipy` is mlci's time over scipy's
on the same work. The machine has 2 cores and is shared: compare ratios, not seconds. The
exit code is 0 when mlci's confusion metrics take under 5 s and the intervals agree, else 1.

Run it on demand (it is not a test):
    python benchmarks/bench_scoring.py [--rows N] [--resamples N] [--weighted-rows N]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from mlci.scoring.paired import Request, Settings, compare_paired
from mlci.scoring.predictions import Predictions

TARGET_SECONDS = 5.0
CONFUSION = ["accuracy", "balanced_accuracy", "precision", "recall", "f1"]


def predictions(rows: int, seed: int) -> tuple[Predictions, Predictions]:
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.3
    base_right = rng.random(rows) < 0.85
    change_right = np.where(base_right, rng.random(rows) < 0.97, rng.random(rows) < 0.2)
    labels = np.array(["no", "yes"], dtype=object)

    def made(right: np.ndarray) -> Predictions:
        predicted = np.where(right, truth, ~truth)
        score = np.clip(predicted * 0.6 + rng.random(rows) * 0.4, 0, 1)
        ids = tuple(map(str, range(rows)))
        proba = {"yes": score, "no": 1 - score}
        return Predictions(
            "p.csv", ids, labels[truth.astype(int)], labels[predicted.astype(int)], proba
        )

    return made(base_right), made(change_right)


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--weighted-rows", type=int, default=100_000)
    args = parser.parse_args()
    from scipy import stats

    base, change = predictions(args.rows, 0)
    settings = Settings(resamples=args.resamples)
    requests = [Request(name, name, "higher") for name in CONFUSION]

    def mlci_confusion():
        return compare_paired(
            base, change, requests, settings, task="classification", positive="yes"
        )

    mlci_confusion()  # warm-up: imports, first allocations
    mlci_seconds, compared = timed(mlci_confusion)
    right_base = (base.predicted == base.actual).astype(np.float32)
    right_change = (change.predicted == change.actual).astype(np.float32)

    def scipy_accuracy():
        return stats.bootstrap(
            (right_base, right_change),
            lambda b, c, axis: c.mean(axis=axis) - b.mean(axis=axis),
            paired=True,
            n_resamples=args.resamples,
            batch=max(1, 20_000_000 // args.rows),
            method="percentile",
            random_state=1,
        )

    scipy_seconds, peer = timed(scipy_accuracy)
    small_base, small_change = predictions(args.weighted_rows, 1)
    weighted_seconds, _ = timed(
        lambda: compare_paired(
            small_base,
            small_change,
            [Request("roc_auc", "roc_auc", "higher")],
            settings,
            task="classification",
            positive="yes",
        )
    )
    accuracy = compared.metrics["accuracy"]
    low, high = peer.confidence_interval.low, peer.confidence_interval.high
    agree = abs(accuracy.low - low) < 0.1 * (high - low) and abs(accuracy.high - high) < 0.1 * (
        high - low
    )
    meets = mlci_seconds < TARGET_SECONDS
    print(f"{args.rows:,} paired predictions, {args.resamples:,} resamples")
    print(f"{'row':<34}{'seconds':>10}{'/ scipy':>10}")
    ratio = mlci_seconds / scipy_seconds
    print(f"{'mlci, 5 confusion metrics':<34}{mlci_seconds:>10.2f}{ratio:>10.3f}x")
    print(f"{'scipy.stats.bootstrap, accuracy':<34}{scipy_seconds:>10.2f}{1:>10.3f}x")
    print(f"{f'mlci, roc_auc, {args.weighted_rows:,} rows':<34}{weighted_seconds:>10.2f}")
    print(f"accuracy difference: mlci [{accuracy.low:.5f}, {accuracy.high:.5f}], ", end="")
    print(f"scipy [{low:.5f}, {high:.5f}]")
    verdict = "PASS" if meets else "MISS"
    print(
        f"target: confusion metrics under {TARGET_SECONDS} s: {verdict}; intervals agree: {agree}"
    )
    return 0 if meets and agree else 1


if __name__ == "__main__":
    sys.exit(main())
