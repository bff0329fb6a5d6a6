"""Declarations: the plain form (`x, y: vector(n); A: matrix(m,n) spd`) has a reader of its own,
one expression per item; whatever it takes, it reads exactly as the general reader does, errors
included, and whatever it does not take it leaves to the general reader."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matcalc.core.errors import MatcalcError
from matcalc.language.declarations import _general_declarations, _parse_declaration_text, _plain_declarations

NAMES = ["x", "y", "A", "B1", "W_1", "I", "where", "sum", "lambda", "Sigma", "T", "e", "x_a"]
KINDS = ["scalar", "vector", "matrix", "vector(n)", "matrix(n,n)", "matrix(m, n)", "matrix (n,n)", "vector()",
         "matrix(n)", "vector(0)", "matrix(3,4)", "scalar(n)", "vector(n*m)", "matrix(n,)", "vector(n,m)",
         "vector(99999999999999)", "vector(-1)", "matrix(a b, c)"]
PROPS = ["", " symmetric", " spd", " invertible", " positive", " diagonal", " orthogonal", " symmetric positive",
         " diagonal positive", " spd diagonal", " symmetric  spd"]


def _outcome(reader, text):
    try:
        return "read", reader(text)
    except MatcalcError as e:
        return "refused", type(e).__name__, str(e)


item = st.builds(lambda names, kind, props: f"{', '.join(names)}: {kind}{props}",
                 st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True),
                 st.sampled_from(KINDS), st.sampled_from(PROPS))
where = st.builds(lambda items, sep, end: sep.join(items) + end, st.lists(item, min_size=1, max_size=4),
                  st.sampled_from(["; ", ";", "\n", " ;\n "]), st.sampled_from(["", ";", " ", "\n"]))


@settings(max_examples=300, deadline=None)
@given(where)
def test_the_plain_reader_reads_as_the_general_reader_errors_included(text):
    plain = _outcome(_plain_declarations, text)
    if plain == ("read", None):
        return  # (not a plain form: the general reader's alone)
    assert plain == _outcome(_general_declarations, text)


def test_a_plain_string_is_taken_by_the_plain_reader():
    assert _plain_declarations("x, y: vector(n); A: matrix(n,n) spd; c: scalar") is not None


def test_sizes_as_papers_write_them_are_left_to_the_general_reader():
    text = "A: m x n; x ∈ R^n"
    assert _plain_declarations("A: m x n") is None
    assert _parse_declaration_text(text)["A"].dims == ("m", "n")


def test_a_comma_between_two_declarations_is_left_to_the_general_reader():
    assert _plain_declarations("x: vector(n), A: matrix(n,n)") is None
    assert set(_parse_declaration_text("x: vector(n), A: matrix(n,n)")) == {"x", "A"}


def test_a_property_added_to_a_declared_scalar_keeps_it_a_scalar():
    # s: scalar; s: positive read the second s by its look, a vector, and refused the pair as conflicting
    import matcalc
    assert "s: scalar positive" in matcalc.parse("s x", where="s: scalar; s: positive").where
