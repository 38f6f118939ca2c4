"""A CSV window or reference reads the schema's text columns as text: codes keep their
leading zeros, and a blank cell does not turn 1 into 1.0."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from mlci.monitor.check import check_drift
from mlci.spec.model import Monitor
from mlci.usecases.monitor import _parse_csv


def test_text_columns_stay_text_and_match_the_logs_strings() -> None:
    lines = ["plan,age"] + [f"{'007' if i % 2 else '1'},{i}" for i in range(199)] + [",5"]
    frame = _parse_csv(io.BytesIO("\n".join(lines).encode()), "window.csv", ["plan"])
    assert set(frame["plan"].dropna()) == {"007", "1"}
    assert frame["age"].dtype.kind in "if"
    logged = pd.DataFrame({"plan": ["007", "1"] * 100, "age": np.arange(200.0)})
    found = check_drift(frame, logged, [("plan", "categorical")], Monitor())
    assert found.features[0].verdict == "no drift"
