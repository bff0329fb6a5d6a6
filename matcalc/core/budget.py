"""Work limits of one request, so that a derivation that would explode is refused, not run.

Some inputs have answers far larger than themselves (the Hessian of x' A^1000 x in A is a sum of
about a million products), and the cost of building them is time and memory. Four limits keep a
request bounded:

* `terms` and `factors`: checked before any work, from the input alone (see calculus/cost.py): the
  number of products a derivative writes out, and their factors in all (a Hessian of a product
  with 40 factors in the variable writes 1,560 products of 80 factors). Refused at once.
* `nodes`: new expression nodes made during one request (each node is a few hundred bytes, so this
  bounds memory); counted in `Expr._make`, the one place nodes are born.
* `seconds`: wall-clock time of one request, checked as nodes are made.

Each can be set with an environment variable (MATCALC_MAX_TERMS, MATCALC_MAX_FACTORS, MATCALC_MAX_NODES,
MATCALC_MAX_SECONDS) or for a block of code with `limits(terms=..., nodes=..., seconds=...)`, which
holds for that block's own thread (or asyncio task) only: a block in one thread never limits, nor
outlives, a request in another. A request is any public entry point (`grad`, `hessian`, ...); one nested in another shares the
outer one's allowance. The counters are per thread, so requests in different threads (the web
server) are limited independently.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing: `import matcalc` loads this module)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import TypeVar

    _T = TypeVar("_T")

from .errors import LimitError


def _env(name: str, default, kind):
    try:
        return kind(os.environ.get(name, default))
    except ValueError:
        return default


LIMITS = {
    # x' A^67 x, Hessian in A, writes about 4,500 products (1 s); much further (k = 128) its nested
    # differentials pass Python's recursion limit, so a request larger than that is refused at once
    "terms": _env("MATCALC_MAX_TERMS", 4_500, int),
    # the simplifier handles 3,000 to 4,000 factors a second on long products of the variable (80,000
    # is about 20 s, within the clock) and more where they simplify: x' (A' A)^21 x written out has
    # 76,000 and takes 2.4 s
    "factors": _env("MATCALC_MAX_FACTORS", 80_000, int),
    "nodes": _env("MATCALC_MAX_NODES", 300_000, int),
    "seconds": _env("MATCALC_MAX_SECONDS", 30.0, float),
}

#: the limits in force in this context: LIMITS, or a block's own copy (limits(); a ContextVar, so
#: that a block in one thread changes nothing for the others, the web server's requests among them)
_CURRENT: ContextVar = ContextVar("matcalc_limits", default=LIMITS)


def current(name: str) -> int | float:
    """The limit `name` in force here."""
    return _CURRENT.get()[name]


_ADVICE = {
    "terms": "MATCALC_MAX_TERMS",
    "factors": "MATCALC_MAX_FACTORS",
    "nodes": "MATCALC_MAX_NODES",
    "seconds": "MATCALC_MAX_SECONDS",
}


class _State(threading.local):
    active = False
    order = None      # (node, node) -> node < node, answers kept within the request (nodes.py)
    left = 0          # nodes still allowed
    deadline = 0.0    # perf_counter time
    what = ""


STATE = _State()
_CLOCK_EVERY = 512  # look at the clock once per this many new nodes


def spend() -> None:
    """Called by Expr._make for every new node while a request is limited."""
    s = STATE
    s.left -= 1
    if s.left < 0:
        raise LimitError(f"{s.what} needs more than {current('nodes'):,} new expression nodes, the limit on one "
                         f"request's memory (set {_ADVICE['nodes']} to raise it)")
    if s.left % _CLOCK_EVERY == 0 and time.perf_counter() > s.deadline:
        raise LimitError(f"{s.what} takes more than {current('seconds'):g} seconds, the limit on one request "
                         f"(set {_ADVICE['seconds']} to raise it)")


def check_clock() -> None:
    """Refuse a limited request past its deadline: for work that makes no new nodes (the code
    generator's contraction paths), which spend() never sees."""
    s = STATE
    if s.active and time.perf_counter() > s.deadline:
        raise LimitError(f"{s.what} takes more than {current('seconds'):g} seconds, the limit on one request "
                         f"(set {_ADVICE['seconds']} to raise it)")


@contextmanager
def request(what: str) -> Iterator[None]:
    """Limit the work done inside the block (a no-op inside another request: the outer one counts).

    A RecursionError raised inside (an expression nested thousands of levels deep) becomes a
    LimitError that says so, never a raw traceback.
    """
    s = STATE
    if s.active:
        yield
        return
    s.active, s.left, s.what = True, current("nodes"), what
    s.deadline = time.perf_counter() + current("seconds")
    s.order = {}
    try:
        yield
    except RecursionError:
        raise LimitError(f"{what} is nested too deeply to process (Python's recursion limit); "
                         "split it into named parts") from None
    finally:
        s.active = False
        s.order = None


@contextmanager
def limits(**new: float) -> Iterator[None]:
    """Change the limits for the block: `with limits(seconds=5, terms=1000): ...`."""
    unknown = set(new) - set(LIMITS)
    if unknown:
        raise LimitError(f"unknown limit(s) {sorted(unknown)}; the limits are {sorted(LIMITS)}")
    for name, value in new.items():  # checked here, not at the next derivation that reads them
        whole = name != "seconds"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) \
                or not (value > 0 if whole else value >= 0):  # (inf lifts a limit; nan is no number)
            raise LimitError(f"the limit {name} must be a {'positive whole' if whole else 'non-negative'} number, "
                             f"not {value!r}")
    token = _CURRENT.set({**_CURRENT.get(), **new})
    try:
        yield
    finally:
        _CURRENT.reset(token)


def refuse_terms(terms: int, what: str, why: str, factors: int = 0) -> None:
    """Refuse up front when a derivative would write more than current('terms') products or more
    than current('factors') factors in them."""
    if terms > current("terms"):
        raise LimitError(f"{what} would write out about {terms:,} products ({why}), more than the limit of "
                         f"{current('terms'):,} terms (set {_ADVICE['terms']} to raise it)")
    if factors > current("factors"):
        raise LimitError(f"{what} would write out about {terms:,} products with {factors:,} factors in all "
                         f"(the terms of a product's derivative are as long as the product), more than the limit "
                         f"of {current('factors'):,} factors (set {_ADVICE['factors']} to raise it)")


#: Python frames the printers and the code generator may use for an expression nested that deep (a
#: 64-layer network's answer; a sin nested 200 deep); deriving and evaluating never recurse
DEEP_FRAMES = 8_000

# Python's recursion limit is one for the whole process: it is raised while any call of with_frames
# runs, and set back only when the last one ends. Set back while another thread was deep past it,
# it aborted the interpreter ("Cannot recover from stack overflow"), four threads printing at once.
_frames_lock = threading.Lock()
_frames_users = 0
_frames_saved: int | None = None


def with_frames(fn: Callable[[], _T], refusal: str) -> _T:
    """fn(); where it runs past Python's recursion limit (the printers and the code generator recurse
    once per level of nesting), again with DEEP_FRAMES frames in the main thread, and otherwise (a
    thread's stack may be small) or past those a LimitError saying `refusal`, never a RecursionError."""
    global _frames_users, _frames_saved
    with _frames_lock:
        _frames_users += 1
    try:
        try:
            return fn()
        except RecursionError:
            pass
        if threading.current_thread() is not threading.main_thread():
            raise LimitError(refusal)
        with _frames_lock:
            if _frames_saved is None:
                _frames_saved = sys.getrecursionlimit()
            sys.setrecursionlimit(max(sys.getrecursionlimit(), DEEP_FRAMES))
        try:
            return fn()
        except RecursionError:
            raise LimitError(refusal) from None
    finally:
        with _frames_lock:
            _frames_users -= 1
            if _frames_users == 0 and _frames_saved is not None:
                sys.setrecursionlimit(_frames_saved)
                _frames_saved = None
