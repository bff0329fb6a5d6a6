"""The function registry: every function of the language is registered here, once.

Two kinds of entries:

* `FunctionSpec`: an elementwise scalar function (exp, log, sigmoid, softplus, ...). One
  registration holds everything the system needs: the names it is typed as, its value in
  NumPy, its derivative f'(u) (the rule table applies d f(U) = f'(U) .* dU), exact values,
  the domain that evaluation checks, its LaTeX, and its code in every backend. The grammar's
  function names, inference, the printers, evaluation and code generation all read it.
* `CallSpec`: a structural operation written as a call (tr, det, diag, ones, kron, ...):
  its names and arity, its LaTeX name, the node classes it builds (with their constructors),
  the typed operations inference makes of it (with theirs), the kind of its result, and whether
  it needs a square matrix, is linear, is trivial on a scalar, takes an axis or takes sizes.
  Inference's name sets, the builders and readings of the typed operations, the printers' plain
  calls, sizes and rebuilding derive their tables from these (`calls_with`, `typed_operations`).
  Its shape rule lives in inference, its node class in `nodes.py`, and the per-node tables
  (differential, transpose, printers, evaluation, code) cover the node;
  `tests/core/test_registry.py` checks that every entry appears in every table and that each
  CallSpec's facts are what the call does.

Derivatives and construction-time rewrites are written against the constructor namespace
`B` (matcalc.core.build), which is passed in: this module sits below the constructors and
imports nothing of matcalc but its lowest helpers (records, lazy NumPy).
"""
from __future__ import annotations

from fractions import Fraction
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .records import factory, record
from .lazy_numpy import np, numpy_function  # NumPy is imported on first use (core/lazy_numpy.py)

if TYPE_CHECKING:  # (nodes.py imports this module)
    from types import ModuleType

    from .nodes import Expr


def _sigmoid(x):
    """The logistic function, accurate in both tails and never overflowing."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def _softplus(x):
    """log(1 + exp(x)) without overflow: log(exp(0) + exp(x))."""
    return np.logaddexp(0.0, x)


def _emul(B, a, b):
    """Elementwise product, which for scalars is the ordinary one."""
    return B.hadamard(a, b) if a.shape != (1, 1) or b.shape != (1, 1) else B.mul(a, b)


@record
class FunctionSpec:
    """An elementwise scalar function. `code` maps a backend name to the callable's spelling
    in generated code; `float_code` is a faster spelling for a plain float (NumPy backend)."""
    name: str
    numpy: Callable
    derivative: Callable | None = None  # (u, B) -> f'(u) as an Expr
    latex: str = ""                     # e.g. \exp; default \operatorname{name}
    code: dict = factory(dict)          # backend -> callable name in generated code
    float_code: str = ""                # NumPy backend, for a float: one that cannot fail on a finite float
    aliases: tuple = ()                 # other names in the language (ln for log)
    exact: Callable | None = None       # Fraction -> Fraction or None (exact values)
    rewrite: str = ""                   # a constructor of B the call becomes (sqrt -> x^(1/2))
    inverse: str = ""                   # f(g(u)) = u for this g (log of exp)
    idempotent: bool = False            # f(f(u)) = f(u) (abs, sign)
    domain: Callable | None = None      # ndarray -> bool array of bad entries
    domain_message: str = ""
    sympy: str | None = None            # definition in u, for a SymPy-derived derivative
    positive: str = ""                  # f(u) where u > 0 is known: "u" (abs(n) = n for a size n) or "1"
    parity: str = ""                    # "odd" (f(-u) = -f(u): sin, tanh, sign) or "even" (f(-u) = f(u): cos, abs)

    @property
    def latex_name(self) -> str:
        return self.latex or r"\operatorname{" + self.name + "}"


@record
class CallSpec:
    """A structural operation written as a call: its names, how many arguments it takes, and the
    facts about it that more than one layer needs. Inference, the reader, the printers and the
    rebuilding of trees derive their name sets and maps from these fields (`calls_with`), so that
    a new call is described here once; what is code (its shape rule, its printer method where the
    layout is special) stays in its layer, keyed by the node class or the name."""
    name: str
    arity: tuple = (1,)
    aliases: tuple = ()
    doc: str = ""
    bare: bool = True  # applies to one operand without parentheses too (tr X, log det X)
    example: str = ""  # how a call is written, for the cheat sheets (default: name(X))
    latex: str = ""    # its LaTeX name (\det); default \operatorname{name}
    #: the node classes of core/nodes.py the call builds, as (class name, name of its constructor in
    #: `B`, core/build.py) pairs; a call that is an existing operation in other words (mean, norm1,
    #: norm2, vector, matrix) builds none of its own. (Names, not classes: this module sits below nodes.py.)
    nodes: tuple = ()
    #: the typed operations inference makes of the call (language/infer.py's `T.op`), as (operation,
    #: name of its constructor in `B`) pairs, the operation of a call of one argument first (sum: sum_all,
    #: then sum_axis of sum(X, 1)). construct.py builds each by calling its constructor with the
    #: operation's arguments (a typed child as its Expr, a size resolved), and reading.py writes it
    #: back as the call, name(arguments); a constructor "" is code in construct.py (softmax's refusal of
    #: a row, norm1 as sum(abs(x)), a shape to resolve). A call that is another operation in other words
    #: makes that operation (inv: matpow; norm2: norm; vector, matrix: smul) and lists none.
    typed: tuple = ()
    result: str = ""   # of one argument: "scalar" (whatever the argument), "same" (its shape), "" (own rule)
    square: bool = False  # the argument must be a square matrix (tr, det, logdet, inv)
    linear: bool = False  # linear in its (first) argument: f(X / c) = f(X) / c
    trivial_on_scalar: bool = False  # of a scalar, the scalar itself (or 1, softmax): never what is meant
    axis: bool = False    # a second argument is an axis (sum(X, 1), softmax(X, 2))
    sizes: bool = False   # its arguments are sizes, not values (ones(n), comm(m, n))

    @property
    def shown(self) -> str:
        """The example the cheat sheets show (and the web page inserts)."""
        return self.example or f"{self.name}(X)"

    @property
    def latex_name(self) -> str:
        return self.latex or r"\operatorname{" + self.name + "}"


FUNCTIONS: dict = {}   # elementwise: name -> FunctionSpec
CALLS: dict = {}       # structural: name -> CallSpec
ALIASES: dict = {}     # every other spelling -> its registered name


def register(spec: FunctionSpec | CallSpec) -> None:
    """Add a function to the language (both kinds); its aliases become other spellings of it."""
    table = FUNCTIONS if isinstance(spec, FunctionSpec) else CALLS
    table[spec.name] = spec
    _BARE[0] = None
    for a in spec.aliases:
        ALIASES[a] = spec.name


def calls_with(**facts: Any) -> tuple:
    """The names of the structural calls whose CallSpec fields have these values, in the order
    registered: the name sets of the layers above (`calls_with(square=True)`: tr, det, logdet,
    inv). A layer computes its sets once, when it is imported, from the calls registered here."""
    return tuple(n for n, spec in CALLS.items() if all(getattr(spec, k) == v for k, v in facts.items()))


def typed_operations() -> dict:
    """The typed operations the calls make (`CallSpec.typed`): operation -> (call name, name of its
    constructor in B, "" where construct.py builds it by code), in the order registered."""
    return {op: (n, made_by) for n, spec in CALLS.items() for op, made_by in spec.typed}


def canonical_name(name: str) -> str:
    return ALIASES.get(name, name)


def all_names() -> list:
    """Every name a call can start with, longest first (for the lexer: `tanh` before `tan`)."""
    names = list(FUNCTIONS) + list(CALLS) + list(ALIASES)
    return sorted(set(names), key=lambda n: (-len(n), n))


def bare_names() -> frozenset:
    """The names that apply to one operand without parentheses (tr X, det X, sin x): the lexer
    reads them as functions wherever they stand, so no variable can have one of these names.
    (Computed once per state of the registry: every declared name is looked up here.)"""
    if _BARE[0] is None:
        out = set()
        for n in all_names():
            spec = CALLS.get(ALIASES.get(n, n))
            if spec is None or (spec.bare and 1 in spec.arity):
                out.add(n)
        _BARE[0] = frozenset(out)
    return _BARE[0]


_BARE: list = [None]  # bare_names(), reset by register()


def _exact_zero_to(v0):
    return lambda x: Fraction(v0) if x == 0 else None


def _code(np_name: str, jax: str = "", torch: str = "") -> dict:
    """The spellings of one function in the three backends (jax and torch default to NumPy's
    name under their own module alias)."""
    return {"numpy": np_name, "jax": jax or np_name, "torch": torch or np_name.replace("_np.", "_torch.")}


# ---------------------------------------------------------------- elementwise functions
register(FunctionSpec(
    "exp", numpy_function("exp"), lambda u, B: B.func("exp", u), r"\exp", _code("_np.exp"),
    exact=_exact_zero_to(1), inverse="log"))
register(FunctionSpec(
    "log", numpy_function("log"), lambda u, B: B.power(u, -1), r"\log", _code("_np.log"), aliases=("ln",),
    exact=lambda x: Fraction(0) if x == 1 else None, inverse="exp",
    domain=lambda v: ~(v > 0), domain_message="log of a non-positive number"))
register(FunctionSpec(
    "sin", numpy_function("sin"), lambda u, B: B.func("cos", u), r"\sin", _code("_np.sin"), "_math.sin",
    exact=_exact_zero_to(0), parity="odd"))
register(FunctionSpec(
    "cos", numpy_function("cos"), lambda u, B: B.neg(B.func("sin", u)), r"\cos", _code("_np.cos"), "_math.cos",
    exact=_exact_zero_to(1), parity="even"))
register(FunctionSpec(
    "tan", numpy_function("tan"), lambda u, B: B.add(B.ONE, B.power(B.func("tan", u), 2)), r"\tan", _code("_np.tan"),
    exact=_exact_zero_to(0), parity="odd"))
register(FunctionSpec(
    "tanh", numpy_function("tanh"), lambda u, B: B.sub(B.ONE, B.power(B.func("tanh", u), 2)), r"\tanh", _code("_np.tanh"),
    "_math.tanh", exact=_exact_zero_to(0), parity="odd"))
register(FunctionSpec(
    "sinh", numpy_function("sinh"), lambda u, B: B.func("cosh", u), r"\sinh", _code("_np.sinh"),
    exact=_exact_zero_to(0), parity="odd"))  # (no math.sinh for floats: it raises OverflowError past 710, NumPy gives inf)
register(FunctionSpec(
    "cosh", numpy_function("cosh"), lambda u, B: B.func("sinh", u), r"\cosh", _code("_np.cosh"),
    exact=_exact_zero_to(1), parity="even"))
register(FunctionSpec(
    "sigmoid", _sigmoid,
    lambda u, B: _emul(B, B.func("sigmoid", u), B.sub(B.ONE, B.func("sigmoid", u))), r"\operatorname{\sigma}",
    _code("_sigmoid", "jax.nn.sigmoid", "_torch.sigmoid"), "_sigmoid_float",
    exact=lambda x: Fraction(1, 2) if x == 0 else None))
register(FunctionSpec(
    "sqrt", numpy_function("sqrt"), code=_code("_np.sqrt"), rewrite="sqrt"))  # written as a half power
register(FunctionSpec(
    "abs", numpy_function("abs"), lambda u, B: B.func("sign", u), code=_code("_np.abs"), float_code="abs",
    exact=lambda x: abs(x), idempotent=True, positive="u", parity="even"))
register(FunctionSpec(
    "sign", numpy_function("sign"), lambda u, B: B.zeros(u.shape), r"\operatorname{sign}", _code("_np.sign"),
    exact=lambda x: Fraction((x > 0) - (x < 0)), idempotent=True, positive="1", parity="odd"))
register(FunctionSpec(
    "softplus", _softplus, lambda u, B: B.func("sigmoid", u), r"\operatorname{softplus}",
    _code("_softplus", "jax.nn.softplus", "_torch.nn.functional.softplus")))
register(FunctionSpec(
    "log1p", numpy_function("log1p"), lambda u, B: B.power(B.add(B.ONE, u), -1), r"\operatorname{log1p}", _code("_np.log1p"),
    exact=_exact_zero_to(0),
    domain=lambda v: ~(v > -1), domain_message="log1p of a number at or below -1"))
register(FunctionSpec(
    "expm1", numpy_function("expm1"), lambda u, B: B.func("exp", u), r"\operatorname{expm1}", _code("_np.expm1"),
    exact=_exact_zero_to(0)))

register(FunctionSpec(
    # at the kink, the midpoint of the subdifferential (as for abs, whose derivative sign is 0 at 0):
    # relu'(0) = 1/2
    "relu", lambda x: np.maximum(x, 0.0),
    lambda u, B: B.mul(B.num(Fraction(1, 2)), B.add(B.ONE, B.func("sign", u))), r"\operatorname{relu}",
    _code("_relu", "jax.nn.relu", "_torch.relu"),
    exact=lambda x: max(x, Fraction(0)), positive="u"))
register(FunctionSpec(
    "arcsin", numpy_function("arcsin"), lambda u, B: B.power(B.sub(B.ONE, B.power(u, 2)), B.num(Fraction(-1, 2))), r"\arcsin",
    _code("_np.arcsin"), exact=_exact_zero_to(0),
    domain=lambda v: ~(np.abs(v) <= 1), domain_message="arcsin of a number outside [-1, 1]", parity="odd"))
register(FunctionSpec(
    "arccos", numpy_function("arccos"), lambda u, B: B.neg(B.power(B.sub(B.ONE, B.power(u, 2)), B.num(Fraction(-1, 2)))),
    r"\arccos", _code("_np.arccos"),
    domain=lambda v: ~(np.abs(v) <= 1), domain_message="arccos of a number outside [-1, 1]"))
register(FunctionSpec(
    "arctan", numpy_function("arctan"), lambda u, B: B.power(B.add(B.ONE, B.power(u, 2)), -1), r"\arctan", _code("_np.arctan"),
    exact=_exact_zero_to(0), parity="odd"))

# ---------------------------------------------------------------- stable forms of compositions
@record
class StableForm:
    """outer(inner(u)) computed as an equal expression that stays finite where inner(u) under- or
    overflows: a loss's value must be finite where the loss is (log(sigmoid(-1000)) = -1000, not
    log(0)). Evaluation and generated code both compute these forms, so the reference and the code
    agree in the tails. `match(arg, B)` gives u where outer's argument is the inner form, else None;
    `value(u, B)` builds the equal expression from registered functions."""
    outer: str
    match: Callable
    value: Callable


def _applied(a, name: str, B):
    """u where the node a is name(u) (found by building it: nodes are hash-consed), else None."""
    ch = a.children
    return ch[0] if len(ch) == 1 and B.func(name, ch[0]) is a else None


def one_minus(a: Expr, name: str, B: ModuleType) -> Expr | None:
    """u where the node a is 1 - name(u) (1 spread over a vector or matrix too), else None."""
    for t in a.children if len(a.children) == 2 else ():
        c, f = B.split_coeff(t)
        u = _applied(f, name, B) if c == -1 else None
        if u is not None and B.sub(B.ONE, B.func(name, u)) is a:
            return u
    return None


def one_plus(a: Expr, name: str, B: ModuleType) -> Expr | None:
    """u where the node a is 1 + name(u) (1 spread over a vector or matrix too), else None."""
    for t in a.children if len(a.children) == 2 else ():
        u = _applied(t, name, B)
        if u is not None and B.add(B.ONE, B.func(name, u)) is a:
            return u
    return None


def _softmax_of(a, B):
    """u where the node a is softmax(u) (of a vector, or of each column of a matrix), else None; told by
    its class's name, so that no node is built to compare with (this module knows no node classes)."""
    return a.children[0] if type(a).__name__ == "Softmax" else None


def _transposed_softmax_of(a, B):
    """u where the node a is softmax(u)', else None (a' log(softmax(x)) keeps log(softmax(x)'))."""
    return _softmax_of(a.children[0], B) if type(a).__name__ == "Transpose" else None


def _log_softmax(u, B):
    """log(softmax(u)) = u - logsumexp(u) (of each column: the row of logsumexps spread by ones)."""
    return B.sub(u, B.mul(B.ones((u.shape[0], 1)), B.logsumexp(u)))


STABLE_FORMS: tuple = (
    # log(softmax(u)) = u - logsumexp(u): finite where an entry of softmax(u) underflows to 0 (a spread
    # of u past 745), as in the softmax cross-entropy -y' log(softmax(W x))
    StableForm("log", _softmax_of, _log_softmax),
    StableForm("log", _transposed_softmax_of, lambda u, B: B.transpose(_log_softmax(u, B))),
    # log(sigmoid(u)) = -softplus(-u): finite where sigmoid(u) underflows (u < -745)
    StableForm("log", lambda a, B: _applied(a, "sigmoid", B), lambda u, B: B.neg(B.func("softplus", B.neg(u)))),
    # log(1 - sigmoid(u)) = -softplus(u), the other half of the cross-entropy
    StableForm("log", lambda a, B: one_minus(a, "sigmoid", B), lambda u, B: B.neg(B.func("softplus", u))),
    # log(1 + exp(u)) = softplus(u): the logistic loss as it is usually written, past u = 709
    StableForm("log", lambda a, B: one_plus(a, "exp", B), lambda u, B: B.func("softplus", u)),
    # log(cosh(u)) = |u| + softplus(-2 |u|) - log 2: the log-cosh loss past |u| = 710, where cosh overflows
    StableForm("log", lambda a, B: _applied(a, "cosh", B),
               lambda u, B: B.add(B.func("abs", u), B.func("softplus", B.scale(-2, B.func("abs", u))),
                                  B.neg(B.func("log", B.num(2))))),
)


def stable_form(outer: str, arg: Expr, B: ModuleType) -> Expr | None:
    """The stable expression equal to outer(arg) (STABLE_FORMS), or None where none applies."""
    for form in STABLE_FORMS:
        if form.outer == outer:
            u = form.match(arg, B)
            if u is not None:
                return form.value(u, B)
    return None


# ---------------------------------------------------------------- structural operations
register(CallSpec("tr", aliases=("trace",), doc="trace of a square matrix", nodes=(("Trace", "trace"),),
                  result="scalar", square=True, linear=True, trivial_on_scalar=True, typed=(("tr", "trace"),)))
register(CallSpec("det", doc="determinant", latex=r"\det", nodes=(("Det", "det"),),
                  result="scalar", square=True, trivial_on_scalar=True, typed=(("det", "det"),)))
register(CallSpec("logdet", doc="log |det X|", latex=r"\log\det", nodes=(("LogDet", "logdet"),),
                  result="scalar", square=True, trivial_on_scalar=True, typed=(("logdet", "logdet"),)))
register(CallSpec("inv", doc="inverse", nodes=(("Inverse", "inverse"),), result="same", square=True))
register(CallSpec("sum", arity=(1, 2), doc="sum of all entries; sum(X, 1) the column sums (a row), sum(X, 2) the row sums",
                  example="sum(X, 1)", nodes=(("Sum", "sumall"),), result="scalar", linear=True,
                  trivial_on_scalar=True, axis=True, typed=(("sum_all", "sumall"), ("sum_axis", "sum_axis"))))
register(CallSpec("mean", arity=(1, 2), doc="mean of all entries; mean(X, 1), mean(X, 2) as sum(X, 1), sum(X, 2)",
                  example="mean(x)", result="scalar", linear=True, trivial_on_scalar=True, axis=True,
                  typed=(("mean_all", "mean"), ("mean_axis", "mean"))))
register(CallSpec("diag", doc="vector to diagonal matrix, or the diagonal of a square matrix", example="diag(x)",
                  nodes=(("Diag", "diag"), ("DiagPart", "diagpart")), linear=True, trivial_on_scalar=True,
                  typed=(("diag", "diag"), ("diagpart", "diagpart"))))
register(CallSpec("softmax", arity=(1, 2), doc="softmax of a vector; of a matrix, of each column (softmax(X, 2): each row)",
                  example="softmax(x)", nodes=(("Softmax", "softmax"),), result="same", trivial_on_scalar=True,
                  axis=True, typed=(("softmax", ""),)))
register(CallSpec("logsumexp", arity=(1, 2),
                  doc="log(sum(exp(x))) of a vector; of a matrix, of each column, a row (logsumexp(X, 2): each row)",
                  example="logsumexp(x)", nodes=(("LogSumExp", "logsumexp"),), trivial_on_scalar=True, axis=True,
                  typed=(("logsumexp", ""),)))
register(CallSpec("vec", doc="column-major vectorization", nodes=(("Vec", "vec"),), linear=True, trivial_on_scalar=True,
                  typed=(("vec", "vec"),)))
register(CallSpec("unvec", arity=(3,), doc="unvec(v, m, n): the m x n matrix X with vec(X) = v", example="unvec(v, m, n)",
                  nodes=(("Unvec", "unvec"),), linear=True, typed=(("unvec", ""),)))
register(CallSpec("kron", arity=(2,), doc="Kronecker product", bare=False, example="kron(A, B)",
                  nodes=(("Kron", "kron"),), trivial_on_scalar=True, typed=(("kron", "kron"),)))
register(CallSpec("ones", arity=(1, 2), doc="a vector or matrix of ones, by dimensions", bare=False, example="ones(n)",
                  nodes=(("Ones", "ones"),), sizes=True, typed=(("ones", ""),)))
register(CallSpec("zeros", arity=(1, 2), doc="a vector or matrix of zeros, by dimensions", bare=False, example="zeros(n)",
                  nodes=(("Zero", "zeros"),), sizes=True, typed=(("zeros", ""),)))
register(CallSpec("eye", doc="eye(n): the n x n identity I_n (MATLAB's spelling; a bare eye is I)", bare=False,
                  example="eye(n)", nodes=(("Identity", "identity"),), sizes=True, typed=(("identity", ""),)))
register(CallSpec("comm", arity=(2,), doc="the commutation matrix K(m, n)", bare=False, example="comm(m, n)",
                  nodes=(("Comm", "comm"),), sizes=True, typed=(("comm", "comm"),)))
register(CallSpec("dim", doc="the size of a dimension, as a number", bare=False, example="dim(n)",
                  nodes=(("DimSize", "dimsize"),), result="scalar", sizes=True, typed=(("dimsize", "dimsize"),)))
register(CallSpec("norm1", doc="the 1-norm of a vector, sum(abs(x)) (MatrixCalculus.org)", example="norm1(x)",
                  result="scalar", typed=(("norm1", ""),)))
register(CallSpec("norm2", doc="the Euclidean norm of a vector, the Frobenius norm of a matrix (MatrixCalculus.org)",
                  example="norm2(x)", result="scalar"))
register(CallSpec("norm", doc="the Euclidean norm of a vector, as MATLAB's and NumPy's norm(x); of a matrix refused "
                  "(MATLAB's is the spectral norm, NumPy's the Frobenius norm)", bare=False, example="norm(A x - b)",
                  result="scalar"))
register(CallSpec("vector", doc="vector(c): a vector whose entries are all c, its length from the context", bare=False,
                  example="vector(1)"))
register(CallSpec("matrix", doc="matrix(c): a matrix whose entries are all c, its size from the context", bare=False,
                  example="matrix(1)"))
