"""Were the two sides scored on the same rows? And if so, each metric's interval (pure).

The per-row predictions of both sides (mlci.scoring) are matched by row id:

    same            the same rows, with the same truth: every declared metric the scorer
                    knows gets its interval on them
    rescored        different rows (a changed split, new data): the base's model was
                    scored on the change's rows (mlci.usecases.rescore), of which those it
                    never trained on are compared
    common          different rows, and no rescoring, of which enough are held out by both:
                    the interval, and the regression limits of the gates, are judged on
                    those rows alone
    not-comparable  different rows, too few of them common: the numbers are not comparable,
                    and metric rules do what `gates.not_comparable` says
    unknown         a side has no predictions (not declared, not produced, not readable):
                    the numbers are compared as they are, with the reason stated

An interval whose scorer does not reproduce the metrics file's own value is left out: the
scorer is then not the metric the project reports (a different average, a different class).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from mlci.compare.interval_rules import SUBSET
from mlci.scoring.paired import PairedComparison, Request, Settings, compare_paired, score
from mlci.scoring.predictions import Predictions

RowsState = Literal["same", "rescored", "common", "not-comparable", "unknown"]
# Fewer common rows than this cannot carry an interval worth a merge decision.
MIN_COMMON_ROWS = 30
# A metrics file rounds its values; a scorer agreeing to this is the same metric.
AGREEMENT = 1e-5


@dataclass(frozen=True)
class SameRows:
    state: RowsState
    message: str
    """One line, said first: on which rows the two sides were compared, or why not."""
    paired: PairedComparison | None = None
    notes: tuple[str, ...] = ()
    digests: tuple[str, str] | None = None
    """The hash of each side's evaluation data (Predictions.rows_digest): base, change."""

    @property
    def matched(self) -> bool:
        return self.state in ("same", *SUBSET)


@dataclass(frozen=True)
class Scoring:
    """What comparing on the same rows needs to know of the problem and the spec."""

    task: str
    positive: str | None
    requests: Sequence[Request]
    settings: Settings


def same_rows(
    base: Predictions | str,
    change: Predictions | str,
    reported: Mapping[str, float | None],
    scoring: Scoring,
    *,
    base_label: str,
    rescored: Predictions | str | None = None,
) -> SameRows:
    """Compare `base` and `change` (or, as text, why a side has no predictions) on the rows
    both hold. `reported`: each metric's value in the change's metrics file. `rescored`: the
    base's model on the change's rows it never trained on, or why there is none."""
    if isinstance(change, str):
        return SameRows("unknown", f"no confidence intervals: this change: {change}")
    if isinstance(base, str):
        return SameRows("unknown", f"no confidence intervals: {base_label}: {base}")
    digests = (base.rows_digest(), change.rows_digest())
    requests, disagree = _agreeing(change, reported, scoring)
    base_ids, change_ids = set(base.row_ids), set(change.row_ids)
    common = len(base_ids & change_ids)
    truth = _truth_changes(base, change)
    apart = f"{base_label} and this change were evaluated on different rows"
    sizes = f"{len(base):,} and {len(change):,}"
    notes = (truth,) if truth else ()
    if base_ids == change_ids and not truth:
        state: RowsState = "same"
        message = f"both sides scored on the same {common:,} rows"
    elif isinstance(rescored, Predictions) and len(rescored) >= MIN_COMMON_ROWS:
        state, base = "rescored", rescored
        message = (
            f"{apart} ({sizes}); {base_label}'s model was scored on this change's rows: "
            f"compared on the {len(rescored):,} of them it never trained on"
        )
    elif common >= MIN_COMMON_ROWS:
        state = "common"
        message = f"{apart} ({sizes}); compared on the {common:,} rows both held out"
    else:
        message = f"{apart} ({sizes}, {common} in common): their metrics are not comparable"
        notes = (*notes, *_why_not(rescored, base_label))
        return SameRows("not-comparable", message, notes=notes, digests=digests)
    if state == "common":
        notes = (*notes, *_why_not(rescored, base_label))
    paired = compare_paired(
        base, change, requests, scoring.settings, task=scoring.task, positive=scoring.positive
    )
    paired = replace(paired, skipped={**paired.skipped, **disagree})
    return SameRows(state, message, paired, notes, digests)


def _why_not(rescored: Predictions | str | None, base_label: str) -> tuple[str, ...]:
    if isinstance(rescored, str):
        return (f"{base_label}'s model was not scored on this change's rows: {rescored}",)
    if isinstance(rescored, Predictions):
        return (
            f"{base_label}'s model was scored on this change's rows, but only {len(rescored)} "
            "of them are rows it never trained on",
        )
    return ()


def _agreeing(
    change: Predictions, reported: Mapping[str, float | None], scoring: Scoring
) -> tuple[list[Request], dict[str, str]]:
    """The requests whose scorer gives the metrics file's own value on the change's rows."""
    values = score(change, scoring.requests, task=scoring.task, positive=scoring.positive)
    kept, disagree = [], {}
    for request in scoring.requests:
        value, said = values.get(request.name), reported.get(request.name)
        if value is None or said is None or math.isclose(value, said, abs_tol=AGREEMENT):
            kept.append(request)
            continue
        disagree[request.name] = (
            f"{request.scorer} scored from {change.path} is {value:.6g}, and the metrics file "
            f"says {said:.6g}: not the same metric (set `metrics.{request.name}.scorer`)"
        )
    return kept, disagree


def _truth_changes(base: Predictions, change: Predictions) -> str:
    """Say how many common rows have a different truth on the two sides (both are then
    scored on the change's)."""
    truth = dict(zip(base.row_ids, base.actual, strict=True))
    differ = sum(
        1
        for row_id, actual in zip(change.row_ids, change.actual, strict=True)
        if row_id in truth and truth[row_id] != actual
    )
    if not differ:
        return ""
    return f"{differ:,} common rows have a different truth; both are scored on this change's"
