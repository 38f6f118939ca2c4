"""The object store target through fsspec's real file system, OIDC credentials from a real
token server on 127.0.0.1, and the folder target's refusals."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from mlci.delivery.folder import deploy_to_folder, served_version
from mlci.delivery.object_store import deploy_to_store
from mlci.delivery.oidc import audience, credentials_environment, request_token
from mlci.errors import UsageError
from mlci.spec.model import Oidc


def _package(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.skops").write_bytes(b"model " + version.encode())
    manifest = {"model": "churn", "version": version, "commit": "c" * 40, "files": []}
    (folder / "package.json").write_text(json.dumps(manifest))
    return folder


def test_the_object_store_keeps_versions_and_switches_the_stage_pointer(tmp_path: Path) -> None:
    store = tmp_path / "bucket"
    store.mkdir()
    url = f"file://{store}/models"
    first = deploy_to_store(_package(tmp_path / "a", "v1.0.0"), url, "prod")
    assert first.uploaded
    second = deploy_to_store(_package(tmp_path / "b", "v1.1.0"), url, "prod")
    pointer = store / "models/churn/prod.json"
    assert json.loads(pointer.read_text())["version"] == "v1.1.0"
    # Back to v1.0.0: already in the bucket, so only the pointer changes.
    back = deploy_to_store(tmp_path / "a", url, "prod")
    assert second.uploaded and not back.uploaded
    assert json.loads(pointer.read_text())["version"] == "v1.0.0"
    assert (store / "models/churn/v1.1.0/model.skops").read_bytes() == b"model v1.1.0"


def test_the_folder_target_refuses_a_current_link_it_did_not_make(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "current").symlink_to("/etc")
    with pytest.raises(UsageError, match="not mlci's"):
        deploy_to_folder(_package(tmp_path / "a", "v1.0.0"), served, "prod")


def test_a_package_holding_a_link_is_refused(tmp_path: Path) -> None:
    package = _package(tmp_path / "a", "v1.0.0")
    (package / "secret").symlink_to("/etc/passwd")
    with pytest.raises(UsageError, match="symbolic link"):
        deploy_to_folder(package, tmp_path / "served", "prod")
    assert served_version(tmp_path / "served") is None


class _TokenServer(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        body = json.dumps({"value": "header.payload.signature"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_oidc_credentials_point_the_cloud_sdk_at_a_token_file(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        environ = {
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"http://127.0.0.1:{server.server_address[1]}/t?x=1",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-secret",
        }
        aws = Oidc(provider="aws", role="arn:aws:iam::123456789012:role/deploy", region="eu-west-1")
        token = request_token(environ, audience(aws))
    finally:
        server.shutdown()
    path, auth = _TokenServer.seen[-1]
    assert path == "/t?x=1&audience=sts.amazonaws.com" and auth == "Bearer runner-secret"
    found = credentials_environment(aws, token, tmp_path / "oidc")
    token_file = Path(found["AWS_WEB_IDENTITY_TOKEN_FILE"])
    assert token_file.read_text() == "header.payload.signature"
    assert token_file.stat().st_mode & 0o077 == 0
    assert found["AWS_ROLE_ARN"] == aws.role and found["AWS_REGION"] == "eu-west-1"
    gcp = Oidc(
        provider="gcp",
        workload_identity_provider="projects/1/locations/global/workloadIdentityPools/p/providers/g",
        service_account="deploy@proj.iam.gserviceaccount.com",
    )
    config = json.loads(
        Path(
            credentials_environment(gcp, token, tmp_path / "g")["GOOGLE_APPLICATION_CREDENTIALS"]
        ).read_text()
    )
    assert config["type"] == "external_account"
    assert config["credential_source"]["file"].endswith("oidc-token")


def test_without_id_token_permission_the_error_says_so() -> None:
    with pytest.raises(UsageError, match="id-token: write"):
        request_token({}, "sts.amazonaws.com")
