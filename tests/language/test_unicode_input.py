"""Unicode input: text pasted from papers and web pages (`‖Ax − b‖² + λ‖x‖²`) reads as its plain
spelling; names may be Greek letters everywhere a name is taken (the text, `where`, `wrt`), and an
error points into the text as typed."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import matcalc
from matcalc.core.errors import ParseError

from conftest import ROOT

WHERE = "A: matrix(m,n); b: vector(m); x: vector(n); X, S: matrix(n,n); W: matrix(n,n) invertible"

CONSTRUCTS = [
    ("λ x' x", "lambda x' x"),
    ("Σ⁻¹ x", "Sigma^-1 x"),
    ("xᵀ A' b", "x' A' b"),
    ("x⊤ A' b", "x' A' b"),
    ("W⁻ᵀ x", "W^-T x"),
    ("X² x", "X^2 x"),
    ("X²ᵀ", "X^2'"),
    ("‖A x − b‖²", "||A x - b||^2"),
    ("2 · x' x", "2 * x' x"),
    ("2 ⋅ x' x", "2 * x' x"),
    ("2 × x' x", "2 * x' x"),
    ("x ⊙ x", "x .* x"),
    ("x ∘ x", "x .* x"),
    ("⟨X, S⟩", "<X, S>"),
    ("½ x' x", "1/2 x' x"),
    ("μ' x", "mu' x"),
    ("µ' x", "mu' x"),  # the micro sign many keyboards type
    ("2λ", "2 lambda"),
    ("λx", "lambda x"),
    ("α_1 β_2", "alpha_1 beta_2"),
    ("Xᵀ⁻¹ x", "X'^-1 x"),
    ("tr(Xᵀ⁻¹ S)", "tr(X'^-1 S)"),
    ("Wᵀ⁻ᵀ x", "W'^-T x"),
    ("x’ A' b", "x' A' b"),
    ("x′ A' b", "x' A' b"),
    ("x'\u00a0A' b", "x' A' b"),
    ("λ₁ ‖x‖₁", "lambda_1 ||x||_1"),
    ("‖A x − b‖₂²", "||A x - b||_2^2"),
    ("∥A x − b∥²", "||A x - b||^2"),  # PARALLEL TO, the norm bar many PDFs paste
    ("𝐱ᵀ𝐀ᵀ𝐛", "x' A' b"),  # mathematical bold letters are the letters
    ("𝑥ᵀ𝑥", "x' x"),
    ("x^⊤ A' b", "x' A' b"),  # a transpose pasted with its caret
    ("1⁄2 x' x", "1/2 x' x"),  # FRACTION SLASH
    ("xᵢ' xⱼ", "x_i' x_j"),  # subscript letters are a subscript, as digits are
    ("(x̄ - x)' (x̄ - x)", "(x_bar - x)' (x_bar - x)"),  # a combining accent makes a decorated name
    ("x̂' x", "x_hat' x"),
]


@pytest.mark.parametrize("unicode, plain", CONSTRUCTS)
def test_unicode_reads_as_its_plain_spelling(unicode, plain):
    assert matcalc.parse(unicode, where=WHERE) == matcalc.parse(plain, where=WHERE)


def test_a_pasted_ridge_loss_gives_its_gradient():
    r = matcalc.grad("‖Ax − b‖² + λ‖x‖²", "x")
    assert str(r) == "2 (lambda x + A' (A x - b))"
    assert r.check()


def test_greek_names_in_where_and_wrt():
    r = matcalc.grad("log det Σ + tr(Σ⁻¹ S)", "Σ", where="Σ: matrix(n,n) spd; S: matrix(n,n) symmetric")
    assert str(r) == str(matcalc.grad("log det Sigma + tr(Sigma^-1 S)", "Sigma",
                                      where="Sigma: matrix(n,n) spd; S: matrix(n,n) symmetric"))


def test_an_error_points_into_the_text_as_typed():
    with pytest.raises(ParseError) as e:
        matcalc.parse("‖Ax − b‖² + λ‖x")
    assert e.value.column == 16 and "‖Ax − b‖² + λ‖x" in str(e.value)


def test_other_characters_outside_ascii_are_refused_by_name():
    with pytest.raises(ParseError, match="GREEK CAPITAL LETTER ALPHA"):
        matcalc.parse("Α x")  # a Greek capital alpha, not an A
    with pytest.raises(ParseError, match="N-ARY SUMMATION"):
        matcalc.parse("∑ x")


def test_command_line_reads_unicode():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONIOENCODING="utf-8")
    out = subprocess.run([sys.executable, "-m", "matcalc", "‖Ax − b‖² + λ‖x‖²", "--wrt", "x", "--format", "text"],
                         env=env, capture_output=True, text=True, timeout=120, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    assert "grad f = 2 (lambda x + A' (A x - b))" in out.stdout


def test_a_mixed_number_is_refused_not_read_as_a_product():
    with pytest.raises(ParseError, match="mixed number") as e:
        matcalc.parse("2½ x", where="x: scalar")
    assert e.value.column == 2


def test_a_superscript_minus_without_a_power_is_refused_where_it_stands():
    for text in ("a⁻b", "x⁻"):
        with pytest.raises(ParseError, match="superscript minus") as e:
            matcalc.parse(text, where="a, b, x: scalar")
        assert e.value.column == 2


@pytest.mark.parametrize("text, hint", [("√ x", "sqrt"), ("∑ᵢ x", "sum\\(")])
def test_a_pasted_symbol_without_a_spelling_says_what_to_write(text, hint):
    with pytest.raises(matcalc.MatcalcError, match=hint):
        matcalc.parse(text)


def test_a_printed_subscript_ends_the_name():
    """W₁x is W_1 x (a PDF's subscript ends visually), not one name W_1x."""
    assert matcalc.parse("tanh(W₁x + b₁)").inferred == "W_1: matrix(m,n); b_1: vector(m); x: vector(n)"


@pytest.mark.parametrize("text, plain", [("x ⊘ y", "x ./ y"), ("a ∙ b'", "a b'"), ("a • b'", "a b'")])
def test_pasted_division_and_dot_operators_are_read(text, plain):
    w = "x, y, a, b: vector(n)"
    assert str(matcalc.parse(text, where=w)) == str(matcalc.parse(plain, where=w))


def test_pasted_subscripts_in_wrt_and_where_name_the_variables_of_the_text():
    """grad(..., 'λ₁') answered "'lambda₁' is not a variable (its variables: lambda_1, ...)"."""
    assert str(matcalc.grad("λ₁‖x‖₁ + λ₂‖x‖²", "λ₁", where="λ₁, λ₂: scalar")) == "sum(abs(x))"
    assert "lambda_1: scalar" in matcalc.parse("λ₁ x'x", where="λ₁: scalar").inferred


def test_spaces_around_a_wrt_name_are_ignored():
    assert str(matcalc.grad("x'x", " x ")) == "2 x"


def test_a_byte_order_mark_before_the_formula_is_skipped():
    assert matcalc.parse("\ufeffx'x") == matcalc.parse("x'x")


def test_the_intercal_sign_is_a_transpose():
    assert matcalc.parse("x⊺Ax") == matcalc.parse("x'Ax")


def test_a_precomposed_accented_letter_is_the_decorated_name():
    assert matcalc.parse("||y - ŷ||^2") == matcalc.parse("||y - y_hat||^2")
    assert matcalc.parse("ȳ'x") == matcalc.parse("y_bar' x")


@pytest.mark.parametrize("text, reading", [("softmax(QKᵀ/√d)", "softmax((Q K') / sqrt(d))"), ("√(x'x)", "sqrt(x' x)"),
                                           ("√λ x", "sqrt(lambda) x"), ("2√x", "2 sqrt(x)"), ("x – y", "x - y"),
                                           ("A ∗ x", "A x"), ("x^-½", "x^(-(1 / 2))")])
def test_pasted_roots_dashes_asterisks_and_negative_fraction_powers_read_as_meant(text, reading):
    # each was refused ("unexpected character '√'", "'–' (EN DASH)", "unexpected '½'")
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", ["1/√2π exp(-x^2/2)", "1/√xᵀx", "√x'x"])
def test_a_root_sign_whose_reach_is_not_written_is_refused_with_parentheses_to_write(text):
    # √2π read sqrt(2) pi, and √xᵀx read sqrt(x)' x
    with pytest.raises(ParseError, match="the root's reach is not written"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["√2x", "√1-ρ²", "x/√2+y", "√λ-1"])
def test_a_root_over_a_number_with_a_name_pasted_or_a_sign_right_after_is_refused(text):
    # √2x read sqrt(2 x) and √1-ρ² read sqrt(1) - rho^2: the bar's reach is lost in pasted text
    with pytest.raises(ParseError, match="the root's reach is not written"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("√2 x", "sqrt(2) x"), ("√1 - ρ²", "sqrt(1) - rho^2"),
                                           ("x/√2 + y", "x / sqrt(2) + y")])
def test_a_root_with_a_space_after_its_radicand_takes_that_alone(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, latex", [("(A ⊗ Bᵀ) C", r"(A \otimes B^\top) C"), ("2 A ⊗ B", r"2 A \otimes B"), ("vec(X)ᵀ ⊗ I", r"\operatorname{vec}(X)^\top \otimes I"),
                                         ("A ⊗ B ⊗ C", r"A \otimes B \otimes C"), ("Σ ⊗ I", r"\Sigma \otimes I")])
def test_a_pasted_kronecker_sign_reads_as_otimes_does(text, latex):
    # refused: "unexpected character '⊗' (CIRCLED TIMES); for a Kronecker product write kron(A, B)"
    where = "A: matrix(n,n); B: matrix(m,m); C: matrix(m*n,k); X: matrix(m,n); Sigma: matrix(n,n)"
    assert matcalc.parse(text, where=where) == matcalc.parse(latex, where=where)


@pytest.mark.parametrize("text", ["exp x ⊗ y", "AB ⊗ C"])
def test_a_kronecker_sign_beside_a_word_is_refused_with_kron_to_write(text):
    with pytest.raises(ParseError, match=re.escape("write kron(A, B)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("‖M ⊙ UVᵀ − X‖²_F", "||M .* (U V') - X||_F^2"), ("A ∘ BC", "A .* (B C)"),
                                           ("UVᵀ ⊙ M", "(U V') .* M"), ("w ⊙ X w", "w .* (X w)"),
                                           ("A ∘ B⁻¹ C", "A .* (inv(B) C)"), ("A ⊙ B + C", "A .* B + C")])
def test_a_pasted_hadamard_sign_takes_the_juxtaposed_products_on_either_side(text, reading):
    # ‖M ⊙ UVᵀ − X‖ read (M .* U) V', U forced to M's size
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", ["Σ(x − y)²", "½Σ(x − μ)²", "-½ Σ(1 + log σ² − μ² − σ²)", "2Σ(x − y)", "1/n Σ(x − y)",
                                  "x + Σ(y)", "(Σ(x − y))"])
def test_a_sigma_before_a_group_at_the_start_of_a_term_is_refused_with_both_spellings(text):
    # read the matrix Sigma times the group, making x, y, mu scalars
    with pytest.raises(ParseError, match=re.escape("write sum(...)")) as e:
        matcalc.parse(text)
    assert "put a space, Σ (...)" in str(e.value)
    assert e.value.column == text.index("Σ") + 1


@pytest.mark.parametrize("text, reading", [("xᵀΣx", "x' Sigma x"), ("Σ⁻¹", "inv(Sigma)"),
                                           ("(x − μ)ᵀΣ(x − μ)", "(x - mu)' Sigma (x - mu)"), ("Σ (x − y)", "Sigma (x - y)"),
                                           ("A Σ(x − y)", "A Sigma (x - y)")])
def test_sigma_after_a_factor_or_with_a_space_is_the_matrix(text, reading):
    assert matcalc.parse(text).reading == reading


def test_sigma_in_bars_after_a_log_is_not_taken_for_a_sum():
    with pytest.raises(ParseError, match="logdet"):
        matcalc.parse("log|Σ|")


@pytest.mark.parametrize("text", ["tr(Σ(x − μ)(x − μ)ᵀ)", "Σ(A + B)", "2Σ(x)"])
def test_sigma_before_a_group_is_the_declared_matrix_where_it_is_declared(text):
    # refused as a possible summation sign even with Σ declared a matrix
    assert "Sigma" in matcalc.parse(text, where="Σ: matrix(n,n) spd; A, B: matrix(n,n)").reading


@pytest.mark.parametrize("text", ["sum x ⊙ y", "log p ⊙ y", "λ sum w ⊙ w"])
def test_a_bare_function_beside_a_pasted_hadamard_sign_is_refused_with_both_readings(text):
    # grouping the run beside ⊙ read sum x ⊙ y as sum(x) .* y
    with pytest.raises(ParseError, match="has two readings"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("C • X", None), ("tr(C • X)", None),
                                         ("A • B", "A: matrix(n,n); B: matrix(n,n)")])
def test_a_bullet_between_two_matrices_is_refused_with_the_inner_product_and_the_matrix_product(text, where):
    with pytest.raises(matcalc.MatcalcError, match=re.escape("for the inner product write <")):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, plain", [("2 • x", "2 x"), ("c • X", "c X")])
def test_a_bullet_beside_a_scalar_multiplies(text, plain):
    assert str(matcalc.parse(text, where="c: scalar")) == str(matcalc.parse(plain, where="c: scalar"))


def test_a_centered_dot_between_a_vector_and_a_matrix_says_it_is_read_as_a_product():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("the dot (·) is read as a product")):
        matcalc.grad("1/2 x·Kx - f·x", "x")


def test_a_braced_pasted_transpose_superscript_is_the_transpose():
    assert matcalc.parse("x^{⊤} A x").reading == "x' A x"


@pytest.mark.parametrize("text", ["Σ xᵢ²", "−Σ p log p", "Σ log x", "½ Σ log xᵢ"])
def test_a_summation_sign_before_its_summand_is_refused_not_read_as_sigma(text):
    # read as the matrix Sigma times the summand: jacobian('½Σx²', 'x') answered x Sigma
    with pytest.raises(ParseError, match=r"looks like the summation sign.*write sum\(\.\.\.\)"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["Σ x", "xᵀ Σ x", "Σ x + b", "tr(Σ)", "tr(ΣX)", "ΣA + AΣᵀ + Q", "Σx + b", "Σ exp(A)",
                                  "Σ W_k", "x − Σy"])
def test_the_matrix_sigma_spaced_from_what_it_multiplies_still_reads(text):
    assert "Sigma: matrix" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, reading", [("𝟏ᵀx", "x' ones(n)"), ("𝟙ᵀexp(Xw)", "exp(X w)' ones(m)")])
def test_a_bold_or_double_struck_one_is_the_vector_of_ones(text, reading):
    # "1' transposes a number", where \mathbf{1}^\top x read
    assert str(matcalc.parse(text)) == reading


def test_nabla_with_a_unicode_subscript_advises_the_variable_in_plain_letters():
    with pytest.raises(matcalc.MatcalcError, match=r'grad\(f, "x"\)'):
        matcalc.parse("∇ₓ xᵀAx")


@pytest.mark.parametrize("text, reading", [("eˣ", "exp(x)"), ("e⁻ˣ", "exp(-x)"), ("2ⁿ", "2^n"), ("x⁻½", "x^(-(1 / 2))")])
def test_superscript_letters_and_a_negative_half_are_powers(text, reading):
    # eˣ, e⁻ˣ and 2ⁿ were an unexpected character; x⁻½ was told that a superscript minus needs a power
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, message", [("eᴬ x", "the matrix exponential"), ("Σ⁻½ x", "integer exponents"),
                                           ("Aⁿ x", "integer exponents"), ("xⁱ", r"reads as an index"),
                                           ("Aᵗ A", "two readings: a transpose")])
def test_superscript_powers_of_matrices_and_indices_are_refused_with_what_they_are(text, message):
    with pytest.raises(matcalc.MatcalcError, match=message):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["Σ_i x_i^2", "Σᵢ (yᵢ - w'xᵢ)²", "1/N Σ_i log(p_i)", "Σ_{k} x", "x + Σ_j y_j",
                                  "Σ_i x_i^2 + Σ_i y_i"])
def test_a_subscripted_summation_sign_before_its_summand_is_refused_not_read_as_a_named_sigma(text):
    # Σ_i x_i^2 read x_i^2 Sigma_i, a scalar Sigma_i times the summand, without a word
    with pytest.raises(ParseError, match=r"looks like the summation sign over [ijk].*matrix form") as e:
        matcalc.parse(text)
    assert e.value.column == text.index("Σ") + 1


def test_a_summation_sign_with_its_range_is_refused_as_a_sum():
    with pytest.raises(ParseError, match=r"Σ_\{i=1\} is a sum over an index"):
        matcalc.parse("Σ_{i=1}^n (y_i - w'x_i)^2")


@pytest.mark.parametrize("text, reading", [("x' Σ_i x", "x' Sigma_i x"), ("Σ_i^{-1} x", "inv(Sigma_i) x"),
                                           ("logdet(Σ_k)", "logdet(Sigma_k)"), ("Σ_kᵀ x", "Sigma_k' x"),
                                           ("Σ_k (x - μ_k) + Σ_k⁻¹ x", "Sigma_k (x - mu_k) + inv(Sigma_k) x")])
def test_a_subscripted_sigma_used_as_a_matrix_reads_as_the_matrix(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("where", ["Σ_k: matrix(n,n)", "Sigma_k: matrix(n,n)", "Σ_k ∈ ℝ^{n×n}"])
def test_a_declared_subscripted_sigma_is_the_matrix_before_a_group(where):
    assert matcalc.parse("Σ_k (x - μ_k)", where=where).reading == "Sigma_k (x - mu_k)"


@pytest.mark.parametrize("text, readings", [("A C ⊗ B D", "kron(A C, B D), or ⊗ first, on the operands beside it (C and B)"),
                                            ("A ⊗ Bᵀ C", "kron(A, B' C), or ⊗ first, on the operands beside it (A and B')")])
def test_a_pasted_kronecker_sign_beside_a_product_is_refused_with_both_readings(text, readings):
    # it was "unexpected character '⊗'", as if ⊗ were not read at all
    with pytest.raises(ParseError, match=re.escape(f"has two readings: the products first, {readings}")) as e:
        matcalc.parse(text)
    assert e.value.column == text.index("⊗") + 1


@pytest.mark.parametrize("text", ["x · A y", "x ⋅ A y + b", r"x \cdot A y"])
def test_a_centered_dot_after_a_vector_looking_name_is_refused_with_the_inner_product(text):
    # x · A y read x as a number times A y: the vector x A y instead of the inner product, silently
    with pytest.raises(matcalc.ShapeError, match=re.escape("for the inner product write x' (A y)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where, reading", [("λ · x", None, "lambda x"), ("2 · x", None, "2 x"),
                                                  ("x · A y", "x: scalar", "(x * A) y")])
def test_a_centered_dot_after_a_number_reads_as_a_product(text, where, reading):
    assert matcalc.parse(text, where=where).reading == reading


@pytest.mark.parametrize("text", ["√(x − μ)ᵀS⁻¹(x − μ)", "√(x − μ)'Σ⁻¹(x − μ)"])
def test_a_root_sign_over_a_group_with_more_pasted_after_it_is_refused(text):
    # the Mahalanobis distance pasted from a PDF read the root of x − μ alone, entry by entry
    with pytest.raises(matcalc.ParseError, match="the root's reach is not written"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, read", [("√(xᵀx)", "sqrt(x' x)"), ("√(2π) σ", "sqrt(2 pi) sigma"),
                                        ("√(xᵀx)/2", "sqrt(x' x) / 2"),
                                        ("√((x − μ)ᵀS⁻¹(x − μ))", "sqrt((x - mu)' inv(S) (x - mu))")])
def test_a_root_sign_over_a_whole_group_reads_it(text, read):
    assert matcalc.parse(text).reading == read


@pytest.mark.parametrize("text", ["x̂ₖ", "‖x̂ₖ − A xₖ‖²"])
def test_an_accented_name_with_a_subscript_is_refused_naming_one_word_as_latex_does(text):
    # it was "unexpected 'ₖ'", pointing past the name
    with pytest.raises(matcalc.ParseError, match=re.escape("name it in one word (x_hatk)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["||x - D a||^2 + λ Σ abs(a)", "λ Σ log(1 + a.^2)"])
def test_a_summation_sign_after_a_greek_weight_is_refused_as_the_summation_sign(text):
    # it was read as the matrix Sigma: "the spectral norm ... of a matrix", or a function that is no scalar
    with pytest.raises(matcalc.ParseError, match="looks like the summation sign before its summand"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, read", [("√(2π)σ", "sqrt(2 pi) sigma"), ("√(1 − ρ²)σ", "sqrt(1 - rho^2) sigma"),
                                        ("√(x'Σx)λ", "sqrt(x' Sigma x) lambda")])
def test_a_root_sign_over_a_group_with_a_factor_typed_after_it_reads_as_a_product(text, read):
    # (the normal density's 1/(√(2π)σ): only a transpose, an inverse or a group after the root's group is refused)
    assert matcalc.parse(text).reading == read
