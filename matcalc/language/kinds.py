"""Kinds of undeclared names from use: choose, among the ways of reading the text, the one
whose kinds fit every use; the look of a name only breaks ties.

Each undeclared name may be a scalar, a vector or a matrix. An attempt (`infer.Ctx`) reads
the text under one choice; a shape conflict names the undeclared names it rests on, and no
choice that keeps those kinds is tried again. Choices are tried cheapest first, the cost of a
choice being how far it departs from the look of the names:

    small Latin (x):   vector 0, scalar 1, matrix 2
    capital Latin (A): matrix 0, scalar 1, vector 2
    Greek (mu):        scalar 0, vector 1/2, matrix 1/2   (the weakest hint: x - mu makes mu a vector)
    capital Greek (Sigma): matrix 0, scalar 1/2, vector 1/2 (a covariance Sigma, a diagonal Lambda)

The cheapest consistent choice is the reading; between choices of the same cost, the one with
fewer implicit broadcasts (a scalar added to every entry of a vector or matrix); two that remain
are refused with both readings and the declarations that pick each.
"""
from __future__ import annotations

import heapq
import re
from typing import TYPE_CHECKING

from ..core.errors import MatcalcError, NotSupportedError, ParseError, ShapeError
from ..core.functions import canonical_name
from ..core.nodes import SCALAR
from . import construct
from .declarations import _HALF, is_greek, norm_name, options
from .dims import Clash
from .infer import DIM_CALLS, SQUARE_REDUCTIONS, Ctx, _is_t, inverse_transposed, inverse_transposed_advice
from .misreadings import (lost_inverse_superscript, read_as, refuse_before_reading, refuse_chosen_reading, refuse_dimension_values,
                          refuse_matrix_function_of_diagonal, refuse_matrix_function_of_spd,
                          refuse_index_sums, refuse_matlab_column_sums,
                          refuse_matrix_function_of_trace_or_determinant,
                          refuse_unprimed_quadratic_form)
from .names import CONSTANTS
from .parser import Syn, syn_children
from .reading import LazyText, full_reading, inferred

if TYPE_CHECKING:
    from ..core.nodes import Expr

_PRODUCT_DIM = re.compile(r"\w\*\w")  # m_X*n_X in a shape clash
MAX_ATTEMPTS = 64
MAX_WORK = 2_000_000  # attempts times characters: long texts get fewer attempts
#: the most readings looked at, tried or passed over as known to clash: a sum of k products of two
#: undeclared names (w1 x1 + ... + wk xk) has 2^k ways to clash again, and passing over them took
#: 30 s at k = 19 before any was tried. t1 A1 x + ... + t14 A14 x needs 32,768 (1 s) to read
MAX_STATES = 32_768


def _powered(syn: Syn, ctx: Ctx, names: list) -> dict:
    """Kinds that use rules out up front (one attempt instead of one per name): the base of a
    power is never a vector (x^2), and of a power that is not an integer never a matrix.

    A name that looks like a matrix (X, Sigma) under a power that is not an integer (X^(1/2),
    Sigma^{-1/2}, A^k) would be left only the scalar reading: a matrix square root or a symbolic
    matrix power read as the power of a number. Refused here, with what to declare or write."""
    out: dict = {}
    iterates: dict = {}
    nexts: dict = {}  # x^{k+1}: name -> (as typed, k, where)
    typed: dict = {}  # name -> its first power as typed (x^2), for the messages
    stack = [syn]
    while stack:
        n = stack.pop()
        if n.kind == "post" and n.a.kind == "name" and n.b and n.b[0].kind == "pow" and not _is_t(n.b[0]):
            last = ctx.split_run(n.a.a, n.a.start, check=False)[-1]
            e = n.b[0].a
            if e.kind == "name" and len(e.a) == 1 and e.a.islower() and e.a not in ctx.decls and last in names \
                    and last != "e":  # (e^t is Euler's number to a power)
                iterates.setdefault(last, e.a)  # x^k: maybe the k-th x (Ctx._refuse_iterate_power)
            # (of an index letter only: a^p + a^(p - 1) is a polynomial in a)
            step = re.fullmatch(r"([kntij])\s*([+-])\s*1", " ".join(ctx.text[e.start:e.end].strip("{}() ").split()))
            if step and step.group(1) not in ctx.decls and last in names and options(last)[0][1] != "scalar":
                nexts.setdefault(last, (ctx.text[n.start:n.end], step.group(1), n.b[0].start))
            k = ctx.const_value(n.b[0].a)
            integer = k is not None and k.denominator == 1
            out.setdefault(last, set()).update({"vector"} if integer else {"vector", "matrix"})
            typed.setdefault(last, f"{last}^{ctx.text[e.start:e.end]}")
            if not integer and last in names and options(last)[0][1] == "matrix" \
                    and ctx.index_exponent(n.b[0].a) is None:  # (W^{(l)}: an index, refused as such later)
                e = n.b[0].a
                what = ctx.text[e.start:e.end]
                if inverse_transposed(what):
                    raise ParseError(inverse_transposed_advice(last, what), ctx.text, n.b[0].start)
                if what.strip("{}() ") == "t":  # A^t A: a transpose in some texts, a power by t in others
                    raise ParseError(f"'^t' has two readings: a transpose (write {last}' or {last}^T) or a power by a "
                                     f"scalar t, which a matrix does not take (matrix powers are integers)", ctx.text,
                                     n.b[0].start)
                if what.strip("{}() ") == "H":  # F^H, F^{H}: the Hermitian transpose of complex texts
                    raise ParseError(f"{last}^H is the conjugate (Hermitian) transpose; matcalc works with real "
                                     f"matrices, where it is the transpose: write {last}'", ctx.text, n.b[0].start)
                label = what.strip("{}() ")
                if re.fullmatch(r"[A-Z]", label) and label not in ctx.decls:  # attention's W^Q, W^K, W^V
                    raise ParseError(f"{last}^{label}: a capital letter as a matrix's exponent is a label in papers "
                                     f"(attention's W^Q); matrix powers take integer exponents: for the matrix "
                                     f"labelled {label} write {last}_{label}", ctx.text, n.b[0].start)
                raise ParseError(f"{last}^{what}: {last} looks like a matrix, and matrix powers take integer exponents "
                                 f"({last}^2, {last}^-1); fractional and symbolic powers of a matrix are not "
                                 f"supported, but of a diagonal one with positive entries they are: for a degree "
                                 f"or scaling matrix declare it (where='{last}: matrix(n,n) diagonal spd'). For the "
                                 f"entrywise power write {last} .^ {what}; if {last} stands for a number, declare it "
                                 f"(where='{last}: scalar')", ctx.text, n.b[0].start)
        stack.extend(syn_children(n))
    for name, (typed, k, at) in nexts.items():
        # x^{k+1} - x^k: papers' iterates; read as powers they made x a number, silently (a vector's look)
        raise ParseError(f"{typed} reads as {name} to the power {typed.split('^', 1)[1].strip('{}()')}, which makes "
                         f"{name} a number; if it is an iterate (the next {name} after the {k}-th), give it a name "
                         f"({name}_next, and {name}_{k} for {name}^{k}); for the power declare {name} a scalar "
                         f"(where='{name}: scalar')", ctx.text, at)
    ctx.iterates = iterates or {}
    ctx.powers_typed = typed
    return out


def _scalar_operation(n: Syn) -> bool:
    """A norm, an inner product, a trace or a (log-)determinant, possibly raised to a power."""
    if n.kind == "post":
        n = n.a
    return n.kind in ("norm", "inner") or (n.kind in ("call", "apply") and canonical_name(n.a) in SQUARE_REDUCTIONS)


def _greek_coefficients(syn: Syn, names: list) -> frozenset:
    """Small Greek names used only as coefficients of a norm, trace or determinant (lambda ||w||^2,
    lambda/2 ||w||^2, gamma tr(X)): always scalars. Read as vectors they made such a term an array,
    so that a constant beside it became one too (lambda ||w||^2 + c read lambda and c as vectors)."""
    greek = {n for n in names if is_greek(n) and n[:1].islower()}
    if not greek:
        return frozenset()
    uses: dict = {}
    as_coefficient: dict = {}
    stack = [syn]
    while stack:
        n = stack.pop()
        if n.kind == "name" and n.a in greek:
            uses[n.a] = uses.get(n.a, 0) + 1
        if n.kind == "product" and any(_scalar_operation(t) for _, t in n.a) and all(
                _scalar_operation(t) or t.kind == "num" or (t.kind == "name" and t.a in greek) for _, t in n.a):
            for _, t in n.a:  # (x' mu / ||x||: mu is a vector there, not a coefficient)
                if t.kind == "name" and t.a in greek:
                    as_coefficient[t.a] = as_coefficient.get(t.a, 0) + 1
        stack.extend(syn_children(n))
    return frozenset(g for g, k in as_coefficient.items() if k == uses.get(g))


def undeclared_names(syn: Syn, ctx: Ctx) -> list:
    """The undeclared names of the text, in order of appearance (where-bound names excluded)."""
    uses = undeclared_uses(syn, ctx)
    return sorted(uses, key=uses.get)


def undeclared_uses(syn: Syn, ctx: Ctx) -> dict:
    """Each undeclared name of the text -> where it is first used (where-bound names excluded)."""
    bound = set()
    if syn.kind == "where":
        bound = {norm_name(b[0]) for b in syn.b}
        ctx.bindings = {b: None for b in bound}  # so that runs split around them
    out: dict = {}
    stack = [syn]
    while stack:
        n = stack.pop()
        if n.kind == "name":
            for p in ctx.split_run(n.a, n.start, check=False):
                if p not in ctx.decls and p not in bound and p not in CONSTANTS and p != "T" \
                        and not p.startswith("I_"):
                    out.setdefault(p, n.start)
        elif n.kind == "call" and canonical_name(n.a) in DIM_CALLS:
            continue  # their arguments are dimensions (ones(n), eye(n))
        elif n.kind == "call" and n.a == "unvec" and isinstance(n.b, list) and n.b:
            stack.append(n.b[0])  # unvec(v, m, n): m and n are dimensions
            continue
        stack.extend(reversed(syn_children(n)))
    ctx.bindings = {}
    return out


def _attempt(syn, text, decls, kinds, powered=frozenset(), iterates=None, spread_ok=frozenset()):
    ctx = Ctx(text, decls, kinds)
    ctx.spread_ok = spread_ok
    ctx.powered = powered  # names that are the base of a power somewhere (x^2): scalars by use
    ctx.iterates = iterates or {}
    root = ctx.one(syn)
    node = construct.build(ctx, root)
    return node, ctx, root


def typecheck(syn: Syn, text: str, decls: dict, want_scalar: bool = False,
              spread_ok: frozenset = frozenset()) -> tuple[Expr, Ctx]:
    """`_typecheck`, with a refusal of a text that raises a vector-looking name to a power (||A x^2 -
    b||^2) saying that the power is what kept it from being a vector (`_vectors_powered_note`)."""
    try:
        return _typecheck(syn, text, decls, want_scalar, spread_ok)
    except (ShapeError, NotSupportedError) as e:
        if type(e) not in (ShapeError, NotSupportedError) or "^" not in text:
            raise
        ctx = Ctx(text, decls)
        names = undeclared_names(syn, ctx)
        note = _vectors_powered_note(names, _powered(syn, ctx, names), ctx.powers_typed, str(e))
        if not note:
            raise
        raise type(e)(str(e) + note) from None


def _typecheck(syn: Syn, text: str, decls: dict, want_scalar: bool = False,
               spread_ok: frozenset = frozenset()) -> tuple[Expr, Ctx]:
    """The canonical Expr of a syntax tree under `decls`, and the inference context that read it.

    `want_scalar`: the question needs a scalar function (a gradient, a Hessian). A reading of the
    undeclared names that gives a scalar is then taken before a cheaper one that does not:
    theta' Sigma theta is a quadratic form in a vector theta, not theta^2 Sigma (theta's Greek
    look says scalar). Where no reading gives a scalar, the cheapest one is returned (and the
    question's own error says what it got).

    `spread_ok`: undeclared names over which a declared scalar may spread (y + r, r: scalar): tried
    where no reading fits without, to say what to declare.
    """
    ctx0 = Ctx(text, decls)
    refuse_before_reading(syn, text, decls)
    uses = undeclared_uses(syn, ctx0)
    names = sorted(uses, key=uses.get)
    ruled_out = _powered(syn, ctx0, names) if names and "^" in text else {}
    powered = frozenset(ruled_out)
    coefficients = _greek_coefficients(syn, names)
    opts = [[o for o in options(n) if o[1] not in ruled_out.get(n, ()) and (n not in coefficients or o[1] == "scalar")]
            or options(n) for n in names]
    index = {n: i for i, n in enumerate(names)}
    look = {n: opts[i][0][1] for i, n in enumerate(names)}
    # a state lists only the names that depart from their cheapest kind: (name index, option index)
    heap = [(0, ())]
    seen = {()}
    nogoods: list = []
    found = []
    first_error = None
    first_spread = None  # the kinds of the first clash, where it refused to spread a scalar over an array
    clashes: list = []  # (kinds, the names that could end the clash, message), in the order met
    spread_refusals: dict = {}  # X - c: name -> the refusal, if the reading with c spread over X fits too
    spread_fallbacks: dict = {}  # y + r, r declared: y -> the refusal (said where only that spread would fit)
    not_scalar = None  # the cheapest reading that is not a scalar, when a scalar is wanted
    run_refusals: list = []  # (cost, kinds, clash): readings refused for a scalar letter in a run (ac x)
    attempts = 0
    states = 0
    exhausted = False

    def expand(cost, state, which, same_cost_only=False):
        at = dict(state)
        for i in which:
            k = at.get(i, 0)
            if k + 1 >= len(opts[i]):
                continue
            step = opts[i][k + 1][0] - opts[i][k][0]
            if same_cost_only and step:
                continue
            nxt = tuple(sorted({**at, i: k + 1}.items()))
            if nxt not in seen:
                seen.add(nxt)
                heapq.heappush(heap, (cost + step, nxt))

    while heap:
        cost, state = heapq.heappop(heap)
        if found and cost > found[0][0]:
            break
        states += 1
        if states > MAX_STATES:
            exhausted = True
            break
        if not_scalar is not None and cost > not_scalar[0] + _HALF:
            break  # a scalar reading may only overrule a weak look (a Greek name's), never A x's
        kinds = dict(look)
        for i, k in state:
            kinds[names[i]] = opts[i][k][1]
        bad = next((ng for ng in nogoods if all(kinds.get(n) == k for n, k in ng)), None)
        if bad is not None:  # only a change of one of its names can avoid this conflict
            expand(cost, state, [index[n] for n, _ in bad])
            continue
        if attempts >= MAX_ATTEMPTS or attempts * len(text) > MAX_WORK:
            exhausted = True
            break
        attempts += 1
        try:
            node, ctx, root = _attempt(syn, text, decls, kinds, powered, ctx0.iterates, spread_ok)
        except Clash as c:
            if c.run is not None:
                run_refusals.append((cost, kinds, c))
            if c.spread_name is not None:
                spread_refusals.setdefault(c.spread_name, c.message)
            if c.spread_fallback is not None:
                spread_fallbacks.setdefault(c.spread_fallback, c.message)
            if first_error is None:
                first_error = c.message
                first_spread = kinds if c.spread_refused else None
            soft = [n for n in c.soft if n in kinds]
            clashes.append((kinds, frozenset(soft), c.message))
            if not soft:
                break  # no choice of kinds changes this conflict
            nogoods.append(tuple((n, kinds[n]) for n in soft))
            expand(cost, state, [index[n] for n in soft])
            continue
        except ShapeError:
            if first_error is None:
                raise
            expand(cost, state, range(len(names)))
            continue
        if want_scalar and node.shape != SCALAR and names:
            if not_scalar is None:
                not_scalar = (cost, kinds, node, ctx, root)
            expand(cost, state, range(len(names)))
            continue
        found.append((cost, kinds, node, ctx, root))
        if cost == 0:
            break  # every name as it looks: nothing else is as cheap
        expand(cost, state, range(len(names)), same_cost_only=True)  # readings of the same cost
    if not found and (spread_refusals or spread_fallbacks) and not spread_ok:
        # the one reading that fits adds a declared scalar to every entry of a lone undeclared name (y + r
        # with y a scalar clashing elsewhere): refused, as a guessed kind never causes broadcasting, but
        # with the declaration that means it rather than the clash of the reading it gave way to
        refused = {**spread_fallbacks, **spread_refusals}
        try:
            _typecheck(syn, text, decls, want_scalar, spread_ok=frozenset(refused))
        except MatcalcError:
            pass  # (no reading with the spread either: the text's own first error is the one to report)
        else:
            raise ShapeError(next(iter(refused.values())))
    if not found and not_scalar is not None:
        # no reading is a scalar: the text is read as the question without a scalar reads it, ties
        # between its readings refused there too (u v + w by u, from the command line, took the first
        # of u a scalar and v a scalar, whose Jacobians are v and v I)
        return _typecheck(syn, text, decls, want_scalar=False)
    if found and not_scalar is not None and not_scalar[0] <= found[0][0] and any(
            not is_greek(n) and found[0][1][n] != look[n] for n in names):
        # (x - mu) / sigma by x: the scalar reading makes x a scalar against its look, which only a
        # Greek name's weak look may be (theta' Sigma theta): refused, not guessed
        refuse_unprimed_quadratic_form(text, names, not_scalar[1], decls)  # (xAx + c: say what xAx is)
        raise ShapeError(_scalar_only_against_looks(text, found[0], not_scalar, look))
    if not found:
        refuse_dimension_values(uses, decls, text)  # (x - sum(x)/n, x: vector(n): n is the size, not a vector)
        first_error = _clash_past_the_spread(syn, text, decls, powered, ctx0.iterates, first_spread) \
            or _clash_past_the_first(clashes) or first_error
        if exhausted and states > MAX_STATES:  # (the limit first: the clash met is one of many readings')
            raise ShapeError(f"matcalc looked at {MAX_STATES:,} readings of the undeclared names ({attempts} of them "
                             f"tried) without reaching one that fits, and there may be one it did not reach: declare "
                             f"their kinds with where=... (the first clash met: {first_error})")
        note = (f"\n(no reading of the undeclared names fits after {attempts} tries; declare their kinds "
                f"with where=...)") if exhausted else ""
        if first_error and _PRODUCT_DIM.search(first_error):
            note += "\n" + _product_size_advice(first_error, names, decls)
        raise ShapeError((first_error or "cannot infer the shapes of this expression; declare the kinds "
                          "(where=...)") + note)
    # among readings of the same cost, the one with fewer implicit broadcasts (a scalar added to every
    # entry) wins, and for a scalar function the one with fewer transposed scalars (theta' Sigma
    # theta: theta a vector, Sigma a matrix, not both scalars); a tie that remains is refused
    def preference(reading) -> tuple:
        ctx = reading[3]
        return ctx.spreads, (ctx.scalar_transposes if want_scalar else 0)
    found.sort(key=preference)
    if len(found) > 1 and preference(found[0]) == preference(found[1]) and not all(
            _capitals_as_vectors(r[1], names) for r in found[:2]):
        raise ShapeError(_ambiguous(text, found[0], found[1]))  # (where both read a capital as a vector, that is said)
    if exhausted:  # (stopped among readings as cheap as the one found: a tie may be unseen)
        raise ShapeError(f"the undeclared names can be read in more ways than matcalc looks at ({min(states, MAX_STATES)}), and "
                         f"one it did not look at may fit as well as the one it found: declare their kinds, as "
                         f"where='{_declarations_of(found[0][3], names[:4])}'")
    _, chosen, node, ctx, root = found[0]
    _refuse_a_look_given_up_for_a_run(found[0], run_refusals, look, names)
    for n, message in spread_refusals.items():  # X - c: X a scalar against its look, or a matrix with c spread
        if chosen.get(n) == "scalar" and options(n)[0][1] != "scalar":
            try:
                other = _attempt(syn, text, decls, {**chosen, n: options(n)[0][1]}, powered, ctx0.iterates,
                                 spread_ok=frozenset({n}))[0]
            except (Clash, ShapeError):
                continue  # (1 / (N - k): N a matrix does not fit, so N is the scalar)
            if not want_scalar or other.shape == SCALAR:
                raise ShapeError(message)
    for n in _capitals_as_vectors(chosen, names)[:1]:  # vec(X)' kron(B', A) vec(X): a capital read as a vector
        kind = read_as(ctx, n)
        joint = (" with the sizes of every name a Kronecker product or vec joins it to (a size that is a "
                 "product is not solved for its factors)") if re.search(r"\b(kron|vec)\b", text) else ""
        # (x'Ax + d x: the clash is d x, two vectors side by side, which made d a number and A a vector)
        demoted = [m for m in names if chosen.get(m) == "scalar" and options(m)[0][1] == "vector"]
        also = (f"; this reading also takes {demoted[0]} as a number, against its look: if {demoted[0]} is a vector, "
                f"its product with another vector is written {demoted[0]}' x (inner) or {demoted[0]} x' (outer)"
                ) if demoted else ""
        raise ShapeError(f"{n} looks like a matrix, but this reads it as a vector ({n}: {kind}): declare it "
                         f"with its sizes (where='{n}: matrix(p,q)'){joint}, or where='{n}: {kind}' for a vector{also}")
    def fits(kinds: dict) -> bool:  # (for a refusal that offers another reading: does it read at all?)
        try:
            _attempt(syn, text, decls, kinds, powered, ctx0.iterates)
        except (Clash, MatcalcError):
            return False
        return True
    refuse_chosen_reading(syn, ctx, names, chosen, ruled_out, uses, fits)
    refuse_matrix_function_of_trace_or_determinant(ctx, root)
    refuse_matlab_column_sums(ctx, root)
    refuse_index_sums(ctx, root)
    refuse_matrix_function_of_spd(ctx, root)
    refuse_matrix_function_of_diagonal(ctx, root)
    ctx.reading = LazyText(lambda: full_reading(ctx, root))
    ctx.inferred = LazyText(lambda: inferred(ctx))
    return node, ctx


def _vectors_powered_note(names: list, ruled_out: dict, typed: dict, message: str) -> str:
    """Where no reading fits and a vector-looking name is raised to an integer power (||A x^2 - b||^2):
    the power, not what the clash names, is what kept the name from being a vector, and the fix is
    almost always the entrywise power. Said beside the clash (which the message may already do)."""
    powered = [n for n in names if ruled_out.get(n) == {"vector"} and options(n)[0][1] == "vector"
               and not is_greek(n) and n in typed and f"{n}.^" not in message]
    if not powered:
        return ""
    shown = ", ".join(typed[n] for n in powered)
    entrywise = ", ".join(typed[n].replace("^", ".^", 1) for n in powered)
    return (f"\n({shown} reads {' and '.join(powered)} as a number or a square matrix, never a vector; for the "
            f"entrywise power of a vector write {entrywise})")


def _capitals_as_vectors(kinds: dict, names: list) -> list:
    """The Latin capitals a reading makes vectors, against their look (tr(kron(A, B)): every reading
    that fits does, since a size that is a product is not solved for its factors)."""
    return [n for n in names if kinds[n] == "vector" and options(n)[0][1] == "matrix" and not is_greek(n)]


def _clash_past_the_spread(syn, text, decls, powered, iterates, first_spread):
    """Where no reading fits and the first clash refused to spread a scalar name over an array (x -
    mu, mu undeclared): the clash the same reading meets with the spread let through, if any. In
    sum((x - mu)^2) that is the vector squared, which every fix of the first clash (mu declared a
    scalar, or a vector) runs into next."""
    if first_spread is None:
        return None
    ctx = Ctx(text, decls, first_spread)
    ctx.spreads_allowed = True
    ctx.powered = powered
    ctx.iterates = iterates or {}
    try:
        construct.build(ctx, ctx.one(syn))
    except Clash as c:
        return c.message
    except MatcalcError:  # (another kind of error: the spread's own message stays the one reported)
        return None
    return None


#: in a clash message: a vector of a size that is no product ("x' (a row vector of length k)", "x is a vector
#: of length 12"), and a size that is one ("a matrix of size m*n x m*n", "a vector of length m*n")
_PLAIN_VECTOR = re.compile(r"(?:\bbut |\bmultiply |\bby |\band |\badd )([A-Za-z]\w*)'? (?:\(a |is a )(?:row )?vector of "
                           r"length ([\w]+)\b(?!\*)")  # (a whole operand, the name alone: not the v of A v)
_PRODUCT_SIZE = re.compile(r"\b(\w+\*\w+(?:\*\w+)*)")


def _product_size_advice(message: str, names: list, decls: dict) -> str:
    """What to declare where a size that kron, vec or unvec makes (m*n) meets one that is no product:
    the vector of the clash declared with the product as its size (x: vector(m*n)), where the clash
    names one; else the formula's own names, each to be declared with its sizes."""
    head = "(a size that is a product, as kron, vec and unvec make, is not solved for its factors: "
    vec = _PLAIN_VECTOR.search(message)
    product = _PRODUCT_SIZE.search(message)
    if vec and product and not _PRODUCT_DIM.search(vec.group(2)) and "_" not in product.group(1):
        return head + f"declare the size as the product, where='{vec.group(1)}: vector({product.group(1)})')"
    listed = [n for n in list(decls) + list(names) if n in message] or list(names) or list(decls)
    return head + (f"declare the sizes of {', '.join(dict.fromkeys(listed))} so that the products meet; a "
                   f"declared size may itself be a product, as in where='x: vector(m*n)')")


def _clash_past_the_first(clashes: list):
    """Where no reading fits: the clash met once the names of the first one were read otherwise, if
    any (and so on while that holds). In (1 / n) sum((y - X w)^2), n as a vector clashes first, but n
    as a scalar gets past it to the vector squared, which is what the text gets wrong: reporting
    "n is a vector" would send the user to the wrong fix."""
    if not clashes:
        return None
    kinds, soft, message = clashes[0]
    for later, soft2, message2 in clashes[1:]:
        changed = {n for n in later if later[n] != kinds.get(n)}
        if changed and changed <= soft and not soft2 & changed and all(later[n] == clashes[0][0][n] for n in soft2):
            # (the new clash is among names still read as they look: a fix there is what the text needs)
            kinds, soft, message = later, soft2, message2
    return message


def _scalar_only_against_looks(text, scalar, other, look) -> str:
    """A gradient's question, where f is a scalar only with Latin names read against their looks."""
    _, ks, _, cs, rs = scalar
    _, ko, _, co, ro = other
    moved = [n for n in ks if not is_greek(n) and ks[n] != look[n]]
    decl = "; ".join(d for d in inferred(cs).split("; ") if d.split(":")[0] in moved)
    what = ", ".join(f"{n} a {ks[n]}" for n in moved)
    return (f"'{' '.join(text.split())}' is a scalar only with {what}, against {'their' if len(moved) > 1 else 'its'} "
            f"look; read as {'they look' if len(moved) > 1 else 'it looks'} ({inferred(co)}) it is not a scalar. "
            f"For the scalar function declare where='{decl}'; for the other, whose derivative is a Jacobian, "
            f"declare its kinds and use jacobian()")


def _refuse_a_look_given_up_for_a_run(found, run_refusals: list, look: dict, names: list) -> None:
    """ac x with a declared a scalar: the reading with c a scalar is refused by the run rule (ac is
    more often the name a_c than a product), and the one left read x as a scalar against its look,
    silently (a x c, c a vector). A reading that gives up a look outside the run, where one as cheap
    was refused only for the run, is refused with the run's message and that declaration."""
    cost, chosen = found[0], found[1]
    for c_cost, kinds, clash in run_refusals:
        if c_cost > cost:
            continue
        word, parts = clash.run
        given_up = [n for n in names if n not in parts and chosen[n] == "scalar" and look[n] != "scalar"
                    and kinds.get(n) == look[n] and not is_greek(n)]
        if given_up:
            scalars = [p for p in parts if kinds.get(p) == "scalar"]
            raise ShapeError(f"{clash.message}; the reading left takes {', '.join(given_up)} as "
                             f"{'a number' if len(given_up) == 1 else 'numbers'} against "
                             f"{'its' if len(given_up) == 1 else 'their'} look. For the product with "
                             f"{', '.join(scalars)} a number, declare it (where='{', '.join(scalars)}: scalar')")


def _declarations_of(ctx, names: list) -> str:
    """The read-as declarations of some names (`w1: scalar; x1: vector(n)`), for a message."""
    return "; ".join(d for d in inferred(ctx).split("; ") if d.split(":")[0] in names)


def _ambiguous(text, a, b) -> str:
    _, ka, _, ca, ra = a
    _, kb, _, cb, rb = b
    da = [n for n in ka if ka[n] != kb[n]]

    def decl(ctx, ns):
        return "; ".join(d for d in inferred(ctx).split("; ") if d.split(":")[0] in ns)
    hint = ""
    if len(da) == 2 and sorted((ka[n], kb[n]) for n in da) == [("scalar", "vector"), ("vector", "scalar")]:
        u, v = sorted(da, key=lambda n: text.find(n))
        hint = (f"\n(if {u} and {v} are both vectors: {u}' {v} is their inner product, {u} {v}' the outer product, "
                f"{u} .* {v} the entrywise product; if both are numbers, where='{u}, {v}: scalar')")
    lost = lost_inverse_superscript(str(text))
    if lost:  # (A−1b pasted from a PDF: both readings are A minus 1 b)
        hint += (f"\n(if {lost.group(1)}-1 is the inverse {lost.group(1)}^-1 with its superscript lost, write "
                 f"{lost.group(1)}^-1)")
    typed = getattr(text, "source", text)  # (as typed: LaTeX's \mathbf{1}, not its translation vector(1))
    return (f"'{' '.join(typed.split())}' can be read two ways, and nothing in it picks one:\n"
            f"  {full_reading(ca, ra)}   with {inferred(ca)}\n"
            f"  {full_reading(cb, rb)}   with {inferred(cb)}\n"
            f"declare the kinds to pick one: where='{decl(ca, da)}' for the first, "
            f"where='{decl(cb, da)}' for the second{hint}")
