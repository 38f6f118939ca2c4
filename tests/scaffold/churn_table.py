"""A churn table as real ones come: an ID, two dates, categories, free text, gaps, a rare label.

The same table feeds the tests of `mlci init` on messy data and benchmarks/
bench_scaffold_features.py, which measures the scaffolded model on it at scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TARGET = "status"
CHURNED, RETAINED = "churned", "retained"
FIRST_DAY = np.datetime64("2019-01-01")


def churn_table(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` customers; about one in five churned, more often on the basic plan, with many
    support calls, or when not seen for long."""
    rng = np.random.default_rng(seed)
    signup = FIRST_DAY + rng.integers(0, 4 * 365, size=rows).astype("timedelta64[D]")
    away_days = rng.exponential(60, size=rows)
    last_seen = np.datetime64("2024-06-30T00:00") - (away_days * 24 * 60).astype("timedelta64[m]")
    plan = rng.choice(["basic", "standard", "premium"], size=rows, p=[0.5, 0.3, 0.2])
    calls = rng.poisson(1.5, size=rows)
    fee = np.select([plan == "basic", plan == "standard"], [9.99, 19.99], 39.99)
    score = -2.2 + 0.9 * (plan == "basic") + 0.45 * calls + away_days / 60
    churned = rng.random(rows) < 1 / (1 + np.exp(-(score - 1.5)))
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(100_001, 100_001 + rows),
            "signup_date": pd.Series(signup).dt.strftime("%Y-%m-%d"),
            "last_seen": pd.Series(last_seen).dt.strftime("%Y-%m-%d %H:%M"),
            "plan": plan,
            "region": rng.choice([f"region {i}" for i in range(8)], size=rows),
            # A category of many levels: a few popular ones, then a long tail.
            "referrer": np.where(
                rng.random(rows) < 0.6,
                rng.choice(["search", "friend", "ad"], size=rows),
                [f"partner-{i}" for i in rng.integers(0, max(rows // 10, 1), size=rows)],
            ),
            "email": [f"user{i}.{rng.integers(1e9)}@example.com" for i in range(rows)],
            "age": rng.normal(42, 12, size=rows).round(),
            "monthly_fee": fee,
            "support_calls": calls,
            TARGET: np.where(churned, CHURNED, RETAINED),
        }
    )
    for column, share in (("age", 0.08), ("plan", 0.03), ("signup_date", 0.02)):
        frame.loc[rng.random(rows) < share, column] = None
    return frame
