"""Promote a version through the deploy gate, with its evidence; and read that evidence back.

The candidate (the version to promote) and the champion (the version in the target stage now)
are compared as a pull request is compared with main, on the same rows with intervals when
mlci.yaml has `evaluation:`, and judged by `gates.deploy` as the workspace's mlci.yaml states
them. The evidence (the two versions and commits, the metrics with their intervals, the
evaluation data's hash, the changed params, each rule's result, the approver) is one JSON
document carried in the stage tag's message, its sha256 in the tag's subject.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.compare.gates import GateReport
from mlci.errors import CheckFailed, UsageError
from mlci.git import tag_message, user_name
from mlci.registry.state import Artifact, Version, read_registry
from mlci.registry.write import Written, evidence_digest, promote
from mlci.spec.model import Spec
from mlci.usecases.assess import assess

EVIDENCE_VERSION = 1
_DIGEST = re.compile(r"; evidence sha256:([0-9a-f]{64})$")


@dataclass(frozen=True)
class Promotion:
    written: Written
    report: GateReport
    evidence: dict[str, Any]


def promote_through_gate(root: Path, spec: Spec, version: str | None, stage: str) -> Promotion:
    """Judge `version` (default: the highest registered) against the version in `stage` by
    `gates.deploy`; when it passes, assign the stage with the evidence in the tag."""
    from mlci.present import diff_format, gates_format

    registry = read_registry(root)
    name = spec.deploy.model
    artifact = registry.artifacts.get(name)
    candidate = _candidate(artifact, name, version)
    champion = artifact.stages.get(stage) if artifact else None
    base = champion.commit if champion is not None else candidate.commit
    comparison, report = assess(root, spec, base, candidate.commit, gate="deploy", rules_given=True)
    compared = diff_format.to_json_data(comparison)
    evidence = {
        "version": EVIDENCE_VERSION,
        "model": name,
        "stage": stage,
        "candidate": {"version": candidate.version, "commit": candidate.commit},
        "champion": (
            {"version": champion.version, "commit": champion.commit} if champion else None
        ),
        "metrics": [
            {k: row[k] for k in ("name", "file", "key", "old", "new", "change", "verdict")}
            for row in compared["metrics"]
            if row["name"] is not None
        ],
        "same_rows": compared["same_rows"],
        "params": compared["params"],
        "gate": gates_format.to_json_data(report),
        "approver": _approver(root),
        "judged_at": int(time.time()),
    }
    if report.failed:
        reasons = "; ".join(r.reason for r in report.results if r.verdict == "fail")
        against = f"{champion.version} in {stage}" if champion else f"an empty {stage}"
        raise CheckFailed(
            f"{name} {candidate.version} fails the deploy gate against {against}: {reasons}"
        )
    text = json.dumps(evidence, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    written = promote(
        root, registry, name, candidate.version, stage, spec.deploy.stages, evidence=text
    )
    return Promotion(written, report, evidence)


def _candidate(artifact: Artifact | None, name: str, version: str | None) -> Version:
    registered = [v for v in (artifact.versions if artifact else ()) if v.registered and v.active]
    if not registered:
        raise UsageError(f"{name} has no registered version: `mlci register` one first")
    if version is None:
        return registered[0]  # the highest
    found = next((v for v in registered if v.version == version), None)
    if found is None:
        raise UsageError(f"{name} {version} is not a registered version")
    return found


def _approver(root: Path) -> str | None:
    """Who promotes: the GitHub user running the workflow, or the local git identity."""
    return os.environ.get("GITHUB_ACTOR") or user_name(root)


def read_evidence(root: Path, tag: str) -> dict[str, Any]:
    """The evidence a stage tag carries, checked against the digest in its subject."""
    message = tag_message(root, tag)
    if message is None:
        raise UsageError(f"there is no tag {tag}")
    subject, _, body = message.partition("\n\n")
    match = _DIGEST.search(subject.strip())
    if match is None:
        raise UsageError(f"{tag} carries no evidence (its message names no sha256)")
    body = body.strip()
    if evidence_digest(body) != match[1]:
        raise CheckFailed(
            f"{tag}'s evidence does not match the sha256 in its subject: it was altered"
        )
    try:
        found = json.loads(body)
    except json.JSONDecodeError as error:
        raise UsageError(f"{tag}'s evidence is not JSON ({error})") from None
    if not isinstance(found, dict):
        raise UsageError(f"{tag}'s evidence is not a JSON object")
    return found
