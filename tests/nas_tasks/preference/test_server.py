import http.client
import json

import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.judgments import read_judgments
from nas_tasks.preference.server import MAX_BODY, PreferenceServer, check_loopback
from nas_tasks.preference.session import PreferenceSession
from tests.nas_tasks.preference.helpers import small_pool


@pytest.fixture()
def server(tmp_path):
    session = PreferenceSession(small_pool(8), tmp_path / "j.jsonl", mode="random",
                                ranker_params={"hidden": 4, "n_members": 2, "epochs": 40})
    with PreferenceServer(session, token="s3cret") as srv:
        yield srv


def request(server, method, path, body=None, headers=None, raw=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    h = {"Host": f"127.0.0.1:{server.port}", "X-Lamoo-Token": "s3cret", **(headers or {})}
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    h = {k: v for k, v in h.items() if v is not None}
    conn.request(method, path, body=data, headers=h)
    res = conn.getresponse()
    payload = res.read()
    conn.close()
    return res.status, res.getheader("Content-Type", ""), payload, res


def test_the_page_needs_the_token_and_is_locked_down(server):
    status, ctype, body, res = request(server, "GET", "/?token=s3cret")
    assert status == 200 and ctype.startswith("text/html") and b'content="s3cret"' in body
    assert "default-src 'none'" in res.getheader("Content-Security-Policy")
    assert res.getheader("X-Frame-Options") == "DENY" and res.getheader("Cache-Control") == "no-store"
    assert request(server, "GET", "/")[0] == 403
    assert request(server, "GET", "/?token=guess")[0] == 403
    assert server.url == f"http://127.0.0.1:{server.port}/?token=s3cret"
    assert server.httpd.server_address[0] == "127.0.0.1"


def test_state_and_a_judgment_round_trip(server, tmp_path):
    status, _, body, _ = request(server, "GET", "/api/state")
    state = json.loads(body)
    assert status == 200 and state["n_judgments"] == 0
    a, b = state["pair"]["a"]["id"], state["pair"]["b"]["id"]
    status, _, body, _ = request(server, "POST", "/api/judgment", {"a": a, "b": b, "choice": "b"})
    assert status == 200 and json.loads(body)["n_judgments"] == 1
    assert [(j.a, j.b, j.choice, j.source) for j in read_judgments(tmp_path / "j.jsonl")[1]] == [(a, b, "b", "web")]
    status, _, body, _ = request(server, "POST", "/api/judgment", {"a": a, "b": b, "choice": "a"})
    assert status == 409 and "already been compared" in json.loads(body)["error"]


@pytest.mark.parametrize("kwargs, status, message", [
    ({"headers": {"X-Lamoo-Token": None}, "body": {"a": 0, "b": 1, "choice": "a"}}, 403, "X-Lamoo-Token"),
    ({"headers": {"X-Lamoo-Token": "wrong"}, "body": {"a": 0, "b": 1, "choice": "a"}}, 403, "X-Lamoo-Token"),
    ({"headers": {"Host": "evil.example:80"}, "body": {"a": 0, "b": 1, "choice": "a"}}, 403, "answers requests for"),
    ({"headers": {"Origin": "http://evil.example"}, "body": {"a": 0, "b": 1, "choice": "a"}}, 403, "origin"),
    ({"raw": b"{not json"}, 400, "not valid JSON"),
    ({"raw": b"\xff\xfe"}, 400, "not valid JSON"),
    ({"body": [0, 1, "a"]}, 400, "must be a JSON object"),
    ({"body": {"a": 0, "b": 1}}, 400, "missing ['choice']"),
    ({"body": {"a": 0, "b": 1, "choice": "a", "admin": True}}, 400, "unexpected ['admin']"),
    ({"body": {"a": "0", "b": 1, "choice": "a"}}, 400, "'a' must be an integer candidate id"),
    ({"body": {"a": True, "b": 1, "choice": "a"}}, 400, "'a' must be an integer candidate id"),
    ({"body": {"a": 0, "b": 1, "choice": 1}}, 400, "'choice' must be 'a', 'b' or 'none'"),
    ({"body": {"a": 0, "b": 1, "choice": "left"}}, 400, "choice must be one of"),
    ({"body": {"a": 0, "b": 999, "choice": "a"}}, 404, "no candidate 999"),
    ({"body": {"a": 0, "b": 1, "choice": "a"}, "headers": {"Content-Type": "text/plain"}}, 415, "must be JSON"),
    ({"raw": b"x" * (MAX_BODY + 1)}, 413, "at most 4096 bytes"),
])
def test_bad_requests_get_clear_errors_and_write_nothing(server, tmp_path, kwargs, status, message):
    got, ctype, body, _ = request(server, "POST", "/api/judgment", **kwargs)
    assert got == status and ctype.startswith("application/json")
    assert message in json.loads(body)["error"]
    assert read_judgments(tmp_path / "j.jsonl")[1] == []


def test_unknown_routes_and_state_without_token(server):
    assert request(server, "GET", "/admin")[0] == 404
    assert request(server, "POST", "/api/other", {"a": 1})[0] == 404
    assert request(server, "GET", "/api/state", headers={"X-Lamoo-Token": None})[0] == 403


def test_only_loopback_addresses_are_served():
    assert check_loopback("127.0.0.1") == "127.0.0.1" and check_loopback("localhost") == "localhost"
    for host in ("0.0.0.0", "192.168.1.5", "example.com", ""):
        with pytest.raises(InvalidInputError, match="binds to a loopback address only"):
            check_loopback(host)
