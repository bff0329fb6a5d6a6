"""Bad input gets an error a user can act on: the right class, the right place, the right words.

Parse errors carry .line and .column and show the offending line with a caret under the
spot; shape errors name both shapes and both subexpressions; unknown functions and
declaration mistakes say what is wrong and what is allowed instead.
"""
import re

import pytest

import matcalc
from matcalc import (DeclarationError, MatcalcError, NotSupportedError, ParseError, ShapeError,
                     UnknownNameError)


def parse_error(text, where=None) -> ParseError:
    with pytest.raises(ParseError) as info:
        matcalc.parse(text, where=where)
    return info.value


def error(cls, text, where=None) -> MatcalcError:
    with pytest.raises(cls) as info:
        matcalc.parse(text, where=where)
    return info.value


def caret_target(err) -> str:
    """The character the message's caret points at ('' when it points past the end of the line)."""
    lines = str(err).splitlines()
    at = max(i for i, line in enumerate(lines) if line.strip() == "^")
    assert at >= 1, f"no excerpt line above the caret in:\n{err}"
    text_line, caret_line = lines[at - 1], lines[at]
    col = caret_line.index("^")
    return text_line[col] if col < len(text_line) else ""


def shows_matrix(msg: str, r: str, c: str) -> bool:
    """The message describes an r-by-c matrix (as 'mxn', 'm x n', 'm×n' or 'm-by-n')."""
    return re.search(rf"\b{r}\s*(?:x|×|-by-|,)\s*{c}\b", msg) is not None


# ---------------------------------------------------------------------------- parse errors

def test_parse_error_is_a_matcalc_error():
    assert issubclass(ParseError, MatcalcError)
    assert isinstance(parse_error("x +"), MatcalcError)


def test_parse_error_carries_line_and_column():
    e = parse_error("x ++ y")
    assert (e.line, e.column) == (1, 4)


def test_parse_error_caret_points_at_the_offending_token():
    e = parse_error("x ++ y")
    assert caret_target(e) == "+"
    assert "x ++ y" in str(e)


def test_unexpected_end_of_input_says_so_and_expects_an_operand():
    e = parse_error("x +")
    msg = str(e)
    assert "unexpected end of input" in msg
    assert "expected an operand" in msg
    assert (e.line, e.column) == (1, 4)
    assert caret_target(e) == ""  # just past the '+'


def test_unclosed_parenthesis_expects_a_closing_parenthesis():
    e = parse_error("(x")
    assert "unexpected end of input" in str(e)
    assert "')'" in str(e)


def test_stray_closing_parenthesis_is_reported_where_it_stands():
    e = parse_error("x)")
    assert (e.line, e.column) == (1, 2)
    assert caret_target(e) == ")"
    assert "unexpected ')'" in str(e)


def test_multiline_input_reports_the_line_of_the_error():
    e = parse_error("x +\n y *")
    assert (e.line, e.column) == (2, 5)  # just past the '*'
    assert caret_target(e) == ""
    assert " y *" in str(e)
    assert "x +" not in str(e).split("\n", 1)[1]  # the excerpt is line 2, not line 1


def test_error_on_the_third_line_points_into_the_third_line():
    e = parse_error("a +\nb +\nc ) d")
    assert (e.line, e.column) == (3, 3)
    assert caret_target(e) == ")"


def test_unknown_character_is_named_with_its_position():
    e = parse_error("x $ y")
    assert "'$'" in str(e)
    assert (e.line, e.column) == (1, 3)
    assert caret_target(e) == "$"


def test_column_counts_characters_not_bytes():
    e = parse_error("x + é")
    assert e.column == 5
    assert caret_target(e) == "é"


def test_tab_does_not_shift_the_caret():
    e = parse_error("x\t+\t)")
    assert e.column == 5
    assert caret_target(e) == ")"


def test_caret_lines_up_on_a_very_long_line():
    text = "x + " * 200 + ")"
    e = parse_error(text)
    assert e.column == len(text)
    assert caret_target(e) == ")"
    assert len(str(e)) < 400  # the excerpt is cut around the spot, not the whole line


def test_single_bar_suggests_the_norm_and_abs():
    msg = str(parse_error("|x|"))
    assert "||x||" in msg and "abs" in msg


def test_square_brackets_after_a_name_point_at_the_bracket_as_indexing():
    e = parse_error("x[1]")
    assert "indexing" in str(e)
    assert caret_target(e) == "["


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_empty_expression_is_a_parse_error_saying_empty(text):
    assert "empty" in str(parse_error(text))


@pytest.mark.parametrize("value", [None, 42, b"x'x", ["x"]])
def test_expression_that_is_not_a_string_is_a_parse_error(value):
    e = parse_error(value)
    assert "string" in str(e)


def test_empty_function_call_expects_an_argument():
    e = parse_error("tr()")
    assert "expected an operand" in str(e)
    assert caret_target(e) == ")"


# ---------------------------------------------------------------------------- shape errors

MN = "A: matrix(m,n); B: matrix(p,q); x: vector(n); y: vector(k)"


def test_product_shape_error_names_both_operands_and_both_shapes():
    e = error(ShapeError, "A y", where="A: matrix(m,n); y: vector(k)")
    msg = str(e)
    assert re.search(r"\bA\b", msg) and re.search(r"\by\b", msg)
    assert shows_matrix(msg, "m", "n")
    assert "vector of length k" in msg


def test_product_shape_error_says_which_dimensions_clash():
    msg = str(error(ShapeError, "A y", where="A: matrix(m,n); y: vector(k)"))
    assert re.search(r"\bn\b", msg) and re.search(r"\bk\b", msg)


def test_matrix_product_shape_error_names_both_matrices():
    msg = str(error(ShapeError, "A B", where=MN))
    assert shows_matrix(msg, "m", "n") and shows_matrix(msg, "p", "q")


def test_sum_shape_error_names_both_terms_and_shapes():
    msg = str(error(ShapeError, "x + y", where=MN))
    assert "vector of length n" in msg and "vector of length k" in msg
    assert re.search(r"\bx\b", msg) and re.search(r"\by\b", msg)


def test_shape_error_quotes_compound_subexpressions():
    msg = str(error(ShapeError, "A x + y", where=MN))
    assert "A x" in msg and "vector of length m" in msg and "vector of length k" in msg


def test_shape_error_in_a_transposed_product_names_the_transpose():
    msg = str(error(ShapeError, "(A x)' y", where=MN))
    assert "(A x)'" in msg and "row vector of length m" in msg


def test_inner_product_shape_error_names_both_sides():
    msg = str(error(ShapeError, "<x, y>", where=MN))
    assert "inner product" in msg
    assert "vector of length n" in msg and "vector of length k" in msg


def test_elementwise_product_shape_error_names_both_sides():
    msg = str(error(ShapeError, "x .* y", where=MN))
    assert "elementwise" in msg
    assert "vector of length n" in msg and "vector of length k" in msg


@pytest.mark.parametrize("fn", ["tr", "det", "logdet", "inv"])
def test_square_only_function_of_a_rectangular_matrix_says_square(fn):
    msg = str(error(ShapeError, f"{fn}(A)", where=MN))
    assert "square" in msg and shows_matrix(msg, "m", "n")


def test_matrix_power_of_a_rectangular_matrix_says_square():
    msg = str(error(ShapeError, "A^2", where=MN))
    assert "square" in msg and shows_matrix(msg, "m", "n")


def test_division_by_a_vector_says_only_scalars_divide():
    msg = str(error(ShapeError, "x / y", where=MN))
    assert "scalar" in msg and re.search(r"\by\b", msg)


@pytest.mark.parametrize("text, where", [("1/0", None), ("x'x / (y - y)", "x: vector(n); y: scalar"),
                                         ("x ./ (1 - 1)", "x: vector(n)"), ("x'x + 0^-1", "x: vector(n)")])
def test_division_by_a_constant_zero_names_the_division(text, where):
    msg = str(error(MatcalcError, text, where=where))
    divisor = text.split("+ ")[-1] if "^" in text else text
    assert "division by zero" in msg and repr(divisor)[1:-1] in msg


def test_softmax_of_a_scalar_asks_for_a_vector_or_matrix():
    """softmax of a matrix is of each column (README); of a scalar it would be the constant 1."""
    msg = str(error(ShapeError, "softmax(c)", where="c: scalar"))
    assert "vector or a matrix" in msg and "scalar" in msg


def test_shape_error_is_a_matcalc_error():
    assert issubclass(ShapeError, MatcalcError)


def test_shape_descriptions_keep_dimension_names_readable():
    # X^0.5 alone now reads X as a scalar (kinds from use); a declared matrix keeps the message
    msg = str(error(MatcalcError, "X^0.5", where="X: matrix"))
    assert "m_Xxn_X" not in msg
    assert shows_matrix(msg, "m_X", "n_X")


# ---------------------------------------------------------------------------- unknown names

def test_unknown_function_is_an_unknown_name_error_saying_so():
    e = error(UnknownNameError, "foo(x)")
    assert "unknown function 'foo'" in str(e)


def test_unknown_function_error_lists_the_known_functions():
    msg = str(error(UnknownNameError, "foo(x)"))
    for fn in ("tr", "det", "logdet", "exp", "log", "softmax"):
        assert re.search(rf"\b{fn}\b", msg)


def test_norm_of_a_matrix_is_refused_with_both_meanings_and_the_frobenius_form():
    msg = str(error(NotSupportedError, "norm(W)"))
    assert "spectral norm in MATLAB" in msg and "Frobenius norm in NumPy" in msg and "||W||_F" in msg


@pytest.mark.parametrize("text, hint", [("transpose(X)", "X'"), ("inverse(X)", "inv(X)"),
                                        ("logistic(x)", "sigmoid(x)")])
def test_common_function_names_from_other_tools_get_a_hint(text, hint):
    msg = str(error(UnknownNameError, text))
    assert hint in msg


def test_trace_is_accepted_as_a_spelling_of_tr():
    assert matcalc.parse("trace(X)") == matcalc.parse("tr(X)")


@pytest.mark.parametrize("text", ["eval(x)", "exec(x)"])
def test_python_builtins_are_unknown_functions(text):
    assert "unknown function" in str(error(UnknownNameError, text))


def test_hint_for_an_unsupported_function_reads_as_a_sentence():
    # relu is a function now (MatrixCalculus.org's input, issue 13); max still is not
    msg = str(error(UnknownNameError, "max(x)"))
    assert "write (" not in msg


def test_unknown_name_error_is_a_matcalc_error():
    assert issubclass(UnknownNameError, MatcalcError)


# ---------------------------------------------------------------------------- declarations

def decl_error(where, text="x") -> str:
    return str(error(DeclarationError, text, where=where))


def test_unknown_kind_names_the_kind_and_suggests_one():
    msg = decl_error("x: vec(n)")
    assert "unknown kind 'vec'" in msg and "vector" in msg


def test_unknown_kind_lists_the_kinds():
    msg = decl_error("x: tensor(n)")
    assert all(k in msg for k in ("scalar", "vector", "matrix"))


def test_unknown_property_names_it_and_lists_the_properties():
    msg = decl_error("x: vector(n) pos")
    assert "unknown property 'pos'" in msg
    assert all(p in msg for p in ("symmetric", "spd", "positive"))


@pytest.mark.parametrize("where, words", [
    ("x: vector(0)", "at least 1"),
    ("x: vector(2.5)", "not a dimension"),
    ("x: vector(n-1)", "not a dimension"),
    ("x: vector(n,m)", "1 dimension"),
    ("X: matrix(n)", "2 dimensions"),
    ("c: scalar(3)", "no dimensions"),
    ("x: vector(0*n)", "at least 1"),  # (a product's factors went unchecked: evaluate divided by zero)
    ("X: matrix(n*0,n)", "at least 1"),
    ("x: vector(1000000*1000000*1000000)", "too large"),
])
def test_bad_dimensions_are_declaration_errors_that_say_why(where, words):
    assert words in decl_error(where)


def test_symmetric_non_square_matrix_is_a_declaration_error_naming_it():
    msg = decl_error("X: matrix(m,n) symmetric", "X")
    assert "X" in msg and "symmetric" in msg and "square" in msg
    assert shows_matrix(msg, "m", "n")


@pytest.mark.parametrize("prop", ["spd", "invertible", "diagonal", "orthogonal"])
def test_square_property_on_a_rectangular_matrix_is_a_declaration_error(prop):
    assert "square" in decl_error(f"X: matrix(2,3) {prop}", "X")


def test_square_property_on_a_vector_is_a_declaration_error():
    assert "square" in decl_error("x: vector(n) symmetric")


@pytest.mark.parametrize("name", ["sum", "tr", "abs", "log", "mean", "softmax"])
def test_declaring_a_function_name_is_an_error_that_asks_for_another_name(name):
    # the name is read as the function wherever it stands: with sum declared, sum' A sum was refused
    # as "the derivative of sum"
    with pytest.raises(matcalc.MatcalcError, match=f"'{name}' is a function of the language"):
        matcalc.parse("x", where=f"x: vector(n); {name}: vector(n)")


def test_names_of_calls_that_need_parentheses_can_be_declared():
    assert matcalc.parse("2 dim + kron", where="dim, kron: scalar").variables == ("dim", "kron")


def test_conflicting_declarations_of_one_name_are_an_error_naming_both():
    msg = decl_error("x: vector(n); x: matrix(n,n)")
    assert "conflicting" in msg and "x" in msg
    assert "vector(n)" in msg and re.search(r"matrix\(n,\s*n\)", msg)


def test_conflicting_properties_of_one_name_are_an_error():
    assert "conflicting" in decl_error("X: matrix(n,n) symmetric; X: matrix(n,n)", "X")


def test_repeating_the_same_declaration_is_allowed():
    e = matcalc.parse("x", where="x: vector(n); x: vector(n)")
    assert e.shape == ("n",)


@pytest.mark.parametrize("name", ["I", "where"])
def test_reserved_names_cannot_be_declared(name):
    assert "reserved" in decl_error(f"{name}: matrix(n,n)")


def test_declaring_the_identity_says_what_i_is_and_offers_a_name_that_works():
    message = decl_error("I: scalar; omega: scalar")
    assert "identity matrix" in message and "(J, or I0)" in message
    assert str(matcalc.grad("1/2 I0 omega^2", "omega", where="I0: scalar; omega: scalar")) == "I0 omega"


def test_declaration_without_a_colon_says_a_colon_is_needed():
    assert "colon" in decl_error("x vector(n)")


def test_invalid_declared_name_is_named():
    assert "'1x'" in decl_error("1x: scalar")


def test_declarations_that_are_not_a_string_are_a_declaration_error():
    with pytest.raises(DeclarationError, match="string"):
        matcalc.parse("x", where=42)


def test_unbalanced_parenthesis_in_a_declaration_says_so():
    assert "parenthes" in decl_error("x: vector(n")


def test_declaration_error_never_echoes_invisible_control_characters():
    assert "\u202e" not in decl_error("x: vector(\u202en)")


def test_binding_one_name_twice_in_where_is_an_error():
    with pytest.raises(DeclarationError, match="twice"):
        matcalc.parse("p where p = 1, p = 2")


def test_binding_a_declared_name_is_a_declaration_error():
    with pytest.raises(DeclarationError, match="declared"):
        matcalc.parse("p where p = 1", where="p: scalar")


@pytest.mark.parametrize("text", ["X^0.5", "X^(1/2)", "X^1.5", "X^{0.5}"])
def test_non_integer_matrix_power_suggests_an_elementwise_power_that_parses(text):
    with pytest.raises(ShapeError) as info:
        matcalc.parse(text, where="X: matrix(n,n)")
    msg = str(info.value)
    assert "integer" in msg and ".^" in msg
    suggestion = msg.split("write ", 1)[1].rsplit(")", 1)[0]
    assert matcalc.parse(suggestion, where="X: matrix(n,n)").shape == ("n", "n")


def test_a_fractional_power_of_diag_of_a_vector_suggests_the_power_of_the_vector():
    # diag(d)^(-1/2) (a normalized graph Laplacian) was told to write diag(d) .^ (-1/2): inf off the diagonal
    with pytest.raises(ShapeError, match=r"write diag\(d \.\^ \(-1/2\)\)"):
        matcalc.parse("x' diag(d)^(-1/2) W diag(d)^(-1/2) x")
    # and the suggested form reads: a scalar, with d the vector whose entries are raised
    e = matcalc.parse("x' diag(d .^ (-1/2)) W diag(d .^ (-1/2)) x")
    assert (e.shape, e.inferred) == ((), "W: matrix(n,n); d: vector(n); x: vector(n)")


def test_a_fractional_power_of_a_matrix_looking_name_says_a_diagonal_spd_one_takes_it():
    with pytest.raises(ParseError, match=r"declare it \(where='D: matrix\(n,n\) diagonal spd'\)"):
        matcalc.parse("tr(D^(-1/2) W D^(-1/2))")
    # declared so, D^(-1/2) is taken: the inverse square root of its diagonal
    e = matcalc.parse("tr(D^(-1/2) W D^(-1/2))", where="D: matrix(n,n) diagonal spd; W: matrix(n,n)")
    assert str(e) == "tr(W D^-1)"


def test_scalar_to_a_fractional_power_is_fine():
    assert matcalc.parse("s^0.5", where="s: scalar").shape == ()


@pytest.mark.parametrize("text", ["||X||", "||X||_2", "||A B||", "||x x' + I||_2"])
def test_spectral_norm_of_a_general_matrix_is_not_supported(text):
    with pytest.raises(NotSupportedError) as info:
        matcalc.parse(text)
    assert "spectral" in str(info.value) and "_F" in str(info.value)


@pytest.mark.parametrize("text,expected", [
    ("||x x'||_2", "x' x"),
    ("||x y'||", "||x|| ||y||"),
    ("||-2 A x (B y)'||_2", "2 ||A x|| ||B y||"),
])
def test_spectral_norm_of_an_outer_product_is_the_product_of_the_norms(text, expected):
    assert matcalc.parse(text) == matcalc.parse(expected)


def test_not_supported_error_is_a_matcalc_error():
    assert issubclass(NotSupportedError, MatcalcError)


def test_euclidean_norm_of_a_vector_is_supported():
    assert matcalc.parse("||x||_2").shape == ()


# ---------------------------------------------------------------------------- differentiation requests

@pytest.mark.parametrize("expr, wrt", [("A x", "x"), ("X", "X"), ("x x'", "x")])
def test_grad_of_a_non_scalar_says_to_use_jacobian(expr, wrt):
    with pytest.raises(MatcalcError) as info:
        matcalc.grad(expr, wrt)
    assert "scalar" in str(info.value) and "jacobian()" in str(info.value)


def test_hessian_of_a_non_scalar_is_an_error_pointing_to_jacobian():
    with pytest.raises(MatcalcError, match=r"jacobian\(\)"):
        matcalc.hessian("A x", "x")


@pytest.mark.parametrize("fn", [matcalc.grad, matcalc.jacobian, matcalc.differential, matcalc.hessian,
                                matcalc.hvp])
def test_differentiating_by_a_name_not_in_the_expression_is_a_clear_error(fn):
    with pytest.raises(MatcalcError) as info:
        fn("x' A x", "y")
    msg = str(info.value)
    assert "'y'" in msg and "not a variable" in msg
    assert "A" in msg and "x" in msg  # the variables it does have


def test_differentiating_by_a_declared_but_unused_name_gives_zero():
    assert str(matcalc.grad("x'x", "y", where="y: vector(n)")) == "zeros(n)"


@pytest.mark.parametrize("wrt", [None, 3, [3]])
def test_variable_that_is_not_a_name_is_an_error(wrt):
    with pytest.raises(MatcalcError, match="name"):
        matcalc.grad("x'x", wrt)


def test_a_tuple_of_three_variables_is_refused_and_the_list_form_suggested():
    with pytest.raises(MatcalcError, match="give a list"):
        matcalc.hessian("x'A y", ("x", "y", "A"))


def test_unknown_jacobian_layout_is_an_error_listing_the_layouts():
    with pytest.raises(MatcalcError, match="numerator"):
        matcalc.jacobian("A x", "x", layout="sideways")


def test_check_of_an_expression_without_a_variable_says_what_it_needs():
    with pytest.raises(MatcalcError, match="wrt"):
        matcalc.check("x'x")


def test_check_of_an_unknown_kind_lists_the_kinds():
    with pytest.raises(MatcalcError, match="gradient"):
        matcalc.check("x'x", "x", kind="laplacian")


def test_a_misspelt_property_gets_the_closest_one():
    with pytest.raises(matcalc.MatcalcError, match=r"did you mean symmetric\?"):
        matcalc.parse("x' A x", where="A: matrix(n,n) symetric")


@pytest.mark.parametrize("where, separated", [
    ("x: vector(n), y: vector(n)", "x: vector(n); y: vector(n)"),
    ("x: vector(n), y: vector(n), A: matrix(n,n) symmetric", "x: vector(n); y: vector(n); A: matrix(n,n) symmetric"),
    ("A: n x n, symmetric, x, y: vector(n)", "A: n x n, symmetric; x, y: vector(n)"),
    ("x ∈ ℝⁿ, A ∈ ℝⁿˣⁿ, y: vector(n)", "x: vector(n); A: matrix(n,n); y: vector(n)"),
    ("A ∈ ℝⁿˣⁿ, y: vector(n), x ∈ R^n", "A: matrix(n,n); y: vector(n); x: vector(n)")])
def test_declarations_separated_by_a_comma_are_read_as_separated_by_a_semicolon(where, separated):
    assert matcalc.parse("x' A y", where=where).inferred == matcalc.parse("x' A y", where=separated).inferred


def test_latex_spellings_of_names_may_be_declared():
    e = matcalc.parse(r"\boldsymbol{\mu}^\top \Sigma \mathbf{x}",
                      where=r"\Sigma: matrix(n,n) spd; \mathbf{x}: vector(n); \boldsymbol{\mu}: vector(n)")
    assert str(e) == str(matcalc.parse("mu' Sigma x", where="Sigma: matrix(n,n) spd; x, mu: vector(n)"))


@pytest.mark.parametrize("text", ["X^*", "X^{*}", r"X^\ast", r"X^\dagger", r"X^\mathsf{H}"])
def test_an_adjoint_superscript_says_it_is_the_transpose_for_real_matrices(text):
    assert "conjugate transpose" in str(error(ParseError, text, where="X: matrix(n,n)"))


@pytest.mark.parametrize("text", ["X^H", "X^{H}", "x^{t}"])
def test_a_transpose_letter_as_exponent_has_two_readings(text):
    assert "two readings" in str(error(ParseError, text, where="X: matrix(n,n); x: vector(n)"))


def test_a_declared_h_is_a_power():
    assert str(matcalc.parse("a^H", where="a, H: scalar")) == "a^H"


@pytest.mark.parametrize("text", ["X^+", "(A B)^{+}"])
def test_a_pseudo_inverse_superscript_is_refused_naming_it(text):
    assert "pseudo-inverse" in str(error(ParseError, text, where="X: matrix(n,n)"))


def test_double_star_is_not_a_power():
    assert "write x^2" in str(error(ParseError, "x**2"))


@pytest.mark.parametrize("text, power", [("X**-1", "X^-1"), ("sum(w**2)", "w^2"), ("x**n", "x^n")])
def test_double_star_is_rewritten_with_the_operands_typed(text, power):
    """X**-1 was told to write x^2, an example unlike what was typed."""
    assert f"write {power} " in str(error(ParseError, text))


def test_numpy_matrix_product_at_sign_says_to_write_juxtaposition():
    assert "write the product as A x" in str(error(ParseError, "x.T @ A @ x".replace(".T", "'")))


@pytest.mark.parametrize("text, owner", [("x.T A x", "x"), ("A.T", "A")])
def test_numpy_dot_t_says_to_write_a_prime(text, owner):
    assert f"write {owner}'" in str(error(ParseError, text))


@pytest.mark.parametrize("text, fn", [("np.trace(X)", "trace"), ("np.linalg.det(X)", "det"),
                                      ("torch.log(x)", "log")])
def test_a_module_prefix_says_to_write_the_bare_function(text, fn):
    assert f"without the module prefix: {fn}(...)" in str(error(ParseError, text))


@pytest.mark.parametrize("text", ["x[0]", "X[:, 1]", "(A x)[0]", "x[i]", "X[i, j]"])
def test_numpy_indexing_says_a_formula_is_in_whole_arrays(text):
    assert "indexing and slicing" in str(error(ParseError, text))


@pytest.mark.parametrize("text", ["[x + y]", "A [x + y]"])
def test_square_brackets_for_grouping_say_to_use_parentheses(text):
    msg = str(error(ParseError, text))
    assert "use parentheses" in msg and "indexing" not in msg


def test_a_method_call_says_to_write_a_call():
    assert "write calls, as inv(X)" in str(error(ParseError, "X.inv()"))


@pytest.mark.parametrize("text", ["log |Sigma|", "log|Sigma|", "-1/2 log(|S|)"])
def test_log_of_bars_says_how_the_log_determinant_is_written(text):
    assert "logdet(X) or log(det(X))" in str(error(ParseError, text))


def test_a_stray_dot_has_no_numpy_hint():
    msg = str(error(ParseError, "x. y"))
    assert "unexpected character '.'" in msg and "NumPy" not in msg and "method" not in msg


@pytest.mark.parametrize("text", ["x y", r"x \cdot y", "x·y"])
def test_two_vectors_side_by_side_say_how_their_products_are_written(text):
    msg = str(error(ShapeError, text, where="x, y: vector(n)"))
    assert "a vector of length n" in msg and "inner product is written x' y" in msg and "x y'" in msg


def test_two_vectors_of_different_lengths_suggest_only_the_outer_product():
    msg = str(error(ShapeError, "x y", where="x: vector(n); y: vector(m)"))
    assert "outer product is written x y'" in msg and "inner" not in msg


@pytest.mark.parametrize("text", ["a^+1", "a^{+1}"])
def test_a_plus_sign_before_an_exponent_is_not_taken_for_a_pseudo_inverse(text):
    assert "pseudo-inverse" not in str(error(ParseError, text))


@pytest.mark.parametrize("text, where, written", [("tr(A X_1)", "X1: matrix(n,n) symmetric", "X_1"),
                                                  ("x'S_1x", "S1: matrix(n,n)", "S_1"),
                                                  ("c_1 ||x||^2", "c1: scalar", "c_1")])
def test_a_declaration_spelled_without_the_subscript_mark_of_an_undeclared_name_is_an_error_naming_both(
        text, where, written):
    """X1 declared symmetric, X_1 written: X_1 was read undeclared (neither square nor symmetric)."""
    msg = str(error(DeclarationError, text, where=where))
    assert where.split(":")[0] in msg and f"where='{written}: ...'" in msg


@pytest.mark.parametrize("text, where, written", [("w' S_W w", "S_w: matrix(n,n) spd", "S_W"),
                                                  ("x' Sigma x", "sigma: matrix(n,n) spd", "Sigma"),
                                                  ("tr(Theta S)", "theta: matrix(n,n)", "Theta")])
def test_a_declaration_differing_in_case_whose_kind_is_the_used_names_look_is_an_error_naming_both(text, where, written):
    """S_w declared spd, S_W written: S_W was read undeclared and the property dropped silently."""
    msg = str(error(DeclarationError, text, where=where))
    assert where.split(":")[0] in msg and f"where='{written}: ...'" in msg


def test_a_declared_subscripted_name_with_a_letter_pasted_after_it_in_the_text_is_an_error_saying_so():
    """w'S_ww with S_w declared read a new name S_ww."""
    assert "for S_w times w put a space (S_w w)" in str(error(DeclarationError, "w'S_ww", where="S_w: matrix(n,n)"))


@pytest.mark.parametrize("text, fix", [("(w'S_Bw)/(w'S_Ww)", "S_B w"), ("x'W_Hx", "W_H x")])
def test_a_subscript_that_took_a_name_of_the_text_is_an_error_with_the_space_to_write(text, fix):
    """w'S_Bw read S_Bw as one name, a matrix, and w' S_Bw was a row (the quadratic form w' S_B w lost)."""
    assert f"put a space ({fix})" in str(error(ParseError, text))


@pytest.mark.parametrize("text, name", [("W_out h + t", "W_out"), ("x'S_xx x", "S_xx"), ("||w_new - w||^2", "w_new"),
                                        ("exp(x - x_max)", "x_max"), ("W_hh h + W_xh x", "W_xh")])
def test_a_subscript_of_small_letters_is_one_name_even_where_its_last_letter_is_a_name_too(text, name):
    assert f"{name}: " in matcalc.parse(text).inferred


def test_a_declared_scalar_beside_a_matrix_differing_in_case_is_allowed():
    """sigma: scalar and Sigma in the text: both are common in one paper."""
    assert "Sigma: matrix" in matcalc.parse("x' Sigma x", where="sigma: scalar").inferred


def test_a_declared_name_the_text_does_not_use_is_allowed_beside_a_name_differing_in_case():
    """One where for several formulas; a vector x beside a matrix X is common."""
    assert "X: matrix" in matcalc.parse("norm2(X)", where="x: vector(n); A: matrix(n,n)").inferred


@pytest.mark.parametrize("text, rhs", [("f(x) = x'Ax", "x'Ax"), ("E = x'Lx", "x'Lx")])
def test_a_named_formula_is_refused_at_the_equals_sign_with_the_right_hand_side_to_write(text, rhs):
    err = parse_error(text)
    assert f"write {rhs}" in str(err) and err.column == text.index("=") + 1


@pytest.mark.parametrize("text, words", [("x'Ax;", "trailing ';'"), ("x'Ax # quadratic", "comments"),
                                         ("x'Ax % comment", "comments")])
def test_a_trailing_semicolon_or_a_comment_is_refused_saying_so(text, words):
    assert words in str(parse_error(text))


def test_parts_of_a_where_separated_by_a_semicolon_are_told_to_use_a_comma():
    # it said: give one formula, without a trailing ';'
    err = parse_error("p'p + q'x where p = A x; q = p + x")
    assert "separated by commas: ... where p = A x, q = p + x" in str(err)
    assert str(matcalc.grad("p'p + q'x where p = A x, q = p + x", "x"))


def test_the_identity_cannot_be_a_part_named_with_where():
    # I where I = x'x read I as the part: one name, two meanings in one formula
    with pytest.raises(matcalc.DeclarationError, match="the part named 'I' is reserved for the identity"):
        matcalc.grad("I where I = x'x", "x")


@pytest.mark.parametrize("text", ["sigma:epsilon", "1/2 E:C:E"])
def test_a_double_contraction_colon_suggests_the_inner_product(text):
    assert "<A, B>" in str(parse_error(text))


@pytest.mark.parametrize("text", ["X(:,1)", "X(1,:)", "x(1:3)"])
def test_a_slicing_colon_says_slicing_is_not_in_the_language(text):
    assert "slicing" in str(parse_error(text))


@pytest.mark.parametrize("text", ["tr(kron(X,X))", "vec(X)' kron(A,B) vec(X)"])
def test_a_clash_of_product_sizes_says_to_declare_the_factors_sizes(text):
    msg = str(error(ShapeError, text))
    assert "is not solved for its factors" in msg and "where=" in msg


@pytest.mark.parametrize("text, where", [
    ("unvec(x, m, n)", "x: vector(k)"),
    ("\\mathbf{x}^\\top (A \\otimes B) \\mathbf{x}", "A: matrix(m,m); B: matrix(n,n); x: vector(k)")])
def test_a_vector_against_a_product_size_is_told_to_declare_the_product_and_that_reads(text, where):
    # the advice was an example with an X and an A the formula did not have
    msg = str(error(ShapeError, text, where=where))
    assert "where='x: vector(m*n)'" in msg
    matcalc.parse(text, where=where.replace("x: vector(k)", "x: vector(m*n)"))


def test_a_clash_of_two_product_sizes_names_the_formulas_own_names():
    msg = str(error(ShapeError, "vec(X)' kron(A, B) vec(X)"))
    assert "declare the sizes of X, A, B" in msg


@pytest.mark.parametrize("text", ["log sigma(w'x)", "log σ(wᵀx)"])
def test_a_function_of_sigma_without_parentheses_offers_the_log_sigmoid(text):
    # it gave two readings, neither the logistic one, and following either met a second refusal
    msg = str(error(matcalc.ParseError, text))
    assert "log(sigmoid(w'x))" in msg
    matcalc.parse("log(sigmoid(w'x))")


@pytest.mark.parametrize("text", ["{x}^{T}{A}{x}", "x^{T}{A}x"])
def test_braces_around_an_operand_in_plain_text_say_where_braces_group(text):
    # it was a bare "unexpected '{'"; x^{T} reads, and so does the LaTeX with its backslashes
    assert "braces group only an exponent or a subscript" in str(error(matcalc.ParseError, text))
    matcalc.parse("\\mathbf{x}^{T} A \\mathbf{x}")


def test_dividing_by_a_name_that_looks_like_a_matrix_offers_the_scalar_declaration():
    """e^(-t/A): A read as a matrix cannot divide; the fix is to declare it a scalar."""
    assert "where='A: scalar'" in str(error(ShapeError, "e^(-t/A)"))


@pytest.mark.parametrize("text, declaration", [
    ("x'Ax where A is symmetric", "A: symmetric"), ("x'Ax, A symmetric", "A: symmetric"),
    ("x'Ax where A: n x n spd", "A: n x n spd"), ("x'Ax where A, B are symmetric", "A, B: symmetric"),
    ("f(x), x in R^n", "x: R^n"), ("x'Ax where A ∈ R^{n×n}", "A: R^{n*n}"),
])
def test_declarations_written_into_the_formula_say_where_they_go(text, declaration):
    with pytest.raises(matcalc.ParseError) as info:
        matcalc.parse(text)
    assert f"where='{declaration}'" in str(info.value)
    matcalc.parse("x'Ax", where=declaration)  # what the message says to write is read


def test_a_where_that_names_a_part_is_not_taken_for_a_declaration():
    assert str(matcalc.parse("x'Px where P = A + A'")) == "x' (A + A') x"


@pytest.mark.parametrize("text, words", [
    ("sum(X, axis=0)", "keyword arguments"), ("x'x = 1", "an equation is not a formula"),
    ("||r||^2 with r = y - X w", "write ||r||^2 where r = y - X w"), ("f(x) = x'Ax", "write x'Ax"),
    ("x'x < 1", "an inequality"), ("<x,y> > 0", "an inequality"), ("x'x <= 1", "an inequality"),
    ("log2(x)", "log(x) / log(2)"), ("log10(x)", "log(x) / log(10)"), ("max(0, 1 - x)", "relu"),
])
def test_equations_inequalities_keywords_and_other_bases_say_what_to_write(text, words):
    with pytest.raises(ParseError) as info:
        matcalc.parse(text)
    assert words in str(info.value)


@pytest.mark.parametrize("text, words", [
    ("sigmoid'(z)", "the derivative of sigmoid, is what matcalc computes"), ("sin^2 x", "sin(x)^2"),
    ("x.'*A*x", "MATLAB's .' is the transpose"),
])
def test_derivative_primes_function_powers_and_matlab_transposes_say_what_to_write(text, words):
    with pytest.raises(ParseError) as info:
        matcalc.parse(text)
    assert words in str(info.value)


@pytest.mark.parametrize("text", ["x_{t+1}' x", "h_{t-1}", "x_{i,j}"])
def test_an_index_expression_as_a_subscript_says_what_a_subscript_is(text):
    with pytest.raises(ParseError, match="a subscript is letters and digits"):
        matcalc.parse(text)


def test_a_transpose_typed_as_the_letter_t_offers_the_transpose():
    with pytest.raises(matcalc.MatcalcError, match="write X' X"):
        matcalc.parse("XtX")


def test_a_declaration_with_three_sizes_says_arrays_of_more_axes_are_not_supported():
    with pytest.raises(matcalc.MatcalcError, match="more than two sizes"):
        matcalc.parse("sum(Q)", where="Q: n x n x k")  # it said: unknown property 'x'


@pytest.mark.parametrize("text, advice", [("t^sin(c)", "t^(sin(c))"), ("2^sum(x)", "2^(sum(x))"),
                                          ("t^||x||", "t^(||x||)"), ("t^<x, x>", "t^(<x, x>)"),
                                          ("e^-||x||^2", "e^(-||x||^2)"), ("t^-log(c)", "t^(-log(c))")])
def test_a_function_or_norm_as_an_exponent_asks_for_parentheses(text, advice):
    # the message listed "a function" among the operands it expected, then refused one
    msg = str(error(ParseError, text, where="t: scalar positive; c: scalar"))
    assert "an exponent is a number, a name or a group" in msg and f"({advice})" in msg


def test_an_entrywise_product_with_an_undeclared_t_reads_t_as_the_matrix_it_looks_like():
    # the refusal said "with T a None ... declare T (where='T: None')"
    assert str(matcalc.parse("sum(T .* A)")) == "<A, T>"


def test_a_chain_of_several_powers_advises_forms_that_parse():
    # the advice X^(-1^-1^-1^-1) was itself a chained power, refused in turn
    msg = str(error(ParseError, "X^-1^-1^-1^-1"))
    assert "write (X^-1)^-1 or X^(-1^-1)" in msg
    matcalc.parse("(X^-1)^-1")
    matcalc.parse("X^(-1^-1)", where="X: scalar")


def test_where_no_reading_fits_the_clash_past_a_coefficient_read_as_a_vector_is_reported():
    """(1 / n) sum((y - X w)^2) said n was a vector: n as a scalar gets past it to the vector squared."""
    msg = str(error(ShapeError, "(1 / n) sum((y - X w)^2)"))
    assert "for the entrywise power write (y - X w) .^ 2" in msg and "n is a vector" not in msg


def test_a_matrix_times_the_number_one_asks_for_the_vector_of_ones():
    """diag(W 1) - W (a graph Laplacian as papers write it) gave a shape clash that never said 1 is a number."""
    assert "for the vector of ones write W ones(n)" in str(parse_error("diag(W 1) - W"))


def test_ln_before_a_bar_gets_the_log_determinant_hint():
    assert "logdet(X)" in str(parse_error("ln|C|"))


@pytest.mark.parametrize("text", ["||x||_∞", "‖x‖_∞"])
def test_a_pasted_infinity_norm_says_it_is_not_supported(text):
    with pytest.raises(matcalc.MatcalcError, match="the infinity norm"):
        matcalc.parse(text)


def test_a_matrix_to_the_power_h_says_it_is_the_conjugate_transpose():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("conjugate (Hermitian) transpose") + ".*write F'"):
        matcalc.parse("F^H diag(h) F")


@pytest.mark.parametrize("text", ["||x||_{∞}", "‖x‖_{∞}"])
def test_a_pasted_braced_infinity_norm_says_it_is_not_supported(text):
    with pytest.raises(matcalc.MatcalcError, match="the infinity norm"):
        matcalc.parse(text)


def test_a_braced_h_power_of_a_matrix_says_it_is_the_conjugate_transpose():
    with pytest.raises(matcalc.MatcalcError, match="conjugate"):
        matcalc.parse("F^{H} F")


def test_a_mixed_norm_subscript_says_the_norm_is_not_supported():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("the norm ||...||_{2,1} is not supported")):
        matcalc.parse("||B||_{2,1}")


def test_adding_a_matrix_and_diag_of_a_matrix_says_diag_is_the_vector_of_the_diagonal():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("write diag(diag(J'J))")):
        matcalc.parse("(J'J + lambda diag(J'J))^-1 J'r", where="J: matrix(m,n); r: vector(m)")


@pytest.mark.parametrize("text", ["||x||_", "||x||_{}", "||x||_ + 1"])
def test_an_empty_norm_subscript_is_a_parse_error(text):
    with pytest.raises(matcalc.MatcalcError, match="is not supported"):
        matcalc.parse(text)


def test_the_commutation_matrix_written_as_papers_do_gets_its_spelling():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("written comm(m, n)")):
        matcalc.parse("K_{m,n} vec(X)")


@pytest.mark.parametrize("text, word", [("nabla' x", "nabla"), ("ell x'x", "ell"), ("wd ||W||_F^2", "wd")])
def test_a_clash_inside_a_word_read_as_a_product_names_the_word_first(text, word):
    # the message began 'cannot multiply n (a vector ...) by a', two letters nobody wrote alone
    with pytest.raises(matcalc.MatcalcError) as info:
        matcalc.parse(text)
    assert str(info.value).startswith(f"'{word}' is read as the product")


@pytest.mark.parametrize("text, where", [("x'Ax", "A: matrix(n,m)"), ("||Ax - b||^2", "A: matrix(m,n); b: vector(n)"),
                                         ("tr(AB)", "A: matrix(m,n); B: matrix(m,n)")])
def test_a_size_clash_in_a_run_of_declared_names_is_the_sizes_not_a_name(text, where):
    # it led with "'Ax' is read as the product A x; to use it as one name, declare it", and declaring
    # Ax as asked gave the gradient of x' Ax, a vector named Ax
    with pytest.raises(matcalc.ShapeError) as info:
        matcalc.parse(text, where=where)
    assert str(info.value).startswith("cannot ") and "one name" not in str(info.value)


@pytest.mark.parametrize("text", ["E[x]", "E[x'A x]", "Var[x]"])
def test_an_expectation_in_brackets_says_so_not_indexing(text):
    with pytest.raises(matcalc.ParseError, match=re.escape("E[...] (an expectation, Var, Cov) is not in the language")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, fix", [("sum(X)'", "ones(m)' X"), ("mean(X)^T", "ones(m)' X / dim(m)"),
                                       ("sum(X)' y", "X ones(n)")])
def test_a_transposed_total_of_a_matrix_is_refused_with_the_column_sums(text, fix):
    # MATLAB's sum(X)' (column sums) read as the transpose of the number sum(X)
    with pytest.raises(matcalc.ParseError, match=re.escape(fix)):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["x* - y", "||x - x*||^2", "f(x*)"])
def test_a_starred_name_is_refused_as_the_optimum_with_a_name_to_write(text):
    # x* - y was offered as x (-y) with two kinds; ||x - x*||^2 said "unexpected '^'"
    with pytest.raises(matcalc.ParseError, match=re.escape("x_star")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("a*||x||^2", "a (||x||^2)"), ("2*||x||", "2 ||x||")])
def test_a_star_between_two_factors_is_still_a_product(text, reading):
    # the star is the product the space would be, not the optimum marker of x* (refused as x_star)
    assert matcalc.parse(text) == matcalc.parse(text.replace("*", " "))
    assert matcalc.parse(text).reading == reading


def test_a_star_between_two_names_of_unknown_kinds_is_refused_as_the_product_of_two_readings():
    # x*y is the product x y, whose kinds nothing picks: the refusal is the one x y gets, not x_star's
    with pytest.raises(ShapeError) as starred:
        matcalc.parse("x*y")
    with pytest.raises(ShapeError) as spaced:
        matcalc.parse("x y")
    assert "x_star" not in str(starred.value)
    assert str(starred.value) == str(spaced.value).replace("'x y' can be", "'x*y' can be", 1)


@pytest.mark.parametrize("text", ["W^{[l]} x", "W^[l] x"])
def test_a_bracketed_superscript_is_an_index_with_the_subscript_to_write(text):
    with pytest.raises(matcalc.ParseError, match=re.escape("write W_l")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, fix", [("x_ix_j", "x_i x_j"), ("w_ix_i", "w_i x_i")])
def test_two_subscripted_names_run_together_are_refused_with_the_space_to_put(text, fix):
    with pytest.raises(matcalc.ParseError, match=re.escape(f"put a space: {fix}")):
        matcalc.parse(text)


def test_a_star_before_a_norm_with_a_leading_minus_is_a_product():
    assert matcalc.parse("c*||-x + y||^2") == matcalc.parse("c ||-x + y||^2")
    assert matcalc.parse("c*||-x + y||^2").reading == "c (||-x + y||^2)"


@pytest.mark.parametrize("text", ["||x - mu||_M^2", r"\|x-\mu\|_{\Sigma^{-1}}^2", r"\|x\|_{\mathbf{A}}^2"])
def test_a_norm_weighted_by_a_matrix_is_refused_with_its_quadratic_form(text):
    with pytest.raises(matcalc.MatcalcError, match=r"quadratic form: sqrt\(x' \S+ x\)"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["||x||_p", "||x||_inf", r"\|x\|_\infty"])
def test_a_norm_with_a_small_or_infinite_subscript_is_not_called_weighted(text):
    with pytest.raises(matcalc.MatcalcError) as e:
        matcalc.parse(text)
    assert "quadratic form" not in str(e.value)


def test_a_whitening_square_root_inside_a_norm_is_refused_with_the_quadratic_form():
    with pytest.raises(matcalc.MatcalcError, match=r"quadratic form v' Sigma\^-1 v"):
        matcalc.parse("||Sigma^(-1/2) (x - mu)||", where="Sigma: matrix(n,n) spd")


@pytest.mark.parametrize("text", ["x'Ax\nx'x", "||A x - b||^2\nlambda ||x||^2"])
def test_two_formulas_one_a_line_are_refused_wherever_they_are_typed(text):
    # refused on standard input only; a string, the web page's box and a CLI argument read their product
    assert "two formulas, one a line" in str(error(matcalc.ParseError, text))


@pytest.mark.parametrize("text, reading", [("x'A\nx", "x' A x"), ("x'Ax\n+ x'x", "x' A x + x' x"),
                                           ("(x - m)'\n S^-1 (x - m)", "(x - m)' inv(S) (x - m)"),
                                           ("lambda/2\n||x||^2", "(lambda / 2) (||x||^2)")])
def test_a_formula_that_goes_on_to_the_next_line_reads(text, reading):
    # (the line break is a space: the formula reads as it would on one line)
    assert matcalc.parse(text).reading == reading


def test_a_product_size_clash_of_a_product_operand_does_not_advise_declaring_its_last_factor():
    # unvec(A v, m, n): the advice was where='v: vector(m*n)', which A v's length does not follow
    msg = str(error(ShapeError, "unvec(A v, m, n)", where="A: matrix(p,k)"))
    assert "v: vector(m*n)" not in msg and "declare the sizes of" in msg


@pytest.mark.parametrize("text, what", [("sum_i x_i^2", "'sum_i' looks like a sum over an index"),
                                        ("1/n sum_{i} log(p_i)", "'sum_i' looks like a sum over an index"),
                                        ("prod_i x_i", "'prod_i' looks like a product over an index"),
                                        ("sum_{i=1}^n x_i", "sum_{...} is a sum over an index"),
                                        ("x + prod_{k=1}^K p_k", "prod_{...} is a product over an index")])
def test_a_sum_or_product_over_an_index_in_plain_text_is_refused_with_the_matrix_form(text, what):
    # prod_i x_i was offered two readings of the letters p r o d_i; sum_{i=1} was told a subscript is letters
    with pytest.raises(matcalc.MatcalcError, match=re.escape(what) + ".*write the sum in matrix form") as e:
        matcalc.parse(text)
    assert e.value.column == text.index(text.split("_")[0].split()[-1]) + 1


def test_a_declared_name_sum_i_is_a_name():
    assert matcalc.parse("sum_i + x", where="sum_i: scalar").reading == "sum_i + x"


@pytest.mark.parametrize("text, advice", [("1_n' x", "1_n, the vector of ones, is written ones(n)"),
                                          ("x' 1_{n}", "1_n, the vector of ones, is written ones(n)"),
                                          ("0_m + x", "0_m, the vector of zeros, is written zeros(m)")])
def test_a_vector_of_ones_or_zeros_written_with_its_size_as_a_subscript_is_told_its_spelling(text, advice):
    # it was "unexpected '_n'; expected an operand ..."
    with pytest.raises(matcalc.MatcalcError, match=re.escape(advice)) as e:
        matcalc.parse(text)
    assert e.value.column == text.index("_") 


@pytest.mark.parametrize("text, says", [
    ("λ Σ_{i=1}^n x_i^2", "is a sum over an index"),                     # (was: name the variable as one word)
    ("sum_{ij} W_ij", "'sum_ij' looks like a sum over an index"),         # (was: contains the function name sum)
    ("1^Tlog(x)", "did you mean ^T log(...), a transpose before log?"),   # (was: did you mean T log(...)?)
    ("‖y - Fᴴx‖²", "write F' (or Fᵀ)"),                                    # (was: unexpected character 'ᴴ')
    ("||x + ∆x||^2", "name it (Delta_x)"),                                  # (the increment sign: unexpected character)
    ("z^+ x", "give it a name of its own (z_pos)"),                        # (was: the pseudo-inverse alone)
    (r"\Sigma_i^m \Big(y_i - w^\top x_i\Big)^2", "looks like the summation sign over i"),  # (was: a matrix power)
    ("softmax(X W^Q (X W^K)')", "for the matrix labelled K write W_K"),   # (was: matrix powers take integers)
    (r"|Y - X\beta|^2", r"a norm is written \|...\|"),                   # (was: det or abs only)
    ("1/2 x'Ax + d x + c", "its product with another vector is written d' x"),  # (was: blamed A alone)
    ("-1/2 sum(1 + log(σ^2) - μ^2 - σ^2)", "for a vector, the entrywise power is sigma.^k"),  # (VAE's KL: declare scalars only)
])
def test_papers_notation_refused_says_what_to_write(text, says):
    with pytest.raises(matcalc.MatcalcError, match=re.escape(says)):
        matcalc.parse(text)


@pytest.mark.parametrize("text, form", [("norm2(W*x - y)^2 + lambda*norm2(W, 'fro')^2", "||W||_F"),
                                        ("norm1(x, 1)", "||x||_1"), ("norm(X, ord='nuc')", "nuclear norm")])
def test_a_norm_given_its_kind_as_an_argument_is_told_the_subscript_to_write(text, form):
    """MATLAB's and NumPy's norm(W, 'fro') was refused at its quote mark."""
    with pytest.raises(matcalc.MatcalcError, match=re.escape(form)):
        matcalc.parse(text)


@pytest.mark.parametrize("where, words", [
    ("X: matrix(N, d); y, : vector(N)", "in the declaration 'y, : vector(N)' is not a valid name: a name is missing"),
    ("x y: vector(n)", "separate names with commas (x, y: ...)"),
    ("2x: vector(n)", "'2x' in the declaration '2x: vector(n)' is not a valid name (a letter"),
])
def test_a_name_that_cannot_be_declared_is_quoted_with_its_declaration_and_what_to_write(where, words):
    # ("'' is not a valid name" said neither where nor why)
    with pytest.raises(DeclarationError) as info:
        matcalc.parse("x", where=where)
    assert words in str(info.value)


def test_a_product_of_numbers_in_a_declaration_is_its_size():
    assert matcalc.parse("x'x", where="x: vector(2*3)").where == "x: vector(6)"


@pytest.mark.parametrize("text", ["\\", "x + \\"])
def test_a_lone_backslash_is_said_to_have_no_command(text):
    """It was called LaTeX's alignment (& or \\\\)."""
    assert "a backslash with no command after it" in str(error(ParseError, text))
