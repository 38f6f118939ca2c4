"""The rules a change is judged by: the base revision's mlci.yaml, never the change's own.

A pull request edits mlci.yaml like any other file, so a gate that read the pull request's
rules would let it relax them (`severity: warn`, a lower `min:`, a flipped direction) and
pass. The merge rules and the metrics' directions, tolerances and thresholds therefore come
from the base; what the change does to them is reported, and applies once it is merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlci.errors import SpecError
from mlci.gitbatch import GitObjects, Oversized
from mlci.spec.load import validate
from mlci.spec.model import Spec
from mlci.spec.source import parse_yaml

MAX_SPEC_BYTES = 1 << 20  # a real mlci.yaml is a few kilobytes


@dataclass(frozen=True)
class JudgingRules:
    spec: Spec
    """The change's spec with the base's `metrics:` and `gates:` in place of its own."""
    source: str
    """Whose rules these are, as shown: `main (1a2b3c4d5e6f)`, or `this change`."""
    changed: tuple[str, ...] = ()
    """Sections of the rules the change alters (`gates.merge`, `metrics.accuracy`, ...)."""
    own_rules_because: str | None = None
    """Why the change is judged by its own rules (the base has none it can read)."""

    @property
    def note(self) -> str | None:
        """What a reviewer must know about the rules, for the report; None when nothing."""
        if self.own_rules_because is not None:
            return f"judged by this change's own rules: {self.own_rules_because}"
        if not self.changed:
            return None
        return (
            f"this change edits the rules it is judged by ({', '.join(self.changed)}); the "
            f"edits apply after merging: it was judged by the rules of {self.source}"
        )


def judging_rules(
    objects: GitObjects, spec: Spec, base: str, base_label: str, spec_path: str
) -> JudgingRules:
    """The rules of `spec_path` at `base` applied to `spec`, the change's own spec."""
    shown = f"{base_label} ({base[:12]})" if base_label != base[:12] else base_label
    (text,) = objects.read_bounded([(base, spec_path)], MAX_SPEC_BYTES)
    if isinstance(text, Oversized):
        why = f"{spec_path} at {shown} is {text.size:,} bytes, over {MAX_SPEC_BYTES:,}"
        return JudgingRules(spec, "this change", own_rules_because=why)
    if text is None:
        # The change introduces mlci: there are no earlier rules to hold it to.
        return JudgingRules(spec, "this change", own_rules_because=f"{shown} has no {spec_path}")
    try:
        base_spec = _load(text, f"{spec_path} at {shown}")
    except SpecError as error:
        # Typically a change that upgrades mlci and migrates mlci.yaml with it: the base's
        # file is for another version. Main's spec is not the attacker's to break.
        first = error.problems[0] if error.problems else error
        why = f"{spec_path} at {shown} does not load with this mlci: {first}"
        return JudgingRules(spec, "this change", own_rules_because=why)
    changed = _changes(base_spec, spec)
    judged = spec.model_copy(update={"metrics": base_spec.metrics, "gates": base_spec.gates})
    return JudgingRules(judged, shown, changed)


def _load(text: bytes, shown_as: str) -> Spec:
    data, source = parse_yaml(text.decode("utf-8", errors="replace"), shown_as)
    return validate(data, source)


def _changes(base: Spec, change: Spec) -> tuple[str, ...]:
    changed = [
        f"gates.{gate}"
        for gate in ("merge", "deploy")
        if _dump(getattr(base.gates, gate)) != _dump(getattr(change.gates, gate))
    ]
    names = sorted(set(base.metrics) | set(change.metrics))
    changed += [
        f"metrics.{name}"
        for name in names
        if _dump(base.metrics.get(name)) != _dump(change.metrics.get(name))
    ]
    return tuple(changed)


def _dump(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    return value.model_dump() if value is not None else None
