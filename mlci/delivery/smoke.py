"""The smoke test of a package before it goes anywhere: served for real on 127.0.0.1, asked
for its health and for predictions on the example rows it carries, which must equal the
model's own predictions on them."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import CheckFailed
from mlci.serving.model import load_package
from mlci.serving.server import make_server

TIMEOUT = 60.0


@dataclass(frozen=True)
class Smoked:
    model: str
    version: str
    rows: int
    """Example rows predicted over HTTP (0: the package carries none)."""


def smoke_test(package: Path) -> Smoked:
    """Serve `package` on a free port of 127.0.0.1 and check its answers; raises CheckFailed."""
    model = load_package(package)
    manifest = model.manifest
    examples = manifest.get("examples") or []
    server = make_server(model, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.effective_port}"
    try:
        health = _call(f"{address}/health", None)
        if health.get("version") != manifest["version"]:
            raise CheckFailed(
                f"the server says it serves {health.get('version')!r}, not {manifest['version']}"
            )
        if examples:
            answer = _call(f"{address}/predict", {"rows": examples})
            expected = json.loads(json.dumps(model.predict(examples)))
            if answer.get("predictions") != expected["predictions"]:
                raise CheckFailed(
                    "the served predictions of the example rows differ from the model's own"
                )
    finally:
        server.close()
        thread.join(timeout=TIMEOUT)
    return Smoked(manifest["model"], manifest["version"], len(examples))


def _call(url: str, payload: Any) -> dict[str, Any]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            found = json.loads(reply.read())
    except urllib.error.HTTPError as error:
        detail = error.read()[:500].decode("utf-8", "replace")
        raise CheckFailed(
            f"the served package answered {url} with {error.code}: {detail}"
        ) from None
    except (OSError, ValueError) as error:
        raise CheckFailed(f"the served package did not answer {url}: {error}") from None
    if not isinstance(found, dict):
        raise CheckFailed(f"the served package answered {url} with no JSON object")
    return found
