"""Checks across the spec that no single model can make: references, paths, the stage graph.

The checks of what goes into the workflows (expressions, runner labels, overrides) are in
mlci.spec.checks_ci; SpecChecker runs both and gathers the problems in one list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mlci.errors import SpecProblem
from mlci.spec.checks_ci import CiChecker
from mlci.spec.errors import did_you_mean
from mlci.spec.model import STAGE_NAME, Spec, Stage
from mlci.spec.paths import PathIndex, normalise
from mlci.spec.source import KeyPath, SourceMap


@dataclass(frozen=True)
class Writer:
    """Something that produces a path: a stage output or a data source."""

    path: str
    owner: str  # "stage 'train'" or "data source"
    at: KeyPath


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A cycle in the graph as [a, b, ..., a], or None. Iterative: pipelines can be long."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in edges:
        if start in state:
            continue
        trail = [start]
        pending = [iter(edges[start])]
        state[start] = 1
        while pending:
            following = next(pending[-1], None)
            if following is None:
                state[trail.pop()] = 2
                pending.pop()
            elif state.get(following) == 1:
                return [*trail[trail.index(following) :], following]
            elif following not in state:
                state[following] = 1
                trail.append(following)
                pending.append(iter(edges[following]))
    return None


def stage_outputs(stage: Stage) -> Iterator[tuple[str, str, int]]:
    """(section, path, index) for every output, metric and plot file of a stage."""
    for section, entries in (
        ("outs", stage.outs),
        ("metrics", stage.metrics),
        ("plots", stage.plots),
    ):
        for index, entry in enumerate(entries):
            yield section, entry.path, index


class SpecChecker:
    def __init__(
        self,
        spec: Spec,
        source: SourceMap,
        exists: Callable[[str], bool],
        foreign_outputs: frozenset[str] = frozenset(),
    ) -> None:
        self.spec = spec
        self.source = source
        self.exists = exists
        self.foreign_outputs: PathIndex[str] = PathIndex()
        for path in foreign_outputs:
            self.foreign_outputs.add(path, path)
        self.foreign_paths = foreign_outputs
        self.problems: list[SpecProblem] = []

    def report(self, path: KeyPath, message: str, *, key: bool = False) -> None:
        self.problems.append(self.source.problem(path, message, key=key))

    def run(self) -> list[SpecProblem]:
        self.check_problem()
        self.check_stage_names()
        self.check_paths_inside()
        writers = self.collect_writers()
        self.check_deps(writers)
        self.check_params_files()
        self.check_metrics(writers)
        self.check_evaluation(writers)
        self.check_gates()
        self.check_monitor()
        self.check_cycles()
        ci = CiChecker(self.spec, self.source, self.report)
        ci.check_ci_expressions()
        ci.check_overrides()
        ci.check_runner_labels()
        if not self.problems:  # rendering needs a spec whose references hold
            ci.check_rendered_workflows()
        return self.problems

    def check_problem(self) -> None:
        problem = self.spec.problem
        if problem.positive_class is not None and problem.task != "classification":
            self.report(
                ("problem", "positive_class"),
                "a positive class is the class of a classifier that precision and recall are "
                f"about, and the task is {problem.task}: remove it, or set `task: "
                "classification`",
                key=True,
            )

    def check_stage_names(self) -> None:
        for name in self.spec.stages:
            if not STAGE_NAME.match(name):
                self.report(
                    ("stages", name),
                    f"stage name {name!r} may hold only letters, digits, '_' and '-', "
                    "and must start with a letter or '_'",
                    key=True,
                )

    def check_paths_inside(self) -> None:
        """Paths that no check below resolves: each must stay inside the repository."""
        spec = self.spec
        named: list[tuple[KeyPath, str, str]] = [
            (("params", i), ".", file) for i, file in enumerate(spec.params)
        ]
        named += [(("metrics", n, "file"), ".", m.file) for n, m in spec.metrics.items()]
        for name, stage in spec.stages.items():
            named.append((("stages", name, "wdir"), ".", stage.wdir))
            named += [
                (("stages", name, "params", i, "file"), stage.wdir, ref.file)
                for i, ref in enumerate(stage.params)
            ]
            named += [
                (("stages", name, "plots", i, "template"), stage.wdir, plot.template)
                for i, plot in enumerate(stage.plots)
                if plot.template and "/" in plot.template  # else one of DVC's template names
            ]
        pipeline = spec.pipeline
        named += [(("pipeline", "metrics", i), ".", f) for i, f in enumerate(pipeline.metrics)]
        named += [(("pipeline", "params", i), ".", f) for i, f in enumerate(pipeline.params)]
        named += [
            (("pipeline", "plots", i), ".", p)
            for i, p in enumerate(pipeline.plots)
            if isinstance(p, str)
        ]
        named += [
            (("pipeline", "artifacts", n, "path"), ".", a.path)
            for n, a in pipeline.artifacts.items()
        ]
        for at, wdir, raw in named:
            if normalise(wdir, raw) is None:
                self.report(at, f"{raw!r} lies outside the repository; give a path inside it")

    def collect_writers(self) -> PathIndex[Writer]:
        writers: PathIndex[Writer] = PathIndex()
        for index, source in enumerate(self.spec.data):
            at: KeyPath = ("data", index, "path")
            path = normalise(".", source.path)
            if path is None:
                self.report(at, f"{source.path!r} lies outside the repository")
                continue
            self.claim(writers, Writer(path, "data source", at))
        for name, stage in self.spec.stages.items():
            for section, raw, index in stage_outputs(stage):
                at = ("stages", name, section, index)
                path = normalise(stage.wdir, raw)
                if path is None:
                    self.report(at, f"{raw!r} lies outside the repository")
                    continue
                self.claim(writers, Writer(path, f"stage {name!r}", at))
        return writers

    def claim(self, writers: PathIndex[Writer], new: Writer) -> None:
        known = next(writers.overlapping(new.path), None)
        if known is None:
            writers.add(new.path, new)
            return
        line = self.source.locate(known.at).line
        self.report(
            new.at,
            f"{new.path!r} is already written by {known.owner} "
            f"({known.path!r}, line {line}); each path has exactly one writer",
        )

    def check_deps(self, writers: PathIndex[Writer]) -> None:
        for name, stage in self.spec.stages.items():
            for index, raw in enumerate(stage.deps):
                at: KeyPath = ("stages", name, "deps", index)
                path = normalise(stage.wdir, raw)
                if path is None:
                    self.report(at, f"{raw!r} lies outside the repository")
                elif not self.is_available(path, writers):
                    self.report(
                        at,
                        f"{path!r} is not written by any stage, is not a data source and does "
                        "not exist; add the file, declare it under `data:`, or list it in the "
                        "`outs:` of the stage that makes it",
                    )

    def is_available(self, path: str, writers: PathIndex[Writer]) -> bool:
        if next(writers.overlapping(path), None) is not None:
            return True
        if next(self.foreign_outputs.overlapping(path), None) is not None:
            return True
        return self.exists(path)

    def check_params_files(self) -> None:
        written = ("params",) in self.source.values  # the default needs no file until used
        for index, file in enumerate(self.spec.params if written else ()):
            if not self.exists(file):
                self.report(("params", index), f"params file {file!r} does not exist; create it")
        reported = set(self.spec.params) if written else set()
        for name, stage in self.spec.stages.items():
            for index, ref in enumerate(stage.params):
                path = normalise(stage.wdir, ref.file)
                if path is not None and path not in reported and not self.exists(path):
                    reported.add(path)
                    self.report(
                        ("stages", name, "params", index),
                        f"params file {path!r} does not exist; create it",
                    )

    def check_metrics(self, writers: PathIndex[Writer]) -> None:
        metric_files = {
            normalise(stage.wdir, m.path)
            for stage in self.spec.stages.values()
            for m in stage.metrics
        }
        for name, metric in self.spec.metrics.items():
            file = normalise(".", metric.file)
            if file in metric_files or file in self.foreign_paths:
                continue
            owner = next((w.owner for w in writers.overlapping(file or "") if w.path == file), None)
            fix = (
                f"it is an output of {owner}; move it from `outs:` to `metrics:`"
                if owner
                else "list it under the `metrics:` of the stage that writes it"
            )
            self.report(("metrics", name, "file"), f"{metric.file!r} is not a metrics file; {fix}")

    def check_gates(self) -> None:
        for kind in ("merge", "deploy"):
            for index, rule in enumerate(getattr(self.spec.gates, kind)):
                if rule.metric is not None and rule.metric not in self.spec.metrics:
                    self.report(
                        ("gates", kind, index, "metric"),
                        f"unknown metric {rule.metric!r}"
                        + did_you_mean(rule.metric, self.spec.metrics),
                    )
                    continue
                self.check_interval_rule(kind, index)

    def check_interval_rule(self, kind: str, index: int) -> None:
        """A rule judged on an interval needs per-row predictions, and a scorer for its
        metric that computes the interval from them."""
        rule = getattr(self.spec.gates, kind)[index]
        asks = [
            key
            for key, value in (
                ("judged_on", rule.judged_on == "interval"),
                ("non_inferiority", rule.non_inferiority is not None),
                ("require", rule.require is not None),
            )
            if value
        ]
        if not asks or rule.metric is None:
            return
        where = ("gates", kind, index, asks[0])
        if self.spec.evaluation is None:
            self.report(
                where,
                f"`{asks[0]}` judges the metric's confidence interval, which comes from per-row "
                "predictions: add `evaluation: {predictions: <file the evaluation writes>}`",
            )
        elif self.spec.scorer_of(rule.metric) is None:
            self.report(
                where,
                f"mlci cannot score {rule.metric!r} from per-row predictions: set "
                f"`metrics.{rule.metric}.scorer` to the metric it is (accuracy, f1, rmse, ...)",
            )

    def check_evaluation(self, writers: PathIndex[Writer]) -> None:
        """The files `evaluation:` and `deploy.files` name are written by stages."""
        evaluation = self.spec.evaluation
        named: list[tuple[KeyPath, str]] = []
        if evaluation is not None:
            named.append((("evaluation", "predictions"), evaluation.predictions))
        if evaluation is not None and evaluation.rescore is not None:
            named += [
                (("evaluation", "rescore", "model", index), model)
                for index, model in enumerate(evaluation.rescore.model)
            ]
            named.append(
                (("evaluation", "rescore", "training_data"), evaluation.rescore.training_data)
            )
        named += [
            (("deploy", "files", index), file) for index, file in enumerate(self.spec.deploy.files)
        ]
        for at, raw in named:
            path = normalise(".", raw)
            if path is None or not any(w.path == path for w in writers.overlapping(path)):
                self.report(
                    at,
                    f"{raw!r} is not written by any stage: list it under the `outs:` of the "
                    "stage that writes it",
                )

    def check_monitor(self) -> None:
        """The monitored stage is deployed, and the reference is data the spec can name."""
        monitor = self.spec.monitor
        if monitor is None:
            return
        stages = self.spec.deploy.stages
        if monitor.stage is not None and monitor.stage not in stages:
            self.report(
                ("monitor", "stage"),
                f"{monitor.stage!r} is not among deploy.stages ({', '.join(stages)}): "
                "monitor a stage models are deployed to",
            )
        rescore = self.spec.evaluation.rescore if self.spec.evaluation is not None else None
        if monitor.reference is None and rescore is None:
            self.report(
                ("monitor",),
                "no reference data: set `monitor.reference` to the CSV the model learnt from "
                "(or evaluation.rescore.training_data)",
            )

    def check_cycles(self) -> None:
        outputs: PathIndex[str] = PathIndex()
        for name, stage in self.spec.stages.items():
            for _, raw, _ in stage_outputs(stage):
                if path := normalise(stage.wdir, raw):
                    outputs.add(path, name)
        edges = {
            name: sorted(
                {
                    producer
                    for raw in stage.deps
                    if (dep := normalise(stage.wdir, raw))
                    for producer in outputs.overlapping(dep)
                }
            )
            for name, stage in self.spec.stages.items()
        }
        if cycle := find_cycle(edges):
            self.report(
                ("stages", cycle[0], "deps"),
                "the stages form a cycle: " + " -> ".join(cycle) + "; break one dependency",
            )
