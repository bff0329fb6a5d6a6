"""Text and declarations to a typed, canonical expression: the language layer's entry point.

`read(text, decls)` parses once, infers kinds and dimensions, and builds the
hash-consed tree. The face's `matcalc.parse` wraps it in an Expression; the text printer
uses it to confirm that what it prints reads back.
"""
from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Container

from ..core import build as B
from ..core.functions import canonical_name
from ..core.errors import DeclarationError, MatcalcError, ParseError, ShapeError
from ..core.nodes import SCALAR, Var
from .declarations import declaration_with_size, norm_name, options
from .names import sizes_read_bare
from .infer import DIM_CALLS
from .kinds import typecheck
from .misreadings import refuse_matrix_function_names, refuse_norm_with_a_kind_argument
from .latex_in import (latex_line_break_product, latex_to_plain, logged_bars_reading, looks_like_latex, refuse_ambiguous_bars,
                       refuse_bars_of_a_failed_reading)
from .parser import Syn, line_break_product, parse_syntax, syn_children
from .source_map import in_source
from .unicode_in import has_unicode_math, unicode_to_plain


#: what was read, by (text, declarations, want_scalar), while its node lives (the node's cache holds the
#: rest): the same text read again under the same declarations, as a notebook cell run twice reads it or
#: the printer reads back what it printed, is looked up, not parsed and typed anew
_READ: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class _Key:
    """A key of `_READ` (and of the node's cache) with its hash computed once: the key is looked up and
    stored three times per text read, and hashing it hashes every declaration anew, field by field.
    Equal as the tuple it holds is equal."""

    __slots__ = ("key", "hash")

    def __init__(self, key: tuple):
        self.key = key
        self.hash = hash(key)  # (raises TypeError for a declaration that holds something unhashable)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other) -> bool:
        return other.__class__ is _Key and self.hash == other.hash and self.key == other.key


def read(text: str, decls: dict, want_scalar: bool = False) -> tuple:
    """`_read`, looked up where the same text was read under the same declarations and its node lives."""
    try:
        key = _Key((text, tuple(sorted(decls.items())), bool(want_scalar))) if isinstance(text, str) else None
    except TypeError:  # (a declaration that holds something unhashable: read it anew)
        key = None
    node = _READ.get(key) if key is not None else None
    if node is not None:
        rest = node._c.get(("read", key))
        if rest is not None:
            return (node, *rest)
    result = _read(text, decls, want_scalar)
    if key is not None and result[4] is None:  # (an open identity's error is raised anew each time)
        _READ[key] = result[0]
        result[0]._c[("read", key)] = result[1:]
    return result


def _read(text: str, decls: dict, want_scalar: bool = False) -> tuple:
    """(node, context, reading, inferred, open_identity): the expression; every variable the text
    named (even those that cancelled out, and declared ones that fix a dimension); how the text was
    read (spaced, parenthesized); the kind of every name (`mu: vector(n)`); and the error a
    derivative of it raises for an I whose size nothing fixes, or None (_open_identity). `want_scalar`: the
    question needs a scalar function; undeclared names are read so that it is one, where they can be.

    LaTeX (`\\operatorname{tr}(X^\\top A X)`) is read through its plain translation (latex_in.py),
    and so is pasted Unicode (`‖Ax − b‖² + λ‖x‖²`, unicode_in.py); a parse error then points into
    the text as typed. An open-sized `\\mathbf{1}` is a vector
    of ones, or a matrix of ones where a vector does not fit."""
    if isinstance(text, str) and text.startswith("\ufeff"):  # a byte-order mark, as Windows editors save a file: not part of the formula
        text = " " + text[1:]  # (a space keeps every column where it was)
    if isinstance(text, str):
        refuse_matrix_function_names(text, decls)
        refuse_norm_with_a_kind_argument(text)
    if isinstance(text, str) and "\n" in text and not looks_like_latex(text):
        broken = line_break_product(text)
        if broken is not None:  # x'Ax, a new line, x'x: two formulas, not their product
            raise ParseError(broken[1], text, broken[0])
    if looks_like_latex(text):
        broken = latex_line_break_product(text, decls)
        if broken is not None:  # (as for plain text: two formulas, one a line, are not their product)
            raise ParseError(broken[1], text, broken[0])

        def final(t, d):  # (a reading that is returned answers the question: want_scalar)
            return _read_plain(t, d, want_scalar)
        plain, has_ones = latex_to_plain(text, decls)
        try:
            result = _read_plain(plain, decls, want_scalar)
        except ShapeError as e:
            try:
                if not has_ones:
                    raise
                plain = latex_to_plain(text, decls, ones="matrix(1)")[0]
                result = _read_plain(plain, decls, want_scalar)
            except MatcalcError:
                logged = logged_bars_reading(text, decls, plain, final)
                if logged is not None:
                    return logged
                refuse_bars_of_a_failed_reading(text, decls, plain, _read_plain)
                raise in_source(e, plain) from None
        except MatcalcError as e:
            logged = logged_bars_reading(text, decls, plain, final)
            if logged is not None:
                return logged
            refuse_bars_of_a_failed_reading(text, decls, plain, _read_plain)
            raise in_source(e, plain) from None
        return refuse_ambiguous_bars(text, decls, plain, result, _read_plain, final)
    if has_unicode_math(text):
        plain = unicode_to_plain(text, frozenset(decls))
        try:
            return _read_plain(plain, decls, want_scalar)
        except MatcalcError as e:
            raise in_source(e, plain) from None
    return _read_plain(text, decls, want_scalar)


def _read_plain(text: str, decls: dict, want_scalar: bool = False) -> tuple:
    # Parsing allocates many small objects and frees none of them until the end: the cyclic
    # collector would rescan the growing heap again and again (quadratic on long input).
    enabled = gc.isenabled()
    gc.disable()
    try:
        syn = parse_syntax(text)
        _braced_subscripts_as_declared(syn, text, decls)
        _declared_sizes_as_sizes(syn, text, decls)
        node, ctx = typecheck(syn, text, decls, want_scalar)
        _refuse_near_miss_declarations(decls, ctx.vars)
        context = ctx.built_vars() + declared_only(decls, ctx.vars)
        open_identity = _open_identity(ctx, node, context)
    except RecursionError:
        raise MatcalcError("the expression is nested too deeply") from None
    finally:
        if enabled:
            gc.enable()
    return node, context, ctx.reading, ctx.inferred, open_identity


def _open_identity(ctx, node, context):
    """The error a derivative raises for an I whose size nothing fixes, or None.

    In logdet(s I) - x' (s I)^-1 x the first I multiplies only numbers: it is read with a size of its
    own (logdet(s I_k) = k log(s)), and the derivative would hold dim(k), a size no variable has and
    the values cannot give. A person means the size of the variables, so a derivative refuses it and
    asks for the size (I_n or eye(n)); the expression alone still reads (2 I is 2 I_k), and a size
    typed in the text (I_k, ones(k)) is the person's own."""
    if not ctx.identities:
        return None
    var_dims = {d for v in list(node.walk()) + list(context) if type(v) is Var for d in v.shape if isinstance(d, str)}
    fixed = {f for d in var_dims for f in d.split("*")}
    fixed |= {part for w in re.findall(r"[A-Za-z_]\w*", ctx.text) for part in w.split("_")}  # (I_k, ones(k))
    for start, n in ctx.identities:
        # (a number in a size is fixed: kron(eye(2), A) + I has the size 2*n)
        if isinstance(n, str) and not all(f in fixed or f.isdigit() for f in n.split("*")):
            names = {v.name for v in list(node.walk()) + list(context) if type(v) is Var}
            sizes = sorted(d for d in var_dims if "*" not in d and d not in names)
            numbers = sorted({d for v in list(node.walk()) + list(context) if type(v) is Var
                              for d in v.shape if isinstance(d, int) and d > 1})
            if sizes:
                eg = f"eye({sizes[0]})" if "_" in sizes[0] else f"I_{sizes[0]} or eye({sizes[0]})"
                eg = f"with the size you mean, {eg}"
            elif numbers:  # (x: vector(3))
                eg = f"with the size you mean, eye({numbers[0]})"
            else:
                eg = "with its size, I_n or eye(n) for a size n"
            err = ParseError(f"nothing in the formula fixes the size of this I, so it would have a size of its own "
                             f"that no variable has: write it {eg}", ctx.text, start)
            return in_source(err, ctx.text) if getattr(ctx.text, "source", None) is not None else err
    return None


def _braced_subscripts_as_declared(syn, text: str, decls: dict) -> None:
    """W_{1} is the declared W1 where W_1 is not declared, as in LaTeX (the LaTeX printer writes W1
    so, and a printed answer without a backslash is read as plain text): the name nodes are renamed."""
    if "_{" not in text or not decls:
        return
    names, stack = [], [syn]
    while stack:
        n = stack.pop()
        if n.kind == "name" and isinstance(n.a, str):
            names.append(n)
        for f in (n.a, n.b):
            for x in (f if isinstance(f, (list, tuple)) else (f,)):
                if isinstance(x, Syn):
                    stack.append(x)
                elif isinstance(x, (list, tuple)):
                    stack.extend(y for y in x if isinstance(y, Syn))
    unbraced = {n.a for n in names if "{" not in text[n.start:n.end]}  # (X_{1} + X_1: one name, X_1)
    for n in names:
        key = n.a.replace("_", "")
        if key in decls and n.a not in decls and n.a not in unbraced and "{" in text[n.start:n.end]:
            n.a = key


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _declared_sizes_as_sizes(syn, text: str, decls: dict) -> None:
    """A name that the declarations use as a size and declare as nothing else (n with x: vector(n))
    is that size as a number, dim(n): sum(x) / n is the mean, as the LaTeX reader and textbooks
    read it, and as matcalc prints a size where the declarations it is read with fix it. The name
    nodes become dim(n) calls in place. Not entered: the arguments of the calls whose arguments are
    sizes already (ones(n), dim(n), unvec(v, m, n)), and a name a `where` binds."""
    if not decls:
        return
    sizes = set(sizes_read_bare((k for d in decls.values() for k in getattr(d, "dims", ())), decls))
    if not sizes or sizes.isdisjoint(_WORD.findall(text.replace("{", "").replace("}", ""))):  # (most texts: no size)
        return
    if syn.kind == "where":
        sizes -= {norm_name(b[0]) for b in syn.b}
    _refuse_sizes_written_as_vectors(syn, text, decls, sizes)
    stack, changed = [syn], False
    while stack:
        n = stack.pop()
        if n.kind == "name":
            if n.a in sizes:
                n.kind, n.a, n.b = "call", "dim", [Syn("name", n.a, None, n.start, n.end, n.depth + 1)]
                changed = True
            continue
        if n.kind == "call" and canonical_name(n.a) in DIM_CALLS:
            continue
        if n.kind == "call" and n.a == "unvec" and isinstance(n.b, list) and n.b:
            stack.append(n.b[0])  # (unvec(v, m, n): m and n are sizes)
            continue
        stack.extend(syn_children(n))
    if changed:  # (a node list kept by parser.syn_nodes would miss the new dim(n) arguments: none is kept now)
        stack = [syn]
        while stack:
            n = stack.pop()
            if hasattr(n, "below"):
                del n.below
            stack.extend(syn_children(n))


def _refuse_sizes_written_as_vectors(syn, text: str, decls: dict, sizes: set) -> None:
    """n' x, ||n||^2 with x: vector(n): a size written alone is its value, a number, and a number is
    not transposed or normed: the text means a vector named like the size (x' n n' x read 2 n^2 x for
    its gradient, silently). Refused with the way out. (x ./ n, n .* x scale by the size: they read.)"""
    stack = [(syn, None)]
    while stack:
        n, parent = stack.pop()
        if n.kind == "name" and n.a in sizes and parent is not None:
            how = None
            if parent.kind == "post" and parent.a is n and parent.b and parent.b[0].kind == "tick":
                how = "transposed"
            elif parent.kind == "norm" and parent.a is n:
                how = "inside a norm"
            if how is not None:
                holder = declaration_with_size(n.a, decls) or "in the declarations"
                raise ParseError(f"{n.a} is a size ({holder}): a size written in a formula is its value, a number, "
                                 f"but here it is {how}, as a vector is: for a vector {n.a}, give the size another "
                                 f"name in the declarations", text, n.start)
            continue
        if n.kind == "call" and (canonical_name(n.a) in DIM_CALLS or n.a == "unvec"):
            continue
        stack.extend((c, n) for c in syn_children(n))


def _spelling_key(name: str) -> str:
    """A name without its subscript marks: X1, X_1 and X_{1} are one spelling (x and X are not: a
    vector x beside a matrix X is common)."""
    return name.replace("_", "").replace("{", "").replace("}", "")


def _meant_for(declared: str, kind: str, used: str) -> bool:
    """Was a declaration that names nothing in the text meant for `used`? Spelled alike up to
    subscript marks (X1 for X_1); or up to the case of the subscript (S_w for S_W); or up to case
    where the declared kind is the other spelling's look and not its own (sigma: matrix for a text
    with Sigma; x: vector beside X stays allowed: one where for several formulas)."""
    if _spelling_key(used) == _spelling_key(declared):
        return True
    if "_" in declared and "_" in used:
        (db, ds), (ub, us) = declared.split("_", 1), used.split("_", 1)
        if db == ub and ds.lower() == us.lower():
            return True
    return used.lower() == declared.lower() and kind != options(declared)[0][1] and kind == options(used)[0][1]


def _refuse_near_miss_declarations(decls: dict, named) -> None:
    """where='X1: matrix(n,n) symmetric' for a text that writes X_1 (or c1 for c_1): the declaration
    names nothing in the text, and the name it was meant for is read undeclared (X_1 neither square
    nor symmetric: a different gradient). Refused, naming both spellings. A declared name that
    the text does not use and that spells no undeclared name of it stays allowed (one `where` for
    several formulas; a declared size that fixes a dimension)."""
    for d in decls:
        if d in named:
            continue
        near = sorted(v for v in named if v not in decls and _meant_for(d, decls[d].kind, v))
        if near:
            raise DeclarationError(f"where declares {d}, which the expression does not use, and the expression has "
                                   f"{near[0]}, which is undeclared: declare {near[0]} (where='{near[0]}: ...'), or "
                                   f"write {d} in the expression")
        swallowed = sorted(v for v in named if v not in decls and "_" in d and len(v) > len(d) and v.startswith(d)
                           and v[len(d):].isalpha())
        if swallowed:  # w'S_ww with S_w declared: the subscript took the w after it
            v = swallowed[0]
            raise DeclarationError(f"where declares {d}, which the expression does not use, and the expression has "
                                   f"{v}, which is undeclared: a subscript takes every letter after it, so {v} is "
                                   f"one name; for {d} times {v[len(d):]} put a space ({d} {v[len(d):]})")


def declared_only(decls: dict, named: Container[str]) -> tuple:
    """Variables declared with full dimensions but absent from the text: their values still
    fix dimensions (`zeros(k)` where `u: vector(k)`)."""
    out = []
    for name, d in decls.items():
        if name in named or not d.declared or None in d.dims:
            continue
        shape = SCALAR if d.kind == "scalar" else (d.dims[0], 1) if d.kind == "vector" else tuple(d.dims)
        out.append(B.var(name, shape, d.props))
    return tuple(out)
