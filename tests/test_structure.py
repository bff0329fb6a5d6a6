"""The package's shape, as ARCHITECTURE.md states it: imports point down the layers only
(core < language < calculus < outputs < numerics < face), and the imports at the top of the
modules, type-only ones under `if TYPE_CHECKING:` included, form no cycle. Imports inside a
function (an optional dependency, start-up time) are outside this rule, as the document says."""
import ast
import pathlib

import matcalc

PACKAGE = pathlib.Path(matcalc.__file__).parent
LAYERS = ["core", "language", "calculus", "outputs", "numerics", "face"]


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else "face"


def _top_level_imports(tree: ast.Module) -> list:
    """The import statements of a module body and of the blocks at its top (if, try), not of functions."""
    out, stack = [], list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif isinstance(node, (ast.If, ast.Try)):
            stack.extend(node.body + node.orelse + getattr(node, "finalbody", [])
                         + [s for h in getattr(node, "handlers", []) for s in h.body])
    return out


def _graph() -> dict:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        for imp in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(imp, ast.ImportFrom) and imp.level:
                base = package.split(".")
                base = base[:len(base) - imp.level + 1]
                stem = ".".join(base + ([imp.module] if imp.module else []))
                candidates = [f"{stem}.{a.name}" for a in imp.names] + [stem]
            else:
                mods = [imp.module] if isinstance(imp, ast.ImportFrom) else [a.name for a in imp.names]
                candidates = [m for m in mods if m and m.startswith("matcalc")]
            for c in candidates:
                if c in modules and c != name:
                    targets.add(c)
                    break
        graph[name] = targets
    return graph


def test_the_walk_finds_the_package_and_its_imports():
    g = _graph()
    assert len(g) > 50 and sum(len(t) for t in g.values()) > 150


def test_no_module_imports_from_a_layer_above_its_own():
    upward = sorted(f"{m} -> {t}" for m, ts in _graph().items() for t in ts
                    if LAYERS.index(_layer(t)) > LAYERS.index(_layer(m)))
    assert upward == []


def test_the_top_level_imports_form_no_cycle():
    g = _graph()
    state: dict = {}
    cycles = []

    def visit(m, path):
        state[m] = "open"
        for t in sorted(g[m]):
            if state.get(t) == "open":
                cycles.append(" -> ".join(path[path.index(t):] + [t]))
            elif t not in state:
                visit(t, path + [t])
        state[m] = "done"
    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert cycles == []
