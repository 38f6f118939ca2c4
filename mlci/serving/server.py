"""The prediction server: a WSGI application served by waitress.

    GET  /health    {"status": "ok", "model", "version", "commit"}
    POST /predict   {"rows": [{column: value, ...}, ...]} -> {"predictions": [...],
                    "probabilities": [{class: p}, ...]}

A request is refused with a 4xx and a JSON `error` that says why: not JSON (400), rows the
model cannot take (422: a missing, unknown or mistyped column), a body over `max_bytes`
(413, which waitress enforces before the application reads it), another path (404) or
method (405). Nothing a request sends is echoed back unescaped: errors are JSON strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from mlci.serving.model import BadRows, LoadedModel
from mlci.serving.prediction_log import PredictionLog

MAX_BODY_BYTES = 1 << 20
MAX_ROWS = 10_000

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def application(
    model: LoadedModel, max_bytes: int = MAX_BODY_BYTES, log: PredictionLog | None = None
) -> Callable[..., Iterable[bytes]]:
    """The WSGI application that answers for `model`, logging what it predicts to `log`."""
    manifest = model.manifest
    health = {
        "status": "ok",
        "model": manifest["model"],
        "version": manifest["version"],
        "commit": manifest["commit"],
    }

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/health":
            if method != "GET":
                return _reply(start_response, 405, {"error": "use GET for /health"})
            return _reply(start_response, 200, health)
        if path != "/predict":
            return _reply(start_response, 404, {"error": "the paths are /health and /predict"})
        if method != "POST":
            return _reply(start_response, 405, {"error": "use POST for /predict"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > max_bytes:
            return _reply(start_response, 413, {"error": f"a request is at most {max_bytes} bytes"})
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"null")
        except (ValueError, UnicodeDecodeError):
            return _reply(start_response, 400, {"error": "the body is not JSON"})
        rows = body.get("rows") if isinstance(body, dict) else None
        if isinstance(rows, list) and len(rows) > MAX_ROWS:
            return _reply(start_response, 413, {"error": f"at most {MAX_ROWS} rows a request"})
        try:
            answer = model.predict(rows)
        except BadRows as error:
            return _reply(start_response, 422, {"error": str(error)})
        if log is not None and isinstance(rows, list):  # predict() took them: rows of columns
            log.write(manifest["version"], rows, answer["predictions"])
        return _reply(start_response, 200, answer)

    return app


def _reply(start_response: StartResponse, status: int, data: Any) -> list[bytes]:
    reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    reasons.update({413: "Payload Too Large", 422: "Unprocessable Content"})
    body = json.dumps(data, allow_nan=False).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reasons[status]}", headers)
    return [body]


def make_server(
    model: LoadedModel,
    host: str,
    port: int,
    max_bytes: int = MAX_BODY_BYTES,
    log: PredictionLog | None = None,
) -> Any:
    """A waitress server for `model` on host:port (0: any free port; see `.effective_port`)."""
    from waitress import create_server

    return create_server(
        application(model, max_bytes, log),
        host=host,
        port=port,
        max_request_body_size=max_bytes,
        ident="mlci",
    )
