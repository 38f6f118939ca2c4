"""What every benchmark shares: a scratch folder that goes away, and the environment the tools
under measurement run in.

The benchmarks run as scripts (`python benchmarks/bench_diff.py`), so this module is imported
as a sibling: `from scratch import environment, in_scratch_folder`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

# DVC sends usage analytics and warns on stderr unless told not to; a benchmark that waits
# on either measures the network, not the tool (one 10,000-commit `dvc metrics show -A`
# sat idle for ten minutes without DVC_NO_ANALYTICS).
QUIET = {"DVC_NO_ANALYTICS": "1", "PYTHONWARNINGS": "ignore", "NO_COLOR": "1"}


def environment(base: Path | None = None) -> dict[str, str]:
    """This process's environment, DVC and Python quiet. With `base`, DVC's site cache, the
    local remote's data home and git's identity stay inside `base`, so no run sees another's
    leftovers and no user configuration is needed."""
    env = {**os.environ, **QUIET}
    if base is not None:
        env |= {
            "XDG_DATA_HOME": str(base / "xdg-data"),
            "DVC_SITE_CACHE_DIR": str(base / "dvc-site-cache"),
            "GIT_AUTHOR_NAME": "mlci bench",
            "GIT_AUTHOR_EMAIL": "bench@mlci.invalid",
            "GIT_COMMITTER_NAME": "mlci bench",
            "GIT_COMMITTER_EMAIL": "bench@mlci.invalid",
        }
    return env


def in_scratch_folder(prefix: str, keep: bool, benchmark: Callable[[Path], int]) -> int:
    """`benchmark(folder)` in a new temporary folder, removed afterwards unless `keep`."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return benchmark(folder)
    finally:
        if keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
