"""The local web page of a judging session (``lamoo prefer``), on the standard library's HTTP server.

Routes (all answers are JSON except the page):

- ``GET /?token=T``: the page. Without the session token: 403.
- ``GET /api/state`` (header ``X-Lamoo-Token: T``): :meth:`PreferenceSession.state`.
- ``POST /api/judgment`` (header ``X-Lamoo-Token: T``, ``Content-Type: application/json``, body
  ``{"a": id, "b": id, "choice": "a" | "b" | "none"}``): records the judgment, answers the new
  state.

Security: the server binds to a loopback address only (anything else is refused); every request
must name this server in its ``Host`` header (``127.0.0.1:PORT``, ``localhost:PORT`` or
``[::1]:PORT``: defeats DNS rebinding); the page and the API need the per-session token, a random
secret printed only in the page's URL, so other local users and other web sites cannot read or
write judgments (a cross-site form cannot set the token header, and a cross-origin script cannot
read the page); a request with an ``Origin`` other than this server is refused. Bodies are capped
at 4 KiB, must be a JSON object with exactly the fields above, and every error is a JSON
``{"error": message}`` with a 4xx status: 400 malformed, 403 token/host/origin, 404 unknown
candidate or route, 409 pair already judged, 411/413/415 length and type.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from lamoo import localweb
from lamoo.exceptions import InvalidInputError

MAX_BODY = 4096
TOKEN_HEADER = "X-Lamoo-Token"
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                "frame-ancestors 'none'"),
}


def check_loopback(host: str) -> str:
    """``host`` if it is a loopback address (or ``localhost``); else :class:`InvalidInputError`."""
    return localweb.check_loopback(host, "the preference page", "judgments must not be writable from the network")


class _RequestError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class PreferenceServer(localweb.LocalServer):
    """Serves ``session`` on ``http://host:port/`` (``port=0``: a free port).

    Use :meth:`start` (a background thread) and :meth:`stop`, or ``with PreferenceServer(...)``;
    :meth:`serve_forever` blocks. :attr:`url` is the page's address with the token.
    """

    thread_name = "lamoo-prefer"

    def __init__(self, session, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self.session = session
        check_loopback(host)
        super().__init__(_Handler, host=host, port=port, token=token)


class _Handler(localweb.LocalHandler):
    app: PreferenceServer
    server_version = "lamoo-prefer"
    security_headers = _SECURITY_HEADERS

    # ------------------------------------------------------------------ responses
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_body(status, body, content_type)

    def _json(self, status: int, payload) -> None:
        self.send_json(status, payload)

    def _guard(self, fn) -> None:
        try:
            self._check_host()
            fn()
        except _RequestError as exc:
            self._json(exc.status, {"error": str(exc)})
        except InvalidInputError as exc:
            from nas_tasks.preference.candidates import UnknownCandidateError
            from nas_tasks.preference.session import AlreadyJudgedError

            status = 404 if isinstance(exc, UnknownCandidateError) else 409 if isinstance(exc, AlreadyJudgedError) else 400
            self._json(status, {"error": str(exc)})

    # ------------------------------------------------------------------ checks
    def _check_host(self) -> None:
        refusal = self.app.refusal(self.headers)
        if refusal:
            raise _RequestError(403, refusal)

    def _token_ok(self, given: str | None) -> bool:
        return self.app.token_ok(given)

    def _check_token_header(self) -> None:
        if not self._token_ok(self.headers.get(TOKEN_HEADER)):
            raise _RequestError(403, f"missing or wrong {TOKEN_HEADER} header: use the page opened from the URL "
                                     f"that 'lamoo prefer' printed")

    def _body(self) -> dict:
        if self.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            raise _RequestError(415, "the body must be JSON (Content-Type: application/json)")
        length = self.headers.get("Content-Length")
        if length is None:
            raise _RequestError(411, "a Content-Length header is required")
        try:
            n = int(length)
        except ValueError:
            raise _RequestError(400, f"bad Content-Length {length!r}") from None
        if n < 0 or n > MAX_BODY:
            raise _RequestError(413, f"the body must be at most {MAX_BODY} bytes, got {n}")
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _RequestError(400, f"the body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise _RequestError(400, f"the body must be a JSON object, got {type(body).__name__}")
        return body

    # ------------------------------------------------------------------ routes
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._guard(self._get)

    def do_HEAD(self) -> None:  # noqa: N802
        self._guard(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._guard(self._post)

    def _get(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            token = parse_qs(url.query).get("token", [None])[0]
            if not self._token_ok(token):
                raise _RequestError(403, "this page needs the session token: open the URL that 'lamoo prefer' printed")
            from nas_tasks.preference.page import render_page

            self._send(200, render_page(self.app.token).encode(), "text/html; charset=utf-8")
        elif url.path == "/api/state":
            self._check_token_header()
            self._json(200, self.app.session.state())
        else:
            raise _RequestError(404, f"no such page: {url.path}")

    def _post(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/api/judgment":
            raise _RequestError(404, f"no such endpoint: {url.path}")
        self._check_token_header()
        body = self._body()
        unexpected = sorted(set(body) - {"a", "b", "choice"})
        missing = sorted({"a", "b", "choice"} - set(body))
        if missing or unexpected:
            raise _RequestError(400, "the body must be {\"a\": id, \"b\": id, \"choice\": \"a\"|\"b\"|\"none\"}"
                                     + (f"; missing {missing}" if missing else "")
                                     + (f"; unexpected {unexpected}" if unexpected else ""))
        for key in ("a", "b"):
            if not isinstance(body[key], int) or isinstance(body[key], bool):
                raise _RequestError(400, f"{key!r} must be an integer candidate id, got {body[key]!r}")
        if not isinstance(body["choice"], str):
            raise _RequestError(400, f"'choice' must be 'a', 'b' or 'none', got {body['choice']!r}")
        self._json(200, self.app.session.judge(body["a"], body["b"], body["choice"], source="web"))


__all__ = ["MAX_BODY", "PreferenceServer", "TOKEN_HEADER", "check_loopback"]
