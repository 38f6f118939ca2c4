"""A git smart-HTTP server on 127.0.0.1: `git http-backend` behind a small HTTP handler.

actions/checkout clones from `$GITHUB_SERVER_URL/OWNER/REPO`; pointed here, it runs its real
code against real git, offline. Repositories are bare folders under `root`, as on a forge.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit


def _http_backend() -> str:
    exec_path = subprocess.run(
        ["git", "--exec-path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    backend = Path(exec_path) / "git-http-backend"
    assert backend.exists(), f"git has no http-backend at {backend}"
    return str(backend)


class GitServer:
    def __init__(self, root: Path, token: str | None = None) -> None:
        """With `token`, every request must carry it as GitHub's git server takes an Actions
        token (basic auth as x-access-token), and pushes are allowed; without, reads only."""
        self.root = root
        self.token = token
        backend = _http_backend()
        serving = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._cgi()

            def do_POST(self) -> None:
                self._cgi()

            def _cgi(self) -> None:
                url = urlsplit(self.path)
                user = ""
                if serving.token is not None:
                    basic = base64.b64encode(f"x-access-token:{serving.token}".encode()).decode()
                    if self.headers.get("Authorization", "") != f"basic {basic}" and (
                        self.headers.get("Authorization", "") != f"Basic {basic}"
                    ):
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="git"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    user = "x-access-token"  # git http-backend lets a named user push
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = {
                    "GIT_PROJECT_ROOT": str(serving.root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "REQUEST_METHOD": self.command,
                    "PATH_INFO": url.path,
                    "QUERY_STRING": url.query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                    "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                    "REMOTE_ADDR": "127.0.0.1",
                    **({"REMOTE_USER": user} if user else {}),
                }
                done = subprocess.run([backend], input=body, env=env, capture_output=True)
                head, _, payload = done.stdout.partition(b"\r\n\r\n")
                status = 200
                headers = []
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def publish(self, full_name: str) -> Path:
        """An empty bare repository served as OWNER/REPO; returns its path to push to."""
        bare = self.root / f"{full_name}.git"
        if bare.exists():
            shutil.rmtree(bare)
        bare.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
        return bare

    def __enter__(self) -> GitServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
