"""What GitHub holds mlci's report to: the marker its sticky comment is found by, and sizes.

Imported by the report renderer (mlci.present) as well as the publisher, so it imports
nothing: `mlci.present` must not pay for `requests` to learn a number.

Where the numbers come from:

- COMMENT_LIMIT: the REST API refuses an issue or pull-request comment with a longer body
  with 422 "Body is too long (maximum is 65536 characters)"; the REST docs
  (https://docs.github.com/en/rest/issues/comments) do not state it.
- SUMMARY_LIMIT: "Workflow commands for GitHub Actions", adding a job summary
  (https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary):
  at most 1 MiB of summary per step; the runner shows an error instead of a longer one.
"""

from __future__ import annotations

REPORT_MARKER = "<!-- mlci-report -->"
"""First line of mlci's pull-request report: how the sticky comment is found again. Nothing a
pull request writes can reproduce it in the report: mlci.present.markdown_escape turns every
`<` it quotes into `&lt;`, or, in a code span, into `<` and a word joiner."""

COMMENT_LIMIT = 65_536
"""Characters in one comment's body; GitHub rejects a longer one with a 422."""

SUMMARY_LIMIT = 1024 * 1024
"""Bytes of job summary one step may write, counting every command of the step."""
