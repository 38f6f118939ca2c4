"""A version's package: one folder that holds all a server needs, written all at once.

package.json   the model, version, commit, task, target, the files with their md5, the
               input schema (columns and kinds) learnt at training, and example rows
Dockerfile     the container that serves this package with `mlci serve`
<files>        deploy.files, copied from the DVC cache by the version's dvc.lock
card.md        the model card
evidence.json  the deploy gate's evidence, when the version went through it
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mlci.errors import UsageError
from mlci.gitbatch import GitObjects
from mlci.present.model_card import render
from mlci.revision.snapshot import RevisionReader
from mlci.spec.model import Spec
from mlci.spec.model_deploy import IMAGE_REFERENCE
from mlci.spec.paths import normalise
from mlci.usecases.model_card import model_card

MANIFEST = "package.json"
PACKAGE_VERSION = 1
MAX_EXAMPLES = 20


def build_package(root: Path, spec: Spec, version: str | None, output: Path) -> dict[str, Any]:
    """Write the package of `version` (default: the highest) to `output`, a new folder."""
    if not spec.deploy.files:
        raise UsageError("mlci.yaml's deploy.files names no model file to package")
    if output.exists():
        raise UsageError(f"{output} exists: a package is written to a new folder")
    card = model_card(root, spec, version)
    output.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".mlci-package-", dir=output.parent))
    try:
        files = []
        with GitObjects(root) as objects:
            reader = RevisionReader(root, objects)
            for raw in spec.deploy.files:
                path = normalise(".", raw) or raw
                source = reader.object_file(card.commit, path)
                if isinstance(source, str):
                    raise UsageError(f"cannot package {card.model} {card.version}: {source}")
                target = scratch / path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                files.append({"path": path, "md5": source.parent.name + source.name})
        manifest = {
            "package": PACKAGE_VERSION,
            "model": card.model,
            "version": card.version,
            "commit": card.commit,
            "task": card.task,
            "target": card.target,
            "positive_class": card.positive_class,
            "files": files,
            **_metadata(scratch, files),
        }
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        (scratch / "card.md").write_text(render(card))
        (scratch / "Dockerfile").write_text(dockerfile(spec, manifest))
        if card.evidence is not None:
            evidence = json.dumps(card.evidence, indent=2, sort_keys=True)
            (scratch / "evidence.json").write_text(evidence + "\n")
        scratch.rename(output)  # the whole package appears at once, or none of it
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    """A package's package.json, checked for what every reader uses: the model, a version
    such as v1.2.3, the commit and the files. Raises UsageError saying what is wrong."""
    from mlci.registry.tags import VERSION_PATTERN

    try:
        found = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"{folder} is not a package mlci wrote ({MANIFEST}: {error})") from None
    if not (
        isinstance(found, dict)
        and isinstance(found.get("model"), str)
        and isinstance(found.get("version"), str)
        and VERSION_PATTERN.fullmatch(found["version"])
        and isinstance(found.get("commit"), str)
        and isinstance(found.get("files"), list)
    ):
        raise UsageError(
            f"{folder}/{MANIFEST} lacks the model, a version such as v1.2.3, the commit or "
            "the files: not a package mlci wrote"
        )
    return found


def dockerfile(spec: Spec, manifest: dict[str, Any]) -> str:
    """The container definition that serves the package with `mlci serve`."""
    from mlci import __version__
    from mlci.render.templating import render as render_template

    base = spec.deploy.container.base or f"python:{spec.ci.python}-slim"
    if not IMAGE_REFERENCE.fullmatch(base):
        raise UsageError(f"deploy.container.base {base!r} is not an image reference")
    return render_template(
        "container/Dockerfile.j2",
        base=base,
        model=manifest["model"],
        version=manifest["version"],
        commit=manifest["commit"],
        mlci_version=__version__,
    )


def _metadata(folder: Path, files: list[dict[str, str]]) -> dict[str, Any]:
    """What a metadata.json among the files (the scaffold's train.py writes one) says of the
    model's input: `input_schema` (columns and kinds) and `examples` (a few rows of input, for
    the smoke test); each left out when it is not of its shape."""
    for file in files:
        if Path(file["path"]).name != "metadata.json":
            continue
        try:
            found = json.loads((folder / file["path"]).read_text())
        except (OSError, ValueError):
            return {"input_schema": None, "examples": []}
        if not isinstance(found, dict):
            return {"input_schema": None, "examples": []}
        schema = found.get("input_schema")
        if not isinstance(schema, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) for c in schema
        ):
            return {"input_schema": None, "examples": []}
        columns = [{"name": c["name"], "type": str(c.get("type", "text"))} for c in schema]
        names = {c["name"] for c in columns}
        examples = found.get("examples")
        if not isinstance(examples, list) or not all(
            isinstance(row, dict) and set(row) == names for row in examples
        ):
            examples = []
        return {"input_schema": columns, "examples": examples[:MAX_EXAMPLES]}
    return {"input_schema": None, "examples": []}
