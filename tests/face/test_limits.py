"""Work limits: a request whose answer would be too large is refused with a LimitError that names
the limit, promptly, never a hang, a RecursionError or gigabytes of memory; check never samples
more than a bounded number of values whatever the declared sizes.

The time bounds below are generous (5 s for a refusal that takes milliseconds) so that a busy
machine does not fail them; they assert a refusal, not a speed.
"""
from __future__ import annotations

import inspect
import sys
import threading
import time

import pytest

import matcalc
from matcalc.calculus.cost import derivative_factors, derivative_terms

GENEROUS = 5.0


def _refusal(call):
    t0 = time.perf_counter()
    with pytest.raises(matcalc.LimitError) as info:
        call()
    return str(info.value), time.perf_counter() - t0


def test_hessian_of_a_huge_matrix_power_is_refused_at_once_naming_the_terms_limit():
    msg, took = _refusal(lambda: matcalc.hessian("x' A^1000 x", "A"))
    assert "999,000" in msg and "MATCALC_MAX_TERMS" in msg
    assert took < GENEROUS


def _long_product(m: int) -> tuple:
    text = "a' " + " ".join(f"X B{i}" for i in range(m)) + " b"
    where = "X, " + ", ".join(f"B{i}" for i in range(m)) + ": matrix(n,n); a, b: vector(n)"
    return text, where


def test_hessian_of_a_long_product_of_the_variable_is_refused_at_once_naming_the_factors_limit():
    text, where = _long_product(40)  # 1,560 products of 82 factors: half a minute of simplifying
    msg, took = _refusal(lambda: matcalc.hessian(text, "X", where=where))
    assert "1,560 products" in msg and "MATCALC_MAX_FACTORS" in msg
    assert took < GENEROUS


def test_gradient_of_a_very_long_product_of_the_variable_is_refused_at_once():
    text, where = _long_product(200)
    msg, _ = _refusal(lambda: matcalc.grad(text, "X", where=where))
    assert "factors" in msg


def test_factors_limit_can_be_raised_for_a_block():
    text, where = _long_product(3)
    with matcalc.limits(factors=10):
        _refusal(lambda: matcalc.hessian(text, "X", where=where))
    r = matcalc.hessian(text, "X", where=where)  # the default limit is back: answered, not refused
    assert (r.kind, r.wrt) == ("hessian", "X")
    assert str(r) == ("(B0 (V B1 X + X B1 V) B2 b a' + B1 (V B2 b a' X + X B2 b a' V) B0"
                      " + B2 b a' (V B0 X + X B0 V) B1)'")


def test_limit_error_is_a_matcalc_error():
    assert issubclass(matcalc.LimitError, matcalc.MatcalcError)


def test_hvp_and_mixed_hessian_count_second_order_terms_too():
    _refusal(lambda: matcalc.hvp("x' A^500 x", "A"))
    _refusal(lambda: matcalc.hessian("x' A^500 x", ("A", "x")))


def test_gradient_of_a_large_power_is_within_the_limits():
    r = matcalc.grad("tr(X^300)", "X")
    assert str(r) == "300 X'^299"


def test_terms_limit_can_be_raised_for_a_block():
    with matcalc.limits(terms=10):
        _refusal(lambda: matcalc.hessian("x' A^4 x", "A"))
    r = matcalc.hessian("x' A^4 x", "A")  # the old limit is back: answered, not refused
    assert r.kind == "hessian"
    assert str(r) == ("M x x' A' + P x x' V' + Q x x' + x x' Q + A' x x' M + V' x x' P "
                      "where P = A'^2, Q = (A V A + V P' + P' V)', M = (A V + V A)'")


def test_a_block_of_limits_holds_in_its_own_thread_only():
    # the limits were one dict for the process: a block in one thread refused another thread's
    # Hessian, and two overlapping blocks left the lowered limit in place after both ended
    inside, outside, leave = threading.Event(), threading.Event(), threading.Event()
    got = {}

    def limited(name):
        with matcalc.limits(terms=5):
            inside.set() if name == "a" else None
            got[name] = _refusal(lambda: matcalc.hessian("x' A^10 x", "A"))[0]
            leave.wait(5)

    def free():
        inside.wait(5)
        got["free"] = str(matcalc.hessian("x' A^10 x", "A"))
        outside.set()

    threads = [threading.Thread(target=limited, args=(n,)) for n in "ab"] + [threading.Thread(target=free)]
    for t in threads:
        t.start()
    outside.wait(20)
    leave.set()
    for t in threads:
        t.join(20)
    assert "limit of 5 terms" in got["a"] and "limit of 5 terms" in got["b"]
    assert "where" in got["free"]  # (answered, not refused while the other threads held a lower limit)
    assert str(matcalc.hessian("x' A^10 x", "A")) == got["free"]  # and nothing is left lowered (answered again)


def test_time_limit_refuses_naming_the_seconds():
    with matcalc.limits(seconds=0.0):
        msg, took = _refusal(lambda: matcalc.hessian("x' A^40 x", "A"))
    assert "seconds" in msg and "MATCALC_MAX_SECONDS" in msg
    assert took < GENEROUS


def test_node_limit_refuses_naming_the_nodes():
    with matcalc.limits(nodes=50):
        msg, _ = _refusal(lambda: matcalc.hessian("x' A^20 x", "A"))
    assert "nodes" in msg and "MATCALC_MAX_NODES" in msg


def test_unknown_limit_name_is_an_error():
    with pytest.raises(matcalc.LimitError, match="unknown limit"):
        with matcalc.limits(memory=1):
            pass


@pytest.mark.parametrize("limit", [dict(terms="a"), dict(seconds=None), dict(seconds=float("nan")), dict(nodes=0),
                                   dict(factors=2.5)])
def test_a_limit_that_is_not_a_number_of_its_kind_is_refused_when_set(limit):
    # terms="a" raised a TypeError at the next derivation; seconds=nan switched the clock off
    with pytest.raises(matcalc.LimitError, match="the limit"):
        with matcalc.limits(**limit):
            pass


def test_check_refuses_more_trials_than_its_limit():
    with pytest.raises(matcalc.MatcalcError, match="from 1 to 1,000"):
        matcalc.check(matcalc.grad("x'x", "x"), trials=10**9)


def test_derivative_terms_counts_powers_and_products_of_the_variable():
    f = matcalc.parse("x' A^5 x + tr(B A B A)").node
    assert derivative_terms(f, "A", 1) == 5 + 1 + 2
    assert derivative_terms(f, "A", 2) == 5 * 4 + 0 + 2 * 1
    assert derivative_terms(f, "B", 2) == 2


def test_derivative_factors_counts_each_products_terms_times_its_length():
    f = matcalc.parse("x' A^5 x + tr(B A B A)").node
    # A^5: 5 terms A^i dA A^j of 3 factors (20 of 5 at second order); x' A^5 x: 1 term of 3
    # factors; A B A B: 2 terms of 4 factors (2 at second order)
    assert derivative_factors(f, "A", 1) == 5 * 3 + 1 * 3 + 2 * 4
    assert derivative_factors(f, "A", 2) == 5 * 4 * 5 + 0 + 2 * 1 * 4


def test_check_refuses_a_sample_of_declared_giant_sizes_quickly():
    r = matcalc.grad("x' A x", "x", where="x: vector(1000000000); A: matrix(1000000000,1000000000)")
    msg, took = _refusal(lambda: matcalc.check(r))
    assert "1,000,000" in msg and "declare the dimensions as symbols" in msg
    assert took < GENEROUS


def test_check_refuses_too_many_finite_difference_steps():
    r = matcalc.grad("sum(x)", "x", where="x: vector(100000)")
    msg, _ = _refusal(lambda: matcalc.check(r))
    assert "finite differences along 100,000 entries" in msg


def test_check_samples_symbolic_dimensions_small_however_many_there_are():
    r = matcalc.grad("x' A x", "x", where="x: vector(n); A: matrix(n,n)")
    assert matcalc.check(r).ok


def test_printing_an_expression_nested_beyond_the_recursion_limit_is_a_limit_error(monkeypatch):
    import sys

    from matcalc.core import build as B
    from matcalc.core import budget
    monkeypatch.setattr(budget, "DEEP_FRAMES", sys.getrecursionlimit() + 50)  # (the frames a deeper print may take)
    e = B.var("x", ("n", 1))
    for _ in range(sys.getrecursionlimit() + 100):
        e = B.func("tanh", e)
    with pytest.raises(matcalc.LimitError, match="nested too many levels deep"):
        str(e)


def test_printing_an_expression_nested_past_the_recursion_limit_retries_with_more_frames():
    import sys

    from matcalc.core import build as B
    e = B.var("x", ("n", 1))
    for _ in range(sys.getrecursionlimit() + 100):
        e = B.func("tanh", e)
    assert str(e).startswith("tanh(tanh(")


def test_an_answer_too_deep_to_print_is_a_limit_error_not_a_recursion_error(monkeypatch):
    from matcalc.core import budget
    e = "x"
    for i in range(12):
        e = f"tanh(W{i} {e})"
    r = matcalc.grad(f"sum(({e} - y).^2)", "W0")
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 80)  # as if the answer were nested many times deeper
    monkeypatch.setattr(budget, "DEEP_FRAMES", len(inspect.stack()) + 80)
    try:
        with pytest.raises(matcalc.LimitError, match="too many levels deep"):
            str(r)
        with pytest.raises(matcalc.LimitError, match="too many levels deep"):
            r.latex()
    finally:
        sys.setrecursionlimit(old)


def test_the_gradient_of_a_64_layer_network_prints():
    """Printing recurses over the answer's tree; a 64-layer network is nested a few hundred levels
    deep, which the printers are given the frames for."""
    ws = [f"W{i}" for i in range(1, 65)]
    inner = "x"
    for w in ws[:-1]:
        inner = f"tanh({w} {inner})"
    where = "; ".join(f"{w}: matrix(n,n)" for w in ws) + "; x, y: vector(n)"
    r = matcalc.grad(f"1/2 ||{ws[-1]} {inner} - y||^2", "W1", where=where)
    before = sys.getrecursionlimit()
    assert str(r).startswith("((1 - tanh(W1 x).^2) .* (W2' (") and r.latex()
    assert sys.getrecursionlimit() == before  # restored after printing


def test_showing_the_steps_is_under_the_time_limit_too():
    # printing makes no node, so the steps of a deep Hessian printed for a minute unchecked
    r = matcalc.hessian("sum(sin(sin(sin(x))))", "x")
    with matcalc.limits(seconds=0.0):
        with pytest.raises(matcalc.LimitError, match="showing the steps takes more than 0 seconds"):
            r.show_steps()
    assert len(matcalc.hessian("sum(sin(sin(sin(x))))", "x").steps) > 0


def test_code_generation_runs_under_the_request_time_limit():
    """The dense code of the Hessian of x' A^k x by A is quadratic in k; it ran unchecked (128 s for a
    30-factor trace), where a derivation is refused at the limit."""
    r = matcalc.hessian("x' A^40 x", "A")
    start = time.perf_counter()
    with matcalc.limits(seconds=0.2):
        with pytest.raises(matcalc.LimitError, match="generating the code takes more than"):
            r.numpy_source()
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("fmt", ["numpy", "text", "latex"])
def test_the_command_line_writes_an_answer_200_functions_deep(fmt):
    # with --format numpy an internal error (RecursionError); text and LaTeX refused from 165 deep on
    from matcalc.cli import main
    text = "sum(" + "sin(" * 200 + "x" + ")" * 200 + ")"
    assert main([text, "--wrt", "x", "--format", fmt]) == 0



@pytest.mark.parametrize("text", ["1e999 1e999 1e999 1e999 1e999 x'x", "2^1000 " * 16 + "x'x"])
def test_a_product_of_literals_too_large_to_print_is_a_limit_error(text):
    """Each literal within the reader's limit, their exact product was not: str() of it raised ValueError."""
    with pytest.raises(matcalc.LimitError, match="digits"):
        matcalc.parse(text)
