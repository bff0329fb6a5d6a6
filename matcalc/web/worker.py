"""Derivations in worker processes, each under a time budget.

Python cannot stop a thread, so a derivation that runs too long (a huge Hessian, a slow check)
would hold the server's CPU for as long as it takes. Here each derivation runs in one of a few
worker processes, `python -m matcalc.web.worker`, which read one JSON request per line on their
standard input and write one JSON answer per line on their standard output. A worker still busy
when its request's budget runs out is killed and replaced, and the request gets a clear JSON
error; a worker that dies (out of memory, a crash) is replaced too. Plain subprocesses, rather
than multiprocessing's, copy nothing of the server (no lock held by one of its threads) and never
re-import the program that started the server.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .api import respond

#: Address space a worker may use (bytes): a request that needs more fails alone, in its worker.
MEMORY_LIMIT = 4 * 1024 ** 3
READY = "ready"
#: seconds between two looks at whether a waiting request's client is still there
CLIENT_POLL = 0.1


def serve_stdio(memory_limit: int | None = MEMORY_LIMIT) -> None:  # pragma: no cover - runs in the child
    """A worker: warm up (build the parser), say ready, then answer requests until end of input."""
    out = sys.stdout
    sys.stdout = sys.stderr  # anything else that prints cannot garble the answers
    respond({"expr": "x' A x", "wrt": "x", "format": "mathml"})
    if memory_limit:
        try:
            import resource  # POSIX only; the limit is a safety net, not a requirement
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):
            pass
    out.write(READY + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            request = None  # cannot happen: the server sends what it parsed
        status, body = respond(request)
        out.write(json.dumps([status, body]) + "\n")
        out.flush()


class _Worker:
    """One worker process and a thread that reads its answers into a queue."""

    def __init__(self, memory_limit: int | None):
        env = dict(os.environ)
        # the child imports this same matcalc, wherever it was imported from
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["MATCALC_WORKER_MEMORY"] = str(memory_limit or 0)
        self.process = subprocess.Popen([sys.executable, "-m", "matcalc.web.worker"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, encoding="utf-8", bufsize=1)
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="matcalc-web-worker-reader").start()

    def _read(self) -> None:
        try:
            for line in self.process.stdout:
                self.answers.put(line)
        except (OSError, ValueError):
            pass
        self.answers.put(None)  # end of output: the worker has stopped

    def wait_ready(self, timeout: float) -> bool:
        try:
            return (self.answers.get(timeout=timeout) or "").strip() == READY
        except queue.Empty:
            return False

    def send(self, request) -> None:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


def timeout_error(seconds: float) -> dict:
    return {"error": "TimeoutError", "line": None, "column": None, "field": None,
            "message": f"the derivation took longer than this server's time budget of {seconds:g} s and was "
                       "stopped; try a smaller expression, or leave out the numeric check"}


def busy_error(seconds: float) -> dict:
    return {"error": "BusyError", "line": None, "column": None, "field": None,
            "message": f"the server is busy: no worker was free within {seconds:g} s; try again"}


class WorkerPool:
    """`size` worker processes; `run(request)` answers (status, body) within about `time_limit`
    seconds of getting a worker, and waits at most `wait_limit` seconds for one (a busy server
    answers "busy" rather than queueing without end)."""

    def __init__(self, size: int = 2, time_limit: float = 10.0, memory_limit: int | None = MEMORY_LIMIT,
                 startup_timeout: float = 60.0, wait_limit: float = 30.0):
        self.time_limit = time_limit
        self.wait_limit = wait_limit
        self.memory_limit = memory_limit
        self.startup_timeout = startup_timeout
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set = set()
        self._closed = False
        self.replaced = 0   # workers killed for their time budget or found dead (for tests and logs)
        starting = [self._start() for _ in range(max(1, size))]
        for w in starting:
            self._ready(w)
        if self._idle.empty():
            self.close()
            raise RuntimeError("no worker process started (python -m matcalc.web.worker)")

    def _start(self) -> _Worker:
        w = _Worker(self.memory_limit)
        with self._lock:
            self._workers.add(w)
        return w

    def _ready(self, w: _Worker) -> None:
        if w.wait_ready(self.startup_timeout) and not self._closed:
            self._idle.put(w)
        else:
            self._drop(w)

    def _drop(self, w: _Worker) -> None:
        with self._lock:
            self._workers.discard(w)
        w.kill()

    def _replace(self, w: _Worker) -> None:
        """Kill `w` and start another in the background (the request that found it does not wait)."""
        self.replaced += 1
        self._drop(w)
        if not self._closed:
            fresh = self._start()
            threading.Thread(target=self._ready, args=(fresh,), daemon=True).start()

    def run(self, request: Any, gone: Callable[[], bool] | None = None) -> tuple:
        """(HTTP status, JSON body) for one request. `gone()`, asked while the worker works, says the
        client has left (the page drops a request that later typing made stale): the worker is then
        stopped and replaced, and the body is None, so that an abandoned derivation does not hold a
        worker for the rest of its time budget while other requests wait (a simple one waited 10 s)."""
        try:
            w = self._idle.get(timeout=self.wait_limit)
        except queue.Empty:
            return 503, busy_error(self.wait_limit)
        t0 = time.monotonic()
        deadline = t0 + self.time_limit
        try:
            w.send(request)
            while True:
                try:
                    line = w.answers.get(timeout=max(0.0, min(CLIENT_POLL, deadline - time.monotonic())))
                    break
                except queue.Empty:
                    if time.monotonic() >= deadline:
                        raise
                    if gone is not None and gone():
                        self._replace(w)
                        return 499, None
        except queue.Empty:
            self._replace(w)
            return 503, timeout_error(self.time_limit)
        except (OSError, ValueError):
            line = None
        if line is None:
            self._replace(w)
            return 500, {"error": "WorkerError", "line": None, "column": None, "field": None,
                         "message": "the worker deriving this request stopped (it may have run out of memory "
                                    f"after {time.monotonic() - t0:.1f} s); please report the input"}
        try:
            status, body = json.loads(line)
        except ValueError:
            self._replace(w)
            return 500, {"error": "WorkerError", "line": None, "column": None, "field": None,
                         "message": "the worker's answer was garbled; please report the input"}
        self._idle.put(w)
        return status, body

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            try:
                w.process.stdin.close()  # end of input: the worker returns
            except (OSError, ValueError):
                pass
        for w in workers:
            try:
                w.process.wait(2)
            except subprocess.TimeoutExpired:
                pass
            w.kill()


if __name__ == "__main__":  # pragma: no cover - `python -m matcalc.web.worker`, started by WorkerPool
    serve_stdio(int(os.environ.get("MATCALC_WORKER_MEMORY", MEMORY_LIMIT)) or None)
