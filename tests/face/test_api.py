"""The Python API (README.md, "The Python API"): results, their forms and their array shapes."""
import inspect
import json
import re

import numpy as np
import pytest

import matcalc

RNG = np.random.default_rng(3)
A = RNG.standard_normal((3, 2))
X = RNG.standard_normal((2, 2)) + 2 * np.eye(2)
x = RNG.standard_normal(2)


def test_parse_gives_an_expression_with_shape_text_latex_and_value():
    e = matcalc.parse("A x", where="A: matrix(m,n)")
    assert e.shape == ("m",)
    assert str(e) == "A x" and e.latex() == "A x"
    assert np.allclose(e.evaluate({"A": A, "x": x}), A @ x)


def test_gradient_has_the_shape_of_the_variable():
    r = matcalc.grad("tr(A X X)", "X", where="A: matrix(n,n)")
    assert r.evaluate({"A": X.T, "X": X}).shape == (2, 2)
    assert matcalc.grad("x' x", "x").evaluate({"x": x}).shape == (2,)


def test_gradient_of_a_non_scalar_function_is_an_error_pointing_to_jacobian():
    with pytest.raises(matcalc.MatcalcError, match="jacobian"):
        matcalc.grad("A x", "x")


@pytest.mark.parametrize("text, wrt", [("A x", "x"), ("lambda w + ||w||^2", "w"), ("c x'x + d x", "x")])
def test_a_non_scalar_function_error_names_no_name_where_no_one_small_name_makes_it_a_scalar(text, wrt):
    # a capital is a matrix by its look, the variable is the variable, and two ways are the reader's pick
    with pytest.raises(matcalc.MatcalcError, match=r"where='name: scalar'"):
        matcalc.grad(text, wrt)


def test_a_non_scalar_function_error_says_how_to_take_the_jacobian_in_python_and_on_the_command_line():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("take its Jacobian (jacobian(), or --jacobian on the "
                                                              "command line)")):
        matcalc.hessian("A x", "x")


def test_a_non_scalar_function_error_names_the_question_and_how_the_names_were_read():
    """`c x'x` with c undeclared reads c as a vector (its look): the error says so, and how to say c is a number."""
    with pytest.raises(matcalc.MatcalcError, match=r"the gradient needs a scalar function.*c: vector\(m\).*'c: scalar'"):
        matcalc.grad("c x'x", "x")
    with pytest.raises(matcalc.MatcalcError, match="the Hessian needs a scalar function"):
        matcalc.hessian("inv(X)", "X")
    with pytest.raises(matcalc.MatcalcError, match="the Hessian-vector product needs a scalar function"):
        matcalc.hvp("A x", "x")
    assert str(matcalc.grad("c x'x", "x", where="c: scalar")) == "2 c x"


def test_jacobian_is_indexed_out_then_in():
    r = matcalc.jacobian("A x", "x", where="A: matrix(m,n)")
    assert str(r) == "A"
    assert np.allclose(r.evaluate({"A": A, "x": x}), A)
    r = matcalc.jacobian("A x", "A", where="A: matrix(m,n)")
    assert r.evaluate({"A": A, "x": x}).shape == (3, 3, 2)


def test_denominator_layout_is_the_transpose():
    r = matcalc.jacobian("A x", "x", where="A: matrix(m,n)", layout="denominator")
    assert str(r) == "A'"
    m = matcalc.jacobian("A X", "X", where="A: matrix(n,n)", layout="denominator")
    num = matcalc.jacobian("A X", "X", where="A: matrix(n,n)")
    vals = {"A": X.T, "X": X}
    assert np.allclose(m.evaluate(vals), np.moveaxis(num.evaluate(vals), [0, 1], [2, 3]))


def test_matrix_jacobian_is_a_linear_map_with_a_kronecker_form():
    r = matcalc.jacobian("A X B", "X")
    assert str(r) == "A dX B"
    assert str(r.kron) == "kron(B', A)"


STRUCTURED = [("S x", "S", "S: matrix(n,n) symmetric; x, y: vector(n)", "y' S x"),
              ("S^-1 x", "S", "S: matrix(n,n) spd; x, y: vector(n)", "y' S^-1 x"),
              ("D x", "D", "D: matrix(n,n) diagonal; x, y: vector(n)", "y' D x"),
              ("D' A", "D", "D: matrix(n,n) diagonal; A, Y: matrix(n,n)", "tr(Y' D' A)")]


def _structured_values(rng):
    n = 3
    a = rng.standard_normal((n, n))
    vals = {"x": rng.standard_normal(n), "y": rng.standard_normal(n), "A": rng.standard_normal((n, n)),
            "Y": rng.standard_normal((n, n))}
    vals["S"] = a @ a.T + n * np.eye(n)
    vals["D"] = np.diag(rng.uniform(1, 2, n))
    return vals


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("text, wrt, where, pairing", STRUCTURED, ids=[s[0] for s in STRUCTURED])
def test_jacobian_by_a_symmetric_or_diagonal_variable_maps_the_directions_of_its_space(text, wrt, where, pairing,
                                                                                          layout):
    """Y paired with J is the gradient of <Y, F> (projected, as every gradient by such a variable is):
    the Jacobian was the unconstrained one (y'J for S x not symmetric, jacobian(D', D) the identity)."""
    vals = _structured_values(np.random.default_rng(2))
    r = matcalc.jacobian(text, wrt, where=where, layout=layout)
    J = np.asarray(r.evaluate(vals))
    out_nd = 1 if text.endswith("x") else 2
    if layout == "denominator":  # [in..., out...]: the output axes last
        J = np.moveaxis(J, list(range(2)), list(range(J.ndim - 2, J.ndim)))
    weights = vals["y"] if out_nd == 1 else vals["Y"]
    vjp = np.tensordot(weights, J, axes=out_nd)
    g = matcalc.grad(pairing, wrt, where=where).evaluate(vals)
    assert np.allclose(vjp, g)
    fn = r.to_numpy()
    assert np.allclose(fn(**{p: vals[p] for p in inspect.signature(fn).parameters}), r.evaluate(vals))
    K = np.asarray(r.kron.evaluate(vals))
    dense = np.asarray(r.evaluate(vals))
    if layout == "denominator":
        dense = np.moveaxis(dense, list(range(2)), list(range(dense.ndim - 2, dense.ndim)))
    want = dense.reshape(3 if out_nd == 1 else 9, 9, order="F")  # vec (column-major) of out and of in
    assert np.allclose(K if layout == "numerator" else K.T, want)


def test_hessian_of_a_vector_variable_is_a_matrix():
    r = matcalc.hessian("1/2 ||A x - b||^2", "x")
    assert str(r) == "A' A"
    assert r.evaluate({"A": A, "b": np.zeros(3), "x": x}).shape == (2, 2)


def test_hessian_of_a_matrix_variable_is_a_map_its_kronecker_form_and_a_4_way_array():
    r = matcalc.hessian("log(det(X))", "X")
    assert str(r) == "-X^-T V' X^-T"
    assert str(r.kron) == "-kron(X^-1, X^-T) comm(m, m)"
    H = r.evaluate({"X": X})
    Xi = np.linalg.inv(X)
    assert np.allclose(H, -np.einsum("li,jk->ijkl", Xi, Xi))
    # the Kronecker form is the 4-way array as a matrix: vec(H[V]) = K vec(V), column-major
    assert np.allclose(r.kron.evaluate({"X": X}), H.reshape(4, 4, order="F"))
    assert r.bilinear_form() == "<dX, -X^-T dX' X^-T> = -tr(dX X^-1 dX X^-1)"


def test_mixed_hessian_is_d2f_dW_db():
    r = matcalc.hessian("1/2 ||W x + b - y||^2", ("W", "b"), where="W: matrix(m,n)")
    assert r.check()
    assert r.evaluate({"W": A, "b": np.zeros(3), "x": x, "y": np.ones(3)}).shape == (3, 2, 3)


def test_hvp_is_an_expression_in_the_direction():
    r = matcalc.hvp("1/2 ||A x - b||^2", "x")
    assert str(r) == "A' A v"
    assert np.allclose(r.evaluate({"A": A, "b": np.zeros(3), "x": x, "v": x}), A.T @ A @ x)


def test_differential_is_an_expression_in_dx():
    r = matcalc.differential("x' x", "x")
    assert str(r) == "2 dx' x"


def test_a_gradients_differential_is_simplified_when_asked_for():
    text, where = "-1/2 logdet(S) - 1/2 (x - m)' S^-1 (x - m)", "S: matrix(n,n)"
    r = matcalc.grad(text, "S", where=where)
    assert r._differential_node is not None
    assert r.differential.node is matcalc.differential(text, "S", where=where).node


def test_symmetric_variable_gradient_is_sym_of_the_unconstrained_one():
    r = matcalc.grad("<A, X>", "X", where="X: matrix(n,n) symmetric")
    assert str(r) == "(A + A') / 2"
    assert str(r.unconstrained) == "A"


def test_diagonal_variable_gradient_keeps_the_diagonal():
    r = matcalc.grad("tr(A X)", "X", where="X: matrix(n,n) diagonal")
    assert str(r) == "diag(diag(A))"


def test_check_reports_agreement_with_finite_differences():
    rep = matcalc.check("tr(AX^2BX^-T)", "X", kind="gradient")
    assert rep.ok and rep.error < 1e-6 and "agrees" in str(rep)
    assert matcalc.check(matcalc.hessian("x' A x", "x"))


def test_check_says_when_answer_and_differences_were_zero_at_every_input():
    # x^1000000000 underflows to 0 wherever it is finite: agreement there shows little
    rep = matcalc.grad("x^1000000000", "x", where="x: scalar").check()
    assert rep.ok and "both 0 at every input tried" in str(rep)


def test_check_of_a_nonzero_answer_carries_no_zero_warning():
    assert "both 0" not in str(matcalc.grad("x' A x", "x").check())


def test_results_read_back_with_their_declarations():
    r = matcalc.grad("tr(AX^2BX^-T)", "X")
    assert matcalc.parse(str(r), where=r.where) == r.expr


def test_forms_are_json_serializable_and_carry_every_form():
    r = matcalc.hessian("log(det(X))", "X")
    d = json.loads(json.dumps(r.forms()))
    assert {"text", "latex", "differential", "kron", "bilinear"} <= set(d)


def test_a_variable_absent_from_the_expression_is_an_error():
    with pytest.raises(matcalc.MatcalcError, match="not a variable"):
        matcalc.grad("x' x", "y")


def test_a_declared_variable_absent_from_the_expression_has_zero_gradient():
    r = matcalc.grad("x' x", "y", where="y: vector(n); x: vector(n)")
    assert np.allclose(r.evaluate({"x": x}), 0)


def test_hvp_direction_of_a_matrix_variable_is_a_capital_v():
    r = matcalc.hvp("tr(X' A X)", "X")
    assert str(r) == "(A + A') V" and r.directions[-1].name == "V"
    assert str(matcalc.hvp("x' A x", "x")) == "(A + A') v"


def test_denominator_layout_writes_the_gradient_of_a_scalar_as_a_column():
    r = matcalc.jacobian("x'x", "x", layout="denominator")
    assert str(r) == "2 x" and r.check()
    assert str(matcalc.jacobian("x'x", "x")) == "2 x'"


def test_a_helper_letter_keeps_its_meaning_across_the_lines_of_one_answer():
    r = matcalc.hessian("tr(X^-1 A X^-1 B)", "X", where="X: matrix(n,n) invertible; A, B: matrix(n,n)")
    main, d2f = str(r), r.bilinear_form()
    assert main.endswith("where P = X^-T") and d2f.endswith("where P = X^-T")
    assert "P = X^-1" not in d2f


def test_a_second_differential_that_is_its_own_inner_product_is_written_once():
    d2f = matcalc.hessian("logdet(X' A X)", "X").bilinear_form()
    body = d2f.split(" where ")[0]
    assert body.count("=") == 0 and body.startswith("<dX, ")  # not <dX, N + R> = <N + R, dX>


def test_an_unpickled_expression_is_the_same_node_and_cancels_with_a_fresh_one():
    import pickle
    e = matcalc.parse("x' A x + exp(x)' x")
    back = pickle.loads(pickle.dumps(e))
    assert back.node is e.node and back == e
    x_back = next(n for n in back.node.walk() if getattr(n, "name", None) == "x")
    x_new = next(n for n in matcalc.parse("x' x").node.walk() if getattr(n, "name", None) == "x")
    assert str(matcalc.core.build.sub(x_back, x_new)) == "zeros(n)"


@pytest.mark.parametrize("fn, args", [
    (matcalc.grad, ("x' A x", "x")), (matcalc.hessian, ("x' A x", "x")), (matcalc.hessian, ("tr(X A X)", "X")),
    (matcalc.hvp, ("x' A x", "x")), (matcalc.jacobian, ("A x", "x")), (matcalc.grad, ("x' A x + b' x", ["x", "b"])),
    (matcalc.differential, ("x' x", "x")),
])
def test_every_result_kind_pickles_and_checks_after_unpickling(fn, args):
    import pickle
    r = fn(*args)
    back = pickle.loads(pickle.dumps(r))
    assert str(back) == str(r) and back.node is r.node
    assert back.check()


@pytest.mark.parametrize("call", [lambda r: r.to_numpy(backend="tensorflow"),
                                  lambda r: r.numpy_source(backend="tensorflow")])
def test_an_unknown_backend_is_refused_by_every_code_path(call):
    with pytest.raises(matcalc.MatcalcError, match="backend must be one of numpy, jax, torch"):
        call(matcalc.grad("x' x", "x"))


@pytest.mark.parametrize("seed", ["a", -1, 1.5, True])
def test_check_refuses_a_seed_that_is_not_a_whole_number(seed):
    with pytest.raises(matcalc.MatcalcError, match="seed must be"):
        matcalc.grad("x' x", "x").check(seed=seed)


@pytest.mark.parametrize("text, where", [
    ("sum(diag(X).^2) + tr(A X)", "X: matrix(n,n) diagonal; A: matrix(n,n)"),
    ("log(det(A + diag(diag(X))))", "X: matrix(n,n); A: matrix(n,n)"),
    ("tr(X diag(diag(X)))", "X: matrix(n,n)"),
])
def test_the_kronecker_form_of_a_hessian_through_diag_is_its_dense_array(text, where):
    r = matcalc.hessian(text, "X", where=where)
    assert r.kron is not None
    rng = np.random.default_rng(5)
    vals = {"X": np.diag(rng.uniform(1, 2, 3)) if "diagonal" in where else rng.standard_normal((3, 3)),
            "A": rng.standard_normal((3, 3)) + 4 * np.eye(3)}
    H = r.evaluate(vals)  # [i, j, k, l] = d2f / dX_ij dX_kl
    K = r.kron.evaluate(vals)  # vec(H[V]) = K vec(V), column-major
    assert np.allclose(K, H.transpose(1, 0, 3, 2).reshape(9, 9).T, atol=1e-10)


def test_a_where_name_is_never_a_dimension_name_so_the_latex_reads_back():
    r = matcalc.hessian("log(sum(exp(A x + b)))", "x", where="A: matrix(p,n)")
    assert "where p =" not in str(r)
    assert matcalc.parse(r.latex(), where=r.where).node is matcalc.parse(str(r), where=r.where).node


def test_a_wrt_name_with_braced_subscript_names_the_variable():
    assert str(matcalc.grad("||W_{1} x||^2", "W_{1}")) == str(matcalc.grad("||W_1 x||^2", "W_1"))


@pytest.mark.parametrize("wrt, hint", [("W1", "did you mean W_1?"), ("x,A", "give a list: ['x', 'A']")])
def test_a_wrt_that_is_no_variable_suggests_the_one_meant(wrt, hint):
    with pytest.raises(matcalc.MatcalcError, match=re.escape(hint)):
        matcalc.grad("||W_1 x||^2 + x'A x", wrt)


@pytest.mark.parametrize("wrt", ["", " "])
def test_an_empty_wrt_is_said_to_be_empty(wrt):
    with pytest.raises(matcalc.MatcalcError, match="the variable to differentiate by is empty"):
        matcalc.grad("x'x", wrt)


@pytest.mark.parametrize("kind", ["grad", "hessian"])
def test_check_passes_with_a_scalar_named_like_a_dimension_that_f_does_not_use(kind):
    # n's value must not be read as the size of dimension n (every sample failed)
    r = getattr(matcalc, kind)("logdet(X) + tr(X)", "X", where="X: n x n spd; n: scalar")
    assert matcalc.check(r).ok


def test_check_allows_for_the_truncation_error_of_its_differences():
    # tr(sin(X^8)) varies fast: at a step of 1e-6 the differences were off by 9e-5 from the right answer
    assert matcalc.check(matcalc.grad("tr(sin(X^8))", "X")).ok


def test_check_of_a_differential_whose_direction_was_renamed():
    r = matcalc.differential("dx' x", "x", where="dx: vector(n)")  # the direction is dx2
    assert matcalc.check(r).ok


def test_a_hessians_kronecker_form_and_second_differential_are_made_when_asked_for():
    from matcalc.calculus.linear_map import Deferred
    r = matcalc.hessian("tr(A X X B)", "X")
    assert isinstance(r.linear_map.kron, Deferred)
    assert str(r.kron) == "(kron(B A, I) + kron(I, A' B')) comm(n, n)"
    assert str(r.bilinear) == "2 tr(A dX^2 B)"
    assert set(r.forms()) >= {"kron", "bilinear"}


def test_a_direction_never_takes_the_name_of_a_declared_variable():
    r = matcalc.hvp("u'u", "v", where="u, v: vector(n)")  # v is declared, not in f: the direction is v2
    assert [d.name for d in r.directions] == ["dv", "v2"]
    assert np.allclose(r.to_numpy()(np.ones(2), np.ones(2), np.ones(2)), 0.0)  # no duplicate argument


@pytest.mark.parametrize("direction", ["_t1", "1v", "v v", "x'", "v;import os", "I", "sum", "pi"])
def test_a_direction_that_is_not_a_variable_name_is_refused(direction):
    # "_t1" was the generated code's own temporary: to_numpy() read the direction after overwriting it
    with pytest.raises(matcalc.MatcalcError, match="direction"):
        matcalc.hvp("log(sum(exp(A x))) + (x'x)^2", "x", direction=direction)
    with pytest.raises(matcalc.MatcalcError, match="direction"):
        matcalc.compile("x'x", "x", outputs=("hvp",), direction=direction)


def test_a_direction_named_like_a_variable_of_the_function_is_refused():
    with pytest.raises(matcalc.MatcalcError, match="has a variable or a size of that name"):
        matcalc.hvp("x' A x", "x", direction="A")


def test_a_direction_named_like_a_size_of_the_function_is_refused():
    with pytest.raises(matcalc.MatcalcError, match="a variable or a size of that name"):
        matcalc.hvp("x' A x", "x", where="x: vector(n)", direction="n")


def test_the_direction_stem_of_several_variables_takes_no_subscript():
    # v_1 would name the parts v_1_x and v_1_y, which are not names
    with pytest.raises(matcalc.MatcalcError, match="without a subscript"):
        matcalc.hvp("x' y", ["x", "y"], direction="v_1")


def test_a_named_direction_is_the_generated_codes_last_argument():
    r = matcalc.hvp("log(sum(exp(A x))) + (x'x)^2", "x", direction="u")
    rng = np.random.default_rng(0)
    vals = {"A": rng.standard_normal((3, 3)), "x": rng.standard_normal(3), "u": rng.standard_normal(3)}
    assert np.allclose(r.to_numpy()(vals["A"], vals["x"], vals["u"]), r.evaluate(vals))


def test_where_declares_the_variable_that_fixes_a_size_the_answer_writes():
    r = matcalc.grad("tr(X (X' X)^-1 X') x' x", "x", where="X: matrix(m,n); x: vector(k)")
    assert str(r) == "2 n x" and "X: matrix(m,n)" in r.where  # n is X's
    e = matcalc.parse(str(r), where=r.where)
    assert np.allclose(e.evaluate({"x": np.ones(2), "X": np.ones((4, 3))}), [6.0, 6.0])


@pytest.mark.parametrize("text, wrt", [("x' x", "x"), ("q x", "x"), ("q x", "q")])
def test_check_samples_a_one_row_matrix_as_the_matrix_it_is(text, wrt):
    # a variable declared matrix(1, m) was sampled 1-D, which evaluate refuses for a matrix: check
    # gave up ("could not find inputs where the function is defined")
    r = matcalc.grad(text, wrt, where="x: vector(n); q: matrix(1,n)")
    assert matcalc.check(r).ok


@pytest.mark.parametrize("text, wrt, kind", [("sum(X.*log(X))", "X", matcalc.grad), ("sum(X.*log(X))", "X", matcalc.hessian),
                                             ("sum(F .* (W V' + b ones(n)' + ones(m) c' - log(X)).^2)", "b", matcalc.grad)])
def test_check_draws_positive_values_where_random_ones_miss_the_functions_domain(text, wrt, kind):
    # log of an undeclared matrix: check gave up ("could not find inputs where the function is defined")
    report = matcalc.check(kind(text, wrt))
    assert report.ok and report.trials == 3


@pytest.mark.parametrize("text, wrt", [("log(-det(X))", "X"), ("sum(log(-x))", "x"), ("log(-t) + log(x'x)", "t")])
def test_check_draws_negative_values_where_positive_ones_miss_the_functions_domain(text, wrt):
    # a square matrix is drawn near 2 I, its determinant positive: check gave up on log(-det(X))
    report = matcalc.check(matcalc.grad(text, wrt, where="t: scalar"))
    assert report.ok and report.trials == 3


@pytest.mark.parametrize("bad", [dict(outputs=None), dict(outputs=5), dict(outputs=()), dict(backend=["numpy"]),
                                 dict(layout=["numerator"])])
def test_compile_refuses_an_argument_of_the_wrong_type_with_what_it_takes(bad):
    # raw TypeErrors: 'NoneType' object is not iterable, unhashable type: 'list'
    with pytest.raises(matcalc.MatcalcError, match="must be"):
        matcalc.compile("x'x", "x", **bad)


def test_a_results_code_refuses_an_unhashable_backend_with_the_backends():
    with pytest.raises(matcalc.MatcalcError, match="backend must be one of"):
        matcalc.grad("x'x", "x").to_numpy(backend=["numpy"])


@pytest.mark.parametrize("names", [["x", ""], ["", " "]])
def test_an_empty_name_among_several_variables_is_refused_as_empty(names):
    # --wrt ",,," said "the variable '' is named twice"
    with pytest.raises(matcalc.MatcalcError, match="an empty variable name"):
        matcalc.grad("x'x", names)


def test_the_hessian_of_a_gradient_expression_says_it_is_a_vector_without_an_empty_reading_note():
    g = matcalc.grad("x'A x", "x").expr
    with pytest.raises(matcalc.MatcalcError) as e:
        matcalc.hessian(g, "x")
    assert "needs a scalar function" in str(e.value) and "read as :" not in str(e.value)


def test_an_hvp_direction_named_as_the_differential_is_refused_not_renamed():
    # hvp(..., direction="dx") answered in dx2
    with pytest.raises(matcalc.MatcalcError, match="the differential of x"):
        matcalc.hvp("x'Ax", "x", direction="dx")


@pytest.mark.parametrize("fn", [matcalc.differential, matcalc.jacobian])
def test_text_that_reads_only_as_a_scalar_function_is_read_as_grad_reads_it(fn):
    # sum(exp(X beta)) - y'X beta: beta a vector against its Greek look, which only a scalar question
    # asked for; jacobian() and differential() refused the text that grad() answers
    text = "sum(exp(X beta)) - y'X beta"
    r = fn(text, "beta")
    assert "beta: vector(n)" in r.function.inferred
    assert str(matcalc.jacobian(text, "beta")) == "(exp(X beta) - y)' X"


def test_a_check_that_finds_no_input_says_what_went_wrong_at_them():
    # it said only 'could not find inputs where the function is defined', also for 1e400, an overflow
    with pytest.raises(matcalc.MatcalcError, match="too large for floating point"):
        matcalc.check(matcalc.grad("1e400 x'x", "x"))
    with pytest.raises(matcalc.MatcalcError, match="log of a non-positive number"):
        matcalc.check(matcalc.grad("log(-x'x)", "x"))


def test_an_entrywise_exponential_multiplied_as_a_matrix_is_a_warning_naming_it():
    # exp(t A) x0 (in a paper, a linear ODE's solution) is read entrywise, as the language says, and was silently
    with pytest.warns(matcalc.MatcalcWarning, match=r"exp\(t A\) is taken entry by entry"):
        matcalc.jacobian("exp(t A) x0", "t", where="A: matrix(n,n); x0: vector(n); t: scalar")
    assert matcalc.parse("exp(t A) x0", where="A: matrix(n,n); x0: vector(n); t: scalar").notes


@pytest.mark.filterwarnings("error")
def test_no_warning_where_no_function_of_a_matrix_is_multiplied():
    matcalc.grad("x' A x + sum(exp(A))", "x")
    matcalc.grad("x' diag(exp(d)) x", "x")
    assert matcalc.parse("x' A x").notes == []


@pytest.mark.parametrize("question, text", [("differential", "tr(A X)^2"), ("jacobian", "A X")])
def test_a_list_of_one_name_is_that_name_for_the_one_variable_questions(question, text):
    # grad and hessian take ["X"]; differential and jacobian refused it as "several variables"
    fn = getattr(matcalc, question)
    assert str(fn(text, ["X"])) == str(fn(text, "X"))


@pytest.mark.parametrize("question", ["differential", "jacobian"])
def test_a_list_of_two_names_is_refused_by_the_one_variable_questions(question):
    with pytest.raises(matcalc.MatcalcError, match="one variable"):
        getattr(matcalc, question)("A X + X B", ["X", "A"])


@pytest.mark.parametrize("text, wrt, where, df", [
    ("tr(X' A X)", "X", "X: matrix(n,k); A: matrix(n,n)", "tr((A + A') X dX')"),
    ("sum(logsumexp(W X)) - sum(Y .* (W X))", "W", "W: matrix(k,d); X: matrix(d,N); Y: matrix(k,N)",
     "tr((softmax(W X) - Y) X' dW')"),
    ("logdet(X) - tr(S X)", "X", None, "tr((X^-1 - S) dX)"),
    ("sum(log(1 + exp(X w))) - y' X w", "w", None, "(sigmoid(X w) - y)' X dw")])
def test_a_differential_whose_terms_are_one_linear_form_is_written_as_one(text, wrt, where, df):
    # tr(A X dX') + tr(A dX X'): dX in one term and dX' in the other, so the like terms stayed apart
    assert str(matcalc.differential(text, wrt, where=where)) == df
    assert str(matcalc.grad(text, wrt, where=where).differential) == df


def test_an_entrywise_exponential_of_an_undeclared_matrix_multiplied_as_a_matrix_is_noted():
    # undeclared, A reads as m x n, and the README's own exp(t A) x0 was answered entrywise without a word
    assert matcalc.parse("exp(t A) x0").notes
    with pytest.warns(matcalc.MatcalcWarning, match=r"exp\(t A\) is taken entry by entry"):
        matcalc.jacobian("exp(t A) x0", "t")


def test_an_entrywise_exponential_of_a_declared_rectangular_matrix_is_not_noted():
    # (a rectangular matrix has no matrix exponential: there is nothing else it could mean)
    assert matcalc.parse("exp(t A) x0", where="A: matrix(m,n)").notes == []


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("text, where", [("sum(X .* log(X))", None), ("sum(X .* log(X))", "X: matrix(n,n)"),
                                         ("x'x + sum(2 exp(A))", "A: matrix(n,n)")])
def test_no_note_where_a_function_of_a_matrix_is_only_scaled_or_summed_entrywise(text, where):
    # sum(X .* log(X)) is tr(X' log(X)), and -log(X) a product of one factor: neither multiplies log(X) as a matrix
    assert matcalc.parse(text, where=where).notes == []
    matcalc.grad(text, "X" if "X" in text else "x", where=where)


def test_a_check_report_shows_its_verdict_in_a_notebook():
    # Jupyter showed CheckReport(ok=True, error=..., message='')
    class Printer:
        def __init__(self):
            self.out = ""

        def text(self, s):
            self.out += s
    p = Printer()
    report = matcalc.check(matcalc.grad("x'x", "x"))
    report._repr_pretty_(p, False)
    assert p.out == str(report) and p.out.startswith("ok: ")


def test_the_differential_of_a_function_of_a_declared_spd_matrix_is_written_as_derived():
    # its df holds the matrix as typed: written <G, dS> it read S^-T for a symmetric S
    r = matcalc.grad("-1/2 logdet(S) - 1/2 (x-m)' S^-1 (x-m)", "S", where="S: matrix(n,n) spd")
    assert "S^-T" not in str(r.differential)


def test_a_gradient_of_a_vector_function_made_so_by_a_power_says_to_write_the_entrywise_power_or_the_norm():
    # x^2 + a'x: x a number by its power, a'x a row; the error named only 'a: scalar'
    with pytest.raises(matcalc.MatcalcError, match=r"x\^2 reads x as a number, never a vector; .* x\.\^2 or the "
                                                   r"squared norm \|\|x\|\|\^2"):
        matcalc.grad("x^2 + a'x", "x")


def test_a_size_given_as_the_variable_is_said_to_be_a_size():
    with pytest.raises(matcalc.MatcalcError, match=r"n is a size \(x: vector\(n\)\), a whole number"):
        matcalc.grad("x'x / n", "n", where="x: vector(n)")
