"""`mlci monitor`'s grammar: the deployed version's current data against its reference."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlci.cli.parser import Commands


def add_monitor_command(commands: Commands) -> None:
    from mlci.cli.parser import _command, _spec_option

    monitor = _command(
        commands,
        "monitor",
        "check the deployed model's current data for drift against the data it learnt from",
        "The version the registry holds in the stage (default: monitor.stage, else the last "
        "of deploy.stages): each feature of its input schema, and its predictions, in the "
        "current window (the prediction log `mlci serve` writes, or --current) against the "
        "reference (the version's training data at its commit, or --reference). Numbers: "
        "Kolmogorov-Smirnov, Wasserstein and PSI; categories: chi-squared and "
        "Jensen-Shannon; each an effect size with a p-value, and too few rows are 'not "
        "enough data'. Exit 1 on a breach: the dataset or the predictions drift.",
    )
    _spec_option(monitor, "the spec to read (default: mlci.yaml)", default=None)
    monitor.add_argument("--stage", metavar="STAGE", help="the stage whose version is checked")
    monitor.add_argument(
        "--version",
        metavar="VERSION",
        help="check this registered version (default: the one the registry holds in the stage)",
    )
    monitor.add_argument(
        "--current", type=Path, metavar="PATH", help="a CSV, or a prediction log file or folder"
    )
    monitor.add_argument("--reference", type=Path, metavar="FILE", help="a CSV of reference rows")
    monitor.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    monitor.add_argument("--html", type=Path, metavar="FILE", help="also write an HTML page")
    monitor.add_argument("--markdown", type=Path, metavar="FILE", help="also write Markdown")
    monitor.add_argument(
        "--publish",
        action="store_true",
        help="in GitHub Actions: keep the model's issue up to date (opened on a breach, "
        "closed when a check passes) and start the retraining after monitor.retrain.after "
        "breaches in a row (GITHUB_TOKEN with issues: write, actions: write)",
    )


def add_retrain_command(commands: Commands) -> None:
    from mlci.cli.parser import _command, _spec_option

    retrain = _command(
        commands,
        "retrain-pr",
        "commit a retraining on a branch and open its pull request (the retrain workflow)",
        "After the data was refreshed and the pipeline reproduced: the changes to tracked "
        "files (dvc.lock, .dvc files) are committed on the branch mlci/retrain-<run id>, "
        "pushed with GITHUB_TOKEN and proposed as a pull request to the main branch, which "
        "the merge gate judges like any other. Nothing changed: no pull request, exit 0.",
    )
    _spec_option(retrain, "the spec to read (default: mlci.yaml)", default=None)
    retrain.add_argument("--reason", default="", help="why (the monitor's words)")
