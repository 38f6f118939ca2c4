"""The deploy job's GitHub side against the API stand-in: the package attached to its
version's release (once), the Deployment with the evidence and the approver, and an upload
URL that points away from GitHub refused before the token goes there."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from mlci.publish.api_error import GitHubError
from mlci.usecases.github_deploy import (
    dispatch_deploy,
    package_digest,
    record_deployment,
    release_package,
)
from tests.publish.github_server import FakeGitHub, Fault

TOKEN = "ghs_deploytoken0123456789abcdef"
REPO = "acme/churn"


def _package(folder: Path) -> Path:
    folder.mkdir()
    manifest = {"model": "churn", "version": "v1.2.0", "commit": "a" * 40, "files": []}
    (folder / "package.json").write_text(json.dumps(manifest))
    (folder / "model.skops").write_bytes(b"\x00model")
    (folder / "card.md").write_text("# churn v1.2.0\n")
    (folder / "evidence.json").write_text(json.dumps({"stage": "prod", "gate": {"passed": True}}))
    return folder


def _environ(github: FakeGitHub, **more: str) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SERVER_URL": "https://github.test",
        **more,
    }


def test_the_package_is_attached_once_to_its_version_release(tmp_path: Path) -> None:
    package = _package(tmp_path / "package")
    with FakeGitHub(token=TOKEN) as github:
        said = release_package(package, _environ(github))
        assert "churn-v1.2.0.tar.gz attached" in said
        again = release_package(package, _environ(github))
        assert "already attached" in again
        (release,) = github.releases[REPO]
        assert release["tag_name"] == "churn@v1.2.0" and release["body"] == "# churn v1.2.0\n"
        (asset,) = github.assets[release["id"]]
    assert asset["content_type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(asset["data"]))) as tar:
        names = sorted(tar.getnames())
        assert names == [f"churn-v1.2.0/{n}" for n in sorted(p.name for p in package.iterdir())]
        assert all(member.mtime == 0 for member in tar.getmembers())


def test_an_upload_url_away_from_github_gets_no_token(tmp_path: Path) -> None:
    package = _package(tmp_path / "package")
    with FakeGitHub(token=TOKEN) as github:
        github.upload_host = "127.0.0.2:9"
        with pytest.raises(GitHubError, match="not sending the token there"):
            release_package(package, _environ(github))
        assert not any("uploads" in r.target for r in github.requests)


def test_the_deployment_carries_the_evidence_and_who_approved(tmp_path: Path) -> None:
    package = _package(tmp_path / "package")
    with FakeGitHub(token=TOKEN) as github:
        github.approvals[77] = [
            {
                "state": "approved",
                "comment": "looks right",
                "user": {"login": "octo-lead"},
                "environments": [{"name": "production"}],
            },
            {"state": "approved", "user": {"login": "other"}, "environments": [{"name": "x"}]},
        ]
        environ = _environ(github, GITHUB_RUN_ID="77")
        said = record_deployment(package, "prod", "production", True, "success", environ)
        assert "approved by: octo-lead" in said
        # The same run again (a re-run of the step) finds its deployment: no second one.
        record_deployment(package, "prod", "production", True, "success", environ)
        (made,) = github.deployments[REPO]
        statuses = github.statuses[made["id"]]
    assert made["ref"] == "a" * 40 and made["environment"] == "production"
    assert made["production_environment"] is True and made["required_contexts"] == []
    payload = made["payload"]
    assert payload["evidence"] == {"stage": "prod", "gate": {"passed": True}}
    assert payload["approved_by"] == [{"login": "octo-lead", "comment": "looks right"}]
    assert payload["package_sha256"] == package_digest(package)
    assert [s["state"] for s in statuses] == ["success", "success"]
    assert statuses[0]["log_url"] == f"https://github.test/{REPO}/actions/runs/77"


def test_a_dispatch_starts_the_deploy_workflow_once() -> None:
    with FakeGitHub(token=TOKEN) as github:
        said = dispatch_deploy("prod", "main", _environ(github))
        assert said == "started mlci-deploy.yml on main to deploy prod"
        assert github.dispatches == [
            {
                "repository": REPO,
                "workflow": "mlci-deploy.yml",
                "ref": "main",
                "inputs": {"stage": "prod"},
            }
        ]
        # A 5xx leaves unknown whether a run started: not sent again, and said so.
        github.faults.append(Fault("POST", 502, times=5, message="Bad Gateway"))
        with pytest.raises(GitHubError, match="not retried"):
            dispatch_deploy("prod", "main", _environ(github))
        posts = [r for r in github.requests if r.method == "POST"]
        assert len(posts) == 2 and len(github.dispatches) == 1
