"""The canonicalizing constructors (matcalc.core.build): equal things meet as one object.

Each test states one identity the constructors apply at construction time, and checks it
structurally (the two constructions are the same hash-consed object), or numerically
against NumPy where the identity is about values.
"""
from fractions import Fraction

import numpy as np
import pytest

import matcalc
from matcalc.core import build as B
from matcalc.core.nodes import Add, Det, Identity, LogDet, Mul, Num, Pow, Trace, Transpose, Var, Zero

n = "n"


def X():
    return B.var("X", (n, n))


def Y():
    return B.var("Y", (n, n))


def x():
    return B.var("x", (n, 1))


def y():
    return B.var("y", (n, 1))


def a():
    return B.var("a")


def b():
    return B.var("b")


# ---------------------------------------------------------------- hash-consing
def test_equal_variables_are_one_object():
    assert B.var("X", (n, n)) is B.var("X", (n, n))


def test_variables_differing_in_shape_are_distinct():
    assert B.var("X", (n, n)) is not B.var("X", (n, "m"))


def test_variables_differing_in_properties_are_distinct():
    assert B.var("S", (n, n), ["symmetric"]) is not B.var("S", (n, n))


def test_equal_compound_constructions_are_one_object():
    e1 = B.add(B.mul(X(), Y()), B.trace(X()))
    e2 = B.add(B.mul(X(), Y()), B.trace(X()))
    assert e1 is e2


def test_equal_numbers_are_one_object():
    assert B.num(Fraction(2, 4)) is B.num(Fraction(1, 2))


def test_a_node_rebuilt_after_its_children_died_holds_the_new_children():
    """Keys hold child ids: a node made again from new children (perhaps at the old addresses)
    is found by those children, never by a dead node's entry."""
    import gc
    for _ in range(20):
        B.mul(B.var("Qa", (n, n)), B.var("Qb", (n, n)))
        gc.collect()
        a, b = B.var("Qa", (n, n)), B.var("Qb", (n, n))
        e = B.mul(a, b)
        assert e.children[0] is a and e.children[1] is b and e is B.mul(a, b)


def test_a_dead_expression_is_freed_by_one_garbage_collection():
    """The intern table must not keep a dead node's children reachable: a derivation's garbage
    (its nodes' caches make cycles) goes at the next collection, not one level per collection."""
    import gc
    import weakref

    from matcalc.core.nodes import _interned
    gc.collect()
    before = len(_interned)
    leaf = B.var("Qleaf", (n, n))
    probe = weakref.ref(leaf)
    r = matcalc.hessian("log(det(Qleaf)) + tr(Qleaf Qleaf' Qleaf)", "Qleaf", where=f"Qleaf: matrix({n},{n})")
    str(r)
    del r, leaf
    gc.collect()
    assert probe() is None and len(_interned) <= before


# ---------------------------------------------------------------- sums
def test_sum_is_independent_of_term_order():
    assert B.add(x(), y()) is B.add(y(), x())


def test_nested_sums_are_flattened():
    s = B.add(B.add(a(), b()), B.var("c"))
    assert isinstance(s, Add)
    assert not any(isinstance(t, Add) for t in s.args)
    assert len(s.args) == 3


def test_like_terms_are_collected():
    assert B.add(x(), x(), x()) is B.scale(3, x())


def test_like_terms_with_coefficients_are_collected():
    assert B.add(B.scale(2, X()), B.scale(Fraction(1, 2), X())) is B.scale(Fraction(5, 2), X())


def test_vector_minus_itself_is_zero_of_its_shape():
    z = B.sub(x(), x())
    assert isinstance(z, Zero)
    assert z.shape == (n, 1)


def test_matrix_minus_itself_is_zero_of_its_shape():
    M = B.var("M", (n, "m"))
    z = B.sub(M, M)
    assert isinstance(z, Zero)
    assert z.shape == (n, "m")


def test_scalar_minus_itself_is_number_zero():
    z = B.sub(a(), a())
    assert isinstance(z, Num) and z.value == 0


def test_adding_zero_leaves_expression_unchanged():
    assert B.add(X(), B.zeros((n, n))) is X()


# ---------------------------------------------------------------- products
def test_matrix_times_its_inverse_is_identity():
    e = B.mul(X(), B.inverse(X()))
    assert isinstance(e, Identity)
    assert e.shape == (n, n)


def test_inverse_times_matrix_is_identity():
    assert B.mul(B.inverse(X()), X()) is B.identity(n)


def test_matrix_times_itself_is_square():
    assert B.mul(X(), X()) is B.matpow(X(), 2)


def test_powers_of_one_base_merge():
    assert B.mul(B.matpow(X(), 2), X(), B.inverse(X())) is B.matpow(X(), 2)


def test_identity_factor_is_dropped():
    assert B.mul(X(), B.identity(n), Y()) is B.mul(X(), Y())


def test_numeric_coefficients_multiply_exactly():
    e = B.mul(B.num(Fraction(2, 3)), X(), B.num(Fraction(3, 4)))
    assert isinstance(e, Mul) and e.coeff == Fraction(1, 2)


def test_scalar_factor_order_does_not_matter():
    assert B.mul(a(), b(), X()) is B.mul(X(), b(), a())


def test_zero_coefficient_gives_zero_of_product_shape():
    e = B.mul(B.num(0), X(), x())
    assert isinstance(e, Zero) and e.shape == (n, 1)


# ---------------------------------------------------------------- transposes
def test_double_transpose_is_original():
    assert B.transpose(B.transpose(X())) is X()


def test_transpose_of_product_is_pushed_to_leaves():
    t = B.transpose(B.mul(X(), Y()))
    assert t is B.mul(B.transpose(Y()), B.transpose(X()))
    assert isinstance(t, Mul)
    assert all(isinstance(f, Transpose) and isinstance(f.arg, Var) for f in t.args)


def test_transpose_of_sum_is_sum_of_transposes():
    t = B.transpose(B.add(X(), B.mul(X(), Y())))
    assert isinstance(t, Add)
    assert t is B.add(B.transpose(X()), B.mul(B.transpose(Y()), B.transpose(X())))


def test_transpose_of_inverse_is_inverse_of_transpose():
    assert B.transpose(B.inverse(X())) is B.inverse(B.transpose(X()))


@pytest.mark.parametrize("prop", ["symmetric", "spd", "diagonal"])
def test_declared_symmetric_variable_equals_its_transpose(prop):
    S = B.var("S", (n, n), [prop])
    assert B.transpose(S) is S


def test_plain_square_variable_differs_from_its_transpose():
    assert B.transpose(X()) is not X()


def test_scalar_is_its_own_transpose():
    assert B.transpose(a()) is a()


def test_inner_product_orientation_is_canonical():
    assert B.mul(B.transpose(x()), y()) is B.mul(B.transpose(y()), x())


def test_quadratic_form_with_symmetric_matrix_is_canonical():
    S = B.var("S", (n, n), ["symmetric"])
    assert B.mul(B.transpose(x()), S, y()) is B.mul(B.transpose(y()), S, x())


# ---------------------------------------------------------------- traces
def test_trace_is_invariant_under_rotation_of_two():
    assert B.trace(B.mul(X(), Y())) is B.trace(B.mul(Y(), X()))


def test_trace_is_invariant_under_cyclic_rotation_of_three():
    Z = B.var("Z", (n, n))
    t = B.trace(B.mul(X(), Y(), Z))
    assert t is B.trace(B.mul(Y(), Z, X()))
    assert t is B.trace(B.mul(Z, X(), Y()))


def test_trace_of_transpose_is_trace():
    assert B.trace(B.transpose(B.mul(X(), Y()))) is B.trace(B.mul(X(), Y()))


def test_trace_of_outer_product_is_inner_product():
    assert B.trace(B.mul(x(), B.transpose(y()))) is B.mul(B.transpose(y()), x())


def test_trace_of_similarity_transform_drops_the_basis():
    assert B.trace(B.mul(B.inverse(X()), Y(), X())) is B.trace(Y())


def test_trace_of_identity_is_dimension():
    assert B.trace(B.identity(n)) is B.dimsize(n)


def test_trace_is_linear_over_sums():
    t = B.trace(B.add(X(), B.scale(2, Y())))
    assert t is B.add(B.trace(X()), B.scale(2, B.trace(Y())))


def test_trace_of_rectangular_chain_rotates_to_square():
    A = B.var("A", (n, "m"))
    C = B.var("C", ("m", n))
    assert B.trace(B.mul(A, C)) is B.trace(B.mul(C, A))
    assert isinstance(B.trace(B.mul(A, C)), Trace)


def test_scalars_come_out_of_an_entrywise_integer_power():
    """(2 x).^-1 is x.^-1 / 2: 1 ./ (2 x) - (1 ./ x) / 2 is zero, and the gradient of a Gaussian's
    sum((x - m).^2 ./ (2 v)) by m is (m - x) ./ v, not 2 ((m - x) ./ (2 v))."""
    s = B.var("s")
    assert B.power(B.scale(2, x()), -1) is B.scale(Fraction(1, 2), B.power(x(), -1))
    assert B.power(B.mul(s, x()), 2) is B.mul(B.power(s, 2), B.power(x(), 2))
    assert B.sub(B.power(B.scale(2, x()), -1), B.scale(Fraction(1, 2), B.power(x(), -1))) is B.zeros((n, 1))


@pytest.mark.parametrize("text, written", [("exp(X w + log(t))", "exp(X w) .* t"), ("exp(2 log(t))", "t.^2"),
                                           ("exp(log(t) - log(u))", "t ./ u"), ("exp(s + log(r))", "r exp(s)")])
def test_a_log_offset_comes_out_of_the_exponential(text, written):
    """exp(u + c log(v)) = v.^c .* exp(u): the Poisson rate with exposure is t .* exp(X w)."""
    e = matcalc.parse(text, where="X: matrix(n,k); w: vector(k); t, u: vector(n) positive; s, r: scalar")
    assert str(e) == written


def test_a_power_of_a_diagonal_matrix_is_the_diagonal_of_the_power():
    assert B.matpow(B.diag(x()), 2) is B.diag(B.power(x(), 2))
    assert B.mul(B.diag(x()), B.diag(x())) is B.diag(B.power(x(), 2))


def test_the_log_determinant_of_an_update_rotates_its_factors_where_they_merge():
    """logdet(I + D K D) = logdet(I + K D^2) (Sylvester): the Laplace approximation's
    logdet(I + W^1/2 K W^1/2) is logdet(I + K W)."""
    K = B.var("K", (n, n))
    D = B.diag(B.sqrt(B.var("w", (n, 1), ["positive"])))
    got = B.logdet(B.add(B.identity(n), B.mul(D, K, D)))
    assert got is B.logdet(B.add(B.identity(n), B.mul(K, B.diag(B.var("w", (n, 1), ["positive"])))))


def test_an_update_with_a_factor_that_is_not_square_is_not_rotated():
    A = B.var("A", (n, "m"))
    C = B.var("C", ("m", "m"))
    e = B.logdet(B.add(B.identity(n), B.mul(A, C, B.transpose(A))))
    assert isinstance(e, LogDet) and e.arg is B.add(B.identity(n), B.mul(A, C, B.transpose(A)))


def test_a_fractional_entrywise_power_keeps_its_scalar_inside():
    s = B.var("s")
    p = B.power(B.mul(s, x()), Fraction(1, 2))
    assert isinstance(p, Pow) and p.base is B.mul(s, x())


def test_trace_of_a_product_with_a_matrix_of_ones_is_the_sum_of_the_rest():
    """tr(M ones(q, p)) = 1_p' M 1_q: the gradient of ||Y - b||_F^2 by b was -tr((Y - b ones(m, n)) ones(n, m))."""
    A = B.var("A", ("m", n))
    C = B.var("C", ("m", "m"))
    assert B.trace(B.mul(A, B.ones((n, "m")))) is B.sumall(A)
    assert B.trace(B.mul(B.ones((n, "m")), C, A)) is B.sumall(B.mul(C, A))


def test_trace_of_a_product_with_a_ones_vector_rotates_to_a_scalar_chain():
    t = B.trace(B.mul(B.ones((n, 1)), B.transpose(x()), X()))
    assert t is B.mul(B.transpose(x()), X(), B.ones((n, 1)))


# ---------------------------------------------------------------- det / logdet
def test_det_of_product_stays_whole_when_nothing_cancels():
    assert isinstance(B.det(B.mul(X(), Y())), Det)
    assert isinstance(B.logdet(B.mul(X(), Y())), LogDet)


def test_det_of_product_splits_where_a_factor_simplifies():
    assert B.det(B.mul(B.inverse(X()), Y())) is B.mul(B.power(B.det(X()), -1), B.det(Y()))
    assert B.logdet(B.mul(B.inverse(X()), Y())) is B.add(B.neg(B.logdet(X())), B.logdet(Y()))
    assert B.det(B.mul(B.transpose(X()), X())) is B.power(B.det(X()), 2)


def test_det_of_product_splits_off_a_group_of_several_factors():
    A = B.var("A", ("k", "k"))
    R = B.var("R", ("m", "k"))  # det(A R' R) = det(A) det(R' R): (A R' R)^-1 would not spread over A
    assert B.det(B.mul(A, B.transpose(R), R)) is B.mul(B.det(A), B.det(B.mul(B.transpose(R), R)))


def test_det_of_inverse_is_reciprocal():
    assert B.det(B.inverse(X())) is B.power(B.det(X()), -1)


def test_det_of_transpose_is_det():
    assert B.det(B.transpose(X())) is B.det(X())


def test_det_of_matrix_power_is_power_of_det():
    assert B.det(B.matpow(X(), 3)) is B.power(B.det(X()), 3)


def test_logdet_of_inverse_is_negated_logdet():
    assert B.logdet(B.inverse(X())) is B.neg(B.logdet(X()))


def test_logdet_of_identity_is_zero():
    assert B.logdet(B.identity(n)) is B.ZERO


def test_det_of_identity_is_one():
    assert B.det(B.identity(n)) is B.ONE


# ---------------------------------------------------------------- 1x1 sub-chains
def test_inner_sub_chain_becomes_scalar_factor():
    e = B.mul(X(), x(), B.transpose(x()), y())   # X x (x'y) with x'y a scalar
    c, scal, chain = e.split()
    assert B.mul(B.transpose(x()), y()) in scal
    assert chain == (X(), x())


def test_scalar_sub_chain_of_quadratic_form_is_a_scalar():
    e = B.mul(B.transpose(x()), X(), y())
    assert e.shape == (1, 1)
    assert B.mul(e, X()) is B.mul(X(), e)


def test_products_with_one_by_one_chain_commute():
    s = B.mul(B.transpose(x()), y())
    assert B.mul(s, x()) is B.mul(x(), s)


def test_repeated_scalar_sub_chain_becomes_a_power():
    s = B.mul(B.transpose(x()), y())
    assert B.mul(s, s) is B.power(s, 2)


# ---------------------------------------------------------------- exact rationals
def test_numbers_are_exact_rationals():
    assert B.add(B.num(Fraction(1, 3)), B.num(Fraction(1, 6))) is B.num(Fraction(1, 2))


def test_float_like_thirds_sum_to_exactly_one():
    third = B.num(Fraction(1, 3))
    assert B.add(third, third, third) is B.ONE


def test_coefficients_of_like_terms_stay_exact():
    e = B.add(B.scale(Fraction(1, 3), x()), B.scale(Fraction(1, 6), x()))
    assert e is B.scale(Fraction(1, 2), x())
    assert isinstance(e.coeff, Fraction) and e.coeff == Fraction(1, 2)


def test_exact_integer_powers_of_rationals():
    assert B.power(B.num(Fraction(2, 3)), 3) is B.num(Fraction(8, 27))


def test_exact_rational_root():
    assert B.power(B.num(Fraction(4, 9)), Fraction(1, 2)) is B.num(Fraction(2, 3))


def test_parsed_decimal_is_exact():
    e = matcalc.parse("0.1 + 0.2").node
    assert isinstance(e, Num) and e.value == Fraction(3, 10)


# ---------------------------------------------------------------- shape errors
def test_adding_mismatched_shapes_raises_shape_error_naming_both():
    with pytest.raises(matcalc.ShapeError) as info:
        B.add(x(), B.var("M", (n, "m")))
    msg = str(info.value)
    assert "vector(n)" in msg and "nxm" in msg


def test_multiplying_mismatched_shapes_raises_shape_error_naming_both():
    with pytest.raises(matcalc.ShapeError) as info:
        B.mul(B.var("P", ("p", "q")), B.var("R", ("r", "s")))
    msg = str(info.value)
    assert "pxq" in msg and "rxs" in msg


def test_elementwise_powers_with_a_symbolic_exponent_merge_with_their_base():
    x = B.var("x", (n, 1))
    assert B.hadamard(B.power(x, B.sub(x, B.ONE)), x) is B.power(x, x)


def test_elementwise_powers_with_a_symbolic_scalar_exponent_merge():
    x, p = B.var("x", (n, 1)), B.var("p")
    assert B.hadamard(B.power(x, p), B.power(x, B.num(2))) is B.power(x, B.add(p, B.num(2)))


def test_hadamard_of_mismatched_shapes_raises_shape_error_naming_both():
    with pytest.raises(matcalc.ShapeError) as info:
        B.hadamard(x(), B.var("w", ("m", 1)))
    msg = str(info.value)
    assert "vector(n)" in msg and "vector(m)" in msg


def test_trace_of_non_square_raises_shape_error():
    with pytest.raises(matcalc.ShapeError):
        B.trace(B.var("M", (n, "m")))


def test_shape_error_is_a_matcalc_error():
    assert issubclass(matcalc.ShapeError, matcalc.MatcalcError)


# ---------------------------------------------------------------- values are kept
def test_canonical_forms_keep_their_values():
    rng = np.random.default_rng(0)
    Xv, Yv = rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3, 3))
    xv, yv = rng.normal(size=3), rng.normal(size=3)
    vals = {"X": Xv, "Y": Yv, "x": xv, "y": yv}
    cases = [
        (B.trace(B.mul(X(), Y())), np.trace(Xv @ Yv)),
        (B.transpose(B.mul(X(), Y())), (Xv @ Yv).T),
        (B.det(B.mul(X(), Y())), np.linalg.det(Xv @ Yv)),
        (B.logdet(B.inverse(X())), -np.log(abs(np.linalg.det(Xv)))),
        (B.trace(B.mul(x(), B.transpose(y()))), xv @ yv),
        (B.mul(X(), x(), B.transpose(x()), y()), Xv @ xv * (xv @ yv)),
    ]
    for e, want in cases:
        np.testing.assert_allclose(np.asarray(e.evaluate(vals)).reshape(np.shape(want)), want, rtol=1e-9)


def test_powers_from_abs_merge_with_powers_of_its_argument():
    """abs(a)^2 folds to a^2 after the monomial is merged: a^2 a^2 left unmerged printed so and read back as a^4."""
    aa = B.func("abs", a())
    assert B.mul(a(), aa, a(), aa) is B.power(a(), 4)


def test_extending_a_long_elementwise_product_keeps_its_factors_in_key_order():
    # a product of 12 factors extended by one or two more (bisection into the existing order)
    # is the same object as the product built from all its factors at once
    rng = np.random.default_rng(3)
    v = x()
    bases = [B.func(f, B.hadamard(v, B.var(f"u{i}", (n, 1)))) for i, f in
             enumerate(["sin", "cos", "exp", "tanh", "sin", "cos", "exp", "tanh", "sin", "cos", "exp", "log",
                        "sigmoid", "sqrt"])]
    for _ in range(20):
        idx = rng.permutation(len(bases))
        long = B.hadamard(*[bases[i] for i in idx[:12]])
        extra = [bases[i] for i in idx[12:]]
        at_once = B.hadamard(*[bases[i] for i in rng.permutation(idx)])
        assert B.hadamard(long, *extra) is at_once
        assert B.hadamard(*extra, long) is at_once
        assert [f.key for f in at_once.args] == sorted(f.key for f in at_once.args)


def _nested_key(e):
    """The structural key written out in full: the children's keys nested in place."""
    from matcalc.core.nodes import Expr, _arg_key
    return (e.rank, tuple(_nested_key(a) if isinstance(a, Expr) else _arg_key(a) for a in e.args))


@pytest.mark.parametrize("in_request", [False, True])  # within a request the answers are kept
def test_nodes_order_by_their_structure_as_the_fully_nested_keys_do(in_request):
    from contextlib import nullcontext
    from matcalc.core.budget import request
    with request("a test") if in_request else nullcontext():
        _check_order_against_nested_keys()


def _check_order_against_nested_keys():
    # keys hold the child nodes (compared by their own keys); the order is the structural one
    v, w = x(), y()
    exprs = [v, w, B.func("sin", v), B.func("sin", B.func("sin", v)), B.func("cos", B.func("sin", v)),
             B.hadamard(v, w), B.add(v, w), B.add(v, B.func("sin", w)), B.mul(X(), v), B.mul(Y(), v),
             B.transpose(v), B.scale(2, v), B.scale(3, B.func("sin", v)), B.power(B.func("exp", v), B.num(2))]
    for _ in range(2):  # asked twice: the kept answers are the same
        for a in exprs:
            for b in exprs:
                assert (a.key < b.key) == (_nested_key(a) < _nested_key(b))
                assert (a < b) == (_nested_key(a) < _nested_key(b))
                assert (a.key == b.key) == (a is b)


def test_trace_of_a_kronecker_product_of_square_factors_is_the_product_of_traces():
    A, Xn = B.var("A", ("m", "m")), X()
    assert B.trace(B.kron(A, Xn)) is B.mul(B.trace(A), B.trace(Xn))


def test_sum_of_a_kronecker_product_is_the_product_of_sums():
    u, v = B.var("u", ("m", 1)), x()
    assert B.sumall(B.kron(u, v)) is B.mul(B.sumall(u), B.sumall(v))


def test_product_of_kronecker_products_with_conforming_factors_is_one_kronecker_product():
    A, C = B.var("A", ("m", "n")), B.var("C", ("n", "p"))
    P, Q = B.var("P", ("q", "r")), B.var("Q", ("r", "s"))
    assert B.mul(B.kron(A, P), B.kron(C, Q)) is B.kron(B.mul(A, C), B.mul(P, Q))


def test_product_of_kronecker_products_whose_factors_do_not_conform_stays_a_product():
    A, C = B.var("A", ("m", "n")), B.var("C", ("k", "m"))  # m n x m n = (k m) x ... only as a whole
    P, Q = B.var("P", ("k", "k")), B.var("Q", ("n", "n"))
    e = B.mul(B.kron(A, P), B.kron(C, Q))
    assert isinstance(e, Mul) and len(e.args) == 2


def test_inverse_of_a_kronecker_product_of_square_factors_is_the_kronecker_product_of_inverses():
    A, M = B.var("A", ("m", "m")), X()
    assert B.inverse(B.kron(A, M)) is B.kron(B.inverse(A), B.inverse(M))
    assert B.mul(B.inverse(B.kron(A, M)), B.kron(A, M)) is B.identity(B._dim_mul("m", n))


def test_matrix_power_of_a_kronecker_product_of_square_factors_is_the_kronecker_product_of_powers():
    A, M = B.var("A", ("m", "m")), X()
    assert B.matpow(B.kron(A, M), 3) is B.kron(B.matpow(A, 3), B.matpow(M, 3))


def test_a_kronecker_product_times_a_vec_is_the_vec_of_a_matrix_product():
    """(A (x) B) vec(X) = vec(B X A'): no m p x n q array (the vec trick)."""
    A, Bm, Xm = B.var("A", ("m", "n")), B.var("B", ("p", "q")), B.var("X", ("q", "n"))
    assert B.mul(B.kron(A, Bm), B.vec(Xm)) is B.vec(B.mul(Bm, Xm, B.transpose(A)))


def test_a_vec_row_times_a_kronecker_product_is_the_vec_row_of_a_matrix_product():
    A, Bm, Xm = B.var("A", ("m", "n")), B.var("B", ("p", "q")), B.var("X", ("p", "m"))
    assert B.mul(B.transpose(B.vec(Xm)), B.kron(A, Bm)) is B.transpose(B.vec(B.mul(B.transpose(Bm), Xm, A)))


def test_the_diagonal_of_a_product_through_a_matrix_of_ones_is_a_product_of_sums():
    """diag(1 1' A') = A 1, the row sums (was kept whole: O(n^3) in generated code)."""
    A = B.var("A", (n, "m"))
    assert B.diagpart(B.mul(B.ones((n, "m")), B.transpose(A))) is B.mul(A, B.ones(("m", 1)))


def test_the_sum_of_an_outer_product_is_the_product_of_the_sums():
    """sum(u v') = sum(u) sum(v): the Hessian of log(1 + sum(x y')^2) carried kron(ones(1, n), ones(1, n))."""
    u, v = B.var("u", ("m", 1)), x()
    assert B.sumall(B.mul(u, B.transpose(v))) is B.mul(B.sumall(u), B.sumall(v))


def test_trace_of_a_kronecker_product_of_nonsquare_factors_stays_a_trace():
    P, Q = B.var("P", ("m", "n")), B.var("Q", ("n", "m"))
    assert isinstance(B.trace(B.kron(P, Q)), Trace)


def _long_sum():
    return B.add(*[B.func("exp", B.var(f"u{i}", (n, 1))) for i in range(10)])


def test_a_long_sum_with_a_term_added_and_cancelled_before_it_is_itself():
    S = _long_sum()
    t = S.args[6]
    assert B.add(t, S, B.neg(t)) is S


def test_a_long_sum_extended_in_any_order_is_one_object():
    S = _long_sum()
    t, w, z = S.args[6], B.var("w", (n, 1)), B.var("z", (n, 1))
    assert B.add(B.add(t, w), S, B.add(B.neg(t), z)) is B.add(S, B.add(t, w), B.add(B.neg(t), z))


def test_a_long_elementwise_product_with_a_factor_cancelled_before_it_is_itself():
    v = y()
    H = B.hadamard(v, *[B.func("sin", B.var(f"u{i}", (n, 1))) for i in range(9)])
    assert B.hadamard(v, B.power(v, B.num(-1)), H) is H


def test_regression_a_sum_whose_terms_rebuild_into_a_sum_keeps_every_term():
    """Was: KeyError <Var t> (a term of a broadcast sum had no entry for its original form)."""
    r = matcalc.hvp("a det(t ((x' x + t) ((C K)' (C K) + 1 I))) + (a / t (-a) + 2 (a + t) + a - (a + t))", "C",
                    where="C: matrix(n,n); K: matrix(n,k); a: scalar; t: scalar positive; x: vector(n)")
    assert r.check().ok


def test_a_positive_matrix_power_of_zero_is_zero():
    """tr((C - C)^2) read back as ||zeros(n, n)||_F^2 instead of 0 (found by the long property profile)."""
    assert matcalc.parse("tr((C - C)^2)", where="C: matrix(n,n)") == matcalc.parse("0")


def test_a_softmax_sums_to_one_per_column():
    assert B.sumall(B.softmax(B.var("x", ("n", 1)))) is B.ONE
    assert B.sumall(B.softmax(B.var("X", ("m", "n")))) is B.dimsize("n")


def test_the_determinant_lemma_applies_to_an_identity_plus_an_outer_product():
    x, y = B.var("x", ("n", 1)), B.var("y", ("n", 1))
    update = B.add(B.identity("n"), B.mul(x, B.transpose(y)))
    assert B.det(update) is B.add(B.ONE, B.mul(B.transpose(y), x))
    assert isinstance(B.det(B.add(B.identity("n"), B.mul(x, B.transpose(x), B.var("A", ("n", "n"))))), Add)


def test_a_diagonal_matrix_times_ones_is_its_diagonal():
    h, A = B.var("h", ("n", 1)), B.var("A", ("n", "m"))
    assert B.mul(B.diag(h), B.ones(("n", 1))) is h
    assert B.mul(B.ones((1, "n")), B.diag(h), A) is B.mul(B.transpose(h), A)


def test_the_inverse_of_a_product_cancels_against_its_factors():
    X, A = B.var("X", ("m", "n")), B.var("A", ("k", "n"))
    gram_inv = B.inverse(B.mul(B.transpose(X), X))
    assert B.mul(gram_inv, B.transpose(X), X) is B.identity("n")
    assert B.mul(A, gram_inv, B.transpose(X), X) is A
    assert B.trace(B.mul(X, gram_inv, B.transpose(X))) is B.dimsize("n")  # the projection's trace


@pytest.mark.parametrize("value, q, root", [(Fraction(10) ** 616, 2, Fraction(10) ** 308), (Fraction(27, 8), 3, Fraction(3, 2)),
                                            (Fraction(-8), 3, Fraction(-2)), (Fraction(2), 2, None)])
def test_exact_roots_hold_past_the_float_range(value, q, root):
    from matcalc.core.exact import exact_root
    assert exact_root(value, q) == root  # (a float root raised OverflowError past 1e308: ||1e308||)


def test_abs_sign_and_relu_of_a_positive_size_fold():
    n = B.dimsize("n")
    assert B.func("abs", B.power(n, B.num(-1))) is B.power(n, B.num(-1))
    assert B.func("sign", B.scale(2, n)) is B.ONE
    assert B.func("relu", n) is n


def test_the_columns_of_a_softmax_sum_to_one_in_a_product():
    Z = B.var("Z", ("n", "m"))
    assert B.mul(B.ones((1, "n")), B.softmax(Z)) is B.ones((1, "m"))
    assert B.mul(B.transpose(B.softmax(Z)), B.ones(("n", 1))) is B.ones(("m", 1))


def test_a_symbolic_power_of_a_square_root_is_one_power_so_norm_powers_merge():
    """(s^(1/2))^p = s^(p/2) (s >= 0 wherever its root is real): ||x||^p / ||x|| meets ||x||^(p - 1)."""
    p = B.var("p", (1, 1))
    s = B.mul(B.transpose(x()), x())
    norm = B.sqrt(s)
    assert B.power(norm, p) is B.power(s, B.scale(Fraction(1, 2), p))
    assert B.mul(B.power(norm, p), B.power(norm, B.num(-1))) is B.power(norm, B.add(p, B.num(-1)))


def test_a_symbolic_power_of_an_integer_power_is_not_merged():
    """(a^2)^p is |a|^(2p), not a^(2p): only an even root's power merges."""
    a, p = B.var("a", (1, 1)), B.var("p", (1, 1))
    assert B.power(B.power(a, B.num(2)), p).base is B.power(a, B.num(2))


def test_a_fractional_multiple_of_a_sum_in_an_exponent_is_distributed():
    """s^((p - 4)/2) is s^(p/2 - 2): one node, so ||x||^(p - 4) reads back as itself."""
    p = B.var("p", (1, 1))
    s = B.mul(B.transpose(x()), x())
    factored = B.mul(B.num(Fraction(1, 2)), B.add(p, B.num(-4)))
    assert B.power(s, factored) is B.power(s, B.add(B.scale(Fraction(1, 2), p), B.num(-2)))


def test_a_power_of_a_square_matrix_of_ones_is_a_multiple_of_it():
    # ones(n, n)^2 stayed a power, printed inside tr as ||ones(n, n)||_F^2, which reads back as dim(n)^2
    assert str(matcalc.parse("ones(n, n)^3").node) == "dim(n)^2 ones(n, n)"


def _value(e, values):
    from matcalc.numerics.evaluate import evaluate_arrays
    arrays = {k: (v[:, None] if v.ndim == 1 else v)[None] for k, v in values.items()}
    dims = {"p": 3, "q": 4}
    return evaluate_arrays(e, arrays, dims)[0]


def _kron_sandwich_values():
    rng = np.random.default_rng(1)
    return {"E": rng.standard_normal((3, 4)), "u": rng.standard_normal(4), "v": rng.standard_normal(4),
            "w": rng.standard_normal(3), "z": rng.standard_normal(3)}


def test_a_kronecker_product_of_a_row_and_a_column_is_their_outer_product():
    u, v = B.var("u", (4, 1)), B.var("w", (3, 1))
    assert B.kron(B.transpose(u), v) is B.mul(v, B.transpose(u))
    assert B.kron(v, B.transpose(u)) is B.mul(v, B.transpose(u))


@pytest.mark.parametrize("left, right, want", [
    ("cols", "cols", lambda E, u, v, w, z: np.diag(E @ (u * v))),
    ("cols", "rows", lambda E, u, v, w, z: np.diag(z) @ E @ np.diag(u)),
    ("rows", "cols", lambda E, u, v, w, z: np.diag(v) @ E.T @ np.diag(w)),
    ("rows", "rows", lambda E, u, v, w, z: np.diag(E.T @ (w * z))),
])
def test_an_entrywise_product_read_off_through_vec_merges_into_a_product_without_kronecker_factors(left, right, want):
    E = B.var("E", ("p", "q"))
    u, v, w, z = (B.var(n, (d, 1)) for n, d in (("u", "q"), ("v", "q"), ("w", "p"), ("z", "p")))
    lk = B.kron(B.transpose(u), B.identity("p")) if left == "cols" else B.kron(B.identity("q"), B.transpose(w))
    rk = B.kron(v, B.identity("p")) if right == "cols" else B.kron(B.identity("q"), z)
    e = B.mul(lk, B.diag(B.vec(E)), rk)
    assert not any(isinstance(n, type(lk)) for n in e.walk())
    vals = _kron_sandwich_values()
    dense = np.kron(vals["u"][None, :], np.eye(3)) if left == "cols" else np.kron(np.eye(4), vals["w"][None, :])
    dense_r = np.kron(vals["v"][:, None], np.eye(3)) if right == "cols" else np.kron(np.eye(4), vals["z"][:, None])
    full = dense @ np.diag(vals["E"].reshape(-1, order="F")) @ dense_r
    assert np.allclose(_value(e, vals), full)
    assert np.allclose(full, want(**vals))


ODD = ["sin", "tan", "tanh", "sinh", "sign", "arcsin", "arctan"]
EVEN = ["cos", "cosh", "abs"]


@pytest.mark.parametrize("name", ODD)
def test_an_odd_function_of_a_negated_argument_is_the_negated_function(name):
    x = B.var("x", (n, 1))
    assert B.func(name, B.scale(-2, x)) is B.neg(B.func(name, B.scale(2, x)))


@pytest.mark.parametrize("name", EVEN)
def test_an_even_function_of_a_negated_argument_drops_the_sign(name):
    x = B.var("x", (n, 1))
    assert B.func(name, B.neg(x)) is B.func(name, x)


@pytest.mark.parametrize("name", ODD + EVEN)
def test_the_parity_of_a_function_holds_numerically(name):
    # the registry's parity is a claim about numpy's function: f(-u) = -f(u) or f(u) at every u
    from matcalc.core.functions import FUNCTIONS
    spec = FUNCTIONS[name]
    u = np.linspace(-0.9, 0.9, 37)
    sign = -1 if spec.parity == "odd" else 1
    assert np.allclose(spec.numpy(-u), sign * spec.numpy(u))


def test_functions_without_a_parity_keep_the_sign_of_their_argument():
    x = B.var("x", (n, 1))
    for name in ("exp", "sigmoid", "relu", "softplus"):
        assert B.func(name, B.neg(x)).arg is B.neg(x)


def test_a_difference_of_an_odd_function_at_u_and_minus_u_collects():
    # the gradient of ||x||_1 + ||-x||_1 was sign(x) - sign(-x)
    assert str(matcalc.grad("||x||_1 + ||-x||_1", "x")) == "2 sign(x)"


@pytest.mark.parametrize("text", ["sum(x ./ (x - x))", "sum((x - x).^(-1))", "log(x'x - x'x)", "sum(log(x - x))"])
def test_a_function_undefined_everywhere_is_refused_as_a_division_by_zero(text):
    # x'x / (y - y) was refused; x ./ (x - x) answered 1 ./ zeros(n), and log(x'x - x'x) the gradient 0
    with pytest.raises(matcalc.MatcalcError, match="division by zero|log of zero"):
        matcalc.parse(text)


def test_a_power_that_comes_out_on_another_base_merges_with_that_base():
    """abs(a^2)^2 is a^4: beside a^2 the product was a^2 a^4, which printed so and read back as a^6,
    another node (the property test of the text round trip found ||abs(a a) (a u)||)."""
    a = B.var("a")
    p = B.mul(B.mul(B.func("abs", B.mul(a, a)), B.func("abs", B.mul(a, a))), B.mul(a, a))
    assert p is B.power(a, 6)
    e = matcalc.parse("||abs(a a) (a u)||", where="a: scalar; u: vector(k)")
    assert str(e) == "||u|| abs(a)^3"


@pytest.mark.parametrize("text, canonical, numpy", [
    ("x' ones(n, 2)", "sum(x) ones(1, 2)", lambda x: x @ np.ones((3, 2))),
    ("ones(2, n) x", "sum(x) ones(2)", lambda x: np.ones((2, 3)) @ x),
    ("(x - mean(x))' ones(n, 2)", "zeros(1, 2)", lambda x: (x - x.mean()) @ np.ones((3, 2))),
    ("ones(2, n) (x - mean(x))", "zeros(2)", lambda x: np.ones((2, 3)) @ (x - x.mean())),
])
def test_a_vector_times_a_matrix_of_ones_is_its_sum_times_ones(text, canonical, numpy):
    # (a centred vector's sums vanish there: the layer-norm Jacobian's p p' (I - ones(n, n) / n) is p p')
    e = matcalc.parse(text, where="x: vector(n)")
    assert e.node is matcalc.parse(canonical, where="x: vector(n)").node
    x = np.array([1.0, -2.0, 4.5])
    assert np.allclose(np.ravel(e.evaluate({"x": x})), np.ravel(numpy(x)))


@pytest.mark.parametrize("text, where, canonical", [
    ("||t x||", "x: vector(n); t: scalar positive", "t ||x||"),
    ("||dim(n) x||", "x: vector(n)", "n ||x||"),
    ("sqrt(t^2)", "t: scalar positive", "t"),
    ("sqrt(t^2 a)", "t: scalar positive; a: scalar", "t sqrt(a)"),
    ("(t^2)^(1/3)", "t: scalar positive", "t^(2/3)"),
    ("sqrt(a^2)", "a: scalar", "abs(a)"),            # (a of either sign: its absolute value)
    ("sqrt(t a)", "t: scalar positive; a: scalar", "sqrt(a t)"),  # (no whole power comes out: one root)
])
def test_a_positive_factor_comes_out_of_a_root_where_its_root_is_a_whole_power(text, where, canonical):
    e = matcalc.parse(text, where=where)
    assert str(e) == canonical
    rng = np.random.default_rng(2)
    vals = {"x": rng.standard_normal(3), "t": 1.7, "a": 0.6}
    vals = {k: v for k, v in vals.items() if k in e.variables}
    assert np.allclose(e.evaluate(vals), matcalc.parse(canonical, where=where).evaluate(vals))


@pytest.mark.parametrize("text, where, canonical, numpy", [
    ("||t x||", "x: vector(n); t: scalar", "abs(t) ||x||", lambda t, x, a: np.linalg.norm(t * x)),
    ("||t^2 x||", "x: vector(n); t: scalar", "||x|| t^2", lambda t, x, a: np.linalg.norm(t ** 2 * x)),
    ("sqrt(t^2 a)", "t, a: scalar", "abs(t) sqrt(a)", lambda t, x, a: np.sqrt(t ** 2 * a)),
    ("(t^4 a)^(1/2)", "t, a: scalar", "sqrt(a) t^2", lambda t, x, a: np.sqrt(t ** 4 * a)),
    ("(t^2 a)^(-1/2)", "t, a: scalar", "1 / (abs(t) sqrt(a))", lambda t, x, a: (t ** 2 * a) ** -0.5),
    ("(t^2 a)^(1/3)", "t, a: scalar", "(a t^2)^(1/3)", lambda t, x, a: np.cbrt(t ** 2 * a)),  # (|t|^(2/3): no whole power)
])
def test_an_even_power_of_any_real_factor_comes_out_of_a_root_where_its_root_is_a_whole_power(text, where, canonical,
                                                                                                numpy):
    """t^2 >= 0 for every real t: sqrt(t^2 x'x) = |t| ||x|| and sqrt(t^4 a) = t^2 sqrt(a), with t of
    either sign (checked at a negative t)."""
    e = matcalc.parse(text, where=where)
    assert str(e) == canonical
    x = np.array([1.0, -2.0, 4.5])
    for t in (-1.7, 0.8):
        vals = {k: v for k, v in {"x": x, "t": t, "a": 0.6}.items() if k in e.variables}
        assert np.isclose(float(np.ravel(e.evaluate(vals))[0]), numpy(t, x, 0.6))


def test_a_positive_function_comes_out_of_a_root_as_itself():
    """sigmoid(t) > 0: sqrt(z'z / sigmoid(t)^2) is ||z|| / sigmoid(t), not ||z|| / abs(sigmoid(t))."""
    e = matcalc.parse("sqrt(z' z / sigmoid(t)^2)", where="z: vector(m); t: scalar")
    assert str(e) == "||z|| / sigmoid(t)"
    z = np.array([0.3, -1.2])
    assert np.isclose(e.evaluate({"z": z, "t": -0.4}), np.linalg.norm(z) * (1 + np.exp(0.4)))


@pytest.mark.parametrize("text, where, canonical", [
    ("abs(x' x)", "x: vector(n)", "x' x"), ("relu((A x)' (A x))", "x: vector(n); A: matrix(m,n)", "x' A' A x"),
    ("abs(t)", "t: scalar positive", "t"), ("sign(exp(t))", "t: scalar", "1"),
    ("sign(x' x)", "x: vector(n)", "sign(x' x)"),   # (0 at x = 0: not 1)
    ("abs(x' A x)", "x: vector(n); A: matrix(n,n)", "abs(x' A x)"),   # (of either sign)
])
def test_abs_relu_and_sign_of_a_number_never_negative_fold(text, where, canonical):
    e = matcalc.parse(text, where=where)
    assert str(e) == canonical
    rng = np.random.default_rng(5)
    vals = {"x": rng.standard_normal(3), "A": rng.standard_normal((2, 3)) if "m," in where else rng.standard_normal((3, 3)),
            "t": 0.7}
    vals = {k: v for k, v in vals.items() if k in e.variables}
    x, t = vals.get("x"), vals.get("t")
    numpy = {"abs(x' x)": lambda: abs(x @ x), "abs(t)": lambda: abs(t), "sign(exp(t))": lambda: 1.0,
             "sign(x' x)": lambda: np.sign(x @ x), "relu((A x)' (A x))": lambda: max((vals["A"] @ x) @ (vals["A"] @ x), 0),
             "abs(x' A x)": lambda: abs(x @ vals["A"] @ x)}[text]
    assert np.isclose(float(np.ravel(e.evaluate(vals))[0]), numpy())


@pytest.mark.parametrize("text, canonical", [
    ("||x y'||_F", "||x|| ||y||"), ("||kron(x, y)||", "||x|| ||y||"), ("sqrt(2 x'x y'y)", "sqrt(2) ||x|| ||y||"),
    ("(x'x y'y)^(-1/2)", "1 / (||x|| ||y||)"),
    ("sqrt(a x'x)", "sqrt(a x' x)"),   # (a stays under the root: one root, not sqrt(a) ||x||)
])
def test_products_m_transpose_m_come_out_of_a_square_root_as_norms_where_nothing_else_stays(text, canonical):
    where = "x: vector(n); y: vector(m); a: scalar"
    e = matcalc.parse(text, where=where)
    assert str(e) == canonical
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal(3), rng.standard_normal(2)
    vals = {k: v for k, v in {"x": x, "y": y, "a": 0.9}.items() if k in e.variables}
    numpy = {"||x y'||_F": np.linalg.norm(np.outer(x, y)), "||kron(x, y)||": np.linalg.norm(np.kron(x, y)),
             "sqrt(2 x'x y'y)": np.sqrt(2 * (x @ x) * (y @ y)), "(x'x y'y)^(-1/2)": ((x @ x) * (y @ y)) ** -0.5,
             "sqrt(a x'x)": np.sqrt(0.9 * (x @ x))}[text]
    assert np.isclose(float(np.ravel(e.evaluate(vals))[0]), numpy)


def test_the_gradient_of_an_outer_products_norm_is_the_textbook_one():
    r = matcalc.grad("||x y'||_F", "x", where="x: vector(n); y: vector(m)")
    assert str(r) == "||y|| x / ||x||"
    assert r.check()


@pytest.mark.parametrize("text, canonical", [
    ("diag(A' B')", "diag(B A)"),
    ("diag((I + A B)^-T B' A')", "diag(A B (A B + I)^-1)"),
    ("diag((D Y - X) Y')", "diag((D Y - X) Y')"),   # (transposed it holds more transposes: kept)
])
def test_the_diagonal_of_a_product_is_taken_of_the_way_with_fewer_transposes(text, canonical):
    where = "A: matrix(n,k); B: matrix(k,n); D, X, Y: matrix(n,n)"
    e = matcalc.parse(text, where=where)
    assert str(e) == canonical
    rng = np.random.default_rng(3)
    A, B, D, X, Y = (rng.standard_normal(s) for s in ((3, 2), (2, 3), (3, 3), (3, 3), (3, 3)))
    numpy = {"diag(A' B')": np.diag(A.T @ B.T), "diag((I + A B)^-T B' A')":
             np.diag(np.linalg.inv(np.eye(3) + A @ B).T @ B.T @ A.T), "diag((D Y - X) Y')": np.diag((D @ Y - X) @ Y.T)}
    vals = {k: v for k, v in dict(A=A, B=B, D=D, X=X, Y=Y).items() if k in e.variables}
    assert np.allclose(np.ravel(e.evaluate(vals)), numpy[text])


@pytest.mark.parametrize("where", ["A: matrix(m,n); K: matrix(n,k); S: matrix(n,n) symmetric",
                                   "A: matrix(m,n); K: matrix(n,k); S: matrix(n,n)"])
def test_the_diagonal_of_a_product_and_of_its_transpose_are_one_node(where):
    """A tie in transposes is broken by the node's key, not by the orientation typed: with S symmetric,
    sum(diag(exp(sin(K' S A')) A K)) printed a text that read back in the other orientation."""
    one = matcalc.parse("diag(exp(sin(K' S A')) A K)", where=where)
    other = matcalc.parse("diag(K' A' exp(sin(A S' K)))", where=where)
    assert one.node is other.node
    assert matcalc.parse(str(one), where=where).node is one.node


def test_a_trace_through_an_entrywise_function_of_a_symmetric_product_reads_back_as_itself():
    where = "A: matrix(m,n); K: matrix(n,k); S: matrix(n,n) symmetric; u: vector(k)"
    e = matcalc.parse("sin(-sum(diag(exp(sin(K' (S A'))) (A K)))) + u", where=where)
    assert matcalc.parse(str(e), where=where) == e
