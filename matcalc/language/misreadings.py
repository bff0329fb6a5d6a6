"""Readings that fit but are not what the text means, refused with what to write.

The kind search (kinds.py) finds the cheapest reading whose kinds fit every use; some texts fit
only as a function nobody writes so: a vector beside its own transpose (papers' second point x'),
the number pi transposed, (D x)^2 read with x a scalar, a capital called like a function. These
checks look at the syntax tree before the search (the text alone decides) and at the chosen
reading after it (its kinds decide); each raises a MatcalcError that names both readings or the
declaration that picks the meant one.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..core.errors import MatrixFunctionError, ParseError, ShapeError
from ..core.functions import FUNCTIONS, canonical_name
from ..core.reductions import MATRIX_FUNCTION_NAMES, ZERO_AT_ZERO  # (log, exp, sqrt: papers write them of a matrix too)
from .declarations import default_kind, is_greek, options
from .infer import _DOTS, DIM_CALLS, SQUARE_CALLS, T, _is_t, _typed_children
from .parser import Syn, syn_children, syn_nodes
from .unicode_in import INDEX_SUM_ADVICE
from .reading import inferred

if TYPE_CHECKING:
    from .infer import Ctx


def refuse_before_reading(syn: Syn, text: str, decls: dict) -> None:
    """The refusals the text alone decides, before any reading is tried."""
    _refuse_sigma_over_its_own_index(syn, text, decls)
    _refuse_index_notation_form(syn, text, decls)
    _refuse_identity_quadratic_form(syn, text)
    _refuse_division_by_a_row(syn, text, decls)
    _refuse_primed_point(syn, text, decls)
    _refuse_pi_as_a_vector(syn, text, decls)
    _refuse_power_run_into_t(syn, text, decls)
    _refuse_ambiguous_power_of_a_trace(syn, text)
    _refuse_equation_number(text)
    _refuse_index_arithmetic_in_a_subscript(text, decls)


#: a name with a letter subscript and, typed tight after it, + or - and a number: x_t+1, w_t-1, W_l+1
_SUBSCRIPT_ARITHMETIC = re.compile(r"(?<![A-Za-z_.])([A-Za-z]+_[A-Za-z])([+-])(\d+)(?![\w.])")


def _refuse_index_arithmetic_in_a_subscript(text: str, decls: dict) -> None:
    """||x_t+1 - A x_t||^2 (a state-space or recurrent model's next step) read x_t + 1, and ||w_t - w_t-1||^2
    read w_t - w_t - 1, whose gradient is 0: in plain text the index t+1 is typed so, where a subscript
    is letters and digits and + ends it. Refused with both spellings, for a one-letter index; spaced
    (x_t + 1), declared, or in LaTeX (where x_t+1 is typeset x_t + 1) it reads as written (x_max+1 too)."""
    if "_" not in text:
        return
    source = getattr(text, "source", None)
    if source is not None and "\\" in source:
        return
    m = next((m for m in _SUBSCRIPT_ARITHMETIC.finditer(text) if m.group(1) not in decls), None)
    if m is None:  # (a one-letter index only: x_max+1 is a name plus one; a declared x_t is as declared)
        return
    name, op, k = m.groups()
    base, sub = name.split("_", 1)
    raise ParseError(f"'{name}{op}{k}' reads {name} {op} {k}: a subscript is letters and digits, and {op} ends it. For "
                     f"the variable at the index {sub}{op}{k} give it a name of its own ({base}_{'next' if op == '+' else 'prev'}, "
                     f"{base}_{sub}{k}); for {name} {op} {k} put spaces around {op}", text, m.start(2))


def _scalar_against_its_look(a: Syn, chosen: dict) -> bool:
    """Is syntax node a a small Latin name (a vector by its look) that the chosen reading makes a scalar?"""
    return a.kind == "name" and isinstance(a.a, str) and chosen.get(a.a) == "scalar" \
        and options(a.a)[0][1] == "vector" and not is_greek(a.a)


def _matrix_name(b: Syn, ctx, chosen: dict) -> bool:
    """Is syntax node b a name read as a matrix (declared one, or made one by the chosen reading)?"""
    if b.kind != "name" or not isinstance(b.a, str):
        return False
    d = ctx.decls.get(b.a)
    return chosen.get(b.a) == "matrix" if d is None else d.kind == "matrix"


def _lone_greek(t: Syn):
    """The small Greek name a term is made of with numbers only (lambda, 2 lambda, lambda/2, (lambda)); else None."""
    while t.kind == "paren" or (t.kind == "neg" and isinstance(t.a, Syn)):
        t = t.a
    if t.kind == "name" and isinstance(t.a, str):
        return t.a if is_greek(t.a) and t.a[:1].islower() else None
    if t.kind == "product" and isinstance(t.a, list):
        names = [f.a for _, f in t.a if f.kind == "name"]
        if len(names) == 1 and all(f.kind in ("name", "num") for _, f in t.a):
            return names[0] if is_greek(names[0]) and names[0][:1].islower() else None
    return None


def _refuse_greek_name_made_a_matrix_by_a_sum(syn: Syn, ctx, chosen: dict) -> None:
    """det(A - lambda) (the characteristic polynomial), inv(X'X + lambda) X'y (ridge), logdet(Sigma + mu): a
    small Greek name, a number by its look, added to a square matrix written with a capital is read as a
    matrix, as a guessed kind never spreads a number over every entry; papers mean lambda I. Refused
    with both spellings; with lambda I, or the name declared, it reads. Beside a rectangular matrix
    (||Y - X W - epsilon||_F^2, a noise matrix) and without a capital (||rho - sigma||_F^2) it reads."""
    if "matrix" not in chosen.values():  # (no undeclared name read as a matrix: no tree walk)
        return
    for n in syn_nodes(syn):
        if n.kind != "sum":
            continue
        terms = [t for _, t in n.a]
        greek = next((g for g in map(_lone_greek, terms) if g is not None and chosen.get(g) == "matrix"
                      and options(g)[0][1] == "scalar"), None)
        if greek is None:
            continue
        size = read_as(ctx, greek)
        rows, _, cols = size[size.index("(") + 1:-1].partition(",")
        capital = next((m.a for t in terms for m in syn_nodes(t) if m.kind == "name" and isinstance(m.a, str)
                        and m.a[:1].isupper() and _matrix_name(m, ctx, chosen)), None)
        if capital is not None and rows == cols:
            raise ShapeError(f"{greek} looks like a number, but added to {capital} it is read as a matrix ({greek}: "
                             f"{size}), as a number is never added to every entry of a matrix on a guess. "
                             f"For the number on the diagonal write {greek} I; for a matrix declare it (where='{greek}: "
                             f"{size}'); to add it to every entry, declare it a scalar (where='{greek}: scalar')")


def _greek_numbers_in(t: Syn, ctx, chosen: dict) -> list:
    """The undeclared small Greek names a factor is made of, where the reading makes them numbers: rho,
    rho^2, (rho - sigma); else []."""
    if t.kind == "post" and t.b and t.b[0].kind == "pow":
        t = t.a
    if t.kind == "paren":
        t = t.a
    parts = [u for _, u in t.a] if t.kind == "sum" and isinstance(t.a, list) else [t]
    names = [u.a for u in parts if u.kind == "name" and isinstance(u.a, str)]
    if len(names) < len(parts) or not all(is_greek(n) and n not in ctx.decls and chosen.get(n) == "scalar"
                                          and n[:1].islower() for n in names):
        return []
    return names


def _refuse_greek_number_inside_a_trace(syn: Syn, ctx, chosen: dict) -> None:
    """tr(rho H), tr(U rho U'), tr(O (rho - sigma)): quantum mechanics' density matrix rho as a factor of a
    trace's product before a matrix, read as a number by its Greek look (rho tr(H)), which nobody writes
    inside a trace. Refused with both declarations. Only rho: other Greek coefficients inside a trace
    (tr(beta F' F (alpha I + beta F' F)^-1), Bishop's effective number of parameters) are numbers."""
    if "rho" not in ctx.text:
        return
    for arg in _trace_products(syn):
        factors = [f for _, f in arg.a]
        matrices = [h.a if h.kind == "post" else h for h in factors]
        for k, f in enumerate(factors):
            after = [(m.a, h.kind == "post") for m, h in zip(matrices[k + 1:], factors[k + 1:])
                     if _matrix_name(m, ctx, chosen)]
            if "rho" in _greek_numbers_in(f, ctx, chosen) and (after or f.kind == "paren"):
                other = after[0] if after else next(((m.a, h.kind == "post") for m, h in zip(matrices, factors)
                                                     if _matrix_name(m, ctx, chosen)), None)
                if other is None:
                    continue
                d = ctx.decls.get(other[0])  # (rho's size: the rows of the matrix after it, of U' U's columns)
                dims = [str(x) for x in d.dims] if d is not None else \
                    read_as(ctx, other[0]).split("(")[1].rstrip(")").split(",")
                rows = dims[-1] if other[1] else dims[0]
                raise ShapeError(f"rho looks like a number, and this trace reads it as one (rho tr(...)), which "
                                 f"nobody writes inside a trace; if rho is a matrix (a density matrix), declare it "
                                 f"(where='rho: matrix({rows},{rows})'), for a number declare it (where='rho: scalar')")


def _trace_products(syn: Syn) -> Iterator[Syn]:
    """The product inside each tr(...) of the text (tr(P h), tr(U rho U')): the refusals of a name read as a
    number inside a trace look at its factors."""
    for call in syn_nodes(syn):
        if call.kind != "call" or canonical_name(call.a) != "tr" or not call.b:
            continue
        arg = call.b[0] if isinstance(call.b, list) else call.b
        if isinstance(arg, Syn) and arg.kind == "product":
            yield arg


def _refuse_latin_number_inside_a_trace(syn: Syn, ctx, chosen: dict, names: list, fits: Callable[[dict], bool]) -> None:
    """tr(P h) + 1/2 tr(P G), the Hartree-Fock energy: the core Hamiltonian h, a small Latin name (a vector by
    its look), a factor of a trace's product after a matrix read as a number (h tr(P)), which nobody writes
    inside a trace, where the reading with it a matrix fits too. Refused with both declarations; first in the
    product it is a coefficient (tr(c T))."""
    if "tr" not in str(ctx.text):
        return
    for arg in _trace_products(syn):
        for _, f in arg.a[1:]:  # (a coefficient comes first: tr(c T) is c tr(T))
            n = f.a if f.kind == "name" else None
            if isinstance(n, str) and n in names and chosen.get(n) == "scalar" and not is_greek(n) \
                    and options(n)[0][1] == "vector" and fits({**chosen, n: "matrix"}):
                raise ShapeError(f"{n} looks like a vector, and this trace reads it as a number ({n} tr(...)), which "
                                 f"nobody writes after a matrix inside a trace; if {n} is a matrix (a Hamiltonian, a kernel), declare it "
                                 f"(where='{n}: matrix(n,n)'), for a number declare it (where='{n}: scalar')")


def _labels_before_a_margin(y: str, b: Syn, rest: list, ctx, chosen: dict) -> str | None:
    """After the name y (read as a number against its look): a matrix (X, X', or a group starting with one,
    (X w)) times what follows, where y is written once in the text (sum(exp(-t A x)) / t divides by a
    number, and x A x is the quadratic form's business): the matrix's name; else None."""
    head = b
    if b.kind == "paren" and isinstance(b.a, Syn) and b.a.kind == "product" and isinstance(b.a.a, list):
        head, rest = b.a.a[0][1], b.a.a[1:]
    if head.kind == "post":
        head = head.a
    if not _matrix_name(head, ctx, chosen) or not rest or rest[0][0] not in ("", "*"):
        return None
    if rest[0][1].kind == "name" and rest[0][1].a == y:
        return None
    once = len(re.findall(rf"(?<![A-Za-z0-9_]){re.escape(y)}(?![A-Za-z0-9_])", ctx.text)) == 1
    return head.a if once else None


def _refuse_scalar_beside_an_entrywise_function_summed(syn: Syn, ctx, chosen: dict) -> None:
    """sum(y log(mu) - mu), sum(y log sigmoid(X w) + ...): inside a sum, a small name beside an entrywise
    function of a vector is read as a scalar so that the juxtaposition fits, where papers mean the
    entrywise product y .* log(mu) (a Poisson or logistic log-likelihood). Silent, it gave the Poisson
    gradient sum(y) / mu - dim(n) and the logistic one with y a number. Refused with both spellings."""
    if "sum" not in ctx.text and "mean" not in ctx.text:
        return
    for call in syn_nodes(syn):
        if call.kind != "call" or call.a not in ("sum", "mean"):
            continue
        for n in syn_nodes(call):
            if n.kind != "product":
                continue
            for k, ((_, a), (op, b)) in enumerate(zip(n.a, n.a[1:])):
                matrix = _labels_before_a_margin(a.a, b, n.a[k + 2:], ctx, chosen) \
                    if op in ("", "*") and _scalar_against_its_look(a, chosen) else None
                if matrix is not None:
                    # sum(log(1 + exp(-y X w))), sum(relu(1 - y X w)): the labels y before a matrix times a
                    # vector, read as a number, where the margin y .* (X w) is meant
                    y, rest = a.a, " ".join(ctx.text[b.start:n.a[-1][1].end].split())
                    group = rest if rest.startswith("(") and len(n.a) == k + 2 else f"({rest})"
                    typed = " ".join(ctx.text[a.start:n.a[-1][1].end].split())
                    raise ShapeError(f"'{typed}' reads {y} as a scalar beside {rest}, an array ({matrix} is a "
                                     f"matrix): for the entrywise product write {y} .* {group}; if {y} is a number, "
                                     f"declare it (where='{y}: scalar')")
                # (NumPy's * is entrywise too: sum(y*log(softmax(W*x))), sum(d*(X*w - y).^2), y*(X*w))
                group = b.kind == "paren" or (b.kind == "post" and b.a.kind == "paren")
                if op not in ("", "*") or not _scalar_against_its_look(a, chosen) or not (
                        (b.kind in ("call", "apply") and b.a in FUNCTIONS) or (op == "*" and group)):
                    continue
                arrays = [m.a for m in syn_nodes(b) if m.kind == "name" and chosen.get(m.a) in ("vector", "matrix")]
                if arrays:
                    y, f = a.a, " ".join(ctx.text[b.start:b.end].split())
                    raise ShapeError(f"'{y}{' ' if op == '' else '*'}{f}' reads {y} as a scalar beside {f}, an array "
                                     f"({arrays[0]} is one): for the entrywise product write {y} .* {f}; if {y} is a "
                                     f"number, declare it (where='{y}: scalar')")


def _exponent_text(text: str, p: Syn) -> str:
    """The exponent of a power as typed, without braces and spaces."""
    e = p.a if isinstance(p.a, Syn) else p
    return "".join(text[e.start:e.end].split()).strip("{}()")


def _refuse_index_notation_form(syn: Syn, text: str, decls: dict) -> None:
    """x_i A_ij x_j: index notation (entries, summed over the repeated indices), which read as names made
    x_i a number, A_ij a matrix and x_j a vector, a vector-valued function for the quadratic form x' A x.
    Refused where a name's two-letter index joins the one-letter indices of one base (x_i, x_j); so are
    A_ii beside A (the trace) and X_ij^2 (an entry squared)."""
    if "_" not in text:
        return
    single: dict = {}
    double, plain, squared = [], set(), []
    for n in syn_nodes(syn):
        if n.kind == "post" and n.a.kind == "name" and n.b and n.b[0].kind == "pow":
            squared.append(n)
        if n.kind != "name" or not isinstance(n.a, str):
            continue
        plain.add(n.a)
        m = re.fullmatch(r"([A-Za-z]+)_\{?([a-z])([a-z])?\}?", n.a) if n.a not in decls else None
        if m and m.group(3):
            double.append((n, m.group(1), m.group(2), m.group(3)))
        elif m:
            single.setdefault(m.group(1), set()).add(m.group(2))
    for n, base, i, j in double:
        if i == j and base in plain:  # A_ii - logdet(A): the trace, read as a number A_ii of its own
            raise ParseError(f"{base}_{i}{i} is index notation for the trace of {base}, which read as a name of its "
                             f"own leaves {base} out: write tr({base})", text, n.start)
    for n in squared:  # X_ij^2, \sum X_{ij}^2: an entry squared, read as a matrix X_ij's square
        name = n.a.a
        if isinstance(name, str) and name not in decls and re.fullmatch(r"[A-Z][A-Za-z]*_\{?[a-z]{2}\}?", name) \
                and _exponent_text(text, n.b[0]) == "2":
            base = name.split("_")[0]
            raise ParseError(f"{name}^2 looks like an entry squared (index notation), which reads as the matrix "
                             f"{name} times itself; for the sum of squared entries write ||{base}||_F^2 or "
                             f"sum({base}.^2); for a matrix named {name} declare it", text, n.start)
    if not double:
        return
    for p in syn_nodes(syn):  # (the entries multiplied: b_u and b_i added to r_ui are Koren's biases, no index sum)
        if p.kind != "product":
            continue
        names = [m.a for m in _factors_below(p)]
        indices: dict = {}
        for name in names:
            m = re.fullmatch(r"([A-Za-z]+)_\{?([a-z])\}?", name) if name not in decls else None
            if m:
                indices.setdefault(m.group(1), set()).add(m.group(2))
        for n, base, i, j in double:
            if n.a not in names:
                continue
            for v, seen in indices.items():
                if i != j and {i, j} <= seen:
                    raise ParseError(f"{v}_{i} {base}_{i}{j} {v}_{j} is index notation (entries, summed over the "
                                     f"repeated indices), which matcalc does not read: it works with whole vectors and "
                                     f"matrices ({v}' {base} {v} for the sum over {i} and {j})", text, n.start)


def _factors_below(p: Syn) -> list:
    """The names a product multiplies: those under it, not inside a sum (whose terms are added)."""
    out, stack = [], syn_children(p)
    while stack:
        n = stack.pop()
        if n.kind == "sum":
            continue
        if n.kind == "name" and isinstance(n.a, str):
            out.append(n)
        stack.extend(syn_children(n))
    return out


def _refuse_dot_read_as_a_scalar_product(syn: Syn, ctx, chosen: dict) -> None:
    """x · A y: a centered dot between a vector-looking name and what follows is papers' inner product;
    read as a product, it made x a number and the formula the vector x A y, silently. Refused with the
    inner product to write (where x is a number, declare it)."""
    source = getattr(ctx.text, "source", None)
    if source is None or not any(d in source for d in _DOTS):
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        for (_, a), (op, b) in zip(n.a, n.a[1:]):
            if op == "*" and _scalar_against_its_look(a, chosen) and any(d in ctx._source_between(a, b) for d in _DOTS):
                rest = " ".join(ctx.text[b.start:n.end].split())
                raise ShapeError(f"'{a.a} · {rest}' reads the dot as a product, {a.a} a number times {rest}; for the "
                                 f"inner product write {a.a}' ({rest}) (or <{a.a}, {rest}>); if {a.a} is a number, "
                                 f"declare it (where='{a.a}: scalar')")


def _identity_form(v: str, text: str, at: int) -> ParseError:
    return ParseError(f"{v}' I {v} reads I as the identity, so it would be {v}' {v} (write ||{v}||^2 for that); I "
                      f"is always the identity: for a matrix such as an inertia tensor use another name ({v}' J {v}, "
                      f"with where='J: matrix(n,n)')", text, at)


def _refuse_identity_quadratic_form(syn: Syn, text: str) -> None:
    """½ ω' I ω: nobody writes ||ω||^2 with the identity between; a rigid body's I is its inertia tensor,
    which the identity reading silently replaced (the gradient came out ω). I is always the identity in
    matcalc, so the matrix needs another name."""
    if "I" not in text:
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        seq = n.a
        for k in range(len(seq) - 2):  # ω' I_b ω: a body's inertia tensor I_b, read as the identity of size b
            (_, a), (op1, b), (op2, c) = seq[k], seq[k + 1], seq[k + 2]
            if op1 in ("", "*") and op2 in ("", "*") and b.kind == "name" and isinstance(b.a, str) \
                    and re.fullmatch(r"I_\{?\w+\}?", b.a) and a.kind == "post" and a.a.kind == "name" \
                    and [t.kind for t in a.b] == ["tick"] and c.kind == "name" and c.a == a.a.a:
                v = c.a
                raise ParseError(f"{v}' {b.a} {v} reads {b.a} as the identity (of size {b.a[2:].strip('{}')}), so "
                                 f"it would be {v}' {v}; for a matrix such as an inertia tensor use a name that is not "
                                 f"I ({v}' J {v}, with where='J: matrix(n,n)')", text, b.start)
        for k in range(len(seq) - 1):  # (x'Ix: the letters I x run together)
            (_, a), (op1, b) = seq[k], seq[k + 1]
            if op1 == "" and a.kind == "post" and a.a.kind == "name" and [t.kind for t in a.b] == ["tick"] \
                    and b.kind == "name" and b.a == "I" + a.a.a and a.a.a.isalpha():
                v = a.a.a
                raise _identity_form(v, text, b.start)
        for k in range(len(seq) - 2):
            (_, a), (op1, b), (op2, c) = seq[k], seq[k + 1], seq[k + 2]
            if op1 not in ("", "*") or op2 not in ("", "*") or not (b.kind == "name" and b.a == "I"):
                continue
            if a.kind == "post" and a.a.kind == "name" and [t.kind for t in a.b] == ["tick"] and c.kind == "name" \
                    and c.a == a.a.a:
                v = c.a
                raise _identity_form(v, text, b.start)


def _refuse_division_by_a_row(syn: Syn, text: str, decls: dict) -> None:
    """(d - w'x)^2 / x'x (the NLMS cost): / divides by x' alone, then multiplies by x, which reads only with x
    a number; the refusal came from another reading (d a vector, "a matrix power needs a square matrix"), naming
    no fraction. Refused from the text, with the parentheses to write."""
    if "/" not in text:
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        for (op, a), (op2, _) in zip(n.a, n.a[1:]):
            if op == "/" and op2 == "" and a.kind == "post" and a.a.kind == "name" and \
                    [t.kind for t in a.b] == ["tick"] and not (a.a.a in decls and decls[a.a.a].kind == "scalar"):
                rest = " ".join(text[a.start:n.end].split())
                raise ParseError(f"'/ {rest}' divides by {text[a.start:a.end].strip()} alone, then multiplies by what "
                                 f"follows (/ divides by the one factor after it); to divide by the product write "
                                 f"/ ({rest})", text, a.start)


_SIGMA_INDEXED = re.compile(r"Sigma_\{?([A-Za-z0-9]+)\}?")


def _refuse_sigma_over_its_own_index(syn: Syn, text: str, decls: dict) -> None:
    r"""Sigma_i x_i^2, lambda Σ_i x_i^2, \Sigma_j |w_j|: a Sigma with an index, followed by factors that carry
    that index, is the summation sign over it (a covariance Σ_k is not multiplied by entries indexed k), which
    would be read as a name Sigma_i times the summand, without a word (x'x + λ Σ_i x_i^2 had the gradient 2 x).
    Refused wherever it stands, in plain text, LaTeX and Unicode alike, unless Sigma_i is declared or used as
    a matrix elsewhere in the formula (Σ_k (x - μ_k) + Σ_k⁻¹ x: the same Σ_k is inverted there)."""
    if "Sigma_" not in text:
        return
    uses: dict = {}
    for n in syn_nodes(syn):
        if n.kind == "name" and isinstance(n.a, str) and _SIGMA_INDEXED.fullmatch(n.a):
            uses[n.a] = uses.get(n.a, 0) + 1
    if not uses:
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        factors = [f for _, f in n.a]
        for k, f in enumerate(factors[:-1]):
            if f.kind == "post" and isinstance(f.a, Syn) and f.a.kind == "name" and len(f.b) == 1 and \
                    f.b[0].kind == "pow" and isinstance(f.b[0].a, Syn) and f.b[0].a.kind == "name":
                f = f.a  # \Sigma_i^m (...): the summation sign with its upper limit (a name), not a matrix power
            m = _SIGMA_INDEXED.fullmatch(f.a) if f.kind == "name" and isinstance(f.a, str) else None
            if m is None or f.a in decls or f"Sigma_{m.group(1)}" in decls or n.a[k + 1][0] not in ("", "*"):
                continue
            index = m.group(1)
            carried = [g.a for later in factors[k + 1:] for g in syn_nodes(later) if g.kind == "name"
                       and isinstance(g.a, str) and re.fullmatch(rf"[A-Za-z][A-Za-z0-9]*_\{{?{index}\}}?", g.a)]
            if carried and uses[f.a] == 1:
                raise ParseError(f"Sigma_{index} before {carried[0]} looks like the summation sign over {index}, which "
                                 f"would be read as a matrix or scalar named Sigma_{index} times the summand; "
                                 f"{INDEX_SUM_ADVICE}; for the matrix Sigma_{index} declare it "
                                 f"(where='Sigma_{index}: matrix(n,n)')", text, f.start)


def _refuse_power_run_into_t(syn: Syn, text: str, decls: dict) -> None:
    """A^-1T b, A^2T, (A B)^-1Tb: a power of a matrix-looking base run into a T, the inverse (or the
    power) transposed in one exponent, or the power times a matrix T? Refused with both, unless T is
    declared (sigma^2T with T: scalar; of a small base, x^2T, a power times T)."""
    if "T" in decls or "^" not in text:
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        factors = [f for _, f in n.a]
        for f, g in zip(factors, factors[1:]):
            if not (f.kind == "post" and f.b and f.b[-1].kind == "pow" and g.kind == "name" and isinstance(g.a, str)
                    and re.fullmatch(r"T[a-z]?", g.a) and g.start == f.end):
                continue
            exponent = text[f.b[-1].a.start:f.b[-1].a.end].replace(" ", "")
            base = f.a
            if not re.fullmatch(r"-?[0-9]+", exponent) or not (
                    base.kind == "paren" or (base.kind == "name" and isinstance(base.a, str) and base.a[:1].isupper())):
                continue
            a = base.a if base.kind == "name" else "(...)"
            power = f"{a}^-T" if exponent == "-1" else f"({a}^{exponent})'"
            raise ParseError(f"{a}^{exponent}T runs a power into a T: for the "
                             f"{'inverse' if exponent == '-1' else 'power'} transposed write {power}; for a product "
                             f"with a matrix T put a space ({a}^{exponent} T)", text, g.start)


def refuse_chosen_reading(syn: Syn, ctx: Ctx, names: list, chosen: dict, ruled_out: dict, uses: dict,
                          fits: Callable[[dict], bool]) -> None:
    """The refusals of the chosen reading (`chosen`: each undeclared name's kind; `ruled_out`: the
    kinds a power ruled out; `uses`: where each undeclared name is first used; `fits(kinds)`: does
    the text read under other kinds?)."""
    text, decls = ctx.text, ctx.decls
    for n in names:  # sum(x^2): x, a vector by its look, made a square matrix only by the power
        if chosen[n] == "matrix" and options(n)[0][1] == "vector" and n in ruled_out:
            raise ShapeError(f"{n} looks like a vector, and a vector has no power {n}^k: this reads {n} as a square "
                             f"matrix. For the entrywise power write {n}.^k; to mean a matrix or a scalar, declare "
                             f"it (where='{n}: matrix(n,n)' or where='{n}: scalar')")
        if chosen[n] == "matrix" and options(n)[0][1] == "scalar" and n in ruled_out and re.search(
                rf"(?<![A-Za-z0-9_]){re.escape(n)}\s*(?:'|\^T\b)|\|\|\s*{re.escape(n)}\s*\|\|", text):  # mu' mu + mu^2
            raise ShapeError(f"{n} is raised to a power (a scalar's or a square matrix's) and written transposed or in a "
                             f"norm (a vector's or a matrix's): this reads {n} as a square matrix. For a vector write "
                             f"the entrywise power {n}.^k; to mean a matrix or a scalar, declare it (where='{n}: "
                             f"matrix(n,n)' or where='{n}: scalar')")
        if chosen[n] == "matrix" and options(n)[0][1] == "scalar" and n in ruled_out and n[:1].islower() and (any(
                chosen[m] != options(m)[0][1] for m in names if m != n) or _added_power(text, n)):
            # sum(sqrt(delta^2 + r.^2)), logdet(K + sigma^2): delta^2 as a matrix power made delta, and
            # all added to it, square (tr(omega^2) alone keeps omega a matrix: no other reading fits)
            raise ShapeError(f"{n} looks like a scalar, but this reads {n}^k as the power of a square matrix, "
                             f"and what is added to it as matrices too; for a scalar declare it (where='{n}: "
                             f"scalar'; added to a square matrix, on its diagonal only, it is written {n}^k I), for "
                             f"a matrix where='{n}: matrix(n,n)'; for a vector, the entrywise power is {n}.^k")
    _refuse_scalar_beside_an_entrywise_function_summed(syn, ctx, chosen)
    _refuse_dot_read_as_a_scalar_product(syn, ctx, chosen)
    for n in names:  # sum(x*x), -sum(p*log(p)), W1 X + b1: a vector made a matrix so that the formula fits
        if chosen[n] == "matrix" and options(n)[0][1] == "vector" and not is_greek(n):
            kind = read_as(ctx, n)
            capitals = sorted(c for c in set(re.findall(r"(?<![A-Za-z0-9_^])[A-Z](?![A-Za-z0-9_({])", text))
                              if c not in decls and c != "I" and fits({**chosen, c: "scalar", n: "vector"}))
            also = (f" ({capitals[0]}, a capital, is read as a matrix; with {capitals[0]} a number, {n} is a vector: "
                    f"where='{capitals[0]}: scalar')") if capitals else ""
            raise ShapeError(f"{n} looks like a vector, but this reads it as a matrix ({n}: {kind}), the one way the "
                             f"formula fits{also}. If {n} is a matrix, declare it (where='{n}: {kind}'); for a vector, "
                             f"write entrywise products and powers with .* and .^ ({n} .* {n}, {n}.^2), and spread "
                             f"it over the columns of a matrix with ones ({n} ones(k)')")
    if chosen.get("Sigma") == "scalar" and "Σ" in str(getattr(text, "source", "")):
        # ε Σ P log P: the summation sign pasted, read as a scalar Sigma
        raise ShapeError("Sigma (Σ) looks like a matrix, but this reads it as a scalar; if Σ is the summation sign, "
                         "write sum(...) (the sum of the entries) or the terms with +; for a matrix declare its size "
                         "(where='Sigma: matrix(n,n)'), for a scalar where='Sigma: scalar'")
    _refuse_scalar_in_matrix_power(syn, ctx, chosen, names, decls)
    _refuse_lost_inverse_superscript(syn, ctx, chosen, decls)
    _refuse_spaced_transpose_letter(syn, ctx, chosen, decls)
    _refuse_power_after_a_row(syn, ctx, chosen, names, decls)
    _refuse_bold_scalar(ctx, chosen, names)  # (after: (y - X beta)^2 says what the group is first)
    _refuse_capital_called(syn, ctx, chosen, names)
    _refuse_run_with_a_scalar_letter(syn, ctx, chosen, names)
    _refuse_greek_scalar_after_matrix(syn, ctx, chosen, names, decls, fits)
    _refuse_capital_scalar_after_vector(syn, ctx, chosen, names, decls)
    refuse_unprimed_quadratic_form(text, names, chosen, decls)
    _refuse_greek_name_made_a_matrix_by_a_sum(syn, ctx, chosen)
    _refuse_greek_number_inside_a_trace(syn, ctx, chosen)
    _refuse_transposed_greek_made_a_matrix(ctx, chosen, names, fits)
    _refuse_latin_number_inside_a_trace(syn, ctx, chosen, names, fits)
    refuse_dimension_values(uses, decls, text)  # (last: a text refused for another reason says that first)
    _refuse_sizes_used_as_values(syn, ctx)  # (the same for a size the text names, after a declared one)


def _refuse_transposed_greek_made_a_matrix(ctx, chosen: dict, names: list, fits: Callable[[dict], bool]) -> None:
    """(mu'w - r_f) / sqrt(w'Σw), the Sharpe ratio: mu' w is an inner product, r_f a number; read with mu a
    matrix and r_f a vector (each name's look but mu's), the formula was a vector. A small Greek name written
    transposed, read as a matrix where it would be a vector with another name a number, is refused with both."""
    text = str(ctx.text)
    for n in names:
        if chosen[n] != "matrix" or options(n)[0][1] != "scalar" or not is_greek(n) or not n[:1].islower() \
                or not re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}\s*(?:'|\^T\b)", text):
            continue
        for m in names:
            if m != n and chosen[m] == "vector" and fits({**chosen, n: "vector", m: "scalar"}):
                raise ShapeError(f"{n}' is written as a vector's transpose, but this reads {n} as a matrix "
                                 f"({n}: {read_as(ctx, n)}) and {m} as a vector; with {n} a vector and {m} a number "
                                 f"it reads too. Declare them (where='{n}: vector(n); {m}: scalar'), or where='{n}: "
                                 f"{read_as(ctx, n)}' for the matrix")


#: a name written bold in LaTeX (\mathbf{w}, \boldsymbol\theta, \bm{x}_i): papers' sign of a vector or a matrix
_BOLD = re.compile(r"\\(?:mathbf|boldsymbol|bm|pmb|mathbfit|symbf|symbfit|bf)\s*(?:\{\s*\\?([A-Za-z]+)\s*\}|\\([A-Za-z]+)|([A-Za-z]))"
                   r"(?:\s*_\s*(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9])))?")


def _refuse_bold_scalar(ctx, chosen: dict, names: list) -> None:
    """\\frac12 \\mathbf{w}^2, (\\mathbf{y} - \\hat{\\mathbf{y}})^2: a name the paper writes bold, its sign of a vector
    or a matrix, read as a scalar (here by the power: the gradient of w^2 / 2 was w). Refused, with the
    norm or the entrywise power to write; declared, a name is what its declaration says."""
    source = getattr(ctx.text, "source", None)
    if not source or "\\" not in source:
        return
    for m in _BOLD.finditer(source):
        base = m.group(1) or m.group(2) or m.group(3)
        sub = m.group(4) or m.group(5)
        name = f"{base}_{sub}" if sub else base
        if name in chosen and name in names and chosen[name] == "scalar" and (
                options(name)[0][1] != "scalar" or name in getattr(ctx, "powered", ())):
            # (a bold small Greek name keeps its look's scalar, unless a power made it one: \boldsymbol\mu alone)
            raise ShapeError(f"{name} is written bold ({m.group(0).strip()}), a vector or a matrix in papers, but this "
                             f"reads it as a scalar; of a vector, a square is written as a squared norm \\|...\\|^2 or "
                             f"entrywise (.^2), and e^{{...}} as \\exp(...); if {name} is a number, declare it "
                             f"(where='{name}: scalar'), for a vector where='{name}: vector(n)'")


def _refuse_primed_point(syn: Syn, text: str, decls: dict) -> None:
    """x - x' with x a vector by its look (or its declaration): papers' second point x' (a kernel's
    k(x, x')), where the language reads the transpose of x, and x - x' fits only with x a square
    matrix. Refused, with a name to give the second point."""
    if "'" not in text or ("-" not in text and "+" not in text):  # (a transpose in a sum, or nothing to look at)
        return
    for n in syn_nodes(syn):
        if n.kind != "sum":
            continue
        terms = [t.a if t.kind == "neg" and isinstance(t.a, Syn) else t for _, t in n.a]  # (-x' + x)
        plain = {t.a for t in terms if t.kind == "name"}
        for t in terms:
            if t.kind == "post" and t.a.kind == "name" and t.a.a in plain and len(t.b) == 1 and t.b[0].kind == "tick":
                x = t.a.a
                kind = decls[x].kind if x in decls else default_kind(x)
                if kind == "vector" or (kind == "scalar" and x not in decls and is_greek(x) and x[:1].islower()):
                    # (theta - theta': a small Greek name written transposed is a vector, not its look's scalar)
                    raise ParseError(f"{x}' beside {x}: {x}' is the transpose of {x} (a row), no second point; for "
                                     f"a second point (read '{x} prime') give it a name of its own ({x}2 or {x}_p)",
                                     text, t.b[0].start)


def _refuse_run_with_a_scalar_letter(syn: Syn, ctx, chosen: dict, names: list) -> None:
    """w' Rx w, tr(Pk H' H), logdet(Kx): a capital and a small letter typed as one name (a covariance
    R_x, a step's P_k), read as the capital times the letter, which is a scalar only against its
    look (K x, with x a vector, is the product it looks like). Refused with both spellings."""
    if not any(chosen.get(w) == "scalar" and len(w) == 1 and w.islower() and options(w)[0][1] == "vector"
               for w in names):
        return
    for n in syn_nodes(syn):
        if n.kind != "name" or not isinstance(n.a, str) or not re.fullmatch(r"[A-Z][a-z]", n.a):
            continue
        parts = ctx.split_run(n.a, n.start, check=False)
        if len(parts) != 2:
            continue
        c, w = parts
        if w in names and c in names and chosen.get(w) == "scalar" and options(w)[0][1] == "vector":
            raise ParseError(f"'{n.a}' reads {c} times {w} with {w} a scalar, against its look; to use '{n.a}' as one "
                             f"name, declare it (where='{n.a}: matrix(n,n)'); for the product put a space ({c} {w}) "
                             f"and declare {w} (where='{w}: scalar')", ctx.text, n.start)


#: functions that nobody applies to a number (its sum, diagonal or softmax is itself, or 1)
_NO_NUMBER_ARGUMENT = frozenset({"sum", "mean", "diag", "softmax", "logsumexp", "vec", "norm1", "norm2"})


def _is_pi(n) -> bool:
    """Is syntax node n (or a call's one argument) the name pi alone, in any parentheses?"""
    if isinstance(n, list):
        n = n[0] if len(n) == 1 else None
    while isinstance(n, Syn) and n.kind == "paren":
        n = n.a
    return isinstance(n, Syn) and n.kind == "name" and n.a == "pi"


def _log_of_pi(n: Syn) -> bool:
    """Is syntax node n log(pi) (or ln pi), in any parentheses?"""
    while n.kind == "paren":
        n = n.a
    return n.kind in ("call", "apply") and canonical_name(n.a) == "log" and _is_pi(n.b)


def _refuse_pi_as_a_vector(syn: Syn, text: str, decls: dict) -> None:
    """pi' log(pi), sum(pi .* log(pi)), sum(z .* log(pi)), x' diag(pi) x, ||pi||^2: undeclared, pi is the
    number π, but a transpose of it, an entrywise product with a function of it alone, or its sum,
    diagonal or norm means a vector of mixture weights (silently, sum(z .* log(pi)) was log(pi) sum(z)).
    Refused, with the declaration; pi .* x and 2*pi.*x (MATLAB's habit) read as the number."""
    if "pi" in decls or "pi" not in text:
        return
    for n in syn_nodes(syn):
        at = None
        if n.kind == "post" and n.a.kind == "name" and n.a.a == "pi" and n.b and n.b[0].kind == "tick":
            at = n.b[0].start
        elif n.kind == "product" and any(op in (".*", "./") for op, _ in n.a) and sum(
                1 for m in syn_nodes(n) if m.kind == "name" and m.a == "pi") > 1:
            # (pi .* log(pi): the weights and their logs; pi .* x alone is the number times x)
            at = next((f.start for _, f in n.a if f.kind == "name" and f.a == "pi"), None)
        elif n.kind == "product" and any(op in (".*", "./") for op, _ in n.a):
            # (sum(z .* log(pi)): the EM term, the log of the weights times z entry by entry; log(2 pi), sqrt(pi)
            # and cos(pi/3) there are numbers)
            at = next((f.start for _, f in n.a if _log_of_pi(f)), None)
        elif (n.kind in ("call", "apply") and canonical_name(n.a) in _NO_NUMBER_ARGUMENT or n.kind == "norm") \
                and _is_pi(n.b if n.kind != "norm" else n.a):
            # (sum(pi), diag(pi), ||pi||^2: a sum, diagonal or norm of the number is no one's formula)
            at = n.start
        if at is not None:
            raise ParseError(f"pi is the number π here, but {' '.join(text[n.start:n.end].split())} uses it as a "
                             f"vector, as no number is used (transposed, summed, normed, on a diagonal or in an "
                             f"entrywise product): for a vector (mixture weights) declare it (where='pi: vector(n)') "
                             f"or give it another name", text, at)


#: an equation's number pasted after the formula, set apart by a space: (2), (1.3), (2.10), (3a), (A.1),
#: (S1) ("1/2 ||Ax - b||^2    (2)", LaTeX's "\\qquad (3)"); not (0.5), a coefficient's look
_EQUATION_NUMBER_AT_END = re.compile(
    r"(?<=[^\s+\-*/^(,=])\s+(\(\s*(?:[1-9]\d*(?:\.\d+)*[a-z]?|[A-Z]\.?\d+(?:\.\d+)*)\s*\))\s*$")


def _refuse_equation_number(text: str) -> None:
    """A formula pasted with its equation number read the number as a factor: 1/2 ||Ax - b||^2 (2) was
    ||Ax - b||^2, x'Ax (1.3) was 13/10 x'Ax and x'Ax (A.1) was x'Ax A/10, with no word. Refused; a
    factor in parentheses joined to the formula (2(x'x), x + (2)), before it ((2) x'x, (0.5) x'Ax),
    beside a lone name (x (2)) or typed with LaTeX's \\left( reads as before."""
    if "(" not in text:
        return
    m = _EQUATION_NUMBER_AT_END.search(text)
    source = getattr(text, "source", None)
    if m and not re.fullmatch(r"\w+", text[:m.start()].strip()) and not (
            source is not None and re.search(r"\\left\s*\(\s*[^()]*\)\s*$", source)):  # (x (2): a name times 2)
        raise ParseError(f"{m.group(1)} set apart at the end of the formula looks like an equation's number, which "
                         f"is not part of it: leave it out (for a factor, write it without the parentheses, before "
                         f"the formula)", text, m.start(1))


def _refuse_ambiguous_power_of_a_trace(syn: Syn, text: str) -> None:
    """tr(X'X)^-1 is 1 / tr(X'X) as written, but statistics writes the trace of the inverse so (the OLS
    variance sigma^2 tr(X'X)^-1), and tr (X'X)^-1, with a space, is the notes' tr X^-1 = tr(X^-1) with
    the operand in parentheses: silently, its gradient was another function's. Refused with both
    spellings: a negative power of tr or logdet, and any power of tr or logdet typed with a space
    before its parenthesis (in plain text; LaTeX's spaces are not seen). tr(X)^2 (the trace squared)
    reads as written."""
    if "^" not in text or not ("tr" in text or "logdet" in text):
        return
    source = getattr(text, "source", None)
    latex = source is not None and "\\" in source  # (pasted Unicode's spaces are typed; LaTeX's are not seen)
    for n in syn_nodes(syn):
        if n.kind != "post" or n.a.kind != "call" or canonical_name(n.a.a) not in ("tr", "logdet") or not n.b \
                or n.b[0].kind not in ("pow", "epow") or _is_t(n.b[0]) or not isinstance(n.b[0].a, Syn):
            continue
        exponent = n.b[0].a
        while exponent.kind == "paren" and isinstance(exponent.a, Syn):
            exponent = exponent.a
        negative = (exponent.kind == "num" and exponent.a < 0) or exponent.kind == "neg"
        paren = text.find("(", n.a.start, n.a.end)
        spaced = not latex and paren > 0 and text[paren - 1].isspace()
        if paren < 0 or not (negative or spaced):
            continue
        name = canonical_name(n.a.a)
        arg = text[paren + 1:n.a.end - 1].strip()
        operand = arg if re.fullmatch(r"[A-Za-z]\w*", arg) else f"({arg})"
        power = "".join(text[exponent.start:exponent.end].split())  # ((- 1) typed with a space: -1)
        what = "the trace" if name == "tr" else "logdet"
        typed = text[n.start:n.end].strip()
        if negative:
            magnitude = power[1:] if re.fullmatch(r"-\w+", power) else f"({power[1:]})"
            outer = f"1 / {name}({arg})" + ("" if power == "-1" else f"^{magnitude}")
            power = power if re.fullmatch(r"-?\w+", power) else f"({power})"
            message = (f"{typed} is {outer} as written, but statistics writes {what} of an inverse so (as {name} X^-1 "
                       f"is {name}(X^-1)): write {outer}, or {name}({operand}^{power})")
        else:
            message = (f"{typed} is {name}({arg})^{power} as written, {what} to the power {power}, but with the space "
                       f"it also reads as {name} {operand}^{power}, which is {name}({operand}^{power}): write "
                       f"{name}({arg})^{power} without the space, or {name}({operand}^{power})")
        raise ParseError(message, text, n.b[0].start)


def _refuse_capital_called(syn: Syn, ctx, chosen: dict, names: list) -> None:
    """H(P), L(theta) + lambda R(theta), H(x)' x: a capital with a parenthesis pasted to it is a function in
    papers (an entropy, a loss, a regularizer); read as a scalar times the group, against the
    capital's look, it is a product nobody means. Refused; a capital read as a matrix, A(x + y),
    multiplies as written."""
    if "(" not in ctx.text or not any(len(f) == 1 and f.isupper() for f in names):
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        factors = syn_children(n)
        for a, b in zip(factors, factors[1:]):
            if b.kind == "post" and isinstance(b.a, Syn) and b.a.kind == "paren":
                b = b.a  # H(x)' x, R(theta)^2: the call transposed or raised
            if a.kind != "name" or not isinstance(a.a, str) or b.kind != "paren" or not ctx._paren_typed_after(a.end):
                continue
            f = ctx.split_run(a.a, a.start, check=False)[-1]
            if f not in names or len(f) != 1 or not f.isupper():
                continue
            group = " ".join(ctx.text[b.start:b.end].split())
            inner = b.a if isinstance(b.a, Syn) and b.a.kind == "name" else None
            lone_greek = inner is not None and inner.a in names and is_greek(inner.a) and chosen.get(inner.a) == "scalar"
            if chosen.get(f) == "scalar" or (chosen.get(f) == "matrix" and lone_greek):
                # (L(theta): L a matrix times the scalar theta, a matrix function nobody means either)
                kind = "a scalar" if chosen.get(f) == "scalar" else "a matrix"
                raise ParseError(f"'{f}{group}' reads {f} as {kind} times {group}; if {f} is a function (an entropy, "
                                 f"a loss), write it out in matcalc's functions; for the product put a space "
                                 f"({f} {group}) and declare the names (where='{f}: ...')", ctx.text, a.start)


def _refuse_scalar_in_matrix_power(syn: Syn, ctx, chosen: dict, names: list, decls: dict) -> None:
    """(D x)^2, (W x)^2: a product of a matrix and a vector squared, where .^2 was meant; read with the
    vector-looking x a scalar, so that D x is a square matrix and ^2 its matrix power (x^2 D^2),
    which nobody writes so. Refused with both ways to write it."""
    if "^" not in ctx.text:
        return
    square = {id(c.b[0]) for c in syn_nodes(syn) if c.kind == "call" and c.a in SQUARE_CALLS
              and isinstance(c.b, list) and len(c.b) == 1}  # (tr((A beta)^2): a square matrix by the call)
    for n in syn_nodes(syn):
        if not (n.kind == "post" and n.b and n.b[0].kind == "pow" and not _is_t(n.b[0])) or id(n) in square:
            continue
        if n.a.kind == "paren":
            inner = n.a.a if isinstance(n.a.a, Syn) else None
        elif n.a.kind == "call" and n.a.a == "abs" and isinstance(n.a.b, list) and len(n.a.b) == 1:
            inner = n.a.b[0]  # (|A x - b|^2, pasted from a paper: abs(A x - b)^2, the same reading)
        else:
            continue
        k = ctx.const_value(n.b[0].a)
        if k is None or k.denominator != 1 or k < 2:
            continue  # ((A + B s)^-1: an inverse of a matrix, with the scalar s; entrywise powers are squares, cubes)
        if inner is None:
            continue
        # the products in the group: itself, or the terms of a sum ((A x + b)^2)
        products = [t for _, t in inner.a] if inner.kind == "sum" else [inner]
        terms = [_demoted_in(p, ctx, chosen, names, decls) for p in products if p.kind in ("product", "name", "post")]
        terms += [([], True) for p in products if p.kind == "call" and p.a == "eye"]  # ((eye(n) - A tau)^2)
        if any(not here and matrix for here, matrix in terms):
            continue  # ((A + B s)^2: a term that is a matrix by itself, so the group is one: a matrix power)
        demoted = [w for here, _ in terms for w in here]
        if demoted and not any(chosen.get(w) == "matrix" or (w in decls and decls[w].kind == "matrix")
                               for w in _names_under(n.a, ctx)):
            group = " ".join(ctx.text[n.a.start:n.a.end].split())
            power = ctx.text[n.b[0].a.start:n.b[0].a.end]
            scalars = ", ".join(sorted(w for w in _names_under(n.a, ctx) if chosen.get(w) == "scalar"))
            inside = " ".join(ctx.text[inner.start:inner.end].split())
            norm = f"for the squared norm of the vector write ||{inside}||^2, " if k == 2 else ""
            raise ShapeError(f"{group}^{power} reads {scalars} as scalars, against their looks; {norm}for its entrywise "
                             f"power write {group}.^{power}; if they are numbers, declare them (where='{scalars}: "
                             f"scalar')")
        if demoted:
            group = " ".join(ctx.text[n.a.start:n.a.end].split())
            power = ctx.text[n.b[0].a.start:n.b[0].a.end]
            x = demoted[0]
            raise ShapeError(f"{group}^{power} reads {x} as a scalar, so that {group} is a square matrix and "
                             f"^{power} its matrix power; for the entrywise power of the vector write {group}.^{power}; "
                             f"if {x} is a scalar, declare it (where='{x}: scalar')")


def lost_inverse_superscript(text: str) -> re.Match | None:
    """Sigma-1S, X−1: a capital run straight into -1 (no space), the inverse X^-1 with its
    superscript lost when the formula was pasted from a PDF."""
    return re.search(r"(?<![A-Za-z0-9_])([A-Z][A-Za-z]*(?:_[A-Za-z0-9]+)?)-1(?![0-9.])", text)


def _refuse_lost_inverse_superscript(syn: Syn, ctx, chosen: dict, decls: dict) -> None:
    """tr(Sigma-1S), log det Σ + tr(Σ−1S) pasted from a PDF: read Sigma minus S, its gradient
    Sigma^-T + I where -Sigma^-T S' Sigma^-T + Sigma^-T was meant, silently. A matrix run straight
    into -1, no space either side of the minus, is refused with the inverse and the difference."""
    text = ctx.text
    if "-1" not in text:
        return
    for n in syn_nodes(syn):
        if n.kind != "sum":
            continue
        for (_, a), (sign, b) in zip(n.a, n.a[1:]):
            if a.kind == "product" and a.a:  # (tr(S Σ−1): the matrix last in a product)
                a = a.a[-1][1]
            if sign != "-" or a.kind != "name" or not isinstance(a.a, str):
                continue
            kind = decls[a.a].kind if a.a in decls else chosen.get(a.a)
            one = b.a[0][1] if b.kind == "product" and b.a else b
            if kind != "matrix" or one.kind != "num" or text[one.start:one.end] != "1" \
                    or text[a.end:one.start] != "-" or text[one.end:one.end + 1] in (".", "/", "0123456789"):
                continue
            rest = " ".join(text[one.end:b.end].split())
            raise ParseError(f"'{text[a.start:b.end].strip()}' reads {a.a} minus {'1 ' + rest if rest else '1'}; if "
                             f"{a.a}-1 is the inverse {a.a}^-1 with its superscript lost (pasted from a PDF), write "
                             f"{a.a}^-1{' ' + rest if rest else ''}; for the difference put spaces ({a.a} - 1"
                             f"{' ' + rest if rest else ''})", text, a.end)


def _refuse_spaced_transpose_letter(syn: Syn, ctx, chosen: dict, decls: dict) -> None:
    """x T A x, w T x + b, (x - mu) T ...: papers' x^T with its superscript flattened (pasted from a
    PDF), read as a matrix T after a vector-looking name made a number: x T A x = x^2 T A, silently
    (xTAx run together is refused so already). Refused with the transpose; a declared T reads."""
    if "T" in decls or chosen.get("T", "matrix") != "matrix" or "T" not in ctx.text:  # (T keeps its look)
        return
    for n in syn_nodes(syn):
        if n.kind != "product":
            continue
        for i, ((_, prev), (op, f)) in enumerate(zip(n.a, n.a[1:])):
            if op != "" or f.kind != "name" or f.a != "T" or i + 2 >= len(n.a):
                continue  # (c T, a coefficient of a matrix T at the end: tr(c T), (1 - w) T + w S)
            under = [prev.a] if prev.kind == "name" else _names_under(prev, ctx) if prev.kind == "paren" else []
            demoted = [w for w in under if w in chosen and chosen[w] == "scalar" and options(w)[0][1] == "vector"
                       and not is_greek(w)]
            src = " ".join(ctx.text[prev.start:prev.end].split())
            after = n.a[i + 2][1]
            quadratic = " ".join(ctx.text[n.a[-1][1].start:n.a[-1][1].end].split()) == src  # x T A x, (x - m) T S (x - m)
            inner = prev.kind == "name" and after.kind == "name" and isinstance(after.a, str) and \
                options(after.a)[0][1] == "vector" and not is_greek(after.a)  # w T x
            if demoted and (quadratic or inner):
                a = " ".join(ctx.text[prev.start:prev.end].split())
                raise ShapeError(f"'{a} T' reads T as a matrix and {', '.join(dict.fromkeys(demoted))} as a number; if "
                                 f"T is the transpose ({a}^T with its superscript lost, pasted from a PDF), write "
                                 f"{a}'; for a matrix T declare it (where='T: matrix(m,n)')")


def _refuse_power_after_a_row(syn: Syn, ctx, chosen: dict, names: list, decls: dict) -> None:
    """a'x^3, x' A y^2, a' (x^2), a .* x^2: a product that starts with a row and ends with a power of
    a vector-looking name (or has it as an operand of .* or ./), which the power read as a number (a
    vector has no power): the row a' scaled by x^3, where the sum of a_i x_i^3 (a' x.^3) or the
    cube of the inner product ((a' x)^3) was meant. Refused with both and the declaration for the
    number. A power between a row and a column, x' t^2 y, is a number's: t^2 x' y reads as written,
    as do t^2 a and a Bezier curve in t."""
    if "^" not in ctx.text:
        return

    def powered(f: Syn):  # (base, exponent) of f = base^k, base a name or a call, else None
        while f.kind == "paren" and isinstance(f.a, Syn):
            f = f.a
        if f.kind == "post" and f.b and f.b[0].kind == "pow" and not _is_t(f.b[0]) and f.a.kind in ("name", "call", "paren"):
            return f.a, f.b[0].a
        return None

    def demoted(base: Syn) -> str | None:  # the vector-looking name the power made a number, if that is all it holds
        under = ctx.split_run(base.a, base.start, check=False) if base.kind == "name" else _names_under(base, ctx)
        if base.kind == "name" and len(under) != 1:
            return None  # (a run, a'bx^2: too far from the pattern to say what was meant)
        moved = [w for w in dict.fromkeys(under) if w in names and chosen[w] == "scalar"
                 and options(w)[0][1] == "vector" and not is_greek(w)]
        if not moved or any(w not in moved and (w in names or (w in decls and decls[w].kind != "scalar")) for w in under):
            return None  # (a name read as it looks, or a declared array, beside: not this pattern)
        return sorted(moved)

    def vector(w: str) -> bool:
        return chosen.get(w) == "vector" or (w in decls and decls[w].kind == "vector")

    def column(f: Syn) -> bool:  # x, A x, (A x - b), ones(n): a column by its reading, nothing transposed in it
        while f.kind in ("paren", "neg") and isinstance(f.a, Syn):
            f = f.a
        if f.kind == "call":
            return f.a == "ones"
        if f.kind == "name" and isinstance(f.a, str):
            run = ctx.split_run(f.a, f.start, check=False)
            return vector(run[-1]) and not any(vector(w) for w in run[:-1])
        if f.kind == "product":
            return (all(o in ("", "*") for o, _ in f.a) and column(f.a[-1][1])
                    and not any(g.kind == "post" or _names_vectors(g) for _, g in f.a[:-1]))
        if f.kind == "sum":
            return all(column(t) for _, t in f.a)
        return False

    def _names_vectors(g: Syn) -> bool:  # (a vector before the last factor: x y' z is no column to trust)
        return g.kind != "num" and any(vector(w) for w in _names_under(g, ctx))

    def row(f: Syn) -> bool:  # a', x' (a vector read so), ones(n)', (A x - b)'
        if not (f.kind == "post" and f.b and (f.b[-1].kind == "tick" or _is_t(f.b[-1]))):
            return False
        return len(f.b) == 1 and column(f.a)

    def text(f: Syn) -> str:
        return " ".join(ctx.text[f.start:f.end].split())
    for n in syn_nodes(syn):
        if n.kind != "product" or len(n.a) < 2:
            continue
        for i, (op, f) in enumerate(n.a):
            p = powered(f)
            moved = demoted(p[0]) if p is not None else None
            if moved is None:
                continue
            b, k = text(p[0]), ctx.text[p[1].start:p[1].end]
            x = " and ".join(moved)
            number, it = ("a number", "it") if len(moved) == 1 else ("numbers", "them")
            decl = ", ".join(moved)
            if op in (".*", "./") or (i + 1 < len(n.a) and n.a[i + 1][0] in (".*", "./")):
                raise ShapeError(f"{text(f)} as an operand of {op if op in ('.*', './') else n.a[i + 1][0]} reads {x} "
                                 f"as {number}, since a vector has no power {b}^{k}; for the entrywise power write "
                                 f"{b}.^{k}; if {x} {'is a number' if len(moved) == 1 else 'are numbers'}, declare "
                                 f"{it} (where='{decl}: scalar')")
            if i == len(n.a) - 1 and row(n.a[0][1]) and all(o in ("", "*") for o, _ in n.a) \
                    and not any(column(g) for _, g in n.a[1:i]):  # (x' y t^2: the row met a column, a number by then)
                a = " ".join(ctx.text[n.a[0][1].start:n.a[i - 1][1].end].split())
                raise ShapeError(f"{a} {text(f)} reads {x} as {number}, since a vector has no power {b}^{k}: the row "
                                 f"{a} times a number. For the entrywise power write {a} {b}.^{k}, for the power of the "
                                 f"product ({a} {b})^{k}; if {x} {'is a number' if len(moved) == 1 else 'are numbers'}, "
                                 f"declare {it} (where='{decl}: scalar')")


def _demoted_in(p: Syn, ctx, chosen: dict, names: list, decls: dict) -> tuple:
    """(the vector-looking names read as scalars after a matrix or a capital read as a scalar, does the
    product hold a matrix) of one product in a powered group: D x has x; (A x - b) read with A, x
    and b scalars has x; a coefficient before a matrix, c A, has none."""
    factors = [p] if p.kind != "product" else syn_children(p)  # ((Dx)^2: one run of names)
    factors = [f.a if f.kind == "post" and f.a.kind == "name" else f for f in factors]  # ((A' x)^2)
    words = [w for f in factors if f.kind == "name" and isinstance(f.a, str)
             for w in ctx.split_run(f.a, f.start, check=False)]
    matrix = [chosen.get(w) == "matrix" or (w in decls and decls[w].kind == "matrix") or w == "I" for w in words]
    capital = [w in names and chosen[w] == "scalar" and options(w)[0][1] == "matrix"  # (Phi w too: a design matrix;
               and w != "Delta" for w in words]  # Delta t is a difference, (Delta t)^2 its square)
    here = [w for i, w in enumerate(words) if w in names and chosen[w] == "scalar"
            and (any(matrix[:i]) or any(capital[:i])) and (
                (options(w)[0][1] == "vector" and not is_greek(w)) or (is_greek(w) and w[:1].islower()))]
    # ((y - X beta)^2: a small Greek name after a matrix is the vector papers mean, as x is in (y - X b)^2)
    return here, any(matrix)


def _refuse_sizes_used_as_values(syn: Syn, ctx) -> None:
    """ones(n) ... / n: a name that is a size in one place (an argument of ones, zeros, eye or dim)
    and an undeclared variable in another would be two unrelated things, the length and a free
    number (its value never checked against the length); dim(x) of a variable x names a new size
    x. Refused, with dim(n) to write, as a declared size used bare is (refuse_dimension_values);
    a name declared a scalar is taken as declared."""
    tight = ctx.text.replace(" ", "")  # (once, not once per call name)
    if not any(f"{c}(" in tight for c in DIM_CALLS):
        return
    sizes: dict = {}
    stack = [syn]
    while stack:
        n = stack.pop()
        if n.kind == "call" and canonical_name(n.a) in DIM_CALLS and isinstance(n.b, list):
            args = list(n.b)
            while args:
                a = args.pop()
                if a.kind == "name" and isinstance(a.a, str):
                    sizes.setdefault(a.a, (ctx.text[n.start:n.end], a.start))
                elif a.kind in ("product", "call"):
                    args.extend(syn_children(a))
            continue
        stack.extend(syn_children(n))
    for name, (call, pos) in sizes.items():
        if name in ctx.decls and ctx.decls[name].kind in ("vector", "matrix") and name not in ctx.vars:
            # (ones(m, n) with m: matrix(70,70): the generated code was handed the matrix as the size)
            raise ParseError(f"{name} is a size here ({call}), but it is declared a {ctx.decls[name].kind}; a size is "
                             f"a dimension's name (where='x: vector(n)' names the size n): give the size another "
                             f"name", ctx.text, pos)
        if name in ctx.vars and not (name in ctx.decls and ctx.decls[name].kind == "scalar"):
            # (a scalar declared so beside a size of its name is the user's own: N/2 logdet(S) with X: matrix(n,N))
            raise ParseError(f"{name} is a size here ({call}) and a variable elsewhere in the formula: two "
                             f"unrelated things. For a variable's length as a number declare its size (where='x: "
                             f"vector(n)') and write dim(n); for a variable give it another name", ctx.text, pos)


def _refuse_greek_scalar_after_matrix(syn: Syn, ctx, chosen: dict, names: list, decls: dict, fits) -> None:
    """Sigma^-1 mu, X beta, x' theta, sum(exp(X theta)): a small Greek name right after a matrix or a
    row vector, read as a scalar by its look, so that the product is a matrix or a row; papers mean
    the vector (a scalar coefficient is written first). Refused where no other part of the text
    made it a vector and where the vector reading fits too (`fits(kinds)`; tr(W lambda) with lambda
    a vector does not), with both declarations: a gradient of sum(exp(X theta)) by theta read theta
    as a number and returned <exp(theta X), X>."""
    if not any(chosen.get(g) == "scalar" and is_greek(g) and g[:1].islower() for g in names):
        return

    def kind_of(m: str):
        return decls[m].kind if m in decls else chosen.get(m)

    found = []
    for (m, left, transposed), (g, _, _) in _adjacent_factors(syn, ctx):
        if m is None or g is None or g not in names or chosen.get(g) != "scalar" or not is_greek(g) \
                or not g[:1].islower() or not (kind_of(m) == "matrix" or (transposed and kind_of(m) == "vector")):
            continue
        found.append((g, left, "a matrix" if kind_of(m) == "matrix" else "a row vector, not their inner product"))
    # (refused where the reading with them vectors fits too: W - G eta, eta a vector, does not; the step size
    # eta is a scalar; the names are tried together, Sigma_1^-1 mu_1 + Sigma_2^-1 mu_2)
    if found and fits({**chosen, **{g: "vector" for g, _, _ in found}}):
        g, left, what = found[0]
        raise ShapeError(f"{left} {g} reads {g} as a scalar (its Greek look), so that the product is {what}; "
                         f"for a vector {g} declare it (where='{g}: vector(n)'); for a scalar write it first "
                         f"({g} {left}) or declare it (where='{g}: scalar')")


def _refuse_capital_scalar_after_vector(syn: Syn, ctx, chosen: dict, names: list, decls: dict) -> None:
    """||x A - y||^2, softmax(h W + b), tanh(x_t U + W h_t): a capital right after a column vector, read as
    a scalar because no matrix can multiply a column from the right. Code and many ML texts write data
    as rows (x @ W); the reading had A a number (the gradient 2 A (A x - y)). Refused, with the forms
    for a row and the declaration for a number (written first, N x, a capital undeclared is a matrix)."""
    if not any(chosen.get(c) == "scalar" and options(c)[0][1] == "matrix" for c in names):
        return
    for (v, left, transposed), (c, _, _) in _adjacent_factors(syn, ctx):
        if v is None or transposed or c not in names or chosen.get(c) != "scalar" or options(c)[0][1] != "matrix":
            continue
        if (decls[v].kind if v in decls else chosen.get(v)) != "vector":
            continue
        raise ShapeError(f"{left} {c} reads {c} as a scalar: a matrix cannot multiply the column vector {left} "
                         f"from the right. If {left} is a row (as in code's {left} @ {c}), write {left}' {c} for "
                         f"the row, or {c}' {left} for it as a column; if {c} is a number, declare it "
                         f"(where='{c}: scalar'): first ({c} {left}), a capital undeclared is a matrix")


def _adjacent_factors(syn: Syn, ctx):
    """Each pair of neighbouring atoms of a product (factors joined by juxtaposition or *; across a / no
    pair stands): an atom is (name, its source text, written transposed), a name being each name of a run
    (X beta pasted as Xbeta) or the base of a power or transpose (Sigma^-1, x'); a group is no name (None)."""
    def atoms(f: Syn) -> list:
        text = " ".join(ctx.text[f.start:f.end].split())
        if f.kind == "name" and isinstance(f.a, str):
            return [(w, w, False) for w in ctx.split_run(f.a, f.start, check=False)]
        transposed = f.kind == "post" and any(p.kind == "tick" or _is_t(p) for p in f.b or ())
        while f.kind == "post" and isinstance(f.a, Syn):
            f = f.a
        if f.kind == "name" and isinstance(f.a, str):
            return [(ctx.split_run(f.a, f.start, check=False)[-1], text, transposed)]
        return [(None, text, False)]

    for n in syn_nodes(syn):
        if n.kind not in ("product", "name"):
            continue
        seq = []
        for op, f in (n.a if n.kind == "product" else [("", n)]):
            if op not in ("", "*"):
                seq.append((None, "", False))
            seq += atoms(f)
        yield from zip(seq, seq[1:])


def _names_under(syn: Syn, ctx) -> list:
    """The names a syntax subtree uses (runs split as the reading splits them)."""
    out, stack = [], [syn]
    while stack:
        n = stack.pop()
        if n.kind == "name" and isinstance(n.a, str):
            out.extend(ctx.split_run(n.a, n.start, check=False))
        stack.extend(syn_children(n))
    return out


def read_as(ctx: Ctx, name: str) -> str:
    """The kind and sizes a reading gives a name, as written in a declaration (vector(n))."""
    return next(d for d in inferred(ctx).split("; ") if d.startswith(f"{name}:")).split(": ")[1]


def _added_power(text: str, n: str) -> bool:
    """Is a power of the name n a term of a sum in the text (K + sigma^2, epsilon^2 - X)?"""
    name = rf"(?<![A-Za-z0-9_]){re.escape(n)}\s*\^\s*(?:[0-9]+|\{{[^{{}}]*\}}|\([^()]*\))"
    return re.search(rf"[+-]\s*{name}|{name}\s*[+-]", text) is not None


#: a, a capital name, b, separated by spaces (x A x, mu Sigma mu, u M v), overlapping matches found
_SPACED_FORM = re.compile(r"(?=(?<![A-Za-z0-9_'.])([A-Za-z][A-Za-z0-9_]*)(?:\s+|\s*\*\s*)([A-Z][A-Za-z0-9_]*)"
                          r"((?:\^\(?-?[0-9T]+\)?|')?)(?:\s+|\s*\*\s*)([A-Za-z][A-Za-z0-9_]*)(?![A-Za-z0-9_('^.]))")


def refuse_unprimed_quadratic_form(text: str, names: list, chosen: dict, decls: dict) -> None:
    """xAx, the quadratic form x' A x with its transpose left out, read with x a scalar (x A x, a
    matrix): a vector-looking x is a scalar here only to make the run a product, which nobody means.
    Spaced too, one name on both sides: x A x, and mu Sigma mu (a small Greek name, Sigma a matrix or
    a scalar against its look: the form mu' Sigma mu, not mu^2 Sigma)."""
    if not names:
        return  # (every name declared: nothing was read against its look)
    for m in _SPACED_FORM.finditer(text):
        a, mid, power, b = m.groups()
        if not (a in names and b in names and chosen[a] == "scalar"):
            continue
        # (one name on both sides: x A y may be t A x, a number t times A x, which papers write too)
        latin = a == b and options(a)[0][1] == "vector" and not is_greek(a)
        greek = a == b and is_greek(a) and a[:1].islower()
        middle = chosen.get(mid) == "matrix" or (mid in decls and decls[mid].kind == "matrix") or (
            mid in names and chosen[mid] == "scalar" and options(mid)[0][1] == "matrix")
        if (latin or greek) and middle:
            form = f"{a} {mid}{power} {b}"
            scalars = [v for v in dict.fromkeys((a, mid, b)) if chosen.get(v) == "scalar"]
            what = " and ".join(scalars) + (" as scalars" if len(scalars) > 1 else " as a scalar")
            raise ShapeError(f"'{form}' reads {what}; for the quadratic form write "
                             f"{a}' {mid}{power} {b}; for scalars declare them (where='{', '.join(scalars)}: scalar')")
    for n in names:
        if chosen[n] != "scalar" or options(n)[0][1] != "vector" or len(n) != 1:
            continue
        m = re.search(rf"(?<![A-Za-z0-9_']){n}([A-Z][A-Za-z]*)([a-z])(?![A-Za-z0-9_])", text)
        if m and any(chosen.get(c) == "matrix" or (c in decls and decls[c].kind == "matrix") for c in m.group(1)) \
                and (m.group(2) == n or options(m.group(2))[0][1] == "vector"):
            # (xAx, and xAy: a bilinear form run together, with x a scalar only to make the run a product)
            middle, b = " ".join(m.group(1)), m.group(2)
            what = "quadratic" if b == n else "bilinear"
            raise ShapeError(f"'{m.group(0)}' reads {n} as a scalar ({n} {middle} {b}, {'a matrix' if b == n else 'a vector'}); "
                             f"for the {what} form write {n}' {middle} {b}; for a scalar {n} declare it "
                             f"(where='{n}: scalar')")


def refuse_dimension_values(uses: dict, decls: dict, text: str) -> None:
    """A size n of the declarations (x: vector(n)) written as a name of its own is the size
    (reader._declared_sizes_as_sizes); one that is left here was split out of a run of letters (nx'x),
    where it would be a new variable beside the size: x'x n read n as a scalar unrelated to x's
    length. Refused, with the ways to write it."""
    for name, pos in uses.items():
        holder = next((n for n, d in decls.items()
                       if any(isinstance(k, str) and name in k.split("*") for k in d.dims)), None)
        if holder is not None:
            raise ParseError(f"{name} is a size in the declarations ({holder}: {decls[holder].describe()}), but here "
                             f"it is run into other letters, where it would be a separate variable: for the size write "
                             f"{name} apart from them (a size written alone is the size) or dim({name}); for a variable "
                             f"give it another name, or declare it (where='{name}: scalar')", text, pos)




#: what a trace reaches through to its factors: a product, a sum of them, a sign, a
#: transpose, parentheses (a `where` name is not entered: naming a part is how it is written on purpose)
_THROUGH = frozenset({"paren", "neg", "transpose", "product", "matmul", "smul", "div", "sum", "matpow"})


#: what each of MATRIX_FUNCTION_NAMES is as a matrix function
_MATRIX_FUNCTION_WHAT = {"log": "logarithm", "exp": "exponential", "sqrt": "square root",
                         "log1p": "logarithm of I + X", "expm1": "exponential minus I"}
_MATRIX_FUNCTION_WORD = re.compile(r"\b(log|ln|exp|sqrt|log1p|expm1)\b")


def _names_a_matrix_function(text: str) -> bool:
    """Does the text write log, ln, exp or sqrt as a word (_MATRIX_FUNCTION_WORD)? The regex, tried at every
    position, is run only on a text that holds one of the four spellings at all (three rules ask)."""
    return ("log" in text or "ln" in text or "exp" in text or "sqrt" in text) \
        and _MATRIX_FUNCTION_WORD.search(text) is not None


def _typed_nodes(root):
    """Every typed node under root, parents before children, left to right; a `where` name's
    definition is not entered (naming a part is how it is written on purpose)."""
    stack = [root]
    while stack:
        t = stack.pop()
        if not isinstance(t, T):
            continue
        yield t
        if t.op != "ref":
            stack.extend(reversed(_typed_children(t.args)))


_INDEXED = re.compile(r"([A-Za-z]+)_([ijkl])")


def refuse_index_sums(ctx: Ctx, root: T) -> None:
    """A sum over an index written without one (LaTeX's \\sum with no limits, or sum(...)) of a name with an
    index subscript: lambda sum(abs(beta_j)) beside beta read beta_j as a vector of its own, so the penalty
    dropped out of the gradient by beta; sum(||x_i - mu||^2) read the sum of one number, the loss of one
    point. matcalc has no index: refused where the indexed name's base is a name of the text too, or the
    summand is a number."""
    if "_" not in ctx.text or "sum" not in ctx.text:
        return
    words = set(re.findall(r"(?<![\w.])[A-Za-z][A-Za-z0-9]*(?![\w])", ctx.text))
    for n in _typed_nodes(root):
        if n.op not in ("sum_all", "mean_all"):
            continue
        a = n.args[0]
        indexed = [m.args[0] for m in _typed_nodes(a) if m.op == "var" and _INDEXED.fullmatch(m.args[0])]
        if not indexed:
            continue
        name = indexed[0]
        base = _INDEXED.fullmatch(name).group(1)
        if base in words:
            raise ShapeError(f"{ctx.src(n)} sums {name} over its index, which matcalc does not have: {name} is read "
                             f"as a name of its own beside {base}. The sum over the entries of {base} is written with "
                             f"{base} itself (sum(abs({base})) or ||{base}||_1, sum({base}), sum(log({base})))")
        same = sorted({m for m in indexed if _INDEXED.fullmatch(m).group(2) == _INDEXED.fullmatch(name).group(2)})
        if len(same) > 1:  # (sum(log(1 + exp(-y_i w' x_i))): the logistic loss in index notation)
            raise ShapeError(f"{ctx.src(n)} sums over the index that {' and '.join(same)} share, which matcalc does "
                             f"not have: write the data as vectors and matrices (the x_i as the rows of X, the y_i as "
                             f"a vector y), as in sum(log(1 + exp(-y .* (X w))))")
        if ctx.is_scalar(a):
            raise ShapeError(f"{ctx.src(n)} sums a number, {ctx.src(a)}, over the index of {name}, which matcalc does "
                             f"not have: put the {name} in a matrix as its columns and write the sum with it "
                             f"(the sum of ||x_i - mu||^2 is ||X - mu ones(N)'||_F^2)")


def refuse_matlab_column_sums(ctx: Ctx, root: T) -> None:
    """MATLAB's sum(X) and mean(X) of a matrix are its column sums and means (a row); matcalc's are of
    every entry (a number). Where the text only makes sense as MATLAB's, it was another function with no
    word: sum(sqrt(sum(X.^2))) (the L2,1 norm) read the Frobenius norm, sum(log(sum(exp(W X)))) the log
    of one sum, sum((X - mean(X)).^2) centred by the mean of every entry. Refused with sum(X, 1): a sum
    or mean of a number that holds a sum or mean of a matrix (sum(sum(X)) and mean(mean(X)), which
    MATLAB reads as the same number, read as written), and a matrix less its own sum or mean."""
    if "sum" not in ctx.text and "mean" not in ctx.text:
        return

    def matrix(t: T) -> bool:
        return not ctx.is_row(t) and not ctx.is_col(t)

    def of_a_matrix(t: T) -> bool:
        return t.op in ("sum_all", "mean_all") and matrix(t.args[0])

    advice = ("; matcalc's sum(X) and mean(X) are of every entry (a number): for MATLAB's column sums and means "
              "(a row) write sum(X, 1) and mean(X, 1), for the sum of every entry sum(X)")
    for n in _typed_nodes(root):
        kids = [k for k in _typed_children(n.args) if isinstance(k, T)]
        if n.op in ("sum_all", "mean_all") and ctx.is_scalar(n.args[0]) and n.args[0].op != n.op:
            inner = next((m for m in _typed_nodes(n.args[0]) if of_a_matrix(m)), None)
            if inner is not None:
                raise ShapeError(f"{ctx.src(n)} takes the {'sum' if n.op == 'sum_all' else 'mean'} of a number, "
                                 f"{ctx.src(n.args[0])}, which holds {ctx.src(inner)}{advice}")
        if n.op == "ediv" or (n.op == "div" and len(kids) == 2 and "./" in ctx.text[kids[0].end:kids[1].start]):
            # (X ./ sum(X), exp(W X) ./ sum(exp(W X)): MATLAB's column normalization; X / sum(X) and X - mean(X),
            # the whole matrix's, read)
            terms = kids
            for k in terms:
                if of_a_matrix(k) and any(ctx.src(m) == ctx.src(k.args[0]) for m in terms if m is not k):
                    raise ShapeError(f"{ctx.src(n)} combines every entry of {ctx.src(k.args[0])} with "
                                     f"{ctx.src(k)}, a number{advice}")


def refuse_matrix_function_of_trace_or_determinant(ctx: Ctx, root: T) -> None:
    """tr(log(S)), tr(exp(X)), tr(rho log(rho)): an entrywise log, exp or square root of a square
    matrix reached by a trace through products, sums and transposes. matcalc's functions act entry by
    entry, but there papers mean the matrix function (tr(log(S)) = log det S for spd S): refused, with
    the entrywise spelling and the matrix one where matcalc has it. Of a declared diagonal matrix the
    two agree. The printers write such a trace sum(diag(...)), which is read entry by entry.

    So is the determinant of one (det(exp(X)) = exp(tr(X)), logdet(exp(X)) = tr(X), det(sqrt(S)) =
    sqrt(det(S)) for the matrix functions), reached through signs, transposes, powers and scalar
    factors (det(A exp(X)) and det(I + exp(X)) are not entered: a determinant's argument is not a sum
    of its factors). Only a square root of a diagonal matrix is the same either way: the entrywise
    exp(D) has ones off the diagonal, and log(D) minus infinities."""
    text = ctx.text
    if not _names_a_matrix_function(text) or ("tr" not in text and "det" not in text):
        return
    for t in _typed_nodes(root):
        if t.op == "tr":
            f = _matrix_function_under(ctx, t.args[0])
            if f is not None:
                raise MatrixFunctionError(_matrix_function_advice(ctx, t, f))
        elif t.op in ("det", "logdet"):
            f = _matrix_function_of_determinant(ctx, t.args[0])
            if f is not None:
                raise MatrixFunctionError(_determinant_advice(ctx, t, f))


def refuse_matrix_function_of_spd(ctx: Ctx, root: T) -> None:
    """log(S) x, sqrt(S) x, ||log(S1) - log(S2)||_F, exp(-t S) f: an entrywise log, exp or square root of
    a matrix built from declared spd ones (and I) by sums, products, inverses, transposes and scalars.
    Of an spd matrix papers mean the matrix function (the log-Euclidean distance, whitening with S^(1/2),
    diffusion exp(-t L)); entry by entry, log and sqrt are not even defined where an off-diagonal entry
    is negative, and exp(D) of a diagonal D has ones off the diagonal. Refused, with the where spelling of
    the entrywise function (and S .^ (1/2) for the square root, which the printers write so). A
    diagonal matrix's functions are refuse_matrix_function_of_diagonal's."""
    if not _names_a_matrix_function(ctx.text):  # (the text first: most name no log, exp or sqrt)
        return
    props = [p for p in ("spd", "orthogonal") if any(
        p in d.props | d.relaxed for d in ctx.decls.values() if hasattr(d, "props"))]
    if not props:
        return
    for t in _typed_nodes(root):
        if t.op == "func" and canonical_name(t.args[0]) in MATRIX_FUNCTION_NAMES:
            a = t.args[1]
            for prop in props:  # (||log(R' Q)||_F of rotations R and Q: the geodesic distance on SO(3))
                spd = [n for n in _spd_names(ctx, a, prop) if n != "I"]
                # (of a diagonal one: the diagonal rule's, which lets tr(log(D)) and sqrt(D) read)
                if spd and not (ctx.is_col(a) or ctx.is_row(a) or ctx.is_scalar(a) or _diagonal_valued(ctx, a)):
                    raise MatrixFunctionError(_spd_advice(ctx, t, spd, prop))


def refuse_matrix_function_of_diagonal(ctx: Ctx, root: T) -> None:
    """exp(t Lambda), V exp(t Lambda) V^-1 x0, exp(diag(d)), log(D) x: an entrywise exp or log of a
    matrix diagonal by its form (declared diagonal, diag(v), I, and their scalar multiples, sums and
    products). Entry by entry it puts exp(0) = 1 (log(0) = -inf) off the diagonal, where papers mean
    the matrix function, diag(exp(d)): refused, with that spelling. Where only its diagonal counts, the
    same either way, it reads: inside tr(...) or diag(...) through their linear parts (_diagonal_read),
    and beside a diagonal matrix in an entrywise product (exp(D) .* I, which the printers write)."""
    if not _names_a_matrix_function(ctx.text):
        return
    exempt, chained = set(), set()
    for t in _typed_nodes(root):  # (parents first: a trace's or a .* chain's exemptions precede its functions)
        if t.op in ("tr", "diagpart"):
            _diagonal_read(ctx, _typed_children(t.args)[0], exempt)
        if _is_hadamard(t) and id(t) not in chained:
            factors = _hadamard_factors(t)  # (exp(D) .* dD .* I: its diagonal, wherever I stands in the chain)
            chained.update(id(k) for k in _hadamard_nodes(t))
            if any(_diagonal_valued(ctx, k) for k in factors):
                exempt.update(id(_bare(k, "transpose")) for k in factors)
        if t.op == "func" and canonical_name(t.args[0]) in ("exp", "log") and id(t) not in exempt:
            a = t.args[1]
            if not (ctx.is_col(a) or ctx.is_row(a) or ctx.is_scalar(a)) and _diagonal_valued(ctx, a):
                raise MatrixFunctionError(_diagonal_advice(ctx, t))


def _diagonal_read(ctx, t, out: set) -> None:
    """Add to `out` the functions of which a trace or diagonal of t reads only the diagonal: through
    signs, transposes, scalar factors, sums, entrywise products, and matrix products whose other
    factors are diagonal (diag(exp(D) D) is diag(exp(D)) .* diag(D))."""
    t = _bare(t)
    kids = [k for k in _typed_children(t.args) if not ctx.is_scalar(k)] if t.op != "ref" else []
    if t.op == "func":
        out.add(id(t))
    elif t.op in ("neg", "transpose", "smul", "div", "sum") or _is_hadamard(t):
        for k in kids:
            _diagonal_read(ctx, k, out)
    elif t.op in ("product", "matmul"):
        rest = [k for k in kids if not _diagonal_valued(ctx, k)]
        if len(rest) == 1:
            _diagonal_read(ctx, rest[0], out)


def _diagonal_advice(ctx, f) -> str:
    fn, a = canonical_name(f.args[0]), f.args[1]
    what = _MATRIX_FUNCTION_WHAT[fn]
    inner = _bare(a)
    if inner.op == "diag" and ctx.is_col(_typed_children(inner.args)[0]):
        spelled = f"diag({fn}({ctx.src(_typed_children(inner.args)[0])}))"
    else:
        spelled = f"diag({fn}(diag({ctx.src(a)})))"
    off = "exp(0) = 1" if fn == "exp" else "log(0) = -inf"
    return (f"{ctx.src(f)}: {ctx.src(a)} is a diagonal matrix, and of one papers mean the matrix {what}, the "
            f"{fn} of each diagonal entry; matcalc's {fn} acts entry by entry, which puts {off} off the "
            f"diagonal: write {spelled} (or, for the entrywise {fn}, a where name: ... where "
            f"{_free_name(ctx, 'PQLMNRUVW')} = {ctx.src(f)})")


#: what a matrix built from spd ones is built by (a product with an entrywise factor is not entered)
_SPD_THROUGH = frozenset({"paren", "neg", "transpose", "smul", "div", "matpow", "product", "matmul", "sum"})


def _spd_names(ctx, t, prop: str = "spd") -> list:
    """The names declared `prop` (spd, orthogonal) t is built from, if every matrix in it is one of them
    or I; else []."""
    if t.op == "var":
        d = t.args[1]
        return [t.args[0]] if prop in d.props | d.relaxed else []
    if t.op == "identity":
        return ["I"]
    if t.op not in _SPD_THROUGH or (t.op == "product" and any(op in (".*", "./") for op, _ in t.args[0])):
        return []
    names: list = []
    for k in _typed_children(t.args):
        if ctx.is_scalar(k):
            continue
        sub = _spd_names(ctx, k, prop)
        if not sub:
            return []
        names += [n for n in sub if n not in names]
    return names if any(n != "I" for n in names) else []


def _spd_advice(ctx, f, spd: list, prop: str = "spd") -> str:
    fn, arg = canonical_name(f.args[0]), ctx.src(f.args[1])
    what = _MATRIX_FUNCTION_WHAT[fn]
    declared = (f"{spd[0]} is declared {prop}" if len(spd) == 1 else
                f"{', '.join(spd[:-1])} and {spd[-1]} are declared {prop}")
    if prop != "spd":
        return (f"{ctx.src(f)}: {declared}, and of an {prop} matrix (a rotation) papers mean the matrix {what}, which "
                f"matcalc does not have (its {fn} acts entry by entry); for the entrywise {fn} (of each entry) name it "
                f"with where: ... where {_free_name(ctx, 'LPQMNRUVW')} = {ctx.src(f)}")
    name = _free_name(ctx, "LPQMNRUVW")
    power = f", or {arg if f.args[1].op in ('var', 'paren') else '(' + arg + ')'} .^ (1/2)" if fn == "sqrt" else ""
    return (f"{ctx.src(f)}: {declared}, and of an spd matrix papers mean the matrix {what}, which matcalc does "
            f"not have (its {fn} acts entry by entry); for the entrywise {fn} (of each entry) name it with where: "
            f"... where {name} = {ctx.src(f)}{power}" + ("; a distance or cost matrix (a kernel's exp(-D / s)) is not "
                                                         "spd (its diagonal is 0): declare it symmetric"
                                                         if fn in ("exp", "sqrt") else ""))


#: what a determinant reaches through to the matrix it is of: det(2 exp(X)') is 2^n det(exp(X))
_DET_THROUGH = frozenset({"paren", "neg", "transpose", "smul", "div", "matpow"})


def _matrix_function_of_determinant(ctx, t):
    """The entrywise log/exp/sqrt of a square matrix a determinant of t is a determinant of, else
    None; a square root of a diagonal matrix (by its form) is the same either way."""
    while True:
        if t.op == "func" and canonical_name(t.args[0]) in MATRIX_FUNCTION_NAMES:
            a = t.args[1]
            if ctx.is_col(a) or ctx.is_row(a) or not _square_argument(ctx, a):
                return None
            if canonical_name(t.args[0]) in ZERO_AT_ZERO and _diagonal_valued(ctx, a):
                return None  # (0 at 0: of a diagonal matrix the same either way)
            return t
        if t.op not in _DET_THROUGH:
            return None
        kids = [k for k in _typed_children(t.args) if not ctx.is_scalar(k)]
        if len(kids) != 1:
            return None
        t = kids[0]


def _determinant_advice(ctx, t, f) -> str:
    fn, arg = canonical_name(f.args[0]), ctx.src(f.args[1])
    what = _MATRIX_FUNCTION_WHAT[fn]
    outer = ctx.src(t)
    name = _free_name(ctx, "PQLMNRUVW")
    named = outer.replace(ctx.src(f), name)
    identity = {("exp", "det"): f"det(exp(X)) = exp(tr(X)): write exp(tr({arg}))",
                ("exp", "logdet"): f"logdet(exp(X)) = tr(X): write tr({arg})",
                ("sqrt", "det"): f"det(sqrt(S)) = sqrt(det(S)) for an spd S: write sqrt(det({arg}))",
                ("sqrt", "logdet"): f"logdet(sqrt(S)) = logdet(S) / 2 for an spd S: write logdet({arg}) / 2"}
    matrix = ""
    if f is _bare(t.args[0]) and (fn, t.op) in identity:
        matrix = f"; for the matrix {what}, {identity[fn, t.op]}"
    diagonal = ""
    if f.args[1].op == "diag":
        v = ctx.src(_typed_children(f.args[1].args)[0])
        diagonal = f"; of a diagonal matrix, the matrix {what} is diag({fn}({v}))"
    return (f"{outer}: matcalc's {fn} acts entry by entry, but inside a determinant papers mean the matrix "
            f"{what}, which matcalc does not have{matrix}{diagonal}; for the entrywise {fn} (of each entry) "
            f"name it with where: {named} where {name} = {ctx.src(f)}")


def _free_name(ctx, letters: str, taken=()) -> str:
    """The first of `letters` that the advice may name a part with: not in the text, not declared."""
    return next(n for n in letters if n not in taken and n not in ctx.decls
                and not re.search(rf"\b{n}\b", ctx.text))


def _is_hadamard(t) -> bool:
    """An entrywise product: a .* b, or a product chain whose every operator is .* (a .* b .* c)."""
    return t.op == "hadamard" or t.op == "product" and len(t.args[0]) > 1 and all(
        op == ".*" for op, _ in t.args[0][1:])


def _hadamard_nodes(t) -> list:
    """The entrywise-product nodes of the chain t heads (a .* b .* c nests), t first."""
    out, stack = [], [t]
    while stack:
        u = _bare(stack.pop())
        if _is_hadamard(u):
            out.append(u)
            stack.extend(_typed_children(u.args))
    return out


def _hadamard_factors(t) -> list:
    """The factors of the entrywise-product chain t heads, nested products flattened."""
    return [k for u in _hadamard_nodes(t) for k in _typed_children(u.args) if not _is_hadamard(_bare(k))]


def _bare(t, *also):
    """t without its parentheses (and the unary ops `also`, e.g. "transpose")."""
    while t.op == "paren" or t.op in also:
        t = _typed_children(t.args)[0]
    return t


def _matrix_function_under(ctx, t):
    """The first entrywise log/exp/sqrt of a square (not diagonal-declared) matrix among the factors
    a trace reaches, else None."""
    found = _matrix_functions_under(ctx, t)
    return found[0] if found else None


def _square_argument(ctx, a: T) -> bool:
    """Is the typed tree a a square matrix: its two sizes one dimension, or, where they are only the same
    number (matrix(3,3): two dimensions of size 3), a declared matrix itself, signed, scaled or
    transposed (tr(A log(S)) with S: matrix(3,3)); a product square only by equal numbers (W X, 10 x 784
    times 784 x 10: log(softmax(W X)) in a cross-entropy) is no matrix a matrix function is meant of."""
    r, c = a.shape[0].find(), a.shape[1].find()
    if r is c:
        return True
    if r.const is None or r.const != c.const:
        return False
    while True:
        if a.op in ("paren", "neg", "transpose") and isinstance(a.args[0], T):
            a = a.args[0]
        elif a.op in ("smul", "div") and isinstance(a.args[0], T) and len(a.args) == 2 and ctx.is_scalar(a.args[1]):
            a = a.args[0]
        elif a.op == "smul" and isinstance(a.args[1], T) and ctx.is_scalar(a.args[0]):
            a = a.args[1]
        elif a.op == "product":
            arrays = [x for _, x in a.args[0] if not ctx.is_scalar(x)]
            if len(arrays) != 1:
                return False
            a = arrays[0]
        else:
            return a.op == "var"


def _matrix_functions_under(ctx, t) -> list:
    """Every entrywise log/exp/sqrt of a square (not diagonal-declared) matrix among the factors a
    trace reaches, left to right."""
    out, stack = [], [t]
    whole = t
    while whole.op in ("paren", "transpose", "neg"):
        whole = _typed_children(whole.args)[0]
    while stack:
        u = stack.pop()
        if u.op == "func" and canonical_name(u.args[0]) in MATRIX_FUNCTION_NAMES:
            a = u.args[1]
            if not (ctx.is_col(a) or ctx.is_row(a)) and _square_argument(ctx, a) \
                    and not (u is whole and _diagonal_valued(ctx, a)):
                # (of a square matrix: a rectangular one has no matrix function; the trace of f(D) of a diagonal
                # D is the same either way, though not that of A f(D), whose off-diagonal f(0) counts)
                out.append(u)
            continue
        if u.op == "product" and any(op in (".*", "./") for op, _ in u.args[0]):
            continue  # (K' K ./ exp(X): an operand of an entrywise product is not a matrix product's factor)
        if u.op in _THROUGH:
            stack.extend(reversed(_typed_children(u.args)))
    return out


def _diagonal_valued(ctx, t) -> bool:
    """Is t a diagonal matrix by its form: a variable declared diagonal, diag(v), I, and their
    transposes, scalar multiples, sums, products, powers (D^-1, D .^ 2) and entrywise products with
    anything (D .* A)? As core.reductions._diagonal_valued decides for the printers."""
    if t.op == "var":
        return "diagonal" in t.args[1].props | t.args[1].relaxed
    if t.op in ("diag", "identity"):
        return True
    kids = _typed_children(t.args)
    if _is_hadamard(t):
        return any(not ctx.is_scalar(k) and _diagonal_valued(ctx, k) for k in kids)
    if t.op == "epow":  # (a positive power keeps the zeros off the diagonal)
        k = t.args[1]
        return _diagonal_valued(ctx, t.args[0]) and k.op == "num" and k.args[0] > 0
    if t.op == "sum":  # (a scalar term is added to every entry: G .^ 2 + t is full, not diagonal)
        return bool(kids) and all(not ctx.is_scalar(k) and _diagonal_valued(ctx, k) for k in kids)
    if t.op in ("paren", "transpose", "neg", "smul", "product", "matmul", "div", "matpow"):
        return bool(kids) and all(ctx.is_scalar(k) or _diagonal_valued(ctx, k) for k in kids) \
            and any(not ctx.is_scalar(k) for k in kids) and not (
                t.op == "product" and any(op == "./" for op, _ in t.args[0]))
    return False


def _matrix_function_advice(ctx, t, f) -> str:
    fn, arg = canonical_name(f.args[0]), ctx.src(f.args[1])
    what = _MATRIX_FUNCTION_WHAT[fn]
    outer = ctx.src(t)
    inner = t.args[0]
    while inner.op in ("paren", "transpose"):
        inner = _typed_children(inner.args)[0]
    if inner is f:
        spelled = f"for the entrywise {fn} (of each entry) write sum({fn}(diag({arg})))"
        matrix = {"log": f"; for the matrix logarithm's trace write logdet({arg}) (tr(log(S)) = log det S)",
                  "log1p": f"; for the matrix logarithm's trace write logdet(I + {arg}) (tr(log(I + X)) = log det(I + X))"
                  }.get(fn, "")
    else:
        parts, free = _matrix_functions_under(ctx, t.args[0]), {}
        for p in parts:
            src = ctx.src(p)
            if src not in free:
                free[src] = _free_name(ctx, "LMNPQRUVW", free.values())
        named = outer
        for src, n in free.items():
            named = named.replace(src, n)
        spelled = (f"for the entrywise {fn} (of each entry) name it with where: {named} where "
                   + ", ".join(f"{n} = {src}" for src, n in free.items()))
        matrix = ""
    return (f"{outer}: matcalc's {fn} acts entry by entry, but inside a trace papers mean the matrix {what}, "
            f"which matcalc does not have{matrix}; {spelled}")


#: names of matrix functions as libraries and papers write them: what each is
_MATRIX_FUNCTIONS = {"expm": "exponential", "logm": "logarithm", "sqrtm": "square root", "funm": "function",
                     "cosm": "cosine", "sinm": "sine", "coshm": "hyperbolic cosine", "sinhm": "hyperbolic sine",
                     "tanhm": "hyperbolic tangent", "signm": "sign function", "matrix_exp": "exponential",
                     "matrix_log": "logarithm", "Exp": "exponential", "Log": "logarithm", "powm": "power",
                     "mpower": "power", "matrix_power": "power", "fractional_matrix_power": "power"}
#: the entrywise function of each matrix function's name (matcalc's own, as it reads)
_ENTRYWISE_NAME = {"expm": "exp", "logm": "log", "sqrtm": "sqrt", "cosm": "cos", "sinm": "sin", "coshm": "cosh",
                   "sinhm": "sinh", "tanhm": "tanh", "signm": "sign", "matrix_exp": "exp", "matrix_log": "log",
                   "Exp": "exp", "Log": "log"}
_MATRIX_FUNCTION_CALL = re.compile(r"(?<![A-Za-z0-9_])(?:(?:scipy|np|numpy|jnp|jax|torch|la|sp)\.)?(?:linalg\.)?"
                                   r"(" + "|".join(sorted(_MATRIX_FUNCTIONS, key=len, reverse=True)) + r")"
                                   r"(?![A-Za-z0-9_])\s*\}?\s*(?:_\{?[A-Za-z0-9]+\}?\s*)?\(")


#: norm(X, 'fro'), norm2(x, 1), np.linalg.norm(X, ord='fro'): MATLAB's and NumPy's norm with its kind as an argument
_NORM_WITH_KIND = re.compile(r"\bnorm[12]?\s*\((?P<arg>[^()]*(?:\([^()]*\)[^()]*)*?),\s*(?:ord\s*=\s*)?"
                             r"(?P<kind>['\"]\w+['\"]|[12]|(?:np\.)?inf)\s*\)")
_NORM_KINDS = {"fro": "||{x}||_F (Frobenius)", "1": "||{x}||_1", "2": "||{x}||_2 (Euclidean; of a matrix, the spectral "
               "norm, supported only for an outer product)", "nuc": "no norm here: the nuclear norm is not supported",
               "inf": "no norm here: the max norm is not supported"}


def refuse_norm_with_a_kind_argument(text: str) -> None:
    """norm2(W, 'fro'), pasted from MATLAB or NumPy, was refused at its quote mark (unexpected "'"): the
    kind of norm is written as a subscript here. Refused with that form."""
    if "norm" not in text:
        return
    m = _NORM_WITH_KIND.search(text)
    if m is None:
        return
    kind = m.group("kind").strip("'\"").replace("np.", "")
    form = _NORM_KINDS.get(kind, "||{x}||, ||{x}||_1 or ||{x}||_F").format(x=m.group("arg").strip())
    raise ParseError(f"{m.group(0)} gives the kind of norm as an argument, as MATLAB and NumPy do; matcalc writes "
                     f"it as a subscript: {form}", text, m.start())


def refuse_matrix_function_names(text: str, decls: dict) -> None:
    """expm(X), logm(S), sqrtm(S), scipy.linalg.expm(X), torch.matrix_exp(X), Exp(X) and Log(S) (the Lie
    group's maps), \\operatorname{expm}(X): matrix functions, which matcalc does not have. Refused before
    anything else reads the text: the unknown-function message listed exp, log and sqrt, which act entry
    by entry, and `Exp` was told to write exp(...). A declared name of that spelling is the user's own."""
    if "(" not in text or not any(name in text for name in _MATRIX_FUNCTIONS):
        return  # (a match holds a name and a parenthesis: most texts have neither, and skip the regex)
    for m in _MATRIX_FUNCTION_CALL.finditer(text):
        name = m.group(1)
        if name in decls or re.search(rf"\bwhere\b.*(?<![A-Za-z0-9_]){name}\s*=(?!=)", text):
            continue
        what = _MATRIX_FUNCTIONS[name]
        if what == "power":
            advice = ("an integer power is written X^k (X^-1, X^2); fractional and symbolic powers of a matrix are "
                      "not supported")
        else:
            own = _ENTRYWISE_NAME.get(name)
            lower = "function names are lowercase; " if name[0].isupper() else ""
            advice = (f"{lower}matcalc's functions act on a number, or entry by entry on a matrix"
                      + (f" (write {own}(...) for that)" if own else "") + "; "
                      "inside a trace or a determinant write the matrix function without one: tr(logm(S)) = "
                      "logdet(S), logdet(expm(X)) = tr(X), det(expm(X)) = exp(tr(X))")
        known = "" if name[0].islower() else "in papers "
        raise ParseError(f"{name}(...) is {known}the matrix {what}, which matcalc does not have; {advice}", text,
                         m.start())

