"""Each column's role in the model, decided from the table: what must be dropped, what must not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlci.scaffold.features import Dropped, FeatureRoles, decide_features
from tests.scaffold.churn_table import TARGET, churn_table

ROWS = 200


def roles(**columns: object) -> FeatureRoles:
    """The roles of the given columns, beside a target the profiler must leave alone."""
    frame = pd.DataFrame({**columns, "label": ["a", "b"] * (ROWS // 2)})
    return decide_features(frame, "label")


def role_of(values: object, name: str = "column") -> str:
    """ "numeric", "categorical", "dates", or why the column is dropped."""
    decided = roles(**{name: values})
    for role in ("numeric", "categorical", "dates"):
        if name in getattr(decided, role):
            return role
    (dropped,) = decided.drop
    return dropped.reason


rng = np.random.default_rng(0)


def test_the_churn_table() -> None:
    decided = decide_features(churn_table(2000), TARGET)
    assert decided == FeatureRoles(
        drop=(
            Dropped("customer_id", "unique in every row, and named like an identifier"),
            Dropped("email", "unique in every row: an identifier"),
        ),
        dates=("signup_date", "last_seen"),
        # referrer has hundreds of levels: a category still, which the encoder caps.
        categorical=("plan", "region", "referrer"),
        numeric=("age", "monthly_fee", "support_calls"),
    )
    assert decided.summary() == [
        "dropped: customer_id (unique in every row, and named like an identifier), "
        "email (unique in every row: an identifier)",
        "dates: signup_date, last_seen",
        "categorical: plan, region, referrer",
        "numeric: age, monthly_fee, support_calls",
    ]


@pytest.mark.parametrize(
    "name", ["id", "ID", "customer_id", "customerID", "customerId", "uuid", "order-id", "id_x"]
)
def test_a_unique_column_named_like_an_identifier_is_dropped(name: str) -> None:
    shuffled = rng.permutation(ROWS) * 7 + 3  # unique, neither sorted nor counting
    assert role_of(shuffled, name) == "unique in every row, and named like an identifier"
    assert role_of([f"k{i}" for i in shuffled], name) == "unique in every row: an identifier"


@pytest.mark.parametrize("name", ["paid", "valid", "idle", "rapid_growth", "kid"])
def test_a_name_that_merely_ends_in_id_is_not_an_identifier(name: str) -> None:
    assert role_of(rng.permutation(ROWS) * 7 + 3, name) == "numeric"


def test_whole_numbers_counting_like_row_numbers_are_an_identifier() -> None:
    reason = "unique whole numbers counting up like a row number: an identifier"
    assert role_of(np.arange(1000, 1000 + ROWS)) == reason
    assert role_of(np.arange(ROWS, 0, -1)) == reason  # counting down
    gaps = np.sort(rng.choice(np.arange(1, int(1.5 * ROWS)), size=ROWS, replace=False))
    assert role_of(gaps) == reason  # an auto-increment key with deleted rows


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(rng.normal(size=ROWS), id="unique floats"),
        pytest.param(rng.permutation(ROWS) * 13, id="unique whole numbers, unsorted"),
        pytest.param(np.sort(rng.choice(10**6, size=ROWS, replace=False)), id="sorted amounts"),
        pytest.param(np.sort(rng.normal(size=ROWS)), id="sorted floats"),
        pytest.param(rng.integers(0, 10**6, size=ROWS), id="many distinct whole numbers"),
        pytest.param(np.where(rng.random(ROWS) < 0.1, np.nan, rng.normal(size=ROWS)), id="gaps"),
        pytest.param(rng.integers(20200101, 20241231, size=ROWS), id="numbers like yyyymmdd"),
        pytest.param(np.arange(ROWS) + 2000.0, id="floats counting up"),
    ],
)
def test_a_number_with_many_distinct_values_stays_a_number(values: object) -> None:
    assert role_of(values) == "numeric"


def test_in_a_tiny_table_only_a_name_makes_an_identifier() -> None:
    frame = pd.DataFrame({"n": range(10), "code": list("abcdefghij"), "y": [0, 1] * 5})
    assert decide_features(frame, "y") == FeatureRoles(categorical=("code",), numeric=("n",))
    frame["row_id"] = range(10)
    assert decide_features(frame, "y").drop == (
        Dropped("row_id", "unique in every row, and named like an identifier"),
    )


def test_a_repeating_code_named_like_an_identifier_is_a_category() -> None:
    assert role_of(rng.integers(1, 40, size=ROWS), "store_id") == "categorical"


@pytest.mark.parametrize(
    "layout",
    ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%d/%m/%Y", "%m/%d/%y", "%d %b %Y"],
)
def test_text_that_reads_as_dates_is_a_date(layout: str) -> None:
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 2000, ROWS), unit="D")
    values = pd.Series(days.strftime(layout), dtype=object)
    values[::9] = None  # missing dates do not make it text
    assert role_of(values, "when") == "dates"


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([f"{i % 7}.{i % 5}" for i in range(ROWS)], id="decimals as text"),
        pytest.param([f"{i % 9}-{i % 9 + 10}" for i in range(ROWS)], id="ranges"),
        pytest.param(["May", "June", "July", "Jan"] * (ROWS // 4), id="month names"),
        pytest.param([f"{i % 12 + 1}" for i in range(ROWS)], id="digits as text"),
        pytest.param(["2024-01-01"] * 10 + ["soon"] * (ROWS - 10), id="a few dates"),
    ],
)
def test_text_that_is_not_dates_is_not_a_date(values: list[str]) -> None:
    assert role_of(pd.Series(values, dtype=object)) != "dates"


def test_free_text_is_dropped_and_categories_are_kept() -> None:
    words = ["late", "bill", "great", "slow", "app", "price", "support", "cancel", "why"]
    sentences = [" ".join(rng.choice(words, size=6)) for _ in range(ROWS)]
    sentences[:20] = ["ok"] * 20  # not unique in every row: free text all the same
    distinct = len(set(sentences))
    assert role_of(sentences) == f"free text: {distinct:,} distinct values in {ROWS:,} rows"
    unique = [f"{sentence} {i}" for i, sentence in enumerate(sentences)]
    assert role_of(unique) == "free text, unique in every row"
    # Many levels but each one shared by several rows: a category, capped by the encoder.
    assert role_of([f"city {i % 60}" for i in range(ROWS)]) == "categorical"
    assert role_of(rng.choice(["red", "green", None], size=ROWS)) == "categorical"
    assert role_of(rng.choice([True, False], size=ROWS)) == "categorical"


def test_a_column_with_nothing_to_learn_is_dropped() -> None:
    assert role_of(["same"] * ROWS) == "the same value in every row"
    assert role_of([np.nan] * ROWS) == "no values"
    assert role_of([1.0] * (ROWS - 5) + [np.nan] * 5) == "the same value in every row"


def test_the_target_is_no_feature_and_the_column_order_is_kept() -> None:
    frame = pd.DataFrame({"b": [1.5, 2.5] * 15, "label": ["x", "y"] * 15, "a": [3.5, 1.0] * 15})
    assert decide_features(frame, "label") == FeatureRoles(numeric=("b", "a"))
