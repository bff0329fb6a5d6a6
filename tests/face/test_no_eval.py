"""matcalc never evaluates the user's text as Python.

Statically: no module of the package calls eval or exec (or the builtin compile, or
__import__), directly or through builtins/getattr. The one exception is matcalc/outputs/codegen/generate.py,
which compiles source it generated from the expression tree; there exec and compile may
only appear inside functions whose names say so (GENERATED_CODE_LOADERS), and exec always
gets an explicit namespace.

Dynamically: parsing and differentiating injection strings calls none of eval, exec and
compile (patched to raise), leaves no canary file behind and, in a fresh interpreter with
an audit hook, raises no exec/compile/process/socket audit event.
"""
from __future__ import annotations

import ast
import builtins
import json
import os
import subprocess
import sys
import textwrap

import pytest

import matcalc
from conftest import ROOT

PACKAGE = os.path.join(ROOT, "matcalc")
CODEGEN = os.path.join(PACKAGE, "outputs", "codegen", "generate.py")

#: functions of generate.py allowed to compile and exec generated source
GENERATED_CODE_LOADERS = {"load_generated", "_load_generated", "exec_generated", "compile_generated"}

DANGEROUS = {"eval", "exec"}
BUILTIN_ONLY = {"compile", "__import__"}   # dangerous unless the module defines or imports its own


def modules() -> list:
    out = []
    for here, _, files in os.walk(PACKAGE):
        out += [os.path.join(here, f) for f in files if f.endswith(".py")]
    return sorted(out)


def _bound_names(tree: ast.Module) -> set:
    """Names a module binds itself (def, class, import, assignment): those shadow the builtins."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def dangerous_calls(source: str, filename: str = "<source>") -> list:
    """[(name, line, enclosing function or None)] for every call that can run code from a string."""
    tree = ast.parse(source, filename)
    shadowed = _bound_names(tree)
    found = []

    def visit(node, func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name
        if isinstance(node, ast.Call):
            f = node.func
            name = None
            if isinstance(f, ast.Name):
                if f.id in DANGEROUS or (f.id in BUILTIN_ONLY and f.id not in shadowed):
                    name = f.id
            elif isinstance(f, ast.Attribute) and f.attr in DANGEROUS | BUILTIN_ONLY:
                if isinstance(f.value, ast.Name) and f.value.id in ("builtins", "__builtins__"):
                    name = f"{f.value.id}.{f.attr}"
            if isinstance(f, ast.Name) and f.id == "getattr" and len(node.args) >= 2:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and arg.value in DANGEROUS | BUILTIN_ONLY:
                    name = f"getattr(..., {arg.value!r})"
            if name:
                found.append((name, node.lineno, func))
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == "__builtins__":
            found.append(("__builtins__[...]", node.lineno, func))
        for child in ast.iter_child_nodes(node):
            visit(child, func)

    visit(tree, None)
    return found


def _read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


# ---------------------------------------------------------------------------- the checker itself

def test_checker_finds_planted_eval_exec_and_compile():
    src = textwrap.dedent("""
        import builtins
        def f(s):
            eval(s)
            exec(s, {})
            compile(s, "<x>", "exec")
            builtins.eval(s)
            getattr(builtins, "exec")(s)
            __import__("os")
    """)
    names = [n for n, _, _ in dangerous_calls(src)]
    assert names == ["eval", "exec", "compile", "builtins.eval", "getattr(..., 'exec')", "__import__"]


def test_checker_ignores_methods_and_own_functions_named_like_builtins():
    src = textwrap.dedent("""
        import re
        from .api import compile
        pattern = re.compile("x")
        def g(e):
            return e.evaluate({}), compile("x'x", "x"), pattern.match("x")
    """)
    assert dangerous_calls(src) == []


def test_checker_reports_the_enclosing_function():
    src = "def load_generated(s):\n    exec(compile(s, '<g>', 'exec'), {})\n"
    assert dangerous_calls(src) == [("exec", 2, "load_generated"), ("compile", 2, "load_generated")]


# ---------------------------------------------------------------------------- the package

def test_package_has_modules_to_check():
    names = {os.path.basename(p) for p in modules()}
    assert {"parser.py", "infer.py", "evaluate.py", "cli.py"} <= names


@pytest.mark.parametrize("path", [p for p in modules() if p != CODEGEN],
                         ids=lambda p: os.path.relpath(p, ROOT))
def test_module_never_calls_eval_exec_or_compile(path):
    found = dangerous_calls(_read(path), path)
    assert not found, f"{os.path.relpath(path, ROOT)}: " + ", ".join(f"{n} on line {l}" for n, l, _ in found)


def _codegen_source():
    if not os.path.exists(CODEGEN):
        pytest.skip("matcalc/outputs/codegen/generate.py does not exist")
    return _read(CODEGEN)


def test_codegen_execs_and_compiles_only_in_functions_named_for_it():
    found = dangerous_calls(_codegen_source(), CODEGEN)
    outside = [(n, l, f) for n, l, f in found if n not in ("eval",) and f not in GENERATED_CODE_LOADERS]
    assert not outside, ("exec/compile outside " + ", ".join(sorted(GENERATED_CODE_LOADERS)) + ": "
                         + ", ".join(f"{n} on line {l} in {f or 'module level'}" for n, l, f in outside))


def test_codegen_never_calls_eval():
    found = dangerous_calls(_codegen_source(), CODEGEN)
    evals = [(n, l) for n, l, _ in found if "eval" in n]
    assert not evals, f"eval in generate.py: {evals}"


def test_codegen_exec_always_gets_an_explicit_namespace():
    tree = ast.parse(_codegen_source(), CODEGEN)
    execs = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "exec"]
    bare = [n.lineno for n in execs if len(n.args) + len(n.keywords) < 2]
    assert not bare, f"exec without a namespace on line(s) {bare}"


# ---------------------------------------------------------------------------- at run time

INJECTIONS = [
    "__import__('os')",
    "__import__('os').system('touch {canary}')",
    "eval(\"open('{canary}', 'w')\")",
    "exec(\"open('{canary}', 'w')\")",
    "open('{canary}', 'w')",
    "lambda: open('{canary}', 'w')",
    "x; import os; os.system('touch {canary}')",
    "{{{{7*7}}}}",
    "${{x}}",
    "x' A x + __import__('os').system('touch {canary}')",
    "compile('1', 's', 'eval')",
    "globals()['__builtins__']",
]


@pytest.fixture
def canary(tmp_path):
    return str(tmp_path / "canary")


@pytest.fixture
def no_code_execution(monkeypatch):
    """eval, exec and compile raise (and are counted) while the test runs."""
    calls = []

    def trap(name):
        def refuse(*a, **k):
            calls.append(name)
            raise AssertionError(f"{name} was called")
        return refuse
    matcalc.parse("x' A x + tr(X)")          # import everything parse and grad use before trapping
    matcalc.grad("x' A x", "x")
    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, trap(name))
    return calls


def _attempt(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except matcalc.MatcalcError:
        pass


@pytest.mark.parametrize("template", INJECTIONS)
def test_parsing_an_injection_string_runs_no_code(template, canary, no_code_execution):
    _attempt(matcalc.parse, template.format(canary=canary))
    assert no_code_execution == []
    assert not os.path.exists(canary)


@pytest.mark.parametrize("template", INJECTIONS)
def test_differentiating_an_injection_string_runs_no_code(template, canary, no_code_execution):
    text = template.format(canary=canary)
    _attempt(matcalc.grad, text, "x")
    _attempt(matcalc.hessian, text, "x")
    assert no_code_execution == []
    assert not os.path.exists(canary)


def test_injection_in_declarations_runs_no_code(canary, no_code_execution):
    _attempt(matcalc.parse, "x", where=f"x: __import__('os').system('touch {canary}')")
    _attempt(matcalc.parse, "x", where={"x": f"exec(\"open('{canary}', 'w')\")"})
    assert no_code_execution == []
    assert not os.path.exists(canary)


def test_injection_as_the_variable_name_runs_no_code(canary, no_code_execution):
    _attempt(matcalc.grad, "x'x", f"__import__('os').system('touch {canary}')")
    assert no_code_execution == []
    assert not os.path.exists(canary)


def test_python_words_are_read_as_products_of_names_not_as_python():
    e = matcalc.parse("os'")  # "os" alone: two vectors side by side, refused as two readings (issue 13)
    assert set(e.variables) == {"o", "s"}


AUDIT_SCRIPT = r"""
import json, sys
import matcalc
matcalc.parse("x' A x + tr(X)"); matcalc.grad("x' A x", "x"); matcalc.hessian("x' A x", "x")
WATCH = ("exec", "compile", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
         "subprocess.Popen", "socket.connect", "ctypes.dlopen", "os.remove", "shutil.rmtree")
events = []
on = [False]
def hook(event, args):
    if on[0] and event in WATCH:
        events.append([event, repr(args)[:100]])
sys.addaudithook(hook)
texts = json.loads(sys.argv[1])
on[0] = True
exec(compile("1", "<control>", "eval"), {})   # a positive control: the hook must see these
control = [e for e, _ in events]
del events[:]
for t in texts:
    for call in (lambda: matcalc.parse(t), lambda: matcalc.grad(t, "x"), lambda: matcalc.parse("x", where=t)):
        try:
            call()
        except matcalc.MatcalcError:
            pass
on[0] = False
print(json.dumps({"control": control, "events": events}))
"""


def test_no_exec_compile_or_process_audit_event_while_handling_injections(tmp_path):
    canary = str(tmp_path / "canary")
    texts = [t.format(canary=canary) for t in INJECTIONS]
    env = {k: v for k, v in os.environ.items() if k != "MATCALC_DEBUG"}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, json.dumps(texts)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"compile", "exec"} <= set(report["control"]), "the audit hook does not work"
    assert report["events"] == []
    assert not os.path.exists(canary)
