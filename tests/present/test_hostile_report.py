"""A pull request writes every name and value mlci's Markdown quotes: none of it becomes Markdown.

The attack tests put hostile strings in a real repository's mlci.yaml (metric and rule names),
metrics files (keys and values), params, dvc.yaml and dvc.lock (stage names, commands, paths)
and plot files (class labels, column names), and render everything mlci sends to GitHub: the
report (with its Mermaid charts) from the library and from `mlci report`, the diff from both and
`mlci diff --format md`, the gate's Markdown, and history from both and `mlci history --format
md`. The assertions are on the output: `check_markdown` parses it as CommonMark and holds it
to mlci's own structure, Mermaid's own parser reads the charts, and GitHub's parser (cmark-gfm,
when the `cmarkgfm` package is installed) renders it. Property tests then hold each escaping
function to rendering exactly its input, whatever it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from mlci.compare.gates import evaluate
from mlci.compare.reproduced import ReproducedCheck
from mlci.gitbatch import GitObjects
from mlci.present import diff_format, gates_format, history_format
from mlci.present.charts import PlotInput
from mlci.present.markdown_escape import (
    WORD_JOINER,
    cell_code,
    code,
    html_text,
    mermaid_string,
    one_line,
    text,
)
from mlci.present.report import build_report, render_markdown
from mlci.publish.limits import REPORT_MARKER
from mlci.publish.limits import REPORT_MARKER as MARKER
from mlci.revision.history import MetricColumn, read_history
from mlci.revision.snapshot import RevisionReader
from mlci.spec.load import load_project
from mlci.spec.model import GateRule
from mlci.usecases.assess import assess
from tests.conftest import Repo
from tests.present.test_report import MermaidParse, blocks, mermaid_parser, realistic

ATTACKS = {
    "table": "a|b\r\nc | d\n|---|---|\n| forged | row |",
    "code": "``` `` ` x ` ",
    "html": (
        "<img src=x onerror=alert(1)> <details open><summary>s</summary> <!-- hidden --> "
        "<script>alert(1)</script> <a href='https://evil.example/a'>a</a> &amp; &#64;x"
    ),
    "links": (
        "[click](https://evil.example/phish) ![t](https://evil.example/t.png) "
        "<https://evil.example/a> https://evil.example/b www.evil.example x@evil.example "
        "[ref][r] [r]: https://evil.example/r"
    ),
    "mentions": "@octocat @acme/admins #123 acme/repo#4 GH-5",
    "marker": f"{MARKER} {MARKER}",
    "mermaid": '%%{init: {"theme": "forest"}}%% "] ``` click a "javascript:alert(1)"',
    "lines": (
        "\n# Forged heading\n> quote\n- item\n1. item\n---\n"
        "**✅ mlci: passed**: all good\n✅ passed\nGate passed\n$$\\color{green}{ok}$$"
    ),
}
EVERYTHING = " ".join(ATTACKS.values())
# Starts of a line a pull request must never make: each is tried at the start of every string.
FORGED_STARTS = (
    "# Forged heading",
    "- item",
    "1. item",
    "> quote",
    "[ ] task",
    "[x]: https://evil.example/ref",
    "---",
    "**✅ mlci: passed**: all good",
    "    indented code",
)


# --- a real repository whose pull request is hostile everywhere ---------------------------------


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _file_name(payload: str) -> str:
    """As much of `payload` as a file name holds: no `/`, NUL or line break, 60 characters."""
    return re.sub(r"[/\x00-\x1f]", " ", payload)[:60].strip() or "x"


@dataclass
class Hostile:
    repo: Repo
    payload: str

    @property
    def metrics_path(self) -> str:
        return f"metrics {_file_name(self.payload)}.json"

    def spec(self) -> str:
        """mlci.yaml: its metric and rule names are the payload (JSON is YAML)."""
        plots = [
            {"path": "confusion.csv", "template": "confusion", "x": "actual", "y": "predicted"},
            {"path": "roc.csv"},
            {"path": "loss.csv", "template": "linear", "x": self.payload, "y": "loss"},
        ]
        return json.dumps(
            {
                "version": 1,
                "problem": {"task": "classification", "target": "label"},
                "stages": {
                    "train": {"cmd": "python train.py", "metrics": ["m.json"], "plots": plots}
                },
                "metrics": {
                    self.payload: {"file": "m.json", "key": "accuracy", "direction": "higher"},
                    "loss": {"file": "m.json", "key": self.payload, "direction": "lower"},
                },
                "gates": {
                    "merge": [
                        {"metric": self.payload, "min": 0.99},
                        {"metric": "loss", "max_regression": 0.0},
                    ]
                },
            }
        )

    def files(self, step: int) -> dict[str, str]:
        """The project at steps 0 to 2 (main's commits: a trend needs three) and 3 (the
        pull request)."""
        p, name, pr = self.payload, _file_name(self.payload), step == 3
        stage = {
            "cmd": p,
            "metrics": [{"m.json": {"cache": False}}, {self.metrics_path: {"cache": False}}],
        }
        lock = {
            "cmd": p,
            "deps": [{"path": f"{name}.py", "md5": f"{step:032x}", "size": 1}],
            "params": {"params.yaml": {f"{p}.lr": step}},
            "outs": [{"path": f"{name}.bin", "md5": f"{step + 10:032x}", "size": 10 + 2000 * step}],
        }
        confusion = [["actual", "predicted"], [p, p], [p, "cat"], ["cat", "cat" if pr else p]]
        return {
            "mlci.yaml": self.spec(),
            "dvc.yaml": json.dumps({"stages": {p: stage}}),
            "dvc.lock": json.dumps({"schema": "2.0", "stages": {p: lock}}),
            f"{name}.dvc": json.dumps(
                {"outs": [{"path": f"{name}.csv", "md5": f"{step:032x}", "size": step}]}
            ),
            "m.json": json.dumps({"accuracy": 0.8 + step / 20, p: 0.5 - step / 10}),
            self.metrics_path: json.dumps({p: step, "text": p if pr else "plain"}),
            "params.yaml": json.dumps({p: {"lr": step}, "text": p if pr else "plain"}),
            "confusion.csv": _csv(confusion),
            "roc.csv": _csv(
                [["fpr", "tpr"], ["0", "0"], ["0.5", str(0.5 + step / 10)], ["1", "1"]]
            ),
            "loss.csv": _csv([[p, "loss"], *([str(i), str(1 / (i + 1 + step))] for i in range(5))]),
        }


def hostile_repo(repo: Repo, payload: str) -> Hostile:
    """Three commits on main, then a pull request's work, every string in it `payload`."""
    project = Hostile(repo, payload)
    for step, message in enumerate(("one", "two", "three")):
        repo.commit(project.files(step), message)
    repo.git("checkout", "-q", "-b", "change")
    repo.write(project.files(3))
    return project


def render_all(project: Hostile, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Every Markdown mlci sends to GitHub, by what writes it."""
    repo, p = project.repo, project.payload
    spec = load_project(repo.root / "mlci.yaml").spec
    comparison, gate = assess(repo.root, spec)
    comparison = replace(comparison, notes=(*comparison.notes, p))
    rules = [*spec.gates.merge, GateRule(check="reproduced")]
    gate = replace(
        evaluate(rules, comparison, ReproducedCheck(p, (p, p))), rules_source=p, notes=(p,)
    )
    columns = [MetricColumn(p, "m.json", "accuracy", "higher")]
    history = read_history(repo.root, "main", 10, columns)
    with GitObjects(repo.root) as objects:
        reader = RevisionReader(repo.root, objects)
        base = repo.git("rev-parse", "main").strip()
        plots = [
            PlotInput(p, repo.read(name), (reader.read_file(base, name) or b"").decode(), template)
            for name, template in (("confusion.csv", "confusion"), ("roc.csv", None))
        ]
    plots.append(PlotInput(p, repo.read("loss.csv"), None, "linear", p, "loss"))
    plots.append(PlotInput(p, "not,a\nplot,file\n", None, "scatter"))
    report = build_report(
        comparison, gate.results, history, plots, branch=p, rules_source=p, notices=(p,)
    )
    cli = {
        "mlci report": repo.mlci("report", capsys=capsys),
        "mlci diff --format md": repo.mlci("diff", "main", "--format", "md", capsys=capsys),
        "mlci history --format md": repo.mlci("history", "--format", "md", capsys=capsys),
    }
    for command, result in cli.items():
        assert result.code == 0, f"{command}: {result.err}"
    return {
        "report": render_markdown(report),
        "diff": diff_format.render_markdown(comparison),
        "gate": gates_format.render_markdown(gate),
        "history": history_format.as_markdown(history),
        **{command: result.out for command, result in cli.items()},
    }


@pytest.fixture
def rendered(repo: Repo, capsys: pytest.CaptureFixture[str]) -> Callable[[str], dict[str, str]]:
    """Render everything for a payload, and hold each output to `check_markdown`."""

    def render(payload: str) -> dict[str, str]:
        outputs = render_all(hostile_repo(repo, payload), capsys)
        for name, markdown in outputs.items():
            check_markdown(markdown, report=name in ("report", "mlci report"), name=name)
        return outputs

    return render


# --- the rules every output is held to ---------------------------------------------------------

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
OWN_HEADINGS = re.compile(
    r"mlci diff: |(✅|⚠️|❌) mlci gate: |(Metrics|Merge rules|Params|Data|Stages that reran"
    r"|Notes|Trend|Confusion matrix|Curves|Data and outputs|Stages whose inputs changed)$"
)
OWN_HTML = re.compile(rf"{re.escape(MARKER)}|<details><summary>[^<>]*</summary>|</details>")
OWN_TAGS = {
    *("p", "h3", "h4", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote"),
    *("table", "thead", "tbody", "tr", "th", "td", "details", "summary"),
}
# What GitHub turns into a notification, a reference or a link in the rendered text.
PINGS_AND_LINKS = re.compile(r"@[\w-]|#\d|\bGH-\d|://|\bwww\.", re.IGNORECASE)
RAW_TAG = re.compile(r"<[A-Za-z!/?]")
FENCE = re.compile(r"^```mermaid\n.*?\n```$", re.S | re.M)


def prose(markdown: str) -> str:
    """`markdown` without its Mermaid blocks and code spans: what GitHub reads as Markdown."""
    source, out, i = FENCE.sub("", markdown), [], 0
    while i < len(source):
        if source[i] == "\\":  # an escaped character is text
            out.append(source[i : i + 2])
            i += 2
        elif run := re.match("`+", source[i:]):
            fence = run[0]
            end = re.compile(f"(?<!`){fence}(?!`)").search(source, i + len(fence))
            out.append(" " if end else fence)
            i = end.end() if end else i + len(fence)
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from walk(token.children or [])


def rendered_text(tokens: list[Token]) -> str:
    """The text a reader sees in inline tokens (entities decoded, escapes gone)."""
    return "".join(t.content for t in walk(tokens) if t.type in ("text", "code_inline"))


def check_markdown(markdown: str, *, report: bool, name: str = "") -> None:
    """Fail unless `markdown` holds nothing but mlci's own structure."""
    where = f"{name}: " if name else ""
    assert markdown.count(MARKER) == int(report), f"{where}the marker is not there exactly once"
    if report:
        assert markdown.startswith(MARKER + "\n"), where
    _check_tokens(MD.parse(markdown), where)
    outside = FENCE.sub("", markdown)
    _check_tables(outside, where)
    for tag in RAW_TAG.findall(outside.replace(MARKER, "")):
        assert tag in ("<d", "</", "<s"), f"{where}raw HTML from a string: {tag!r}"
    markdown_text = prose(markdown)
    for syntax in ("](", "][", "://"):
        assert syntax not in markdown_text, f"{where}{syntax!r} outside a code span"
    assert not re.search(r"@\w|#\d", markdown_text), f"{where}a mention or reference"
    for html_name, html in _html(markdown):
        tags = _tags(html)
        assert tags <= OWN_TAGS | {"!--"}, f"{where}{html_name} renders {tags - OWN_TAGS}"
    for chart in blocks(markdown):
        _check_chart(chart, where)


def _check_tokens(tokens: list[Token], where: str) -> None:
    depth = {"blockquote": 0, "list": 0}
    for i, token in enumerate(tokens):
        kind = token.type
        assert kind not in ("hr", "code_block", "html_inline"), f"{where}{kind} at {token.map}"
        if kind == "fence":
            assert token.info == "mermaid", f"{where}a {token.info!r} fence"
        if kind == "html_block":
            assert OWN_HTML.fullmatch(token.content.strip()), f"{where}{token.content!r}"
        if kind == "heading_open":
            heading = tokens[i + 1].content
            assert OWN_HEADINGS.match(heading), f"{where}a heading of its own: {heading!r}"
        for container, opening in (("blockquote", "blockquote"), ("list", "_list")):
            if kind.endswith(opening + "_open"):
                depth[container] += 1
                assert sum(depth.values()) == 1, f"{where}a {container} inside another block"
            elif kind.endswith(opening + "_close"):
                depth[container] -= 1
        if kind == "inline":
            _check_inline(token, where)


def _check_inline(token: Token, where: str) -> None:
    children = token.children or []
    for i, child in enumerate(children):
        assert child.type not in ("link_open", "image", "s_open", "html_inline"), (
            f"{where}{child.type} in {token.content!r}"
        )
        if child.type == "em_open":  # mlci's only emphasis: "_…and 12 more, left out…_"
            assert children[i + 1].content.startswith("…and"), f"{where}{token.content!r}"
    seen = "".join(c.content for c in children if c.type == "text")
    assert not PINGS_AND_LINKS.search(seen), f"{where}GitHub would link {seen!r}"
    assert "\u202e" not in seen


def _check_tables(markdown: str, where: str) -> None:
    """Every row of a table has as many unescaped `|` as its header: no cell broke out."""
    for table in re.findall(r"^\|.*(?:\n\|.*)*", markdown, flags=re.M):
        rows = table.split("\n")
        pipes = [len(re.findall(r"(?<!\\)\|", row)) for row in rows]
        assert len(set(pipes)) == 1 and rows[0].endswith("|"), f"{where}{table}"
        parsed = [t for t in MD.parse(table) if t.type == "tr_open"]
        assert len(parsed) == len(rows) - 1, f"{where}a row broke out of\n{table}"


def github_html(markdown: str) -> str | None:
    """`markdown` as GitHub renders it (cmark-gfm, raw HTML let through); None without cmarkgfm."""
    try:
        import cmarkgfm
        from cmarkgfm.cmark import Options
    except ImportError:
        return None
    html: str = cmarkgfm.github_flavored_markdown_to_html(markdown, Options.CMARK_OPT_UNSAFE)
    return html


def _html(markdown: str) -> list[tuple[str, str]]:
    """`markdown` as HTML from markdown-it, and from GitHub's cmark-gfm when cmarkgfm is here."""
    github = github_html(markdown)
    found = [("markdown-it", MD.render(markdown))]
    return found if github is None else [*found, ("cmark-gfm", github)]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)

    def handle_comment(self, data: str) -> None:
        assert f"<!--{data}-->" == MARKER, f"an HTML comment: {data!r}"
        self.tags.add("!--")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _tags(html: str) -> set[str]:
    reader = _Reader()
    reader.feed(html)
    return reader.tags


def _html_text(html: str) -> str:
    """What a reader of `html` sees, without line breaks between elements or word joiners."""
    reader = _Reader()
    reader.feed(html)
    return "".join(reader.text).replace("\n", "").replace(WORD_JOINER, "")


CHART_LINE = re.compile(
    r'    (title "[^"]*"|x-axis \[("[^"]*"(, )?)+\]|[xy]-axis "[^"]*" -?[\d.]+ --> -?[\d.]+'
    r"|line \[(-?[\d.]+(, )?)+\])"
)
CHART_HEAD = "---\nconfig:\n  themeVariables:\n    xyChart:\n      plotColorPalette: "


def _check_chart(chart: str, where: str) -> None:
    """A chart is mlci's front matter, then statements whose strings stay closed."""
    assert chart.startswith(CHART_HEAD), f"{where}{chart}"
    body = chart.split("\n---\n", 1)[1].split("\n")
    assert body[0] == "xychart-beta", f"{where}{chart}"
    for line in body[1:]:
        assert CHART_LINE.fullmatch(line), f"{where}not one of mlci's statements: {line!r}"
    assert "%%" not in chart and "<" not in chart and "`" not in chart, f"{where}{chart}"


# --- one attack at a time ----------------------------------------------------------------------


def test_table_cells_keep_their_row(rendered: Callable[[str], dict[str, str]]) -> None:
    for name, markdown in rendered(ATTACKS["table"]).items():
        assert "\n| forged | row |" not in markdown, name
        assert "a\\|b  c \\| d" in markdown, name  # the text is there, on one line


def test_code_spans_hold_backticks_of_any_length(
    rendered: Callable[[str], dict[str, str]],
) -> None:
    payload = ATTACKS["code"]
    outputs = rendered(payload)
    for name in ("report", "diff", "mlci diff --format md", "mlci report"):
        spans = [t.content for t in walk(MD.parse(outputs[name])) if t.type == "code_inline"]
        assert one_line(payload) in spans, (name, spans)  # the params key, whole, as written
    assert code("`") == "`` ` ``" and code(" x ") == "`  x  `" and code("") == "` `"


def test_html_in_a_name_is_text(rendered: Callable[[str], dict[str, str]]) -> None:
    for name, markdown in rendered(ATTACKS["html"]).items():
        seen = rendered_text(MD.parse(markdown)).replace(WORD_JOINER, "")
        assert "<img src=x onerror=alert(1)>" in seen, name  # shown, neither run nor dropped
        assert "<details" not in markdown.replace("<details><summary>", ""), name
        assert "&amp;amp;" in markdown, name  # an entity is shown as typed


def test_links_images_and_urls_do_not_link(rendered: Callable[[str], dict[str, str]]) -> None:
    for name, markdown in rendered(ATTACKS["links"]).items():
        assert "](http" not in prose(markdown), name
        seen = rendered_text(MD.parse(markdown)).replace(WORD_JOINER, "")
        assert "[click](https://evil.example/phish)" in seen, name  # as text


def test_mentions_and_issue_references_notify_no_one(
    rendered: Callable[[str], dict[str, str]],
) -> None:
    for name, markdown in rendered(ATTACKS["mentions"]).items():
        assert "@octocat" not in prose(markdown), name
        seen = rendered_text(MD.parse(markdown)).replace(WORD_JOINER, "")
        assert "@octocat @acme/admins #123" in seen, name


def test_the_marker_cannot_be_forged(rendered: Callable[[str], dict[str, str]]) -> None:
    from mlci.publish.comment import REPORT_MARKER as FINDER_MARKER
    from mlci.publish.comment import comment_body

    assert MARKER == REPORT_MARKER == FINDER_MARKER
    outputs = rendered(ATTACKS["marker"])  # check_markdown: exactly once, first, in the report
    for name in ("report", "mlci report"):
        body, _ = comment_body(outputs[name])
        assert body.count(MARKER) == 1 and body.startswith(MARKER), name


@pytest.fixture(scope="session")
def mermaid() -> MermaidParse:
    parse = mermaid_parser()
    if parse is None:
        pytest.skip("Node.js and npm run Mermaid's parser; neither is on PATH")
    return parse


@pytest.mark.slow
def test_mermaid_labels_stay_inside_their_strings(
    rendered: Callable[[str], dict[str, str]], mermaid: MermaidParse
) -> None:
    payload = ATTACKS["mermaid"]
    outputs = rendered(payload)
    charts = blocks(outputs["report"]) + blocks(outputs["mlci report"])
    assert len(blocks(outputs["report"])) == 3  # the trend, the ROC and the loss curve
    label = mermaid_string(payload)[1:-1]
    results = mermaid(charts)
    for chart, result in zip(charts, results, strict=True):
        assert result["ok"], (result, chart)
        (palette,) = re.findall(r'plotColorPalette: "([^"]*)"', chart)
        colours = {"themeVariables": {"xyChart": {"plotColorPalette": palette}}}
        assert result["config"] == colours, result  # no directive took effect
        said = dict(re.findall(r'(title|x-axis|y-axis) "([^"]*)"', chart))
        read = result["chart"]
        assert read["title"] == said["title"] and read["y_title"] == said["y-axis"], read
        assert read["x_title"] == said.get("x-axis", ""), read
        assert read["lines"] == chart.count("\n    line "), read
    trend, roc, loss = (r["chart"] for r in results[:3])
    assert trend["title"].startswith(label[:40]) and trend["y_title"].startswith(label[:40])
    assert roc["title"] == mermaid_string(f"ROC: {payload}")[1:-1]
    assert loss["x_title"] == label  # the column a pull request named
    assert mermaid_string('a"b`c<d>%%{e}%%') == "\"a'b'c\u2039d\u203a% %{e}% %\""


@pytest.mark.parametrize("start", FORGED_STARTS)
def test_no_string_starts_a_line_of_its_own(
    rendered: Callable[[str], dict[str, str]], start: str
) -> None:
    payload = f"{start}\n{ATTACKS['lines']}"
    for name, markdown in rendered(payload).items():
        lines = FENCE.sub("", markdown).split("\n")
        if name in ("report", "mlci report"):  # the verdict line is mlci's, second
            assert re.match(r"\*\*(✅|❌|⚪) mlci: [a-z ]+\*\*: ", lines[1]), lines[1]
            lines[1] = ""
        for line in lines:
            content = re.sub(r"^(> |- |\d+\. |\| )", "", line)
            assert not content.startswith(start), (name, line)  # indenting: no code_block
            if not line.startswith("|"):  # a cell is no line: tables are checked on their own
                assert not re.match(r"(\*\*)?(✅|❌|⚪|Gate passed)", content), (name, line)


def test_every_output_holds_with_hostile_strings_everywhere(
    rendered: Callable[[str], dict[str, str]],
) -> None:
    outputs = rendered(EVERYTHING)
    assert set(outputs) == {
        *("report", "diff", "gate", "history"),
        *("mlci report", "mlci diff --format md", "mlci history --format md"),
    }
    report = outputs["report"]
    assert "#### Metrics" in report and "#### Notes" in report
    for summary in (
        "Params: ",
        "Stages that reran: ",
        "Trend of ",
        "Confusion matrix",
        "Curves",
    ):
        assert f"<details><summary>{summary}" in report


# --- the escaping functions, on any string -----------------------------------------------------

PIECES = st.sampled_from(
    [
        *"aZ9 _*`~|$<>&[]()!#@:/.\\-+=\"'%{}\n\r\t\u202e",
        *("www.", "://", "@x", "#1", "GH-1", "```", "<!--", "-->", "](", "1. ", "- ", "&#64;"),
        "é",
    ]
)
STRINGS = st.lists(PIECES, max_size=12).map("".join)
CELL = "| h |\n|--|\n| {} |"


def _seen(markdown: str) -> tuple[list[Token], str]:
    tokens = MD.parse(markdown)
    return tokens, rendered_text(tokens).replace(WORD_JOINER, "")


def _expected(value: str) -> str:
    return one_line(value).strip()


@settings(max_examples=300, deadline=None)
@given(STRINGS)
def test_text_renders_as_exactly_its_characters(value: str) -> None:
    """At a line's start or end, in a paragraph, list, quote, heading or cell: only text."""
    for shape in ("{}", "- {}", "> {}", "1. {}", "#### {}", CELL):
        for placed, expected in (
            (text(value) + " z", (_expected(value) + " z").lstrip()),
            ("a " + text(value), ("a " + _expected(value)).rstrip()),
        ):
            markdown = shape.format(placed)
            tokens, seen = _seen(markdown)
            assert seen == ("h" if "|" in shape else "") + expected, (markdown, seen)
            plain = [t.type for t in MD.parse(shape.format("a z"))]
            assert [t.type for t in tokens] == plain, markdown  # the same blocks as plain text
            kinds = {c.type for t in tokens for c in t.children or []}
            assert kinds <= {"text"}, (markdown, kinds)  # no emphasis, link, code or HTML


@settings(max_examples=300, deadline=None)
@given(STRINGS)
def test_code_spans_show_exactly_their_characters(value: str) -> None:
    for markdown in (f"x {code(value)} y", CELL.format(cell_code(value))):
        spans = [t.content for t in walk(MD.parse(markdown)) if t.type == "code_inline"]
        assert [s.replace(WORD_JOINER, "") for s in spans] == [one_line(value) or " "], markdown
    assert MARKER not in code(value) and "<d" not in code(value)


@settings(max_examples=200, deadline=None)
@given(STRINGS)
def test_html_text_is_text(value: str) -> None:
    markdown = f"<details><summary>{html_text(value)}</summary>\n\nbody\n\n</details>"
    (summary,) = [t for t in MD.parse(markdown) if t.type == "html_block"][:1]
    assert OWN_HTML.fullmatch(summary.content.strip().split("\n")[0]), summary.content
    for html in (MD.render(markdown), github_html(markdown)):
        if html is not None:
            assert _tags(html) == {"details", "summary", "p"}, html
            assert _html_text(html) == _expected(value) + "body", html


@settings(max_examples=300, deadline=None)
@given(STRINGS)
def test_github_s_own_parser_shows_exactly_the_characters(value: str) -> None:
    """cmark-gfm, with GitHub's autolinks: prose and code spans in a paragraph, list or cell."""
    if github_html("x") is None:
        pytest.skip("the cmarkgfm package (GitHub's cmark-gfm) is not installed")
    one = one_line(value) or " "
    for shape, span in (("{}", code), ("- {}", code), ("> {}", code), (CELL, cell_code)):
        head = "h" if shape == CELL else ""
        for markdown, expected in (
            (shape.format(text(value) + " z"), (_expected(value) + " z").lstrip()),
            (shape.format(f"a {span(value)}"), f"a {one}"),
        ):
            html = github_html(markdown)
            assert html is not None
            assert _tags(html) <= OWN_TAGS, (markdown, html)
            assert _html_text(html) == head + expected, (markdown, html)


def test_ordinary_names_read_as_before() -> None:
    """Underscores inside names, dots, numbers and signs are written as they are."""
    markdown = render_markdown(realistic())
    assert "\\" not in markdown and WORD_JOINER not in markdown
    for name in ("train_loss", "precision_recall", "train.C", "-0.1", "+2"):
        assert text(name) == name
    assert text("_private") == "\\_private" and text("a*b") == "a\\*b"
    check_markdown(markdown, report=True)


# --- the terminal --------------------------------------------------------------------------------

TERMINAL_PAYLOAD = "x\n::error title=forged::mlci gate passed\r\x1b[2K\x1b[32mok\u202e\u2028::x"


def test_terminal_tables_keep_each_value_on_its_line(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CI log reads `::command::` lines and a terminal obeys escape sequences: a string of
    the pull request's can start neither, in any of the terminal tables."""
    project = hostile_repo(repo, TERMINAL_PAYLOAD)
    spec = load_project(project.repo.root / "mlci.yaml").spec
    comparison, gate = assess(project.repo.root, spec)
    comparison = replace(comparison, notes=(*comparison.notes, TERMINAL_PAYLOAD))
    gate = replace(gate, rules_source=TERMINAL_PAYLOAD, notes=(TERMINAL_PAYLOAD,))
    columns = [MetricColumn(TERMINAL_PAYLOAD, "m.json", "accuracy", "higher")]
    history = read_history(project.repo.root, "main", 10, columns)
    outputs = {
        "diff": diff_format.render_table(comparison),
        "gate": gates_format.render_text(gate),
        "history": history_format.as_table(history),
        "mlci diff": project.repo.mlci("diff", "main", capsys=capsys).out,
    }
    for name, shown in outputs.items():
        assert "x\\n::error title=forged::mlci gate passed\\r\\x1b[2K" in shown, name
        for line in shown.splitlines():
            assert not line.lstrip().startswith("::"), (name, line)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e\u2028]", shown), name
