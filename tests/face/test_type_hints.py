"""The public API is annotated: an editor completes and a type checker checks a user's calls.

Every public function and every public method of the result and expression classes annotates each
parameter and its return; the annotations of the questions resolve to real types (the aliases
Formula, Where, Wrt exist where they are named)."""
import inspect
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
