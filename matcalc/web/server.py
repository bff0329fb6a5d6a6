"""`matcalc serve`: the page and its JSON API on 127.0.0.1, with the standard library's server.

Routes: `GET /` (the page), `GET /static/<file>` (its stylesheet and script), `GET /api/language`
(the cheat sheet), `POST /api/derive` (a derivation; see `api.py`). Every answer but the page's
own files is JSON, errors included.

Safety: the socket is bound to 127.0.0.1 only; a request whose Host header names another host is
refused (a web page elsewhere cannot reach the API through DNS rebinding); bodies are limited
to MAX_BODY bytes and must be JSON; a client whose request (line, headers and body) has not all
arrived CLIENT_TIMEOUT seconds after it began is cut off with 408, however steadily it trickles; at
most MAX_PENDING derivations wait at once; each derivation runs in a worker process under a time
budget (`worker.py`). No user text is evaluated: it goes to matcalc's parser only.
"""
from __future__ import annotations

import argparse
import json
import math
import select
import socket
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from .api import language
from .mathml import available as mathml_available
from .worker import WorkerPool

def start_notes() -> list:
    """What `matcalc serve` says as it starts, beside its address: without the web extra the page
    shows each formula's LaTeX source (it says so too), which a user would otherwise take for a fault."""
    if mathml_available():
        return []
    return ["formulas are shown as LaTeX source; drawing them needs the web extra: pip install 'matcalc-diff[web]'"]


HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_BODY = 1024 * 1024        # bytes of one request body
CLIENT_TIMEOUT = 10.0         # seconds a client may take to send its request
MAX_PENDING = 32              # derivations running or waiting for a worker
STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/index.html": ("index.html", "text/html; charset=utf-8"),
          "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/static/style.css": ("style.css", "text/css; charset=utf-8")}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _finite(data):
    """A copy of a JSON tree with every NaN or infinity written as a string ("nan", "inf")."""
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


class Handler(BaseHTTPRequestHandler):
    server_version = "matcalc"
    sys_version = ""
    timeout = CLIENT_TIMEOUT

    # ---- the whole request within `timeout`
    def handle_one_request(self) -> None:
        """One request, read under a deadline for the whole of it. The socket's own timeout (the
        class's `timeout`) bounds each read alone, so a client sending a byte every few seconds
        would keep its thread for ever; a timer stops the reading once the deadline has passed."""
        self._cut = False
        self._read_done = False
        timer = threading.Timer(self.timeout, self._cut_off)
        timer.daemon = True
        timer.start()
        try:
            super().handle_one_request()
        finally:
            timer.cancel()

    def _cut_off(self) -> None:
        """The deadline passed with the request still arriving: end the reading (a read then sees
        the end of the stream), so that the handler answers 408 and closes the connection."""
        if self._read_done:
            return
        self._cut = True
        try:
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:  # the client has gone already
            pass

    # ---- answers
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in SECURITY_HEADERS.items():
                self.send_header(k, v)
            if status == 405:  # (POST for the API, GET for the page and its assets)
                api = self.path.split("?", 1)[0] == "/api/derive"
                self.send_header("Allow", "POST" if api else "GET, HEAD")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client left before the answer: nothing to tell
            self.close_connection = True

    def _json(self, status: int, data: dict) -> None:
        try:
            text = json.dumps(data, allow_nan=False)
        except ValueError:  # NaN or an infinity (a check's error): JSON has none, browsers refuse them
            text = json.dumps(_finite(data))
        self._send(status, text.encode(), "application/json; charset=utf-8")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every error as JSON (the standard library's would be an HTML page); a request cut off
        at its deadline is answered 408, whatever its half-read form made of it."""
        self.close_connection = True
        if getattr(self, "_cut", False):
            code, message = 408, f"the request did not arrive within {self.timeout:g} s"
        if self.request_version == "HTTP/0.9":  # a request line that did not parse: still a status line
            self.request_version = "HTTP/1.0"
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self._json(code, {"error": phrase.replace(" ", ""), "message": message or phrase,
                          "line": None, "column": None, "field": None})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        if host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            return True
        self.send_error(403, f"this server answers requests to 127.0.0.1:{port} only")
        return False

    # ---- routes
    def do_GET(self) -> None:
        self._read_done = True
        if not self._host_ok():
            return
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path in STATIC:
            name, ctype = STATIC[path]
            self._send(200, _static(name), ctype)
        elif path == "/api/language":
            self._json(200, language())
        elif path == "/api/derive":
            self.send_error(405, "the API is POST /api/derive (a JSON body)")
        else:
            self.send_error(404, f"no page at {path[:100]!r}; the page is at /")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        if self.path.split("?", 1)[0] != "/api/derive":
            self.send_error(404, "the API is POST /api/derive")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            self.send_error(415, "send the request as JSON (Content-Type: application/json)")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.send_error(411, "the request needs a Content-Length")
            return
        if length < 0:
            self.send_error(400, f"the request's Content-Length is {length}, which is no length")
            return
        if length > MAX_BODY:
            self.send_error(413, f"the request is {length:,} bytes; the limit is {MAX_BODY:,}")
            return
        try:
            body = self.rfile.read(length)
            self._read_done = True
            if self._cut:
                raise TimeoutError
            if len(body) < length:
                self.send_error(400, f"the request body ended after {len(body):,} of the {length:,} bytes announced")
                return
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            self.send_error(400, f"the request is not valid JSON ({type(e).__name__}: {str(e)[:200]})")
            return
        except TimeoutError:  # the body did not arrive in time
            self.send_error(408, f"the request body ({length:,} bytes announced) did not arrive in time")
            return
        except OSError:  # the client went away
            self.close_connection = True
            return
        if not self.server.pending.acquire(blocking=False):
            self.send_error(503, "the server is busy; try again")
            return
        try:
            status, answer = self.server.pool.run(request, gone=self._client_gone)
        finally:
            self.server.pending.release()
        if answer is None:  # (the client went away: its derivation was stopped, and no one is there to answer)
            self.close_connection = True
            return
        self._json(status, answer)

    def _client_gone(self) -> bool:
        """Has the client closed its connection (the page dropped a request that typing made stale)?
        The request is read whole, so the socket has nothing to read until the client closes it."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def do_PUT(self) -> None:
        self.send_error(405, "the API is POST /api/derive")

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT


class Server(ThreadingHTTPServer):
    """The HTTP server with its worker pool; `url` is where the page is."""

    daemon_threads = True
    allow_reuse_address = True
    #: connections the kernel holds before they are accepted (the standard library's 5 reset 4 of 48
    #: simultaneous requests with no answer; past MAX_PENDING the page answers 503 busy instead)
    request_queue_size = 128

    def __init__(self, port: int = DEFAULT_PORT, workers: int = 2, time_limit: float = 10.0,
                 verbose: bool = False):
        super().__init__((HOST, port), Handler)
        self.verbose = verbose
        self.pending = threading.BoundedSemaphore(MAX_PENDING)
        try:
            self.pool = WorkerPool(size=workers, time_limit=time_limit)
        except BaseException:
            self.server_close()
            raise

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def close(self) -> None:
        """Stop serving (when serving in a thread) and stop the workers."""
        self.shutdown()
        self.server_close()
        self.pool.close()


def start(port: int = 0, workers: int = 2, time_limit: float = 10.0) -> Server:
    """A server answering in a background thread (port 0: any free port); `close()` stops it."""
    server = Server(port, workers=workers, time_limit=time_limit)
    threading.Thread(target=server.serve_forever, daemon=True, name="matcalc-web").start()
    return server


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="matcalc serve",
                                description="The local web page and its JSON API, on 127.0.0.1 only.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--workers", type=int, default=2, help="worker processes deriving requests (default 2)")
    p.add_argument("--time-limit", type=float, default=10.0,
                   help="seconds one derivation may take before it is stopped (default 10)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def main(argv: list[str] | None = None) -> int:
    """`matcalc serve [--port N] [--open]`: serve until Ctrl+C; exit 2 when the port is taken."""
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= 65535 or args.workers < 1 or not args.time_limit > 0:  # (nan is no limit)
        print("matcalc: error: --port must be 0 to 65535, --workers at least 1, --time-limit positive",
              file=sys.stderr)
        return 2
    try:
        server = Server(args.port, workers=args.workers, time_limit=args.time_limit, verbose=args.verbose)
    except OSError as e:
        print(f"matcalc: error: cannot serve on {HOST}:{args.port} ({e.strerror or e}); "
              f"choose another port with --port", file=sys.stderr)
        return 2
    print(f"matcalc: serving the page on {server.url} (Ctrl+C to stop)", flush=True)
    for note in start_notes():
        print(f"matcalc: note: {note}", flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()
    return 0
