"""`matcalc serve` over HTTP: loopback only, JSON everywhere, limits, a time budget per request,
and still serving after a few hundred hostile requests sent from several threads at once."""
from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import matcalc
from conftest import ROOT
from matcalc.web.server import MAX_BODY, _finite, start
from test_hostile import BIDI, CONTROL, DEEP, INJECTION, INVISIBLE, LOOKALIKES, NUMBERS, SIZES, mutant_corpus

ERROR_KEYS = {"error", "message", "line", "column", "field"}


@pytest.fixture(scope="module")
def server():
    s = start(port=0, workers=2, time_limit=10.0)
    yield s
    s.close()


def call(server, method: str, path: str, body=None, headers=None, timeout: float = 60.0):
    """(status, headers, parsed JSON or raw bytes) of one request on a fresh connection."""
    host, port = server.server_address
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type", "")
        data = json.loads(raw) if ctype.startswith("application/json") else raw
        return resp.status, resp, data
    finally:
        conn.close()


def derive(server, request, **kw):
    status, _, data = call(server, "POST", "/api/derive", request, **kw)
    return status, data


def assert_error_shape(data):
    assert isinstance(data, dict) and set(data) == ERROR_KEYS, data
    assert isinstance(data["error"], str) and isinstance(data["message"], str) and data["message"].strip()
    assert data["line"] is None or isinstance(data["line"], int)
    assert data["column"] is None or isinstance(data["column"], int)


# ---------------------------------------------------------------------------- routes

def test_server_binds_the_loopback_address_only(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")


def test_page_and_its_assets_are_served_with_a_strict_content_policy(server):
    status, resp, page = call(server, "GET", "/")
    assert status == 200 and resp.getheader("Content-Type").startswith("text/html")
    assert b'src="/static/app.js"' in page and b'href="/static/style.css"' in page
    assert b"http://" not in page.replace(b"http://www.w3.org", b"") and b"https://" not in page  # nothing remote
    assert "default-src 'none'" in resp.getheader("Content-Security-Policy")
    for path, kind in (("/static/app.js", "text/javascript"), ("/static/style.css", "text/css")):
        status, resp, _ = call(server, "GET", path)
        assert status == 200 and resp.getheader("Content-Type").startswith(kind)


def test_derive_over_http_answers_the_gradient(server):
    status, data = derive(server, {"expr": "tr(AX^2BX^-T)", "wrt": "X"})
    assert status == 200
    assert data["text"] == str(matcalc.grad("tr(AX^2BX^-T)", "X"))


def test_cheat_sheet_is_served_as_json(server):
    status, _, data = call(server, "GET", "/api/language")
    assert status == 200 and {"syntax", "calls", "functions", "properties"} <= set(data)


def test_parse_error_over_http_is_400_with_line_and_column(server):
    status, data = derive(server, {"expr": "x' A x +", "wrt": "x"})
    assert status == 400
    assert_error_shape(data)
    assert (data["line"], data["column"], data["field"]) == (1, 9, "expr")


def test_request_naming_another_host_is_refused(server):
    """A page on another site cannot reach the API through DNS rebinding: the Host must be ours."""
    status, data = derive(server, {"expr": "x"}, headers={"Host": "attacker.example:80"})
    assert status == 403
    assert_error_shape(data)


def headers_only(server, length: str) -> tuple:
    """(status, JSON) of a POST that announces a Content-Length and sends no body (the answer comes first)."""
    conn = http.client.HTTPConnection(*server.server_address, timeout=30)
    try:
        conn.putrequest("POST", "/api/derive")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", length)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_a_negative_content_length_is_a_bad_request_not_a_body_too_large(server):
    # it was a 413 "the request is -5 bytes; the limit is 1,048,576"
    status, data = headers_only(server, "-5")
    assert status == 400 and "Content-Length" in data["message"]
    assert_error_shape(data)


def test_body_over_the_limit_is_refused_unread(server):
    status, data = headers_only(server, str(MAX_BODY + 1))
    assert status == 413 and "limit" in data["message"]
    assert_error_shape(data)


@pytest.mark.parametrize("body, headers, status", [
    (b"not json", {}, 400),
    (b'{"expr": "x"', {}, 400),
    (b"\xff\xfe", {}, 400),
    (b"[" * 100_000 + b"]" * 100_000, {}, 400),
    (b'{"expr": "x"}', {"Content-Type": "text/plain"}, 415),
    (b'{"expr": "x"}', {"Content-Type": "application/x-www-form-urlencoded"}, 415),
], ids=["not-json", "truncated", "not-utf8", "deeply-nested-json", "text-plain", "form"])
def test_malformed_body_is_a_json_error(server, body, headers, status):
    got, data = derive(server, body, headers=headers)
    assert got == status
    assert_error_shape(data)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/etc/passwd", 404), ("GET", "/static/../server.py", 404), ("GET", "/api/derive", 405),
    ("POST", "/", 404), ("PUT", "/api/derive", 405), ("DELETE", "/", 405),
])
def test_other_routes_are_json_errors(server, method, path, status):
    got, resp, data = call(server, method, path, body=b"{}")
    assert got == status
    assert_error_shape(data)
    if path == "/api/derive":  # (GET said 'no page', as for a path that does not exist)
        assert resp.getheader("Allow") == "POST"


def test_an_answer_with_nan_is_still_json_a_browser_parses():
    """JSON has no NaN or infinity (JSON.parse refuses them): they are sent as strings."""
    data = {"check": {"ok": False, "error": float("nan"), "trials": [float("inf"), 1.0]}}
    text = json.dumps(_finite(data), allow_nan=False)
    assert json.loads(text) == {"check": {"ok": False, "error": "nan", "trials": ["inf", 1.0]}}


# ---------------------------------------------------------------------------- the time budget

def test_a_derivation_over_the_time_budget_is_stopped_and_the_server_serves_on(server):
    slow = {"expr": "||W3 tanh(W2 tanh(W1 x + b1) + b2) + b3 - y||^2", "wrt": "W1,b1,W2,b2,W3,b3",
            "kind": "hessian", "check": True, "steps": True, "code": ["numpy", "jax", "torch"],
            "format": "mathml"}   # about 3.5 s of work (a 3-layer network's block Hessian, checked)
    replaced, limit = server.pool.replaced, server.pool.time_limit
    server.pool.time_limit = 0.5
    try:
        t0 = time.monotonic()
        status, data = derive(server, slow)
        took = time.monotonic() - t0
    finally:
        server.pool.time_limit = limit
    assert status == 503 and data["error"] == "TimeoutError" and "0.5 s" in data["message"], data
    assert_error_shape(data)
    assert took < 5
    assert server.pool.replaced == replaced + 1
    status, data = derive(server, {"expr": "x' A x", "wrt": "x"})
    assert status == 200 and data["text"] == "(A + A') x"


def test_a_derivation_whose_client_left_is_stopped_and_frees_its_worker(server):
    # the page drops a request that later typing made stale, but the worker computed on for up to its
    # time budget: after two abandoned slow requests a trivial one waited 9.7 s
    import socket
    slow = json.dumps({"expr": "||W3 tanh(W2 tanh(W1 x + b1) + b2) + b3 - y||^2", "wrt": "W1,b1,W2,b2,W3,b3",
                       "kind": "hessian", "check": True, "steps": True, "code": ["numpy", "jax", "torch"],
                       "format": "mathml"}).encode()
    replaced = server.pool.replaced
    for _ in range(2):  # (both workers busy with requests whose clients then leave)
        c = socket.create_connection(server.server_address, timeout=10)
        c.sendall(b"POST /api/derive HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (server.server_address[1], len(slow), slow))
        time.sleep(0.3)
        c.close()
    t0 = time.monotonic()
    deadline = t0 + 10
    while server.pool.replaced < replaced + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.pool.replaced == replaced + 2
    status, data = derive(server, {"expr": "x' A x", "wrt": "x"})
    assert status == 200 and data["text"] == "(A + A') x"
    assert time.monotonic() - t0 < 8


# ---------------------------------------------------------------------------- abuse

def hostile_requests() -> list:
    """A few hundred requests: the hostile-input corpus of the parser's tests (injection strings,
    control, bidi and invisible characters, look-alikes, deep nesting, huge sizes and numbers)
    and mutants of the seed expressions, over every kind of derivation, plus malformed fields."""
    kinds = ("auto", "gradient", "jacobian", "hessian", "hvp", "differential")
    texts = [(t, None) for t in INJECTION + CONTROL + BIDI + INVISIBLE + LOOKALIKES]
    texts += [(t, None) for t in list(DEEP.values()) + list(SIZES.values()) + list(NUMBERS.values())]
    texts += mutant_corpus(n=160, seed=7)
    out = []
    for i, (text, where) in enumerate(texts):
        req = {"expr": text, "kind": kinds[i % len(kinds)], "format": ("json", "mathml")[i % 2]}
        if where:
            req["where"] = where
        if i % 3 == 0:
            req["wrt"] = "x"
        if i % 17 == 0:
            req["check"] = True
        out.append(req)
    out += [{"expr": "x", "wrt": text} for text in INJECTION[:10]]
    out += [{"expr": "x' A x", "where": text} for text in INJECTION[:10] + CONTROL[:5] + BIDI[:5]]
    out += [{"expr": "x", "kind": ["gradient"]}, {"expr": "x", "code": "numpy; import os"},
            {"expr": None}, {"expr": "x", "format": {"$ne": 1}}, {"expr": ["x"]}]
    return out


def test_hostile_requests_from_several_threads_all_get_a_json_answer_and_the_server_serves_on(server):
    requests = hostile_requests()
    assert len(requests) >= 300
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda r: derive(server, r, timeout=120), requests))
    took = time.monotonic() - t0
    statuses = {}
    for req, (status, data) in zip(requests, answers):
        statuses[status] = statuses.get(status, 0) + 1
        what = repr(req)[:120]
        assert status in (200, 400, 413), f"{what}: {status} {data}"
        assert isinstance(data, dict), what
        if status == 200:
            assert "kind" in data and ("text" in data or "latex" in data), what
        else:
            assert_error_shape(data)
            if data["line"] is not None:
                assert data["line"] >= 1 and data["column"] >= 1 and data["field"] in ("expr", "where"), what
    assert statuses.get(200, 0) >= 10 and statuses.get(400, 0) >= 100, statuses
    assert took < 60, f"{len(requests)} hostile requests took {took:.1f} s"
    # still serving, and correctly
    status, data = derive(server, {"expr": "log(det(X))", "wrt": "X", "kind": "hessian"})
    assert status == 200 and data["text"] == str(matcalc.hessian("log(det(X))", "X"))
    assert call(server, "GET", "/")[0] == 200


def test_slow_clients_do_not_stop_the_server(server):
    """A client that opens a connection and sends nothing holds one thread, not the server."""
    import socket
    idle = [socket.create_connection(server.server_address) for _ in range(20)]
    try:
        for s in idle[:10]:
            s.sendall(b"POST /api/derive HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n")
        status, data = derive(server, {"expr": "x' x", "wrt": "x"})
        assert status == 200 and data["text"] == "2 x"
    finally:
        for s in idle:
            s.close()


# ---------------------------------------------------------------------------- the command

def test_matcalc_serve_prints_its_loopback_url_and_serves_the_page():
    env = {k: v for k, v in os.environ.items() if k != "MATCALC_DEBUG"}
    proc = subprocess.Popen([sys.executable, "-m", "matcalc", "serve", "--port", "0", "--workers", "1"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line + proc.stderr.read() if proc.poll() is not None else line
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=30)
        conn.request("GET", "/")
        resp = conn.getresponse()
        assert resp.status == 200 and b"matcalc" in resp.read()
        conn.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_matcalc_serve_says_at_start_that_formulas_are_latex_source_without_the_web_extra(monkeypatch):
    from matcalc.web import server as web_server
    monkeypatch.setattr(web_server, "mathml_available", lambda: False)
    assert web_server.start_notes() == ["formulas are shown as LaTeX source; drawing them needs the web extra: "
                                        "pip install 'matcalc-diff[web]'"]
    monkeypatch.setattr(web_server, "mathml_available", lambda: True)
    assert web_server.start_notes() == []


def test_the_page_says_where_formulas_are_latex_source():
    from importlib import resources
    page = resources.files("matcalc.web").joinpath("static/index.html").read_text(encoding="utf-8")
    script = resources.files("matcalc.web").joinpath("static/app.js").read_text(encoding="utf-8")
    assert 'id="mathml-missing" hidden' in page and "matcalc-diff[web]" in page
    assert '$("mathml-missing").hidden = !(lang.features && lang.features.mathml === false)' in script


def test_matcalc_serve_on_a_taken_port_exits_2_with_the_reason(server, capsys):
    from matcalc.cli import main
    assert main(["serve", "--port", str(server.server_address[1])]) == 2
    err = capsys.readouterr().err
    assert "cannot serve on 127.0.0.1" in err and "--port" in err


def test_a_request_line_that_does_not_parse_gets_a_status_line_and_a_json_error(server):
    # the JSON body came with no status line and no headers
    import socket
    with socket.create_connection(server.server_address, timeout=10) as sock:
        sock.sendall(b"\x00\x01garbage\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 400") and b"application/json" in answer


def test_a_client_trickling_its_request_is_cut_off_at_the_deadline_with_408(monkeypatch):
    # each byte arrived within the socket's timeout, so a byte a second held the connection for ever
    import socket

    from matcalc.web.server import Handler
    monkeypatch.setattr(Handler, "timeout", 1.0)
    s = start(port=0, workers=1, time_limit=10.0)
    try:
        with socket.create_connection(s.server_address, timeout=10) as sock:
            head = b"POST /api/derive HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" \
                   b"Content-Length: 40\r\n\r\n" % s.server_address[1]
            sock.sendall(head)
            start_time, answer = time.monotonic(), b""
            for ch in b'{"expr": "x\' x", "wrt": "x"':
                try:
                    sock.sendall(bytes([ch]))
                except OSError:
                    break
                time.sleep(0.2)
                if time.monotonic() - start_time > 5:
                    break
            while chunk := sock.recv(65536):
                answer += chunk
        took = time.monotonic() - start_time
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.0 408") and b"did not arrive within 1 s" in answer
    assert took < 3


def test_a_body_shorter_than_announced_is_refused_saying_so(server):
    import socket
    with socket.create_connection(server.server_address, timeout=10) as sock:
        sock.sendall(b"POST /api/derive HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 40\r\n\r\n{}" % server.server_address[1])
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 400") and b"ended after 2 of the 40 bytes" in answer


def test_a_burst_of_simultaneous_connections_each_gets_an_http_answer(server):
    """With the standard library's listen backlog of 5, 4 of 48 simultaneous requests were reset with
    no answer; each now gets one (a result, or 503 when too many are pending)."""
    def one(_):
        try:
            return derive(server, {"expr": "x'x", "wrt": "x"}, timeout=60)[0]
        except ConnectionError as e:  # (a reset: no HTTP answer at all)
            return type(e).__name__
    with ThreadPoolExecutor(max_workers=48) as pool:
        statuses = list(pool.map(one, range(48)))
    assert all(s in (200, 503) for s in statuses), statuses
