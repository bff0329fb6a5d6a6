"""Derivations in worker processes, each under a time budget.

Python cannot stop a thread, so a derivation that runs too long (a huge Hessian, a slow check)
would hold the server's CPU for as long as it takes. Here each derivation runs in one of a few
worker processes (started with "spawn", so that no lock of the server's threads is copied into
them); a worker still busy when its request's budget runs out is killed and replaced, and the
request gets a clear JSON error. A worker that dies (out of memory, a crash) is replaced too.
"""
from __future__ import annotations

import multiprocessing
import queue
import threading
import time

from .api import respond

#: Address space a worker may use (bytes): a request that needs more fails alone, in its worker.
MEMORY_LIMIT = 4 * 1024 ** 3


def _worker_main(conn, memory_limit: int | None) -> None:  # pragma: no cover - runs in the child
    """A worker: warm up (build the parser), say ready, then answer requests until told to stop."""
    respond({"expr": "x' A x", "wrt": "x", "format": "mathml"})
    if memory_limit:
        try:
            import resource  # POSIX only; the limit is a safety net, not a requirement
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):
            pass
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        conn.send(respond(request))


class _Worker:
    def __init__(self, ctx, memory_limit):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_limit), daemon=True,
                                   name="matcalc-web-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> bool:
        try:
            return self.conn.poll(timeout) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


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
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set = set()
        self._closed = False
        self.replaced = 0   # workers killed for their time budget or found dead (for tests and logs)
        starting = [self._start() for _ in range(max(1, size))]
        for w in starting:
            self._ready(w)

    def _start(self) -> _Worker:
        w = _Worker(self._ctx, self.memory_limit)
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

    def run(self, request) -> tuple:
        """(HTTP status, JSON body) for one request."""
        try:
            w = self._idle.get(timeout=self.wait_limit)
        except queue.Empty:
            return 503, busy_error(self.wait_limit)
        t0 = time.monotonic()
        try:
            w.conn.send(request)
            if w.conn.poll(self.time_limit):
                answer = w.conn.recv()
                self._idle.put(w)
                return answer
            self._replace(w)
            return 503, timeout_error(self.time_limit)
        except (EOFError, OSError, BrokenPipeError):
            self._replace(w)
            return 500, {"error": "WorkerError", "line": None, "column": None, "field": None,
                         "message": "the worker deriving this request stopped (it may have run out of memory "
                                    f"after {time.monotonic() - t0:.1f} s); please report the input"}

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            try:
                w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for w in workers:
            w.process.join(2)
            w.kill()
