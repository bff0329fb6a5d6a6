"""The public API is annotated: an editor completes and a type checker checks a user's calls.

Every public function and every public method of the result and expression classes annotates each
parameter and its return; the annotations of the questions resolve to real types (the aliases
Formula, Where, Wrt exist where they are named). Beyond the API, every public function and public
method of every module, read as source, annotates its parameters and return too."""
import ast
import inspect
import pathlib
import typing

import pytest

import matcalc
from matcalc import api, expression, results

QUESTIONS = ["parse", "from_sympy", "compile", "differential", "grad", "jacobian", "hessian", "hvp"]


def _unannotated(fn) -> list:
    """The parameters (and 'return') of fn without an annotation; self, cls, *args and **kwargs of
    a wrapper are judged on the function it wraps."""
    fn = inspect.unwrap(fn)
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


@pytest.mark.parametrize("name", QUESTIONS + ["check"])
def test_each_public_function_annotates_its_parameters_and_return(name):
    assert _unannotated(getattr(matcalc, name)) == []


@pytest.mark.parametrize("name", [n for n in QUESTIONS if n != "from_sympy"])
def test_the_annotations_of_each_question_resolve_to_types(name):
    hints = typing.get_type_hints(inspect.unwrap(getattr(matcalc, name)))
    assert "return" in hints
    assert hints.get("where", hints.get("text")) is not None


def test_the_function_a_question_takes_is_text_or_an_expression():
    hint = typing.get_type_hints(inspect.unwrap(matcalc.grad))["expr"]
    assert set(typing.get_args(hint)) == {str, expression.Expression}


def test_several_variables_are_a_sequence_of_names():
    assert str in typing.get_args(api.Wrt)


def _public_methods(cls) -> list:
    return [(n, f) for n, f in vars(cls).items()
            if not n.startswith("_") and inspect.isfunction(f)]


@pytest.mark.parametrize("cls", [expression.Expression] + [c for c in vars(results).values()
                                                           if inspect.isclass(c) and issubclass(c, results.Result)],
                         ids=lambda c: c.__name__)
def test_each_public_method_of_the_result_and_expression_classes_is_annotated(cls):
    missing = {n: m for n, f in _public_methods(cls) if (m := _unannotated(f))}
    assert missing == {}


# ---------------------------------------------------------------- every module, read as source
PACKAGE = pathlib.Path(matcalc.__file__).parent
#: Modules not held to the rule yet (none: every module is)
NOT_YET: set = set()


def _public_defs(body: list, in_class: bool = False):
    """The public functions of a module body, or the public methods of a class body (and of its public
    nested classes); blocks such as `if` and `try` are looked into, function bodies are not."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not node.name.startswith("_"):
                yield node, in_class
        elif isinstance(node, ast.ClassDef):
            if not node.name.startswith("_"):
                yield from _public_defs(node.body, in_class=True)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in (getattr(node, "body", []), getattr(node, "orelse", []), getattr(node, "finalbody", []),
                          *[h.body for h in getattr(node, "handlers", [])]):
                yield from _public_defs(block, in_class)


def _missing_annotations(fn: ast.FunctionDef, method: bool) -> list:
    """The parameters of fn (self or cls of a method excepted; *args and **kwargs included) and
    'return' that have no annotation."""
    a = fn.args
    params = a.posonlyargs + a.args
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
    if method and not static and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    params = params + a.kwonlyargs + [p for p in (a.vararg, a.kwarg) if p is not None]
    missing = [p.arg for p in params if p.annotation is None]
    if fn.returns is None:
        missing.append("return")
    return missing


def test_every_public_function_and_method_of_the_package_is_annotated():
    missing, checked = {}, 0
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in NOT_YET:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for fn, method in _public_defs(tree.body):
            checked += 1
            gaps = _missing_annotations(fn, method)
            if gaps:
                missing[f"{rel}:{fn.lineno} {fn.name}"] = gaps
    assert checked > 400  # (the walk found the package: a vacuous pass would hide a broken walk)
    assert missing == {}


def test_declarations_and_values_may_be_any_mapping_as_the_annotations_say():
    """Where and Values are Mappings: a read-only mapping was refused as 'not a dict'."""
    from types import MappingProxyType

    import numpy as np
    r = matcalc.grad("x'Ax", "x", where=MappingProxyType({"A": "matrix(n,n)"}))
    got = r.evaluate(MappingProxyType({"x": np.ones(2), "A": np.eye(2)}))
    assert np.allclose(got, [2.0, 2.0])
