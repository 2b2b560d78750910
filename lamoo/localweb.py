"""The local web server under lamoo's pages (``lamoo dashboard``; ``lamoo prefer`` in nas_tasks).

A :class:`LocalServer` is the standard library's threading HTTP server bound to a loopback
address only, with a per-session token (a random secret its page's URL carries) and the host
names it answers to: a request whose ``Host`` header names another server (DNS rebinding) or
whose ``Origin`` is another site is to be refused by the page's handler
(:meth:`LocalServer.refusal`).
"""
from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
import threading
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lamoo.exceptions import InvalidInputError


def check_loopback(host: str, what: str = "the page", why: str = "its data must not be reachable from the network") -> str:
    """``host`` if it is a loopback address (or ``localhost``); else :class:`InvalidInputError`
    saying that ``what`` binds to one only, and ``why``."""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise InvalidInputError(f"{what} binds to a loopback address only (127.0.0.1, ::1 or localhost), got {host!r}: {why}")


class LocalHandler(BaseHTTPRequestHandler):
    """The request handler base of a :class:`LocalServer`'s page: quiet, and every answer carries
    :attr:`security_headers` (no caching, no sniffing, no framing, the page's content policy)."""

    app: "LocalServer"
    server_version = "lamoo"
    sys_version = ""
    security_headers: dict = {}
    allow_nan = True  # json.dumps's; False: a non-finite number is an error, never invalid JSON

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # the terminal belongs to lamoo's own messages

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in self.security_headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload) -> None:
        self.send_body(status, json.dumps(payload, allow_nan=self.allow_nan).encode(), "application/json; charset=utf-8")


class LocalServer:
    """Serves ``handler`` (a ``BaseHTTPRequestHandler`` subclass, given this server as its
    ``app`` attribute) on ``http://host:port/`` (``port=0``: any free port).

    Use :meth:`start` (a background thread) and :meth:`stop`, or ``with``; :meth:`serve_forever`
    blocks. :attr:`url` is the page's address with the token.
    """

    thread_name = "lamoo-web"

    def __init__(self, handler: type, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 what: str = "the page", why: str = "its data must not be reachable from the network"):
        self.host = check_loopback(host, what, why)
        self.token = token or secrets.token_urlsafe(24)
        bind = "127.0.0.1" if host == "localhost" else host
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        server_class = type("_Server", (ThreadingHTTPServer,), {"daemon_threads": True, "address_family": family})
        self.httpd = server_class((bind, int(port)), type(handler.__name__, (handler,), {"app": self}))
        self.port = self.httpd.server_address[1]
        shown = f"[{bind}]" if ":" in bind else bind
        self.origin = f"http://{shown}:{self.port}"
        self.allowed_hosts = {f"{shown}:{self.port}", f"localhost:{self.port}"}
        self.allowed_origins = {f"http://{h}" for h in self.allowed_hosts}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self.origin}/?token={self.token}"

    def token_ok(self, given) -> bool:
        """Whether ``given`` is this session's token (compared in constant time)."""
        return given is not None and hmac.compare_digest(str(given).encode(), self.token.encode())

    def refusal(self, headers) -> str | None:
        """Why a request with these headers must be refused (another ``Host`` or ``Origin``), or None."""
        if headers.get("Host", "") not in self.allowed_hosts:
            return f"this server answers requests for {sorted(self.allowed_hosts)} only"
        origin = headers.get("Origin")
        if origin is not None and origin not in self.allowed_origins:
            return f"requests from origin {origin!r} are refused"
        return None

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
