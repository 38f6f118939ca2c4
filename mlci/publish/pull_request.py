"""Open a pull request through the API, once: a lost reply is looked for by its branch
before the request is sent again."""

from __future__ import annotations

from mlci.publish.github import GitHub, JsonObject


def open_pull_request(
    github: GitHub, repository: str, *, branch: str, base: str, title: str, body: str
) -> JsonObject:
    owner = repository.split("/", 1)[0]

    def landed() -> JsonObject | None:
        query: dict[str, str | int] = {
            "head": f"{owner}:{branch}",
            "state": "open",
            "per_page": 100,
        }
        for item in github.paginate(f"repos/{repository}/pulls", query):
            if isinstance(item, dict) and (item.get("head") or {}).get("ref") == branch:
                return item
        return None

    payload = {"title": title, "head": branch, "base": base, "body": body}
    return github.post(f"repos/{repository}/pulls", payload, landed=landed)
