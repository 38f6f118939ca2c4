"""A version's package as an asset of the GitHub Release of its version tag.

Release assets do not expire (Actions artifacts do, after 90 days), so a version deployed
years ago can still be fetched as it was. Attaching is idempotent: the release is made once,
and an asset of the same name and size is left as it is.

The upload URL comes from the server's reply, so it is checked before the token goes there:
the API's own origin (GitHub Enterprise Server, a stand-in), or uploads.github.com for
api.github.com.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mlci.publish.api_error import GitHubError
from mlci.publish.github import DEFAULT_API_URL, GitHub
from mlci.publish.network import origin, same_origin

GITHUB_UPLOADS = "https://uploads.github.com"
MAX_BODY = 125_000
"""Characters a release's notes may have."""


@dataclass(frozen=True)
class Attached:
    release_url: str
    asset_url: str
    uploaded: bool
    """False when the release already had this asset."""


def attach(
    github: GitHub, repository: str, tag: str, title: str, notes: str, name: str, data: bytes
) -> Attached:
    """Attach `data` as asset `name` to the release of `tag`, made when missing."""
    release = _release(github, repository, tag, title, notes)
    assets = github.paginate(
        f"repos/{repository}/releases/{_number(release, 'id')}/assets", {"per_page": 100}
    )
    for asset in assets:
        if isinstance(asset, dict) and asset.get("name") == name:
            if asset.get("size") == len(data):
                return Attached(
                    _text(release, "html_url"), _text(asset, "browser_download_url"), False
                )
            github.delete(f"repos/{repository}/releases/assets/{int(asset['id'])}")
    upload_url = _text(release, "upload_url").split("{", 1)[0]
    if not allowed_upload(github.api_url, upload_url):
        raise github.fail(
            f"the release's upload URL points to {origin(upload_url)}, not to GitHub's uploads "
            f"for {github.api_url}; not sending the token there"
        )
    asset = github.upload(upload_url, {"name": name}, data, "application/gzip")
    return Attached(_text(release, "html_url"), _text(asset, "browser_download_url"), True)


def _number(item: dict[str, Any], key: str) -> int:
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise GitHubError(f"GitHub's reply has no {key}")
    return value


def allowed_upload(api_url: str, upload_url: str) -> bool:
    """Whether a release's upload URL is where GitHub takes uploads for `api_url`."""
    if upload_url.startswith(("http://", "https://")) and same_origin(api_url, upload_url):
        return True
    return origin(api_url) == DEFAULT_API_URL and origin(upload_url) == GITHUB_UPLOADS


def _release(github: GitHub, repository: str, tag: str, title: str, notes: str) -> dict[str, Any]:
    try:
        return github.get(f"repos/{repository}/releases/tags/{quote(tag, safe='')}")
    except GitHubError as error:
        if error.status != 404:
            raise
    payload = {
        "tag_name": tag,
        "name": title,
        "body": notes[:MAX_BODY],
        "draft": False,
        "prerelease": False,
        "make_latest": "false",  # a model's release is not the project's latest software
    }
    return github.post(f"repos/{repository}/releases", payload)


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise GitHubError(f"GitHub's reply has no {key}")
    return value
