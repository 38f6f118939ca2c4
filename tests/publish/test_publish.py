"""Publishing: job summary and sticky PR comment, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import email.utils
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from mlci.errors import MlciError
from mlci.publish import PublishResult, publish
from mlci.publish.github import GitHub, GitHubError
from mlci.publish.limits import COMMENT_LIMIT, SUMMARY_LIMIT
from mlci.publish.limits import REPORT_MARKER as MARKER
from mlci.publish.retry import RetryPolicy, rate_limit_wait
from mlci.publish.trim import fit
from tests.publish.github_server import FakeGitHub, Fault

TOKEN = "ghs_Sup3rSecretT0kenThatMustNeverBePrinted"
REPO = "octo/model"
PR = 7
NOW = 1_800_000_000.0  # the injected clock: X-RateLimit-Reset is counted from it
COMMENTS = f"/repos/{REPO}/issues/{PR}/comments"


class Sleeps(list[float]):
    """The injected sleep: records each wait instead of waiting."""

    def policy(self) -> RetryPolicy:
        return RetryPolicy(sleep=self.append, clock=lambda: NOW)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def actions_env(tmp_path: Path, api_url: str, *, fork: bool = False) -> dict[str, str]:
    """The environment GitHub Actions gives a step of a `pull_request` run."""
    head = "someone/model" if fork else REPO
    event = {
        "number": PR,
        "pull_request": {
            "number": PR,
            "head": {"repo": {"full_name": head}},
            "base": {"repo": {"full_name": REPO}},
        },
    }
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
        "GITHUB_API_URL": api_url,
        "GITHUB_TOKEN": TOKEN,
    }


@pytest.fixture
def env(tmp_path: Path, github: FakeGitHub) -> dict[str, str]:
    return actions_env(tmp_path, github.url)


def comments(github: FakeGitHub) -> list[str]:
    return [c["body"] for c in github.comments.get((REPO, PR), [])]


def assert_no_token(*texts: object) -> None:
    for text in texts:
        assert TOKEN not in str(text)
        assert TOKEN not in repr(text)


# --- the sticky comment ------------------------------------------------------------------


def test_marker_on_page_three_is_found_and_updated_in_place(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    for n in range(250):
        body = f"{MARKER}\nold report" if n == 230 else f"review comment {n}"
        github.add_comment(REPO, PR, body)

    result = publish("## new report", env, retry=sleeps.policy())

    assert result.comment == "updated"
    bodies = comments(github)
    assert len(bodies) == 250
    assert bodies[230] == f"{MARKER}\n## new report"
    assert [b for b in bodies if MARKER in b] == [bodies[230]]
    assert github.seen("GET") == [
        "/user",  # who the token is: only its own comment is edited
        f"{COMMENTS}?per_page=100",
        f"{COMMENTS}?per_page=100&page=2",
        f"{COMMENTS}?per_page=100&page=3",
    ]
    assert github.seen("PATCH") == [f"/repos/{REPO}/issues/comments/{1001 + 230}"]
    assert github.seen("POST") == []
    assert all(r.authorized for r in github.requests)
    assert sleeps == []


def test_first_publish_creates_and_every_later_one_updates_the_same_comment(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.add_comment(REPO, PR, "LGTM")

    first = publish("accuracy 0.91", env, retry=sleeps.policy())
    second = publish("accuracy 0.93", env, retry=sleeps.policy())
    third = publish("accuracy 0.93", env, retry=sleeps.policy())

    assert (first.comment, second.comment, third.comment) == ("created", "updated", "unchanged")
    assert first.comment_url == second.comment_url == third.comment_url
    assert comments(github) == ["LGTM", f"{MARKER}\naccuracy 0.93"]
    assert len(github.seen("POST")) == 1
    assert len(github.seen("PATCH")) == 1  # an identical report is not re-sent


def test_mlcis_own_report_carries_the_marker_once(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    report = f"{MARKER}\n**✅ mlci: passed**: all merge rules pass\n"
    publish(report, env, retry=sleeps.policy())
    (body,) = comments(github)
    assert body == report and body.count(MARKER) == 1


def test_a_comment_quoting_the_marker_is_not_taken_over(
    github: FakeGitHub, env: dict[str, str]
) -> None:
    github.add_comment(REPO, PR, f"> {MARKER}\n> why is this here?")

    assert publish("report", env).comment == "created"
    assert comments(github) == [f"> {MARKER}\n> why is this here?", f"{MARKER}\nreport"]


def test_comment_is_capped_at_65536_characters_with_a_note(
    github: FakeGitHub, env: dict[str, str]
) -> None:
    report = "# Report\n```mermaid\n" + "xychart-beta line [1, 2, 3] ✓\n" * 4000 + "```\n"

    result = publish(report, env)

    (body,) = comments(github)
    assert len(body) <= COMMENT_LIMIT
    assert len(body) > COMMENT_LIMIT - 200  # cut near the limit, not far below it
    assert body.startswith(MARKER)
    # The open Mermaid block is closed before the note, so the note renders as text.
    assert body.endswith(
        "```\n\n> [!NOTE]\n> mlci cut this report short to fit GitHub's limit "
        "of 65,536 characters for a comment; the whole report is in the job "
        "summary of this run.\n"
    )
    assert "cut short to fit 65,536 characters" in result.notes[-1]


# --- retries and rate limits ---------------------------------------------------------------


def test_server_errors_are_retried_with_exponential_backoff(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.faults.append(Fault("GET", 502, times=3, path=COMMENTS, message="Bad Gateway"))

    assert publish("report", env, retry=sleeps.policy()).comment == "created"
    assert sleeps == [1.0, 2.0, 4.0]
    assert len([t for t in github.seen("GET") if COMMENTS in t]) == 4  # three 502s, the page
    assert comments(github) == [f"{MARKER}\nreport"]


def test_429_waits_as_long_as_retry_after_says(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.faults.append(Fault("POST", 429, headers={"Retry-After": "7"}, message="slow down"))

    assert publish("report", env, retry=sleeps.policy()).comment == "created"
    assert sleeps == [7.0]
    assert len(github.seen("POST")) == 2
    assert comments(github) == [f"{MARKER}\nreport"]  # a rate limit creates nothing


@pytest.mark.parametrize(
    ("headers", "message", "waited"),
    [
        ({"Retry-After": "3"}, "You have exceeded a secondary rate limit.", 3.0),
        # Primary limit spent: wait until the reset second (from the injected clock), +1.
        (
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)},
            "API rate limit exceeded for installation ID 1.",
            31.0,
        ),
        # A secondary limit that names no time: GitHub says wait at least a minute.
        ({}, "You have exceeded a secondary rate limit.", 60.0),
    ],
)
def test_a_rate_limited_403_is_waited_out_and_retried(
    github: FakeGitHub,
    env: dict[str, str],
    sleeps: Sleeps,
    headers: dict[str, str],
    message: str,
    waited: float,
) -> None:
    old = github.add_comment(REPO, PR, f"{MARKER}\nold")
    github.faults.append(Fault("PATCH", 403, headers=headers, message=message))

    result = publish("new", env, retry=sleeps.policy())

    assert result.comment == "updated"
    assert sleeps == [waited]
    assert old["body"] == f"{MARKER}\nnew"


def test_a_permanent_500_gives_up_with_the_endpoint_and_never_the_token(
    github: FakeGitHub,
    env: dict[str, str],
    sleeps: Sleeps,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 and requests log at DEBUG: the token is not there
    github.faults.append(
        Fault("GET", 500, times=100, path=COMMENTS, message="Internal Server Error")
    )
    summary = Path(env["GITHUB_STEP_SUMMARY"])

    with pytest.raises(GitHubError) as raised:
        publish("report", env, retry=sleeps.policy())

    message = str(raised.value)
    assert message == (
        f"GitHub API GET {github.url}{COMMENTS} failed: gave up after 5 attempts; "
        "last: 500 Internal Server Error"
    )
    assert "\n" not in message
    assert isinstance(raised.value, MlciError)
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert summary.read_text() == "report\n"  # the summary was written before the comment
    captured = capsys.readouterr()
    assert_no_token(raised.value, raised.value.args, captured.out, captured.err, caplog.text)


def test_a_rate_limit_longer_than_the_cap_gives_up_at_once(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.faults.append(Fault("GET", 429, times=5, headers={"Retry-After": "3600"}))

    with pytest.raises(GitHubError, match=r"rate limited for 3600 s, longer than mlci waits"):
        publish("report", env, retry=sleeps.policy())
    assert sleeps == []
    assert len(github.seen("GET")) == 1


def test_a_post_that_failed_after_creating_the_comment_is_not_repeated(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.faults.append(Fault("POST", 502, after_effect=True, message="Bad Gateway"))

    result = publish("report", env, retry=sleeps.policy())

    assert result.comment == "created"
    assert comments(github) == [f"{MARKER}\nreport"]
    assert len(github.seen("POST")) == 1  # the look after the 502 found it: no second POST
    assert sleeps == [1.0]


def test_a_post_that_failed_before_creating_is_retried_once_nothing_is_found(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.faults.append(Fault("POST", 503, message="Service Unavailable"))

    assert publish("report", env, retry=sleeps.policy()).comment == "created"
    assert comments(github) == [f"{MARKER}\nreport"]
    assert len(github.seen("POST")) == 2


def test_a_post_is_not_repeated_when_nothing_can_tell_whether_it_worked(
    github: FakeGitHub, sleeps: Sleeps
) -> None:
    github.faults.append(Fault("POST", 502, after_effect=True, message="Bad Gateway"))

    with GitHub(TOKEN, github.url, sleeps.policy()) as client, pytest.raises(GitHubError) as raised:
        client.post(COMMENTS, {"body": "hello"})

    assert str(raised.value).endswith("failed: 502 Bad Gateway (not retried: it may have worked)")
    assert comments(github) == ["hello"]
    assert sleeps == []


def test_a_refused_connection_fails_at_once_naming_the_api_and_what_to_check(
    tmp_path: Path, sleeps: Sleeps
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = actions_env(tmp_path, f"http://127.0.0.1:{port}")

    with pytest.raises(GitHubError) as raised:
        publish("report", env, retry=sleeps.policy())

    # Nothing listens there: retrying within seconds would not change that.
    assert str(raised.value) == (
        f"cannot reach the GitHub API at http://127.0.0.1:{port}: connection refused; check "
        "GITHUB_API_URL (on GitHub Enterprise Server: https://HOST/api/v3) and any proxy settings"
    )
    assert sleeps == []
    assert_no_token(raised.value)


def test_a_rejected_token_fails_at_once_without_showing_it(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    env["GITHUB_TOKEN"] = "ghs_wrong"

    with pytest.raises(GitHubError, match=r"GET .* failed: 401 Bad credentials$") as raised:
        publish("report", env, retry=sleeps.policy())
    assert sleeps == []
    assert "ghs_wrong" not in str(raised.value)
    assert_no_token(raised.value)


def test_a_next_page_on_another_host_is_not_followed_with_the_token(
    tmp_path: Path, sleeps: Sleeps
) -> None:
    with FakeGitHub(TOKEN, link_host="evil.test") as github:
        for n in range(101):
            github.add_comment(REPO, PR, f"comment {n}")
        env = actions_env(tmp_path, github.url)

        with pytest.raises(GitHubError, match="points away from"):
            publish("report", env, retry=sleeps.policy())
    assert [r.target for r in github.requests] == ["/user", f"{COMMENTS}?per_page=100"]


def test_the_client_repr_hides_the_token() -> None:
    with GitHub(TOKEN, "https://ghe.example.com/api/v3/") as client:
        assert repr(client) == "GitHub(api_url='https://ghe.example.com/api/v3')"
        transport = vars(client)["_transport"]
        assert_no_token(client, transport, vars(transport)["_session"].auth)


# --- where the report goes ------------------------------------------------------------------


def test_github_enterprise_api_url_is_used(tmp_path: Path) -> None:
    with FakeGitHub(TOKEN, prefix="/api/v3") as github:
        env = actions_env(tmp_path, github.url)
        assert github.url.endswith("/api/v3")

        assert publish("report", env).comment == "created"

    assert comments(github) == [f"{MARKER}\nreport"]
    assert [r.target for r in github.requests] == [
        "/api/v3/user",
        f"/api/v3{COMMENTS}?per_page=100",
        f"/api/v3{COMMENTS}",
    ]


def test_fork_pr_gets_the_summary_and_a_skipped_comment_with_its_reason(
    tmp_path: Path, github: FakeGitHub
) -> None:
    env = actions_env(tmp_path, github.url, fork=True)

    result = publish("report", env)

    assert result == PublishResult(
        summary=Path(env["GITHUB_STEP_SUMMARY"]),
        comment="skipped",
        comment_url=None,
        notes=(
            "job summary: report added",
            "PR comment: skipped, a pull request from a fork gets a read-only token; "
            "the report is in the job summary",
        ),
    )
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text() == "report\n"
    assert github.requests == []  # a read-only token is not even tried


def test_a_403_on_write_skips_the_comment_without_failing(
    github: FakeGitHub, env: dict[str, str], sleeps: Sleeps
) -> None:
    github.faults.append(
        Fault("POST", 403, times=10, message="Resource not accessible by integration")
    )

    result = publish("report", env, retry=sleeps.policy())

    assert result.comment == "skipped"
    (note,) = result.notes[1:]
    assert note == (
        f"PR comment: skipped, GitHub refused the token (GitHub API POST {github.url}{COMMENTS} "
        "failed: 403 Resource not accessible by integration); a fork's token is read-only, "
        "otherwise give the job `permissions: pull-requests: write`; "
        "the report is in the job summary"
    )
    assert sleeps == []  # a permission 403 is not a rate limit
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text() == "report\n"
    assert_no_token(result)


def test_summary_is_appended_to_not_overwritten(github: FakeGitHub, env: dict[str, str]) -> None:
    summary = Path(env["GITHUB_STEP_SUMMARY"])
    summary.write_text("## Tests\n\nall passed\n")

    publish("## mlci report\n", env)
    publish("## mlci report, again\n", env)

    assert summary.read_text() == (
        "## Tests\n\nall passed\n\n## mlci report\n\n## mlci report, again\n"
    )


def test_summary_is_capped_at_one_mebibyte_with_a_note(
    github: FakeGitHub, env: dict[str, str]
) -> None:
    summary = Path(env["GITHUB_STEP_SUMMARY"])
    summary.write_text("earlier output\n")
    report = "| metric | ✓ |\n" * 100_000  # 1.7 MB of UTF-8, with 3-byte characters

    result = publish(report, env)

    data = summary.read_bytes()
    assert len(data) <= SUMMARY_LIMIT
    assert len(data) > SUMMARY_LIMIT - 100
    text = data.decode("utf-8")  # no character cut in half
    assert text.startswith("earlier output\n\n| metric | ✓ |\n")
    assert text.endswith(
        "> mlci cut this report short to fit GitHub's 1 MiB limit for a step's job summary.\n"
    )
    assert result.notes[0] == "job summary: report added, cut short to fit 1 MiB"


def test_outside_actions_nothing_is_published(
    tmp_path: Path, github: FakeGitHub, env: dict[str, str]
) -> None:
    del env["GITHUB_ACTIONS"]

    result = publish("report", env)

    assert result == PublishResult(
        summary=None,
        comment="skipped",
        comment_url=None,
        notes=("not running in GitHub Actions (GITHUB_ACTIONS is not set): nothing published",),
    )
    assert github.requests == []
    assert not Path(env["GITHUB_STEP_SUMMARY"]).exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set"),
        ({"GITHUB_REPOSITORY": "../../admin"}, "GITHUB_REPOSITORY is '../../admin'"),
    ],
)
def test_a_comment_that_cannot_be_made_is_skipped_with_its_reason(
    github: FakeGitHub, env: dict[str, str], change: dict[str, str], reason: str
) -> None:
    result = publish("report", {**env, **change})

    assert result.comment == "skipped"
    assert result.notes[1].startswith(f"PR comment: skipped, {reason}")
    assert github.requests == []


def test_a_push_event_has_no_pull_request_to_comment_on(
    tmp_path: Path, github: FakeGitHub, env: dict[str, str]
) -> None:
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps({"ref": "refs/heads/main"}))

    result = publish("report", {**env, "GITHUB_EVENT_NAME": "push"})

    assert result.notes[1] == (
        "PR comment: skipped, the push event is not about a pull request; "
        "the report is in the job summary"
    )


# --- the pure parts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "message", "wait"),
    [
        (429, {"Retry-After": "12"}, "", 12.0),
        (429, {"Retry-After": email.utils.formatdate(NOW + 10, usegmt=True)}, "", 10.0),
        (403, {"retry-after": "5"}, "secondary rate limit", 5.0),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) - 5)}, "", 1.0),
        (429, {}, "", 60.0),
        (403, {}, "Resource not accessible by integration", None),
        (403, {"X-RateLimit-Remaining": "12"}, "Must have admin rights", None),
        (502, {"Retry-After": "5"}, "", None),  # a server error: backoff, not this
    ],
)
def test_rate_limit_wait_follows_githubs_rules(
    status: int, headers: dict[str, str], message: str, wait: float | None
) -> None:
    got = rate_limit_wait(status, CaseInsensitiveDict(headers), message, NOW)
    assert got == wait


def test_fit_cuts_at_a_line_end_and_closes_what_it_left_open() -> None:
    text = "intro\n<details><summary>more</summary>\n\n~~~~text\nline\n~~~\nstill code\n" * 3

    fitted, cut = fit(text, 80, "chars", "NOTE")

    assert cut
    assert len(fitted) == 80
    # "~~~" does not close a "~~~~" fence, so the fence is still open where the cut falls.
    assert fitted == (
        "intro\n<details><summary>more</summary>\n\n~~~~text\nline\n~~~\n~~~~\n</details>\n\nNOTE\n"
    )
    assert fit("short", 80, "chars", "NOTE") == ("short", False)
