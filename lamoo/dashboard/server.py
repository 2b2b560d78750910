"""The dashboard's local web server (the standard library's HTTP server; JSON over a static page).

Routes:

- ``GET /?token=T``: the page (403 without the session token).
- ``GET /static/NAME``: the page's script and style, and ``plotly.min.js`` read from the installed
  ``plotly`` package (nothing is fetched from the network, by the server or the page).
- ``GET /api/runs?since=V`` (header ``X-Lamoo-Token: T``): every run's data
  (:func:`lamoo.dashboard.runs.collect`), or ``{"version": V, "changed": false}`` when no journal
  changed since version ``V``.
- ``GET /api/tree?run=I&batch=B`` (same header): the partition tree before batch ``B`` of run ``I``
  (:func:`lamoo.dashboard.trees.snapshot`).

Security (:class:`lamoo.localweb.LocalServer`): it binds to a loopback address only; every request
must name this server in its ``Host`` header (against DNS rebinding) and come from no other
``Origin``; the run data needs the per-session token, a random secret printed only in the page's URL. The page's Content Security
Policy allows scripts from this server only.
"""
from __future__ import annotations

from importlib import resources
from urllib.parse import parse_qs, urlsplit

from lamoo.exceptions import LamooError, require
from lamoo.localweb import LocalHandler, LocalServer

TOKEN_HEADER = "X-Lamoo-Token"
STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
HEADERS = {
    "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
}


def plotly_js() -> bytes:
    """plotly.js as the installed ``plotly`` Python package ships it."""
    require("plotly", "dashboard")
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _static():
    """The page's files (``lamoo/dashboard/static``, packaged with lamoo)."""
    return resources.files(__package__) / "static"


class DashboardServer(LocalServer):
    """Serves ``runs`` (a list of :class:`~lamoo.dashboard.runs.WatchedRun`) on
    ``http://host:port/`` (``port=0``: any free port). :meth:`start` serves from a background
    thread, :meth:`stop` ends it; :attr:`url` is the page's address with the token."""

    thread_name = "lamoo-dashboard"

    def __init__(self, runs: list, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 poll_seconds: float = 1.0):
        self.runs = list(runs)
        self.poll_seconds = float(poll_seconds)
        super().__init__(_Handler, host=host, port=port, token=token, what="the dashboard",
                         why="run data must not be readable from the network")
        self.static = {"plotly.min.js": (plotly_js(), "text/javascript")}
        for name, kind in STATIC.items():
            self.static[name] = ((_static() / name).read_bytes(), kind)

    # ------------------------------------------------------------------ answers
    def page(self) -> bytes:
        html = (_static() / "index.html").read_text(encoding="utf-8")
        return html.replace("__TOKEN__", self.token).replace("__POLL_MS__", str(int(self.poll_seconds * 1000))).encode()

    def runs_data(self, since: int | None) -> dict:
        from lamoo.dashboard.runs import collect

        data = collect(self.runs)
        return {"version": data["version"], "changed": False} if since == data["version"] else data

    def tree(self, run: int, batch: int) -> dict:
        from lamoo.dashboard.trees import cached_snapshot

        if not 0 <= run < len(self.runs):
            raise Refused(404, f"no run {run}: there are {len(self.runs)}")
        watched = self.runs[run]
        entry = next((b for b in watched.batches() if b["batch"] == batch), None)
        if entry is None:
            raise Refused(404, f"run {run} has no LaMOO batch {batch}")
        return cached_snapshot(str(watched.path), watched.header, watched.evals, entry)


class _Handler(LocalHandler):
    app: DashboardServer
    server_version = "lamoo-dashboard"
    security_headers = HEADERS
    allow_nan = False

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_body(status, body, f"{kind}; charset=utf-8")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            refusal = self.app.refusal(self.headers)
            if refusal:
                raise Refused(403, refusal)
            self._route(urlsplit(self.path))
        except Refused as exc:
            self.send_json(exc.status, {"error": str(exc)})
        except (LamooError, ValueError) as exc:
            self.send_json(400, {"error": str(exc)})

    do_HEAD = do_GET

    def _route(self, url) -> None:
        query = parse_qs(url.query)
        if url.path == "/":
            if not self.app.token_ok(query.get("token", [None])[0]):
                raise Refused(403, "this page needs the session token: open the URL 'lamoo dashboard' printed")
            return self._send(200, self.app.page(), "text/html")
        if url.path == "/favicon.ico":
            return self._send(204, b"", "image/x-icon")
        if url.path.startswith("/static/"):
            name = url.path[len("/static/"):]
            if name not in self.app.static:
                raise Refused(404, f"no such file: {url.path}")
            body, kind = self.app.static[name]
            return self._send(200, body, kind)
        if not url.path.startswith("/api/"):
            raise Refused(404, f"no such page: {url.path}")
        if not self.app.token_ok(self.headers.get(TOKEN_HEADER)):
            raise Refused(403, f"missing or wrong {TOKEN_HEADER} header")
        if url.path == "/api/runs":
            since = query.get("since", [None])[0]
            return self.send_json(200, self.app.runs_data(int(since) if since not in (None, "") else None))
        if url.path == "/api/tree":
            return self.send_json(200, self.app.tree(int(query.get("run", ["0"])[0]), int(query.get("batch", ["-1"])[0])))
        raise Refused(404, f"no such endpoint: {url.path}")
