"""The web page's JSON API, called in-process: the command line's JSON, errors with positions,
MathML, generated code, the checks on every field, and the cheat sheet from the registry."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import matcalc
from matcalc.cli import main
from matcalc.core.functions import ALIASES, CALLS, FUNCTIONS
from matcalc.outputs.codegen.generate import numpy_module
from matcalc.web.api import language, respond
from matcalc.web.mathml import available

MAIN = "tr(AX^2BX^-T)"


def cli_json(capsys, *argv) -> dict:
    assert main(list(argv) + ["--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def ok(request: dict) -> dict:
    status, body = respond(request)
    assert status == 200, body
    return body


def refused(request) -> dict:
    status, body = respond(request)
    assert status == 400, body
    assert set(body) == {"error", "message", "line", "column", "field"}
    assert body["message"].strip()
    return body


# ---------------------------------------------------------------------------- the same content as the CLI

@pytest.mark.parametrize("argv, request_", [
    ((MAIN, "--wrt", "X"), {"expr": MAIN, "wrt": "X"}),
    (("log(det(X))", "--wrt", "X", "--hessian"), {"expr": "log(det(X))", "wrt": "X", "kind": "hessian"}),
    (("A X B", "--wrt", "X", "--jacobian", "--layout", "denominator"),
     {"expr": "A X B", "wrt": "X", "kind": "jacobian", "layout": "denominator"}),
    (("1/2 ||A x - b||^2", "--wrt", "x", "--hvp"), {"expr": "1/2 ||A x - b||^2", "wrt": "x", "kind": "hvp"}),
    (("x' A x", "--where", "A: matrix(n,n) symmetric"), {"expr": "x' A x", "where": "A: matrix(n,n) symmetric"}),
], ids=["gradient", "hessian", "jacobian-denominator", "hvp", "expression-only"])
def test_derive_answers_what_the_command_line_prints_as_json(capsys, argv, request_):
    body = json.loads(json.dumps(ok(request_)))  # as it goes over HTTP
    f = matcalc.parse(request_["expr"], where=request_.get("where"))
    assert body.pop("function") == {"text": str(f), "latex": f.latex()}
    if body.get("kind") == "expression":  # the API says what it answered, and what to do next
        body.pop("kind")
        assert body.pop("note").startswith("nothing was differentiated: say which variable")
    assert body == cli_json(capsys, *argv)


def test_check_carries_the_command_lines_verdict_and_its_sentence():
    body = ok({"expr": "1/2 ||A x - b||^2", "wrt": "x", "check": True})
    assert body["check"]["ok"] is True and body["check"]["trials"] >= 1
    assert body["check"]["verdict"].startswith("ok")


def test_auto_kind_of_a_vector_function_is_its_jacobian_and_says_so():
    body = ok({"expr": "A x", "wrt": "x"})
    assert body["kind"] == "jacobian" and body["text"] == "A"
    assert "not a scalar" in body["note"]


@pytest.mark.filterwarnings("error")  # (the note says it; no MatcalcWarning besides)
def test_an_entrywise_exponential_multiplied_as_a_matrix_is_noted_as_the_command_line_notes_it():
    body = ok({"expr": "x0' exp(t A) x0", "wrt": "t", "where": "A: matrix(n,n); x0: vector(n); t: scalar"})
    assert "exp(t A) is taken entry by entry" in body["note"]
    assert "note" not in ok({"expr": "x' A x", "wrt": "x"})


def test_one_variable_is_taken_when_wrt_is_left_out():
    assert ok({"expr": "log(det(X))"})["text"] == str(matcalc.grad("log(det(X))", "X"))


def test_comma_separated_wrt_is_passed_as_several_variables():
    body = ok({"expr": "1/2 ||W x + b - y||^2", "wrt": "W, b", "kind": "hessian"})
    assert list(body["wrt"]) == ["W", "b"]
    assert body["text"] == str(matcalc.hessian("1/2 ||W x + b - y||^2", ["W", "b"]))


def test_wrt_as_a_list_is_the_same_as_commas():
    a = ok({"expr": "1/2 ||W x + b - y||^2", "wrt": ["W", "b"], "kind": "hessian"})
    b = ok({"expr": "1/2 ||W x + b - y||^2", "wrt": "W,b", "kind": "hessian"})
    assert a == b


@pytest.mark.parametrize("wrt", [",,", "x,", ["x", " "], [""] * 2])
def test_a_wrt_with_an_empty_name_is_refused_as_the_python_api_refuses_it(wrt):
    # ",," and ["", ""] were taken as 'wrt' left out
    assert "empty name" in refused({"expr": "x'x + y'y", "wrt": wrt})["message"]


@pytest.mark.parametrize("wrt", ["", [], None])
def test_an_empty_wrt_is_the_one_variable(wrt):
    assert ok({"expr": "x'x", "wrt": wrt})["text"] == "2 x"


# ---------------------------------------------------------------------------- errors

def test_parse_error_is_400_with_the_line_and_column_of_the_library():
    text = "x' A x +\n  * y"
    with pytest.raises(matcalc.ParseError) as info:
        matcalc.parse(text)
    body = refused({"expr": text, "wrt": "x"})
    assert body["error"] == "ParseError"
    assert (body["line"], body["column"]) == (info.value.line, info.value.column) == (2, 3)
    assert body["field"] == "expr"
    assert str(info.value) == body["message"]


def test_an_error_without_a_position_has_null_line_and_column():
    body = refused({"expr": "x' A x", "wrt": "x", "where": "A: matrx(n,n)"})
    assert body["error"] == "DeclarationError" and "did you mean matrix" in body["message"]
    assert body["line"] is None and body["column"] is None


def test_differentiating_by_a_name_not_in_the_expression_is_a_clear_error():
    body = refused({"expr": "x' A x", "wrt": "z"})
    assert "z" in body["message"]


@pytest.mark.parametrize("request_, field", [
    ({"wrt": "x"}, "expr"),
    ({"expr": 3}, "expr"),
    ({"expr": "x", "where": ["A"]}, "where"),
    ({"expr": "x", "kind": "laplacian"}, "kind"),
    ({"expr": "x", "layout": "diagonal"}, "layout"),
    ({"expr": "x", "format": "html"}, "format"),
    ({"expr": "x", "format": 0}, "format"),
    ({"expr": "x", "check": "yes"}, "check"),
    ({"expr": "x", "steps": 1}, "steps"),
    ({"expr": "x", "code": ["fortran"]}, "code"),
    ({"expr": "x", "wrt": {"x": 1}}, "wrt"),
    ({"expr": "x", "wrt": ",".join(f"x{i}" for i in range(100))}, "wrt"),
    ({"expr": "x", "__class__": "x"}, "__class__"),
    ({"expr": "x", "where": "x: vector(n); " * 20_000}, "declarations"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_malformed_request_is_refused_naming_the_field(request_, field):
    assert field in refused(request_)["message"]


@pytest.mark.parametrize("request_", [None, [], "x'Ax", 3, [{"expr": "x"}]])
def test_a_request_that_is_not_an_object_is_refused(request_):
    assert refused(request_)["error"] == "RequestError"


def test_several_variables_without_a_kind_needing_them_say_which_to_choose():
    assert "which variable" in refused({"expr": "x' A x", "check": True})["message"]


# ---------------------------------------------------------------------------- MathML and code for the page

@pytest.mark.skipif(not available(), reason="latex2mathml (the web extra) is not installed")
def test_mathml_format_gives_every_latex_its_mathml():
    body = ok({"expr": "log(det(X))", "wrt": "X", "kind": "hessian", "format": "mathml"})

    def walk(d):
        if isinstance(d, dict):
            if isinstance(d.get("latex"), str):
                yield d
            for v in d.values():
                yield from walk(v)
        elif isinstance(d, list):
            for v in d:
                yield from walk(v)
    found = list(walk(body))
    assert len(found) >= 6
    for d in found:
        root = ET.fromstring(d["mathml"])
        assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"


@pytest.mark.skipif(not available(), reason="latex2mathml (the web extra) is not installed")
def test_rows_are_how_f_was_read_df_the_result_its_kronecker_form_and_d2f_in_order():
    r = matcalc.hessian("log(det(X))", "X")
    body = ok({"expr": "log(det(X))", "wrt": "X", "kind": "hessian", "format": "mathml"})
    assert [row["key"] for row in body["rows"]] == ["read", "differential", "result", "kron", "d2f"]
    result = body["rows"][2]
    assert result["latex"] == r.latex() and result["text"] == str(r)
    assert result["shown"] == r.latex_label() + " = " + r.latex()
    assert body["rows"][3]["latex"] == r.kron.latex()
    assert body["rows"][4]["text"] == r.bilinear_form()


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_code_is_the_generated_module_of_the_result(backend):
    r = matcalc.grad(MAIN, "X")
    body = ok({"expr": MAIN, "wrt": "X", "code": [backend]})
    assert body["code"] == {backend: {"source": numpy_module(r, backend=backend)}}


@pytest.mark.parametrize("kind, fn", [("gradient", matcalc.grad), ("hessian", matcalc.hessian), ("hvp", matcalc.hvp)])
def test_code_of_several_variables_is_the_results_own_module(kind, fn):
    """A several-variable result is one function returning every part (it was the module of one part)."""
    import inspect

    import numpy as np

    from matcalc.outputs.codegen.generate import load_generated
    f = "1/2 ||W x + b - y||^2"
    body = ok({"expr": f, "wrt": "W,b", "kind": kind, "code": ["numpy"]})
    r = fn(f, ["W", "b"])
    assert body["code"]["numpy"]["source"] == r.numpy_source()
    rng = np.random.default_rng(0)
    shapes = {"W": (3, 2), "b": (3,), "x": (2,), "y": (3,), "V": (3, 2), "v_W": (3, 2), "v_b": (3,)}
    code = load_generated(body["code"]["numpy"]["source"])
    values = {k: rng.standard_normal(shapes[k]) for k in inspect.signature(code).parameters}
    got, want = code(**values), r.evaluate(values)
    flat = lambda v: np.concatenate([np.ravel(p) for p in (flat(q) if isinstance(q, (tuple, list)) else q  # noqa: E731
                                                              for q in (v.values() if isinstance(v, dict) else v))])
    assert np.allclose(flat(got), flat(want))


def test_steps_are_added_as_the_results_record_them():
    r = matcalc.grad("x' A x", "x")
    body = ok({"expr": "x' A x", "wrt": "x", "steps": True, "format": "mathml"})
    assert [{k: v for k, v in s.items() if k != "mathml"} for s in body["steps"]] == r.steps.to_json()
    assert all(s["mathml"].startswith("<math") for s in body["steps"])
    assert body["steps_latex"] == r.steps_latex()
    assert [row["title"] for row in body["rows"]][-1] == f"step {len(r.steps)}: {r.steps[-1].rule}"


def test_steps_are_left_out_unless_asked_for():
    assert "steps" not in ok({"expr": "x' A x", "wrt": "x", "format": "mathml"})


# ---------------------------------------------------------------------------- the cheat sheet

def test_cheat_sheet_lists_every_registered_function_and_operation():
    sheet = language()
    assert [f["name"] for f in sheet["functions"]] == list(FUNCTIONS)
    assert [c["name"] for c in sheet["calls"]] == list(CALLS)
    aliases = {a for f in sheet["functions"] + sheet["calls"] for a in f["aliases"]}
    assert aliases == set(ALIASES)


_SHEET = language()
_EXAMPLES = [r["example"] for r in _SHEET["syntax"]] + [f["example"] for f in _SHEET["functions"] + _SHEET["calls"]]


@pytest.mark.parametrize("example", _EXAMPLES)
def test_every_cheat_sheet_example_parses(example):
    # as the sheet shows it, with no declarations: none needs a context (dim(n), the one that looked as if it
    # might, reads n as a size by itself); a refusal of any example is a failure of that example
    assert isinstance(matcalc.parse(example), matcalc.Expression)


def test_the_web_api_and_the_command_line_give_a_block_hessian_the_same_parts():
    # the command line's parts had d2f and each part's shape, the web API's did not
    import json
    import subprocess
    import sys
    from matcalc.web.api import derive
    web = derive({"expr": "x'Ax + c x'x", "wrt": "x,c", "kind": "hessian"})
    out = subprocess.run([sys.executable, "-m", "matcalc", "x'Ax + c x'x", "--wrt", "x,c", "--hessian", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    cli = json.loads(out)
    assert [p.get("d2f") for p in web["parts"]] == [p.get("d2f") for p in cli["parts"]]
    assert all("d2f" in p for p in web["parts"] if p["key"] in (["x", "x"], ["c", "c"]))


def test_every_cheat_sheet_example_reads():
    # eye's example was eye(X), which reads X as a dimension (I_X)
    from matcalc.web.api import language
    sheet = language()
    for item in sheet["calls"] + sheet["functions"]:
        matcalc.parse(item["example"])
    assert {c["name"]: c["example"] for c in sheet["calls"]}["eye"] == "eye(n)"


def test_an_error_in_the_declarations_points_at_the_where_field():
    # field was null, so the page could not mark the where box
    from matcalc.web.api import respond
    status, data = respond({"expr": "x'x", "wrt": "x", "where": "x: vector(n)\nA: matrix(n n)"})
    assert status == 400 and data["field"] == "where"
