"""requirements.txt of a new project: what its stages import, pinned to what trained here.

CI then trains with the library versions the developer trained with, so a model reproduced
in CI is the same model (byte for byte) and its metrics mean the same thing. mlci itself is
not listed: the workflow installs the version that generated it (`$MLCI_REQUIREMENT`).
"""

from __future__ import annotations

from importlib import metadata

# Distributions the scaffolded src/ scripts import, directly or through scikit-learn.
STAGE_LIBRARIES = ("numpy", "pandas", "pyyaml", "scikit-learn", "scipy", "skops")
HEADER = """\
# What the pipeline's stages need, pinned to the versions that trained the model with
# `mlci init`; CI installs exactly these (ci.install in mlci.yaml), and mlci itself through
# $MLCI_REQUIREMENT. To upgrade one: edit its version here, `pip install -r requirements.txt`,
# `mlci run`, then commit this file together with the new dvc.lock.
"""


def requirements_text(dvc_extra: str | None) -> str:
    dvc = f"dvc[{dvc_extra}]" if dvc_extra else "dvc"
    lines = [_pinned(dvc, "dvc"), *(_pinned(name, name) for name in STAGE_LIBRARIES)]
    return HEADER + "\n".join(lines) + "\n"


def _pinned(requirement: str, distribution: str) -> str:
    try:
        return f"{requirement}=={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        # Not installed here (nothing to pin to): CI takes the newest release.
        return requirement
