"""The array libraries generated code is written for: their surface syntax (templates filled by
`syntax.fill`) and their runtime helpers (real modules, `runtime_*.py`, whose source is copied
into the generated module as needed)."""
from __future__ import annotations

import ast
import builtins
import functools
import os
from dataclasses import dataclass, replace

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class Backend:
    """The surface syntax of an array library. Templates are filled by `syntax.fill`: a field
    that is not a whole call argument is parenthesized by precedence."""
    name: str
    runtime: tuple        # runtime modules (file names in this package) the helpers are copied from
    asarray: str          # {x}: an input as a float array ({name}: the argument's name, for its error)
    T: str
    solve: str
    inv: str
    det: str
    slogdet: str
    trace: str
    diagonal: str
    eye: str
    ones: str
    zeros: str
    einsum: str
    diagflat: str
    matrix_power: str
    kron: str
    reshape: str
    det_inv: str = ""     # {x}: (det(x), inv(x)) from one factorization, where the library allows
    outer: str = "{u}[:, None] * {v}"   # the outer product u v' of two 1-D vectors
    add_outer: str = ""   # {t} + {a} {u} {v}' into the fresh array t, in place, where the library allows
    axpy_outer: str = ""  # {s} {m} + {a} {u} {v}' as a fresh array in one pass, where the library allows
    low_rank: bool = True  # the runtime has _low_rank(us, vs, s, m): sum u_i v_i' + s I + m in one thin product
    plus_diagonal: str = ""  # {m} + {s} I for a fresh array m, its diagonal added in place, where the library allows
    copy: str = "{x}.copy()"  # a fresh copy of an array
    factored: bool = True  # the runtime has _factored(a), _factored_solve and _factored_solve_power: one LU, many solves
    diagonal_add: str = ""  # {v} added in place on the diagonal view {spec} ('abab->ab') of the fresh array {x}
    row_first: bool = False  # M' v written v @ M (XLA on CPU copies a transposed left operand: 5.6x at n = 1000)
    einsum_path: bool = False  # the einsum template takes {path}: a contraction order chosen when generating
    swapaxes: str = "{x}.swapaxes({a}, {b})"
    permute: str = "{x}.transpose({axes})"   # axes reordered (every axis named)
    stack: str = "_np.stack([{xs}])"          # arrays of one shape along a new first axis
    functions_take_numbers: bool = True       # exp, log, ... of a Python number (PyTorch's take a tensor)


NUMPY = Backend(
    name="numpy", runtime=("runtime_common.py", "runtime_numpy.py"),
    asarray="_real_array({x}, {name!r})", T="{x}.T",
    solve="_np.linalg.solve({a}, {b})", inv="_inv({x})", det="_np.linalg.det({x})",
    slogdet="_np.linalg.slogdet({x})[1]", trace="_np.trace({x})", diagonal="_np.diagonal({x})",
    eye="_np.eye({n})", ones="_np.ones(({s}))", zeros="_np.zeros(({s}))", diagflat="_diag({x})",
    einsum="_np.einsum({spec!r}, {ops}, optimize={path!r})", einsum_path=True,
    matrix_power="_np.linalg.matrix_power({x}, {k})",
    kron="_kron({a}, {b})", reshape="_np.reshape({x}, {s})",
    det_inv="_det_inv({x})", outer="_outer({u}, {v})",
    add_outer="_add_outer({t}, {a}, {u}, {v})", axpy_outer="_axpy_outer({s}, {m}, {a}, {u}, {v})",
    plus_diagonal="_plus_diagonal({m}, {s})", diagonal_add="_np.einsum({spec!r}, {x})[...] += {v}")

# jnp.einsum orders contractions itself (opt_einsum, decided once when traced under jit)
JAX = replace(
    NUMPY, name="jax", runtime=("runtime_common.py", "runtime_jax.py"), inv="_np.linalg.inv({x})", det_inv="",
    outer="{u}[:, None] * {v}", add_outer="", axpy_outer="", plus_diagonal="", asarray="_float_array({x}, {name!r})",
    einsum="_np.einsum({spec!r}, {ops})", einsum_path=False, row_first=True, diagonal_add="")

# torch.einsum orders contractions by opt_einsum when it is installed; the path is given anyway
TORCH = Backend(
    name="torch", runtime=("runtime_common.py", "runtime_torch.py"),
    asarray="_real_tensor({x}, {name!r})", T="{x}.T",
    solve="_torch.linalg.solve({a}, {b})", inv="_torch.linalg.inv({x})", det="_torch.linalg.det({x})",
    slogdet="_torch.linalg.slogdet({x})[1]", trace="_torch.trace({x})",
    diagonal="_torch.diagonal({x})",
    eye="_torch.eye({n}, dtype=_torch.float64)", ones="_torch.ones(({s}), dtype=_torch.float64)",
    zeros="_torch.zeros(({s}), dtype=_torch.float64)", diagflat="_diag({x})",
    einsum="_torch.einsum({spec!r}, {ops})", matrix_power="_torch.linalg.matrix_power({x}, {k})",
    kron="_kron({a}, {b})", reshape="_torch.as_tensor({x}, dtype=_torch.float64).reshape({s})",
    permute="{x}.permute({axes})", functions_take_numbers=False, plus_diagonal="_plus_diagonal({m}, {s})",
    diagonal_add="_diagonal_view({x}, {spec!r}).add_({v})",
    copy="{x}.clone()")

BACKENDS = {"numpy": NUMPY, "jax": JAX, "torch": TORCH}


# ---------------------------------------------------------------- runtime helpers
@dataclass(frozen=True)
class _Block:
    source: str
    defines: frozenset    # names bound by the statement
    uses: frozenset       # names it refers to


@functools.lru_cache(maxsize=None)
def runtime_blocks(filename: str) -> tuple:
    """The top-level statements of a runtime module (its docstring left out), in file order."""
    path = os.path.join(HERE, filename)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    tree = ast.parse(text, path)
    out = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue
        if isinstance(stmt, ast.ImportFrom) and stmt.level:  # (a sibling runtime's helper, for the module run
            continue                                             # directly; generated code gets its source)
        defines, uses = set(), set()
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                (defines if isinstance(node.ctx, ast.Store) and node in _top_targets(stmt) else uses).add(node.id)
            elif isinstance(node, ast.alias):
                defines.add(node.asname or node.name.split(".")[0])
        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            defines.add(stmt.name)
        out.append(_Block(ast.get_source_segment(text, stmt, padded=False), frozenset(defines),
                          frozenset(uses - set(dir(builtins)))))
    return tuple(out)


def _top_targets(stmt) -> list:
    """The Name nodes a top-level statement binds at module level (assignments, also inside try)."""
    found = []
    stmts = [stmt]
    while stmts:
        s = stmts.pop()
        if isinstance(s, (ast.Assign, ast.AnnAssign)):
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            found += [n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        elif isinstance(s, ast.Try):
            stmts += s.body + s.orelse + s.finalbody + [b for h in s.handlers for b in h.body]
    return found


def runtime_source(backend: Backend, names: set) -> tuple:
    """(imports, helpers): the source of the runtime statements that define `names`, and of those
    they use in turn, in file order (imports first: a module shows only what it uses)."""
    blocks = [b for f in backend.runtime for b in runtime_blocks(f)]
    keep = [b for b in blocks if not b.defines]  # a statement run for its effect (jax.config) always
    need = set(names).union(*(b.uses for b in keep))
    while True:
        more = [b for b in blocks if b not in keep and b.defines & need]
        if not more:
            break
        keep += more
        for b in more:
            need |= b.uses
    imports = [b.source for b in blocks if b in keep and _is_import(b)]
    helpers = [b.source for b in blocks if b in keep and not _is_import(b)]
    return "\n".join(imports), "\n\n\n".join(helpers)


def _is_import(b: _Block) -> bool:
    return b.source.startswith(("import ", "from ")) or b.source.startswith("jax.config") \
        or (b.source.startswith("_np = ") and "\n" not in b.source)


def runtime_names(backend: Backend) -> frozenset:
    """Every name a backend's runtime defines (generated code must not shadow one)."""
    return frozenset(n for f in backend.runtime for b in runtime_blocks(f) for n in b.defines)
