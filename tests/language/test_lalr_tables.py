"""The parser runs LALR tables that Lark computed from grammar/matcalc.lark and that ship as code.

The shipped tables are those Lark computes from today's grammar; parsing with them gives the same
syntax tree, and the same error with the same expected terminals, as Lark's own parser built from
the grammar with the same lexer and callbacks; a process that parses imports no Lark; and a
grammar edited without regenerating the tables is parsed with tables built from it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings

import matcalc
from matcalc.language import lalr, lalr_build, lalr_tables, parser

from conftest import ROOT, load_cases

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from strategies import expressions  # noqa: E402

lark = pytest.importorskip("lark")


def _grammar() -> str:
    with open(lalr.grammar_path(), encoding="utf-8") as fh:
        return fh.read()


@pytest.fixture(scope="module")
def lark_parser():
    """Lark's own LALR parser of the grammar, fed by matcalc's lexer, calling matcalc's callbacks."""
    from lark.lexer import Lexer
    from lark.lexer import Token as LarkToken

    class Tokens(Lexer):
        def __init__(self, lexer_conf):
            pass

        def lex(self, text, *_):
            toks = parser._norm_subscript_first(parser._lexer().tokens(text))
            parser._unknown_calls(toks)
            parser._lookalikes(toks)
            return iter([LarkToken(t.type, str(t), start_pos=t.start_pos, end_pos=t.end_pos) for t in toks])

    return lark.Lark(_grammar(), parser="lalr", lexer=Tokens, transformer=parser._Build(), maybe_placeholders=False)


def _shape(syn):
    """A syntax tree as nested tuples, spans included."""
    if isinstance(syn, parser.Syn):
        return (syn.kind, _shape(syn.a), _shape(syn.b), syn.start, syn.end, syn.depth)
    if isinstance(syn, (list, tuple)):
        return tuple(_shape(x) for x in syn)
    return syn


def _by_lark(lark_parser, text: str):
    try:
        return ("ok", _shape(lark_parser.parse(text)))
    except lark.exceptions.UnexpectedToken as e:
        pos = None if e.token.type == "$END" else e.token.start_pos
        return ("error", e.token.type, pos, frozenset(e.expected))
    except Exception as e:  # noqa: BLE001 - matcalc's own lexer and callback errors
        return ("raised", type(e).__name__, getattr(e, "pos", None))


def _by_tables(text: str):
    try:
        return ("ok", _shape(parser._parse(text)))
    except lalr.UnexpectedToken as e:
        pos = None if e.token.type == "$END" else e.token.start_pos
        return ("error", e.token.type, pos, frozenset(e.expected))
    except Exception as e:  # noqa: BLE001
        return ("raised", type(e).__name__, getattr(e, "pos", None))


MALFORMED = [
    "x +* y", "tr(", "tr(A", "tr(A,", "(x", "x)", "<x, y", "<x y>", "||x", "||x|| ||y", "x^", "x^-", "x'^",
    "x where", "x where y", "x where y =", "x where y = 2,", "A .* ", "-", "- -x", "x y z +", "{x}", "x^{y",
    "sum(X, )", "f(x, y)", "2 3 4", "x''''", "log det", "tr tr X", "A^-T^-1", "x ./ ./ y", "<, >", "(())",
]


def test_shipped_tables_are_those_lark_computes_from_the_grammar():
    fresh = lalr_build.build_tables(_grammar())
    for key, value in fresh.items():
        assert getattr(lalr_tables, key) == value, (
            f"matcalc/language/lalr_tables.py is stale ({key}): run `python -m matcalc.language.lalr_build`")


def test_shipped_tables_render_as_the_generated_module():
    with open(lalr_build.tables_path(), encoding="utf-8") as fh:
        assert fh.read() == lalr_build.render(lalr_build.build_tables(_grammar()))


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_input_fails_as_in_lark(lark_parser, text):
    assert _by_tables(text) == _by_lark(lark_parser, text)


def test_every_acceptance_expression_parses_as_in_lark(lark_parser):
    texts = [c["expr"] for c in load_cases()]
    assert len(texts) >= 60
    for text in texts:
        assert _by_tables(text) == _by_lark(lark_parser, text), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_random_expressions_parse_as_in_lark(lark_parser, g):
    for text in (g.text, g.safe_text):
        assert _by_tables(text) == _by_lark(lark_parser, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_random_expressions_cut_short_fail_as_in_lark(lark_parser, g):
    """Every prefix of a valid expression: mostly syntax errors, each with Lark's expected set."""
    text = g.text
    for cut in range(1, len(text), max(1, len(text) // 12)):
        assert _by_tables(text[:cut]) == _by_lark(lark_parser, text[:cut]), text[:cut]


def test_a_left_recursive_list_grows_in_place():
    """The children of `a + b + ...` are appended to the list already built, as Lark's are; a copy
    at every term would make long sums quadratic."""
    built = lalr._Splice(["a", "+", "b"])
    out = lalr._apply_plan([built, "+", "c"], (lalr.SPLICE, lalr.KEEP, lalr.KEEP))
    assert out is built and out == ["a", "+", "b", "+", "c"]


def test_a_long_sum_keeps_every_term():
    syn = parser._parse(" + ".join(f"x{i}" for i in range(8000)))
    assert len(syn.a) == 8000 and syn.a[-1][1].a == "x7999"


def test_tokens_copy_and_pickle():
    import copy
    import pickle
    t = lalr.Token("NAME", "x", 3, 4)
    for u in (copy.copy(t), copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        assert (u, u.type, u.start_pos, u.end_pos) == ("x", "NAME", 3, 4)


def _run(code: str, **env) -> str:
    full = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_parsing_and_deriving_import_no_lark():
    code = ("import sys, matcalc\nr = matcalc.grad(\"x' A x\", 'x')\n"
            "print(str(r), 'lark' in sys.modules)")
    assert _run(code) == "(A + A') x False"


def test_a_grammar_edited_after_the_tables_were_made_is_parsed_with_tables_built_from_it(monkeypatch):
    monkeypatch.setattr(lalr_tables, "GRAMMAR", "an older grammar")
    parser._tables.cache_clear()
    parser._lexer.cache_clear()
    try:
        built = parser.tables()
        assert built is not lalr_tables
        assert built.STATES == lalr_build.build_tables(_grammar())["STATES"]
        assert str(matcalc.parse("A x where A = B C")) == "B C x"
    finally:
        monkeypatch.undo()
        parser._tables.cache_clear()
        parser._lexer.cache_clear()
    assert parser.tables() is lalr_tables


def test_the_tables_are_plain_data():
    """No Lark object is pickled or imported: the module is literals only."""
    json.dumps([lalr_tables.GRAMMAR, lalr_tables.TERMINALS, lalr_tables.IGNORE, lalr_tables.RULES, lalr_tables.STATES])
