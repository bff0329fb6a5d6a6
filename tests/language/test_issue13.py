"""Issue 13: what you type is what gets differentiated. Every example of the issue, and the
cases found in the same families, one behaviour per test."""
import json
import re

import numpy as np
import pytest

import matcalc
from matcalc.core.errors import (DeclarationError, EvaluationError, MatcalcError, NotSupportedError, ParseError,
                                 ShapeError, UnknownNameError)
from matcalc.language.declarations import check_value, check_values, parse_declarations


def kinds(text, where=None) -> str:
    return matcalc.parse(text, where=where).inferred


def err(cls, text, where=None, **question) -> str:
    with pytest.raises(cls) as info:
        matcalc.parse(text, where=where, **question)
    return str(info.value)


# ---------------------------------------------------------------- 1. kinds from use
def test_gaussian_log_likelihood_has_the_textbook_gradient():
    text = "-1/2 logdet(S) - 1/2 (x-mu)' inv(S) (x-mu)"
    e = matcalc.parse(text)
    assert e.shape == ()
    assert "mu: vector" in e.inferred and "x: vector" in e.inferred and "S: matrix" in e.inferred
    r = matcalc.grad(text, "S")
    assert r.check().ok
    rn = matcalc.grad(text.replace("mu", "m"), "S")
    assert str(r).replace("mu", "m") == str(rn)


def test_x_minus_mu_makes_mu_a_vector_like_x():
    assert kinds("x - mu") == "mu: vector(n); x: vector(n)"
    assert kinds("||x - mu||^2") == "mu: vector(n); x: vector(n)"


def test_numpy_code_of_the_norm_takes_mu_as_an_array():
    from matcalc.outputs.codegen.generate import numpy_module
    src = numpy_module(matcalc.grad("||x - mu||^2", "x"))
    assert "float(x)" not in src and "float(mu)" not in src


@pytest.mark.parametrize("text, name, kind", [
    ("x' S x", "S", "matrix(n,n)"),
    ("x'Ax + b", "b", "scalar"),
    ("A - t I", "t", "scalar"),
    ("x^2", "x", "scalar"),
    ("lambda x", "lambda", "scalar"),
    ("x' (y - theta)", "theta", "vector(n)"),
    ("Sigma - A", "Sigma", "matrix(m,n)"),
])
def test_kinds_follow_from_use(text, name, kind):
    assert f"{name}: {kind}" in kinds(text).split("; ")


def test_two_readings_are_refused_with_both_and_the_declarations():
    msg = err(ShapeError, "u v + w")
    assert "two ways" in msg and "u: scalar" in msg and "v: scalar" in msg and "where=" in msg


@pytest.mark.parametrize("question", [{}, {"want_scalar": True}])
def test_two_readings_are_refused_whether_or_not_the_question_wants_a_scalar(question):
    # (a gradient asks for a scalar reading first; where none is a scalar, ties are refused as for a Jacobian)
    assert "two ways" in err(ShapeError, "u v + w", **question)


def test_cli_refuses_two_readings_of_a_non_scalar_function_as_its_jacobian_does(capsys):
    from matcalc.cli import main
    for flags in ([], ["--jacobian"]):
        assert main(["u v + w", "--wrt", "u", *flags]) == 2
        assert "two ways" in capsys.readouterr().err


def test_the_declaration_from_the_refusal_picks_a_reading():
    assert "v: vector" in matcalc.parse("u v + w", where="u: scalar").inferred
    assert "u: vector" in matcalc.parse("u v + w", where="v: scalar").inferred


def test_a_transposed_name_is_never_read_as_a_scalar():
    """x'Ax + A was two readings, one of them x a scalar (x' = x): a name written transposed is a
    vector or a matrix, so A is the scalar."""
    assert matcalc.parse("x'Ax + A").inferred == "A: scalar; x: vector(n)"


def test_a_guessed_scalar_is_never_spread_over_a_vector():
    # mu guessed Greek-scalar would be added to every entry: it becomes a vector instead
    assert matcalc.parse("exp(x) + mu").inferred.startswith("mu: vector")


def test_numbers_and_declared_scalars_still_spread():
    assert matcalc.parse("1 + exp(A x)").shape != ()
    assert matcalc.parse("X - c", where="c: scalar; X: matrix").shape == ("m", "n")
    assert matcalc.parse("A x + c", where="c: scalar").shape == ("m",)
    assert matcalc.parse("X - tr(Y)", where="X: matrix").shape == ("n", "k")  # tr: a scalar whatever Y is


def test_a_lone_undeclared_name_added_to_a_scalar_takes_the_scalar_kind():
    assert "X: scalar" in matcalc.parse("X - tr(Y)").inferred
    assert "a: scalar" in matcalc.parse("a + sum(sin(G))", where="G: matrix(n,n) diagonal").inferred


# ---------------------------------------------------------------- 2. say how it was read
def test_every_expression_carries_its_reading_and_declarations():
    e = matcalc.parse("-1/2 x'Ax")
    assert e.reading == "-((1 / 2) x' A x)"
    assert e.inferred == "A: matrix(n,n); x: vector(n)"
    assert matcalc.parse("AXB").reading == "A X B"
    assert matcalc.parse("x'*A*x").reading == "x' * A * x"


def test_a_reading_groups_a_chain_of_star_products_once_as_it_does_a_juxtaposed_run():
    """A chain of * is associative, as A X B is; a / or an entrywise operation in the chain makes the
    order matter, and the reading groups it left to right."""
    assert matcalc.parse("tr(A*X*B*X')").reading == "tr(A * X * B * X')"
    assert matcalc.parse("1/2*x'*x").reading == "(1 / 2) * x' * x"
    assert matcalc.parse("a/b*c", where="a, b, c: scalar").reading == "(a / b) * c"
    assert matcalc.parse("a*b*c/d", where="a, b, c, d: scalar").reading == "(a * b * c) / d"
    assert matcalc.parse("A .* B * C").reading == "(A .* B) * C"


def test_cli_prints_the_reading_in_every_format(capsys):
    from matcalc.cli import main
    assert main(["x'Ax", "--wrt", "x"]) == 0
    assert capsys.readouterr().out.startswith("% read as: x' A x   (A: matrix(n,n); x: vector(n))")
    assert main(["x'Ax", "--wrt", "x", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["read_as"] == "x' A x" and "x: vector(n)" in out["inferred"]


def test_cli_says_when_a_non_scalar_function_gets_a_jacobian(capsys):
    from matcalc.cli import main
    assert main(["x'Ax + A", "--wrt", "x", "--where", "A: matrix(n,n); x: vector(n)"]) == 0
    assert "not a scalar" in capsys.readouterr().err
    assert main(["A x", "--wrt", "x"]) == 0
    assert "not a scalar" in capsys.readouterr().err


def test_cli_version_and_wrt_left_out(capsys):
    from matcalc.cli import main
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("matcalc ")
    assert main(["x'x", "--format", "text"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "grad f = 2 x"


def test_cli_check_reports_what_it_checked(capsys):
    from matcalc.cli import main
    assert main(["log det X", "--check", "--format", "text"]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("check:")][0]
    assert "gradient of log(det(X)) by X" in line


# ---------------------------------------------------------------- 3. function names are never split
@pytest.mark.parametrize("text, hint", [("trX", "tr(X)"), ("sinx", "sin(x)"), ("expx", "exp(x)"),
                                        ("logdetX", "logdet(X)"), ("xsinx", "x sin(x)")])
def test_a_run_with_a_function_name_is_refused_with_a_suggestion(text, hint):
    msg = err(ParseError, text)
    assert f"did you mean {hint}?" in msg


def test_a_declared_name_with_a_function_inside_is_one_name():
    assert matcalc.parse("trX + A", where="trX: matrix(n,n)").variables == ("A", "trX")


@pytest.mark.parametrize("text, same", [
    ("tr X", "tr(X)"), ("det X", "det(X)"), ("log det X", "log(det(X))"), ("tr X'", "tr(X')"),
    ("det X^-1", "det(inv(X))"), ("sin x^2", "sin(x^2)"), ("2 tr X", "2 tr(X)"), ("tr X + tr Y", "tr(X) + tr(Y)"),
    ("exp x", "exp(x)"), ("logdet S", "logdet(S)"), ("tr X / 2", "tr(X) / 2"), ("tr X / n", "tr(X) / n"),
    ("sum x * 2", "sum(x) * 2"), ("det X * det Y", "det(X) det(Y)"), ("sin x * cos x", "sin(x) cos(x)"),
    ("sum x ./ 2", "sum(x) / 2"), ("tr X * (1/2)", "tr(X) / 2"),
])
def test_the_notes_notation_applies_a_function_to_one_operand(text, same):
    assert matcalc.parse(text) == matcalc.parse(same)


@pytest.mark.parametrize("text", ["tr AXB", "tr A X B", "det X Y", "tr X' Y", "tr A*X", "tr X.*Y", "sum x.*y", "log p/q",
                                  "exp x/2", "det X / 2"])
def test_longer_operands_need_parentheses(text):
    msg = err(ParseError, text)
    fn = text.split()[0]
    assert "two readings" in msg and f"{fn}(" in msg and "parentheses" in msg


def test_a_function_without_its_operand_says_so():
    assert "needs an operand" in err(ParseError, "x + exp")


def test_f_of_x_is_not_a_silent_product():
    assert "not a function" in err(UnknownNameError, "f(x)")
    assert matcalc.parse("f (x)", where="f: scalar").shape == ("n",)


def test_declared_multi_letter_names_with_digits_stay_whole():
    assert matcalc.parse("A0r1 x", where="A0r1: matrix(n,n)").variables == ("A0r1", "x")
    assert matcalc.parse("A2B").variables == ("A2", "B")
    assert "two ways" in err(ShapeError, "x2y")  # x2 or y must be a scalar, and nothing says which


# ---------------------------------------------------------------- 4. MatrixCalculus.org's input
@pytest.mark.parametrize("text, same", [
    ("norm2(x)", "||x||"), ("norm2(X)", "||X||_F"), ("norm1(x)", "sum(abs(x))"), ("||x||_1", "sum(abs(x))"),
    ("||x||_{1}", "sum(abs(x))"), ("x'*A*x", "x' A x"), ("eye + A", "I + A"), ("A .^ 2", "A .^ 2"),
    ("vector(1)' x", "ones(n)' x"), ("matrix(2) + A", "2 + A"), ("e^t", "exp(t)"), ("e^(-x'x)", "exp(-x'x)"),
])
def test_matrixcalculus_org_spellings(text, same):
    where = "x: vector(n); A: matrix(n,n); t: scalar"
    assert matcalc.parse(text, where=where) == matcalc.parse(same, where=where)


@pytest.mark.parametrize("text, wrt", [
    ("sum(relu(W x))", "W"), ("sum(arcsin(tanh(x)))", "x"), ("sum(arccos(tanh(x)))", "x"),
    ("sum(arctan(x))", "x"), ("sum(abs(x)) + sum(sign(x))", "x"), ("||x||_1", "x"), ("pi x'x", "x"),
    ("e^(x'x)", "x"), ("log(sum(exp(x)))", "x"), ("tanh(x)' A x", "A"),
])
def test_new_functions_have_derivatives_that_check(text, wrt):
    assert matcalc.grad(text, wrt).check().ok


def test_subgradient_convention_at_a_kink_is_the_midpoint():
    x = np.array([0.0, 2.0, -1.0])
    g = matcalc.grad("sum(relu(x))", "x").evaluate({"x": x})
    assert np.allclose(g, [0.5, 1.0, 0.0])
    g = matcalc.grad("||x||_1", "x").evaluate({"x": x})
    assert np.allclose(g, [0.0, 1.0, -1.0])


def test_pi_is_the_constant_and_e_is_euler_as_the_base_of_a_power():
    assert matcalc.parse("pi").evaluate({}) == pytest.approx(np.pi)
    assert matcalc.parse("e^1").evaluate({}) == pytest.approx(np.e)
    assert matcalc.parse("e' x").variables == ("e", "x")  # e alone is a name (a vector of ones, often)
    assert matcalc.parse("e^x", where="e: scalar").variables == ("e", "x")
    assert "Euler" in err(ParseError, "e^t + e' x")
    assert "Euler" in err(ParseError, "e' x + e^t")
    assert matcalc.parse("pi x", where="pi: scalar").variables == ("pi", "x")


@pytest.mark.parametrize("text, words", [
    ("||X||_*", ["nuclear norm", "||X||_F"]), ("||X||_2", ["||X||_F"]), ("||X||_1", ["sum(abs(X))"]),
    ("||x||_inf", ["'_inf' is not supported"]), ("norm1(X)", ["sum(abs(X))"]),
])
def test_unsupported_norms_name_what_to_write(text, words):
    msg = err(NotSupportedError, text)
    assert all(w in msg for w in words)


# ---------------------------------------------------------------- 5. errors
def test_a_clash_quotes_both_operands_exactly():
    msg = err(ShapeError, "A x + B x", where="A: matrix(m,n); B: matrix(k,n)")
    assert "cannot add A x (a vector of length m) and B x (a vector of length k)" in msg


def test_a_shape_reads_as_prose():
    msg = err(ShapeError, "X^0.5", where="X: matrix")
    assert "m_X x n_X" in msg


@pytest.mark.parametrize("text, name", [("dot(x, y)", "dot"), ("maximum(W x, 0)", "maximum"), ("foo(x, y, z)", "foo")])
def test_an_unknown_function_is_named_whatever_its_arguments(text, name):
    with pytest.raises(MatcalcError) as info:
        matcalc.parse(text)
    assert f"unknown function '{name}'" in str(info.value)


def test_an_unclosed_call_does_not_suggest_a_comma():
    msg = err(ParseError, "tr(AX")
    assert "','" not in msg and "')'" in msg
    assert "','" in err(ParseError, "kron(A")


def test_chained_powers_are_refused():
    msg = err(ParseError, "2^3^2")
    assert "(2^3)^2" in msg and "2^(3^2)" in msg
    assert matcalc.parse("X^-1^T") == matcalc.parse("X^-T")  # a transpose in the chain is fine


def test_a_where_binding_used_before_its_definition_is_an_error():
    assert "before its definition" in err(DeclarationError, "x'A y where A = B C, B = D")
    assert matcalc.parse("x'A x where B = D, A = B C").shape == ()


def test_a_dimension_with_thousands_of_digits_is_a_clear_error():
    msg = err(DeclarationError, "x", where="x: vector(" + "9" * 3000 + ")")
    assert "too large" in msg and len(msg) < 300
    assert "too large" in err(ShapeError, "ones(" + "9" * 500 + ")")


def test_a_parenthesized_variable_is_still_the_variable():
    assert str(matcalc.jacobian("(x) - (x)", "x")) == "zeros(n, n)"
    assert str(matcalc.grad("(x)'(x) - x'x", "x")) == "zeros(n)"


def test_subscripted_names_read_back_from_a_result():
    r = matcalc.grad("x_{12}' A x_{12}", "x_12")
    back = matcalc.parse(str(r), where=r.where)
    assert str(back) == str(r)


def test_x_1_and_x_braced_1_are_one_name():
    assert matcalc.parse("x_1 + x_{1}").variables == ("x_1",)
    assert matcalc.parse("x_{1}' x_{1}", where="x_{1}: vector(n)").inferred == "x_1: vector(n)"


# ---------------------------------------------------------------- 6. values against declarations
@pytest.mark.parametrize("props, value", [
    ({"symmetric"}, [[1, 2], [3, 4]]), ({"spd", "symmetric"}, [[1, 2], [2, 1]]), ({"diagonal"}, [[1, 1], [0, 1]]),
    ({"orthogonal"}, [[1, 1], [0, 1]]), ({"positive"}, [1.0, -1.0]), ({"invertible"}, [[1, 1], [1, 1]]),
])
def test_check_value_names_the_variable_and_the_property(props, value):
    with pytest.raises(EvaluationError) as info:
        check_value(props, "S", np.array(value, dtype=float))
    assert "value of S" in str(info.value) and any(p in str(info.value) for p in props)


def test_check_value_accepts_good_values_within_the_tolerance_and_can_be_switched_off(monkeypatch):
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))
    check_value({"orthogonal", "invertible"}, "Q", q)
    s = np.eye(3) + 1e-12 * np.arange(9).reshape(3, 3)
    check_value({"spd", "symmetric", "invertible"}, "S", s)
    bad = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_value({"symmetric"}, "S", bad, tol=None)
    monkeypatch.setenv("MATCALC_CHECK_DECLARATIONS", "0")
    check_value({"symmetric"}, "S", bad)


def test_check_values_reads_the_declarations():
    decls = parse_declarations("S: matrix(n,n) spd; x: vector(n)")
    check_values(decls, {"S": np.eye(2), "x": np.ones(2)})
    with pytest.raises(EvaluationError):
        check_values(decls, {"S": -np.eye(2)})


# ---------------------------------------------------------------- more of the same families
@pytest.mark.parametrize("text, words", [
    ("exp -x", ["exp needs an operand"]), ("tr", ["tr needs an operand"]), ("tr X sin Y", ["two readings"]),
    ("vecX", ["did you mean vec(X)?"]), ("invX", ["did you mean inv(X)?"]), ("a^b^c", ["(a^b)^c", "a^(b^c)"]),
    ("x where x = y, y = z", ["before its definition"]), ("sin(x)y", ["two ways"]),
])
def test_more_refusals_say_why(text, words):
    with pytest.raises(MatcalcError) as info:
        matcalc.parse(text)
    assert all(w in str(info.value) for w in words)


@pytest.mark.parametrize("text, reading", [
    ("log det X^-1", "log(det(inv(X)))"), ("sum x", "sum(x)"), ("diag x", "diag(x)"), ("inv X", "inv(X)"),
    ("det X^2", "det(X^2)"), ("relu x", "relu(x)"), ("norm2(X)", "||X||_F"), ("2pix", "2 pi x"),
    ("X^T^2", "X'^2"), ("A(x+y)", "A (x + y)"), ("x' e", "x' e"),
])
def test_more_readings(text, reading):
    assert matcalc.parse(text).reading == reading


def test_reading_of_a_where_binding_and_the_constants():
    assert matcalc.parse("p' p where p = A x").reading == "p' p where p = A x"
    assert matcalc.parse("pi + e^t").reading == "pi + exp(t)"


def test_a_scalar_from_use_takes_the_cheapest_consistent_kinds():
    assert "A: scalar" in matcalc.parse("x'x + A").inferred  # x'x rests on x: A gives way
    assert matcalc.parse("x'x + A", where="x: vector(n); A: matrix").shape == ("m", "k")


def test_a_capital_greek_name_looks_like_a_matrix():
    """Sigma in log(det(Sigma)) + tr(Sigma^-1 S) is the covariance matrix, as in papers."""
    r = matcalc.grad("log(det(Sigma)) + tr(Sigma^-1 S)", "Sigma")
    assert "Sigma: matrix" in r.function.inferred
    s = np.array([[2.0, 0.5], [0.5, 1.0]])
    S = np.array([[1.0, 0.2], [0.3, 1.0]])
    inv = np.linalg.inv(s)
    assert np.allclose(r.evaluate({"Sigma": s, "S": S}), inv.T - (inv @ S @ inv).T)


def test_sigma_followed_by_a_parenthesis_is_refused_with_both_readings():
    """sigma(theta' x) is the logistic function in papers, or a scalar times theta' x: refuse."""
    with pytest.raises(MatcalcError) as info:
        matcalc.parse("sigma(theta' x)")
    assert "sigmoid" in str(info.value) and "sigma (" in str(info.value)


def test_a_declared_sigma_multiplies():
    e = matcalc.parse("sigma(x + y)", where="sigma: scalar")
    assert str(e) == "sigma (x + y)"


# ---------------------------------------------------------------- the question wants a scalar
def test_a_gradient_reads_a_greek_name_as_the_vector_that_makes_f_a_scalar():
    r = matcalc.grad("theta' Sigma theta", "theta")
    assert r.function.inferred == "Sigma: matrix(n,n); theta: vector(n)"
    assert str(r) == "(Sigma + Sigma') theta"


def test_a_hessian_reads_mu_as_a_vector_in_a_quadratic_form():
    r = matcalc.hessian("mu' Sigma^-1 mu", "mu")
    assert "mu: vector(n)" in r.function.inferred


def test_parse_alone_keeps_the_look_of_a_greek_name():
    assert matcalc.parse("theta Sigma").inferred == "Sigma: matrix(m,n); theta: scalar"


@pytest.mark.parametrize("text", ["theta' Sigma theta", "mu'mu", "||mu||^2", "lambda'(A x - b)"])
def test_parse_alone_reads_a_transposed_or_normed_greek_name_as_a_vector(text):
    """mu'mu read with mu a scalar was mu^2 (its Hessian 2, not 2 I): a name written transposed or
    inside a norm is a vector or a matrix."""
    e = matcalc.parse(text)
    assert e.shape == ()
    assert re.search(r"(theta|mu|lambda): vector", e.inferred)


def test_a_scalar_question_never_overrules_a_strong_look():
    # A x is a vector with A a matrix; reading A and x as scalars to make it one would be a guess
    with pytest.raises(matcalc.MatcalcError, match="needs a scalar function"):
        matcalc.grad("A x", "x")


def test_a_jacobian_does_not_ask_for_a_scalar_reading():
    assert matcalc.jacobian("theta' Sigma theta", "Sigma").function.inferred.startswith("Sigma: matrix")


def test_the_read_as_line_states_a_structural_property_as_declared():
    e = matcalc.parse("x' Sigma^-1 x", where="Sigma: matrix(n,n) spd")
    assert "Sigma: matrix(n,n) spd" in e.inferred  # not 'invertible', the form it was read under


@pytest.mark.parametrize("text", ["log_var", "leaky_relu(x)", "sum_k x_k", "logvar"])
def test_a_name_holding_a_function_name_and_more_letters_gets_no_letter_by_letter_guess(text):
    """'did you mean log(_ v a r)?' for the VAE's log_var: the name is one name, to declare."""
    msg = err(ParseError, text)
    assert "did you mean" not in msg and f"where='{text.split('(')[0].split()[0]}: ...'" in msg


def test_a_function_name_written_with_an_underscore_suggests_the_function():
    assert "did you mean logdet(...)?" in err(ParseError, "log_det(X)")
