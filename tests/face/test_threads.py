"""The API is safe under threads: the same answers from 8 threads at once as from one.

Printers hold state while they print and nodes are hash-consed in one shared table, so
both are exercised: every output (text, LaTeX, where, JSON forms) of a set of derivations
computed concurrently must equal the single-threaded output, byte for byte.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import matcalc
from conftest import decl, load_cases

KINDS = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


def _outputs(case: dict) -> tuple:
    r = KINDS[case["kind"]](case["expr"], case["wrt"], where=decl(case))
    forms = json.dumps(r.forms(), sort_keys=True, default=str)
    return str(r), r.latex(), r.where, forms, str(r.expr), r.expr.latex()


def test_eight_threads_give_the_single_threaded_outputs():
    cases = [c for c in load_cases() if c["kind"] in KINDS]
    expected = {c["id"]: _outputs(c) for c in cases}
    work = cases * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda c: (c["id"], _outputs(c)), work))
    differing = [cid for cid, out in got if out != expected[cid]]
    assert not differing, f"{len(differing)} of {len(got)} concurrent outputs differ, e.g. {differing[:5]}"


def test_eight_threads_printing_shared_nodes_agree():
    """One shared result printed from many threads at once (the printers' per-call state)."""
    r = matcalc.hessian("log(det(X)) + tr(A X B X')", "X")
    want = (str(r), r.latex(), r.bilinear_form(), r.bilinear_form(latex=True))
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda _: (str(r), r.latex(), r.bilinear_form(), r.bilinear_form(latex=True)),
                            range(64)))
    assert all(g == want for g in got)


def test_printing_a_deep_expression_from_several_threads_never_aborts_the_interpreter():
    # with_frames raised and set back the process's recursion limit from each thread: set back while another
    # thread was deep past it, Python aborted ("Cannot recover from stack overflow")
    import subprocess
    import sys
    code = ("import threading, sys, matcalc\n"
            "from matcalc.core import build as B\n"
            "x = B.var('x', (3, 1)); n = B.inner(x, x)\n"
            "for i in range(1200): n = B.func('sin', n)\n"
            "def work():\n"
            "    for _ in range(20):\n"
            "        try: str(n)\n"
            "        except matcalc.MatcalcError: pass\n"
            "ts = [threading.Thread(target=work) for _ in range(4)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]\n"
            "assert sys.getrecursionlimit() == 1000, sys.getrecursionlimit()\n"
            "print(len(str(n)) > 0)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "True", p.stderr[-500:]
