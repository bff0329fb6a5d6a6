"""Every node class and every registered function is covered by every per-node table.

A node class added to `matcalc/core/nodes.py`, or a function registered in
`matcalc/core/functions.py`, must be taught to each layer: differentiation, transposition
(for linear nodes), evaluation, size, both printers and the code generator. These tests
enumerate the registries so that a missing entry fails here, by name, rather than deep
inside some later computation. Values are compared with independent NumPy formulas.
"""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import matcalc
from matcalc.calculus import readoff
from matcalc.calculus.rules import DIFFERENTIAL, TRANSPOSE
from matcalc.calculus import size as size_rules
from matcalc.calculus.size import SIZE
from matcalc.core import build as B
from matcalc.core import nodes
from matcalc.core.functions import ALIASES, CALLS, FUNCTIONS, typed_operations
from matcalc.language import construct, infer, reading
from matcalc.numerics.evaluate import _EVAL
from matcalc.outputs.printing import LatexPrinter, TextPrinter

# ---------------------------------------------------------------- the registries
#: Every concrete node class: subclasses of Expr defined in nodes.py. Private classes
#: (a leading underscore, e.g. the abstract `_Unary` base) are never instantiated.
NODE_CLASSES = sorted(
    (c for c in vars(nodes).values()
     if inspect.isclass(c) and issubclass(c, nodes.Expr) and c is not nodes.Expr
     and c.__module__ == nodes.__name__ and not c.__name__.startswith("_")),
    key=lambda c: c.__name__)

#: Linear operations, through which a gradient is read off df = <G, dX>.
LINEAR_NODES = ["Add", "Mul", "Hadamard", "Transpose", "Trace", "Sum", "Diag", "DiagPart", "Vec", "Unvec", "Kron"]

BACKENDS = ("numpy", "jax", "torch")

_ids = [c.__name__ for c in NODE_CLASSES]


def _find_emitter():
    """The code generator's emitter: the class with a `_c_Var` method, in whichever
    submodule of matcalc.outputs.codegen it lives."""
    pkg = importlib.import_module("matcalc.outputs.codegen")
    modules = [pkg]
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if ".runtime_" in info.name:  # generated code's runtime: read as source, never imported
            continue
        modules.append(importlib.import_module(info.name))
    for mod in modules:
        for obj in vars(mod).values():
            if inspect.isclass(obj) and hasattr(obj, "_c_Var"):
                return obj
    return None


EMITTER = _find_emitter()


def test_node_classes_are_found():
    names = {c.__name__ for c in NODE_CLASSES}
    assert {"Var", "Num", "Add", "Mul", "Trace", "Kron"} <= names


# ---------------------------------------------------------------- per-node tables
@pytest.mark.parametrize("cls", NODE_CLASSES, ids=_ids)
def test_node_has_differential_rule(cls):
    if cls is nodes.Var:
        # A variable's differential is its direction (or zero), given by `differential` itself.
        v = B.var("x", ("n", 1))
        dv = B.var("dx", ("n", 1))
        assert readoff.differential(v, {"x": dv}) is dv
        assert readoff.differential(v, {"y": dv}) is B.zeros(("n", 1))
        return
    assert cls in DIFFERENTIAL, f"{cls.__name__} has no rule in calculus/rules.py DIFFERENTIAL"


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=_ids)
def test_node_has_evaluator(cls):
    assert cls in _EVAL, f"{cls.__name__} has no entry in numerics/evaluate.py _EVAL"


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=_ids)
def test_node_has_size_rule(cls):
    assert cls in SIZE, f"{cls.__name__} has no entry in calculus/size.py SIZE"


@pytest.mark.parametrize("printer", [TextPrinter, LatexPrinter], ids=["text", "latex"])
@pytest.mark.parametrize("cls", NODE_CLASSES, ids=_ids)
def test_node_has_printer_method(cls, printer):
    assert hasattr(printer, "_print_" + cls.__name__) or cls in printer.calls, \
        f"{printer.__name__} cannot print {cls.__name__}"


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=_ids)
def test_node_has_code_emitter(cls):
    if EMITTER is None:
        pytest.skip("no class with a _c_Var method in any matcalc.outputs.codegen submodule")
    assert hasattr(EMITTER, "_c_" + cls.__name__), \
        f"the code generator ({EMITTER.__module__}.{EMITTER.__name__}) has no _c_{cls.__name__}"


@pytest.mark.parametrize("name", LINEAR_NODES)
def test_linear_node_has_transpose_rule(name):
    cls = getattr(nodes, name)
    assert cls in TRANSPOSE, f"{name} has no rule in calculus/rules.py TRANSPOSE"


#: linear nodes whose Jacobian has a closed Kronecker form (diag(.) has none: a clear error instead)
KRONECKER_NODES = ["Add", "Mul", "Hadamard", "Transpose", "Trace", "Sum", "Vec", "Unvec", "Kron"]


@pytest.mark.parametrize("name", KRONECKER_NODES)
def test_linear_node_has_kronecker_rule(name):
    from matcalc.calculus.readoff import KRONECKER
    assert getattr(nodes, name) in KRONECKER, f"{name} has no rule in calculus/readoff.py KRONECKER"


# ---------------------------------------------------------------- elementwise functions
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


#: Independent values and derivatives (f, f') of the known functions.
REFERENCE = {
    "exp": (np.exp, np.exp),
    "log": (np.log, lambda x: 1.0 / x),
    "sin": (np.sin, np.cos),
    "cos": (np.cos, lambda x: -np.sin(x)),
    "tan": (np.tan, lambda x: 1.0 / np.cos(x) ** 2),
    "tanh": (np.tanh, lambda x: 1.0 / np.cosh(x) ** 2),
    "sinh": (lambda x: (np.exp(x) - np.exp(-x)) / 2, lambda x: (np.exp(x) + np.exp(-x)) / 2),
    "cosh": (lambda x: (np.exp(x) + np.exp(-x)) / 2, lambda x: (np.exp(x) - np.exp(-x)) / 2),
    "sigmoid": (_sig, lambda x: _sig(x) * (1.0 - _sig(x))),
    "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    "abs": (np.abs, np.sign),
    "sign": (np.sign, np.zeros_like),
    "softplus": (lambda x: np.log(1.0 + np.exp(x)), _sig),
    "log1p": (lambda x: np.log(1.0 + x), lambda x: 1.0 / (1.0 + x)),
    "expm1": (lambda x: np.exp(x) - 1.0, np.exp),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    "arcsin": (np.arcsin, lambda x: 1.0 / np.sqrt(1.0 - x ** 2)),
    "arccos": (np.arccos, lambda x: -1.0 / np.sqrt(1.0 - x ** 2)),
    "arctan": (np.arctan, lambda x: 1.0 / (1.0 + x ** 2)),
}

FUNCTION_NAMES = sorted(FUNCTIONS)
#: Points inside every function's domain and away from kinks (abs, sign at 0).
POINTS = np.array([0.15, 0.35, 0.6, 0.85])
WHERE = "x: vector(n)"


def _reference(name):
    """(f, f'): the independent formulas, or for a function registered later its NumPy
    callable and a central difference of it."""
    if name in REFERENCE:
        return REFERENCE[name]
    f = FUNCTIONS[name].numpy
    h = 1e-6
    return f, lambda x: (f(x + h) - f(x - h)) / (2 * h)


def test_every_function_has_an_independent_reference():
    missing = sorted(set(FUNCTIONS) - set(REFERENCE))
    assert not missing, f"add reference formulas for {missing} to this test"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_has_derivative_or_rewrite(name):
    spec = FUNCTIONS[name]
    assert spec.derivative is not None or spec.sympy is not None or spec.rewrite, \
        f"{name} has neither a derivative nor a rewrite"


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_gradient_matches_reference_derivative(name):
    g = matcalc.grad(f"sum({name}(x))", "x", where=WHERE)
    got = np.asarray(g.evaluate(x=POINTS), dtype=float).reshape(-1)
    np.testing.assert_allclose(got, _reference(name)[1](POINTS), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_has_latex_name(name):
    spec = FUNCTIONS[name]
    assert spec.latex_name.startswith("\\")
    latex = matcalc.parse(f"{name}(x)", where=WHERE).latex()
    if name == "abs":  # printed |x|
        assert r"\left|" in latex
    elif FUNCTIONS[name].rewrite:  # sqrt(x) becomes x^(1/2), printed \sqrt{x}
        assert latex.startswith("\\")
    else:
        assert spec.latex_name in latex


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_has_code_for_backend(name, backend):
    code = FUNCTIONS[name].code.get(backend)
    assert isinstance(code, str) and code, f"{name} has no {backend} code"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_generated_code_computes_function_and_gradient(name, backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    fn = matcalc.compile(f"sum({name}(x))", "x", where=WHERE, backend=backend)
    arg = POINTS
    if backend == "torch":
        import torch
        arg = torch.tensor(POINTS, dtype=torch.float64)
    value, grad = fn(arg)
    f, df = _reference(name)
    # JAX computes in its default float32 unless the user enabled x64 (generated code leaves it alone)
    single = backend == "jax" and np.asarray(grad).dtype == np.float32
    rtol, atol = (1e-5, 1e-6) if single else (1e-9, 1e-9)
    np.testing.assert_allclose(float(value), f(POINTS).sum(), rtol=rtol)
    np.testing.assert_allclose(np.asarray(grad, dtype=float).reshape(-1), df(POINTS), rtol=max(rtol, 1e-7), atol=atol)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_evaluates_like_numpy(name):
    got = matcalc.parse(f"{name}(x)", where=WHERE).evaluate(x=POINTS)
    np.testing.assert_allclose(np.asarray(got, dtype=float).reshape(-1), _reference(name)[0](POINTS), rtol=1e-12)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_registered_numpy_callable_agrees_with_reference(name):
    np.testing.assert_allclose(FUNCTIONS[name].numpy(POINTS), _reference(name)[0](POINTS), rtol=1e-12)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_is_lexed_as_function(name):
    e = matcalc.parse(f"sum({name}(x))", where=WHERE)
    assert e.shape == ()
    assert e.variables == ("x",)
    np.testing.assert_allclose(float(e.evaluate(x=POINTS)), _reference(name)[0](POINTS).sum(), rtol=1e-12)


@pytest.mark.parametrize("alias", sorted(a for a, n in ALIASES.items() if n in FUNCTIONS))
def test_function_alias_means_the_function(alias):
    assert matcalc.parse(f"{alias}(x)", where=WHERE) == matcalc.parse(f"{ALIASES[alias]}(x)", where=WHERE)


# ---------------------------------------------------------------- structural calls
CALL_NAMES = sorted(list(CALLS) + [a for a, n in ALIASES.items() if n in CALLS])
CALL_WHERE = "X: matrix(n, n); x: vector(n)"
_ARGS = {1: ["X", "x", "n", "c"], 2: ["X, X", "n, n", "x, x", "X, 1"], 3: ["x, n, 1"]}


@pytest.mark.parametrize("name", CALL_NAMES)
def test_call_name_parses_as_call(name):
    spec = CALLS[ALIASES.get(name, name)]
    errors = []
    for k in spec.arity:
        for args in _ARGS[k]:
            try:
                e = matcalc.parse(f"{name}({args})", where=CALL_WHERE)
            except matcalc.MatcalcError as ex:
                errors.append(f"{name}({args}): {ex}")
                continue
            # vector(c) and matrix(c) (MatrixCalculus.org's constants) fill with a scalar value
            # (n, a size here, is refused as a value: vector(c) with c a scalar)
            allowed = {"X", "x"} | ({"c"} if spec.name in ("vector", "matrix") else set())
            assert set(e.variables) <= allowed
            return
    pytest.fail(f"{name} never parses as a call: " + "; ".join(errors))


# ---------------------------------------------------------------- the facts a CallSpec holds
# (inference's name sets, the builders and readings of the calls' typed operations, the printers'
# plain calls, sizes and rebuild's one-child constructors are derived from these fields; here each
# claim is checked against what the call does)
SPEC_WHERE = "X: matrix(n, n); Y: matrix(m, n); x, v: vector(n); c: scalar"


@pytest.mark.parametrize("name", sorted(n for n, s in CALLS.items() if s.result))
def test_call_result_kind_agrees_with_parsing(name):
    """`result` "scalar": the call of one argument is a scalar whatever the argument; "same": it has
    the argument's shape."""
    spec = CALLS[name]
    read = 0
    for arg in (["n"] if spec.sizes else ["X", "x"]):
        try:
            e = matcalc.parse(f"{name}({arg})", where=SPEC_WHERE)
        except matcalc.MatcalcError:
            continue  # (det(x) of a vector, norm1(X) of a matrix: refused)
        read += 1
        want = (1, 1) if spec.result == "scalar" else matcalc.parse(arg, where=SPEC_WHERE).node.shape
        assert e.node.shape == want, f"{name}({arg}) has shape {e.shape}, but its CallSpec says {spec.result}"
    assert read, f"{name} reads none of its sample arguments"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_square_claim_agrees_with_parsing(name):
    """`square`: the call accepts a square matrix and refuses one that is not square."""
    spec = CALLS[name]
    if not spec.square:
        return
    assert 1 in spec.arity and not spec.sizes
    matcalc.parse(f"{name}(X)", where=SPEC_WHERE)
    with pytest.raises(matcalc.MatcalcError, match="square"):
        matcalc.parse(f"{name}(Y)", where=SPEC_WHERE)


def _linear_pair(name):
    """f(-2 X) and -2 f(X), for a call linear in its first argument."""
    rest = ", n, n" if name == "unvec" else ""
    arg = "v" if name == "unvec" else "X"
    return f"{name}(-2 {arg}{rest})", f"-2 {name}({arg}{rest})"


@pytest.mark.parametrize("name", sorted(n for n, s in CALLS.items() if s.linear))
def test_linear_call_is_linear(name):
    """`linear`: f(-2 X) = -2 f(X), in value."""
    where = "X: matrix(n, n); v: vector(n*n)" if name == "unvec" else SPEC_WHERE
    rng = np.random.default_rng(0)
    values = {"X": rng.standard_normal((3, 3)), "v": rng.standard_normal((9, 1))}
    scaled, twice = (matcalc.parse(t, where=where) for t in _linear_pair(name))
    used = {k: values[k] for k in scaled.variables} | ({"n": 3} if name == "unvec" else {})
    np.testing.assert_allclose(scaled.evaluate(used), twice.evaluate(used))


def test_nonlinear_calls_are_not_linear():
    """`linear` is not claimed for a call that is not linear (det(-2 X) = 4 det(X) for a 2 x 2 X,
    norm2(-2 X) = 2 norm2(X))."""
    rng = np.random.default_rng(1)
    values = {"X": rng.standard_normal((2, 2)) + 3 * np.eye(2)}
    for name in ("tr", "det", "logdet", "inv", "softmax", "logsumexp", "norm2"):
        a, b = (matcalc.parse(t, where="X: matrix(2, 2)").evaluate(values) for t in _linear_pair(name))
        assert CALLS[name].linear == bool(np.allclose(a, b)), name


@pytest.mark.parametrize("name", sorted(n for n, s in CALLS.items() if s.trivial_on_scalar))
def test_trivial_call_of_a_scalar_builds_none_of_its_nodes(name):
    """`trivial_on_scalar`: of declared scalars the call is the scalar itself (1 for softmax, the
    product for kron, log |c| for logdet): none of its own nodes is left, or, as softmax of a declared
    scalar, it is refused."""
    spec = CALLS[name]
    args = ", ".join(["c"] * min(spec.arity))
    try:
        e = matcalc.parse(f"{name}({args})", where=SPEC_WHERE).node
    except matcalc.MatcalcError as ex:
        assert "scalar" in str(ex)
        return
    own = {cls for cls, _made_by in spec.nodes}
    assert e.shape == (1, 1)
    assert not any(type(n).__name__ in own for n in e.walk()), f"{name}({args}) is {e}"


@pytest.mark.parametrize("name", sorted(n for n, s in CALLS.items() if s.nodes))
def test_call_nodes_are_node_classes_with_their_constructors(name):
    """`nodes`: each (class name, constructor name) pair names a node class of core/nodes.py and a
    constructor of B; the call's text builds one of them."""
    spec = CALLS[name]
    for cls, made_by in spec.nodes:
        assert cls in _ids, f"{name}: no node class {cls} in core/nodes.py"
        assert callable(getattr(B, made_by, None)), f"{name}: no constructor B.{made_by}"
    args = {1: "n" if spec.sizes else "X", 2: "n, n" if spec.sizes else "X, X", 3: "v, n, n"}[min(spec.arity)]
    e = matcalc.parse(f"{name}({args})", where="X: matrix(n, n); v: vector(n*n)").node
    assert type(e).__name__ in {cls for cls, _made_by in spec.nodes}, f"{name}({args}) is {e!r}"


def test_every_one_child_node_is_built_by_one_registered_call():
    """rebuild._UNARY is derived from the calls' `nodes`: every one-child node class needs a call that
    builds it, and one only."""
    made = [cls for spec in CALLS.values() for cls, _made_by in spec.nodes]
    unary = [c.__name__ for c in NODE_CLASSES if issubclass(c, nodes._Unary)]
    for cls in unary:
        assert made.count(cls) == 1, f"{cls} is built by {made.count(cls)} registered calls"


@pytest.mark.parametrize("name", sorted(n for n, s in CALLS.items() if s.nodes and 1 in s.arity and not s.sizes))
def test_call_latex_name_reads_back_as_the_call(name):
    """`latex`: the LaTeX printers write the call's nodes with its LaTeX name, so that name applied
    to X must read as the call (\\det(X) as det(X))."""
    latex = CALLS[name].latex_name + r"\left(X\right)"
    assert matcalc.parse(latex, where=SPEC_WHERE) == matcalc.parse(f"{name}(X)", where=SPEC_WHERE)


def test_typed_operations_belong_to_one_call_each():
    """`typed`: construct.BUILDERS and reading's calls are keyed by typed operation, so no operation
    may stand for two calls; a constructor named is one of B."""
    listed = [op for spec in CALLS.values() for op, _made_by in spec.typed]
    assert len(listed) == len(set(listed)) == len(typed_operations())
    for op, (name, made_by) in typed_operations().items():
        assert not made_by or callable(getattr(B, made_by, None)), f"{name}: no constructor B.{made_by} for {op}"


@pytest.mark.parametrize("op", sorted(typed_operations()))
def test_typed_operation_is_built_and_read_back_as_its_call(op):
    """construct.BUILDERS builds a typed operation through the constructor its CallSpec names (or by code
    where it names none), and reading.py writes it as an atom, read back as the call."""
    name, made_by = typed_operations()[op]
    builder = construct.BUILDERS[op]
    assert builder.__qualname__.startswith("_by_constructor") == bool(made_by), op
    assert reading._AS_CALL[op] == name and op in reading._ATOMS


def _typed_roots(monkeypatch, text: str, where: str) -> tuple:
    """The text's reading, and the operations of the typed trees inference built for it."""
    roots = []
    build = construct.build

    def recording(ctx, root):
        roots.append(root.op)
        return build(ctx, root)
    monkeypatch.setattr(construct, "build", recording)
    e = matcalc.parse(text, where=where)
    return str(e.reading), roots


_TYPED_WHERE = "X: matrix(n, n); x: vector(n); v: vector(n*n)"


@pytest.mark.parametrize("name", sorted(n for n, s in CALLS.items() if s.typed))
def test_call_makes_its_typed_operations(name, monkeypatch):
    """`typed`: the call's samples make each of its operations and read back as themselves; a call of
    one argument (or of its fewest) makes the first (sum(X): sum_all; diag(x): diag). So
    `infer._ALWAYS_SCALAR`, which holds the first operation of each call whose `result` is "scalar",
    holds what a call of one argument makes."""
    spec = CALLS[name]
    samples = {1: ["n"] if spec.sizes else ["x", "X"], 2: ["n, n"] if spec.sizes else ["X, X"],
               3: ["v, n, n"]}[min(spec.arity)] + (["X, 2"] if spec.axis else [])
    made, first = set(), set()
    for args in samples:
        text = f"{name}({args})"
        try:
            read, roots = _typed_roots(monkeypatch, text, _TYPED_WHERE)
        except matcalc.MatcalcError:
            continue  # (norm1(X), softmax(x) of a matrix, a vector: refused)
        assert read == text, f"{text} is read as {read}"
        made.update(roots)
        if "," not in args or not spec.axis:
            first.update(roots)
    ops = [op for op, _made_by in spec.typed]
    assert set(ops) <= made, f"{name}: {sorted(set(ops) - made)} made by none of {samples}"
    assert ops[0] in first, f"{name}: a call of one argument makes {sorted(first)}, not {ops[0]}"
    assert (ops[0] in infer._ALWAYS_SCALAR) == (spec.result == "scalar")


def test_nodes_written_as_plain_calls_are_sized_as_calls():
    """size.py sizes the nodes of the registry's calls that it has no rule for as name(children); so does
    the text printer write every node it has no method for."""
    for cls in TextPrinter.calls:
        assert SIZE[cls] is size_rules._call, cls.__name__


# ---------------------------------------------------------------- rebuilding
def _sample_node(cls):
    """One node of each class that has children, built from text (None for leaves)."""
    texts = {"Add": "X + A", "Mul": "A X", "Hadamard": "A .* X", "Transpose": "X'", "Inverse": "inv(X)",
             "MatPow": "X^2", "Pow": "X .^ 3", "Func": "exp(X)", "Trace": "tr(A X)", "Det": "det(X)",
             "LogDet": "logdet(X)", "Sum": "sum(sin(X))", "Softmax": "softmax(X)", "LogSumExp": "logsumexp(X)",
             "Diag": "diag(x)", "DiagPart": "diag(X)", "Vec": "vec(X)", "Kron": "kron(A, X)",
             "Unvec": "unvec(kron(A, x) x, n, n)"}
    return texts.get(cls.__name__)


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=_ids)
def test_node_with_children_can_be_rebuilt(cls):
    """Simplification rebuilds nodes with new children (core/rebuild.py): every class with
    children has a constructor there."""
    text = _sample_node(cls)
    if text is None:
        leaf = cls in (nodes.Var, nodes.Num, nodes.DimSize, nodes.Identity, nodes.Zero, nodes.Ones, nodes.Comm)
        assert leaf, f"add a sample {cls.__name__} node to _sample_node"
        return
    e = matcalc.parse(text, where="X, A: matrix(n, n); x: vector(n)").node
    node = next(n for n in e.walk() if isinstance(n, cls))
    assert B.with_children(node, list(node.children)) is node
