"""Publishing a report from GitHub Actions: the job summary and one sticky PR comment.

`publish()` is the entry point; the modules behind it each talk to one thing: `summary` to
the job summary file, `github` to the REST API (retries, rate limits, the token), `comment`
to a pull request's comments, `event` to the Actions environment and event payload.
"""

from mlci.publish.publish import PublishResult, publish

__all__ = ["PublishResult", "publish"]
