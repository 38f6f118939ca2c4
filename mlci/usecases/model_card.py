"""Gather a version's model card: the spec's problem, the version's metrics, lineage and
params as its commit recorded them, and the newest deploy-gate evidence for it."""

from __future__ import annotations

from pathlib import Path

from mlci.errors import UsageError
from mlci.gitbatch import GitObjects
from mlci.present.model_card import CardInput
from mlci.registry.state import read_registry
from mlci.revision.snapshot import RevisionReader
from mlci.spec.model import Spec
from mlci.spec.paths import normalise
from mlci.usecases.deploy import read_evidence


def model_card(root: Path, spec: Spec, version: str | None) -> CardInput:
    name = spec.deploy.model
    artifact = read_registry(root).artifacts.get(name)
    registered = [v for v in (artifact.versions if artifact else ()) if v.registered]
    found = next((v for v in registered if version in (None, v.version)), None)
    if artifact is None or found is None:
        what = f"{name} {version}" if version else f"{name} has no version that"
        raise UsageError(f"{what} is not registered: `mlci register` it first")
    promotions = [
        e for e in artifact.history if e.action == "assign" and e.version == found.version
    ]
    evidence = None
    for event in promotions:  # newest first
        try:
            evidence = read_evidence(root, event.tag)
            break
        except UsageError:
            continue  # a stage tag without evidence (made by GTO itself, say)
    with GitObjects(root) as objects:
        reader = RevisionReader(root, objects)
        values = reader.read_metrics(found.commit)
        metrics = {}
        for metric_name, metric in spec.metrics.items():
            read = values.get(normalise(".", metric.file) or metric.file)
            if read is not None and read.state == "found":
                metrics[metric_name] = read.values.get(spec.metric_key(metric_name))
        lineage = {
            stage: dict(inputs.deps) for stage, inputs in reader.stage_inputs(found.commit).items()
        }
        params = reader.params(found.commit)
    positive = spec.problem.positive_class
    return CardInput(
        model=name,
        version=found.version,
        commit=found.commit,
        stages=found.stages,
        task=spec.problem.task,
        target=spec.problem.target,
        positive_class=None if positive is None else str(positive),
        description=spec.problem.description,
        metrics=metrics,
        lineage=lineage,
        params={file: dict(values) for file, values in params.items()},
        evidence=evidence,
    )
