"""A question asked again while its result lives is answered from the hash-consed nodes (the read text,
the gradient, the Hessian's differential are kept in the caches of the nodes they belong to); once the
results die, so do the kept answers, and the question is derived anew."""
import gc

import pytest

import matcalc
from matcalc.calculus import derive
from matcalc.language import reader


@pytest.fixture(autouse=True)
def _nothing_kept_from_before():
    gc.collect()  # (a result of another test, alive in a reference cycle, would answer from its nodes)


def _counting(monkeypatch, module, name):
    """A list that grows by one at each call of module.name (holding nothing the call was given)."""
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, counted)
    return calls


def test_the_same_text_read_again_while_its_expression_lives_is_not_read_anew(monkeypatch):
    reads = _counting(monkeypatch, reader, "_read")
    first = matcalc.parse("u' B u + sin(u' u)", where="B: matrix(k,k); u: vector(k)")
    again = matcalc.parse("u' B u + sin(u' u)", where="B: matrix(k,k); u: vector(k)")
    assert again == first and len(reads) == 1
    assert again.where == first.where and str(again) == str(first)


def test_other_declarations_read_the_same_text_anew(monkeypatch):
    reads = _counting(monkeypatch, reader, "_read")
    first = matcalc.parse("u' B u", where="B: matrix(k,k); u: vector(k)")
    other = matcalc.parse("u' B u", where="B: matrix(k,k) symmetric; u: vector(k)")
    assert len(reads) == 2 and other != first


def test_a_gradient_asked_again_while_its_result_lives_is_not_derived_anew(monkeypatch):
    derivations = _counting(monkeypatch, derive, "differential")
    first = matcalc.grad("log(1 + exp(w' a)) + w' C w", "w", where="C: matrix(k,k)")
    again = matcalc.grad("log(1 + exp(w' a)) + w' C w", "w", where="C: matrix(k,k)")
    assert again.node is first.node and len(derivations) == 1


def test_a_hessian_after_the_gradient_of_the_same_function_reuses_the_gradient(monkeypatch):
    derivations = _counting(monkeypatch, derive, "differential")
    g = matcalc.grad("log(1 + exp(w' a)) + w' C w", "w", where="C: matrix(k,k)")
    assert len(derivations) == 1
    h = matcalc.hessian("log(1 + exp(w' a)) + w' C w", "w", where="C: matrix(k,k)")
    assert len(derivations) == 2  # d(grad f) only: df was kept with the gradient
    assert h.check().ok and g.check().ok


def test_a_question_whose_results_died_is_read_and_derived_anew(monkeypatch):
    reads = _counting(monkeypatch, reader, "_read")
    derivations = _counting(monkeypatch, derive, "differential")
    r = matcalc.grad("tr(Q' Q Q) + sum(exp(Q))", "Q", where="Q: matrix(k,k)")
    del r
    gc.collect()
    r = matcalc.grad("tr(Q' Q Q) + sum(exp(Q))", "Q", where="Q: matrix(k,k)")
    assert len(reads) == 2 and len(derivations) == 2
    assert r.check().ok
