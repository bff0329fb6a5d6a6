"""pytest plugin: every LaTeX string matcalc produces during the session is rendered by KaTeX.

Registered from tests/conftest.py (`pytest_plugins = ["latex_collector"]`).

Recording. matcalc's LaTeX entry points are wrapped as its modules are imported (an
import hook on `matcalc` and `matcalc.*`, plus the modules already loaded): every
function or method with "latex" in its name (`printing.to_latex`, `to_latex_compact`,
`latex_name`, `Expr.latex`, `Expression.latex` / `_repr_latex_`, `Result.latex` /
`_repr_latex_` / `latex_label`, ...), `LatexPrinter.doprint`, and `Result.forms()` (whose
"latex" values are recorded). Names bound by `from .printing import to_latex` are rebound
to the wrapper. Only the outermost call records, so what is kept is the final string a
caller received (the `$$...$$` of `_repr_latex_` with the dollars stripped), not the
printer's inner fragments.

Subprocesses. The session exports MATCALC_LATEX_LOG_DIR and puts a generated
`sitecustomize.py` first on PYTHONPATH, so Python subprocesses the tests start (the
command line, notebook kernels, pytest-xdist workers; forked workers too) record too, into
`$MATCALC_LATEX_LOG_DIR/<pid>.jsonl` (the original sitecustomize, if any, still runs).
A session that finds MATCALC_LATEX_LOG_DIR already set is such a child: it records into
the directory and leaves the rendering to its parent.

Rendering. At the end of the session the distinct strings are rendered in ONE node
process (tests/katex_render.js). A string KaTeX cannot render fails the session: the
exit status becomes 1, a "matcalc LaTeX rendered by KaTeX" section lists each failing
string with the expression and test that produced it and KaTeX's message, and a failed
report `tests/latex_collector.py::katex_renders_every_latex_string` is counted in the
summary (and in --junitxml). The list is also saved in the pytest cache
(`.pytest_cache/v/matcalc/katex_failures`). A failing string that only tests marked
xfail produced (a known printer bug pinned by an xfail(strict=True) test) is listed as
expected and does not fail the session; with --runxfail it does.

KaTeX's strictness (which of its LaTeX-compatibility checks are errors) is chosen in
tests/katex_render.js.

KaTeX comes from $MATCALC_KATEX_DIR (the `katex` package directory; .ci/run installs it
with npm). Without node or KaTeX the rendering is skipped with a note, unless
MATCALC_REQUIRE_KATEX=1, in which case the session fails.

The helpers `render` and `KatexUnavailable` are used by tests/test_latex_katex.py.
"""
from __future__ import annotations

import functools
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "katex_render.js")
LOG_ENV = "MATCALC_LATEX_LOG_DIR"
REPORT_NODEID = "tests/latex_collector.py::katex_renders_every_latex_string"
MAX_SHOWN = 100  # failing strings printed in full; the rest are in the cache file

_WRAPPED = "__matcalc_latex_wrapped__"


# --------------------------------------------------------------------------- rendering

class KatexUnavailable(Exception):
    """node or the katex package cannot be found or run."""


class RenderResult:
    def __init__(self, version: str, failures: list, warnings: list):
        self.version = version
        self.failures = failures  # [(index, message)]
        self.warnings = warnings  # [(index, code, message)]


def katex_required() -> bool:
    return os.environ.get("MATCALC_REQUIRE_KATEX", "").strip() not in ("", "0", "false", "no")


def render(strings: list, timeout: float = 900.0) -> RenderResult:
    """Render all strings in one node process; raise KatexUnavailable if it cannot run."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise KatexUnavailable("node is not on PATH")
    katex_dir = os.environ.get("MATCALC_KATEX_DIR")
    if katex_dir and not os.path.isdir(katex_dir):
        raise KatexUnavailable(f"MATCALC_KATEX_DIR={katex_dir} is not a directory")
    try:
        proc = subprocess.run([node, SCRIPT, "--report"], input=json.dumps(list(strings)), capture_output=True,
                              text=True, encoding="utf-8", timeout=timeout, cwd=HERE)
    except (OSError, subprocess.SubprocessError) as e:
        raise KatexUnavailable(f"could not run {node} {SCRIPT}: {e}") from None
    if proc.returncode == 3:
        raise KatexUnavailable(proc.stderr.strip() or "KaTeX could not be loaded")
    if proc.returncode not in (0, 1):
        raise KatexUnavailable(f"{SCRIPT} exited with status {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    try:
        out = json.loads(proc.stdout)
        failures = [(int(f["index"]), str(f["error"])) for f in out["failures"]]
        warnings = [(int(w["index"]), str(w["code"]), str(w["message"])) for w in out.get("warnings", [])]
        version = str(out.get("katex", "?"))
    except (ValueError, KeyError, TypeError) as e:
        raise KatexUnavailable(f"unreadable output from {SCRIPT} ({e}): {proc.stdout[:500]!r}") from None
    if out.get("count") != len(strings):
        raise KatexUnavailable(f"{SCRIPT} rendered {out.get('count')} strings, not {len(strings)}")
    return RenderResult(version, failures, warnings)


# --------------------------------------------------------------------------- recording

_tls = threading.local()
_lock = threading.RLock()
_records: dict = {}          # latex string -> [count, origin, first test, tests]
_calls = [0]                 # strings returned to callers (with repeats)
_sink: dict = {"path": None}  # a child process appends its new strings here
_current_test: list = [None]
_xfail_tests: set = set()    # node ids of the tests marked xfail
_instrumented_modules: set = set()
_wrappers: dict = {}         # id(original function) -> wrapper


def _strip_dollars(s: str) -> str:
    if len(s) >= 4 and s.startswith("$$") and s.endswith("$$"):
        return s[2:-2]
    if len(s) >= 2 and s.startswith("$") and s.endswith("$"):
        return s[1:-1]
    return s


def _short(text: str, n: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 3] + "..."


def _describe_obj(x) -> str:
    if isinstance(x, str):
        return repr(x)
    if hasattr(x, "function") and hasattr(x, "wrt") and hasattr(x, "kind"):
        return f"{x.kind} of `{_short(x.function)}` wrt {x.wrt} = `{_short(x)}`"
    return f"`{_short(x)}`"


def _describe(qualname: str, args: tuple) -> str:
    parts = []
    for a in args:
        if type(a).__name__.endswith("Printer"):
            continue
        try:
            parts.append(_describe_obj(a))
        except Exception as e:  # describing must never break the test
            parts.append(f"<{type(a).__name__}: str() failed: {e}>")
    return f"{qualname}({', '.join(parts)})"


def _test_id() -> str:
    if _current_test[0]:
        return _current_test[0]
    env = os.environ.get("PYTEST_CURRENT_TEST", "")
    return env.rsplit(" (", 1)[0] if env else "<outside a test>"


def _record(s: str, qualname: str, args: tuple) -> None:
    s = _strip_dollars(s)
    test = _test_id()
    with _lock:
        _calls[0] += 1
        rec = _records.get(s)
        if rec is not None:
            rec[0] += 1
            if test in rec[3]:
                return
            rec[3].add(test)
        else:
            rec = _records[s] = [1, _describe(qualname, args), test, {test}]
        path = _sink["path"]
    if path:  # a child process: one line per new (string, test)
        try:
            line = json.dumps({"latex": s, "origin": rec[1], "test": test}) + "\n"
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)
        except OSError:
            pass


def _capture(result, qualname: str, args: tuple) -> None:
    if isinstance(result, str):
        _record(result, qualname, args)
    elif isinstance(result, dict):  # Result.forms(): {"latex": ..., "differential": {"latex": ...}, ...}
        stack = [result]
        while stack:
            d = stack.pop()
            for k, v in d.items():
                if isinstance(v, dict):
                    stack.append(v)
                elif k == "latex" and isinstance(v, str):
                    _record(v, f"{qualname}[latex]", args)


def _wrap(fn, qualname: str):
    if getattr(fn, _WRAPPED, False):
        return fn
    w = _wrappers.get(id(fn))
    if w is not None:
        return w

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        depth = getattr(_tls, "depth", 0)
        _tls.depth = depth + 1
        try:
            result = fn(*args, **kwargs)
            if depth == 0:  # the outermost call: this is what the caller gets
                try:
                    _capture(result, qualname, args)
                except Exception:  # recording must never break the test
                    if os.environ.get("MATCALC_LATEX_DEBUG"):
                        raise
            return result
        finally:
            _tls.depth = depth

    setattr(wrapper, _WRAPPED, True)
    wrapper.__matcalc_latex_original__ = fn
    _wrappers[id(fn)] = wrapper
    return wrapper


def _is_latex_name(name: str) -> bool:
    return "latex" in name.lower()


def _instrument_module(mod) -> None:
    modname = mod.__name__
    for name, obj in list(vars(mod).items()):
        if inspect.isfunction(obj) and obj.__module__ == modname and _is_latex_name(name):
            setattr(mod, name, _wrap(obj, f"{modname}.{name}"))
        elif inspect.isclass(obj) and obj.__module__ == modname:
            for attr, val in list(vars(obj).items()):
                want = _is_latex_name(attr) or attr == "forms" or (attr == "doprint" and _is_latex_name(obj.__name__))
                if not want:
                    continue
                qual = f"{obj.__name__}.{attr}"
                if inspect.isfunction(val):
                    setattr(obj, attr, _wrap(val, qual))
                elif isinstance(val, property) and val.fget is not None and not getattr(val.fget, _WRAPPED, False):
                    setattr(obj, attr, property(_wrap(val.fget, qual), val.fset, val.fdel, val.__doc__))


def _rebind_all() -> None:
    """Point names imported with `from .printing import to_latex` at the wrappers."""
    for modname, mod in list(sys.modules.items()):
        if mod is None or not (modname == "matcalc" or modname.startswith("matcalc.")):
            continue
        d = getattr(mod, "__dict__", None)
        if not d:
            continue
        for name, obj in list(d.items()):
            if inspect.isfunction(obj) and not getattr(obj, _WRAPPED, False):
                w = _wrappers.get(id(obj))
                if w is not None and w.__matcalc_latex_original__ is obj:
                    d[name] = w


def instrument_loaded() -> None:
    with _lock:
        for modname, mod in list(sys.modules.items()):
            if mod is None or not (modname == "matcalc" or modname.startswith("matcalc.")):
                continue
            if modname in _instrumented_modules or getattr(mod, "__spec__", None) is None:
                continue
            if getattr(mod.__spec__, "_initializing", False):
                continue  # still executing (a circular import): done when it finishes
            try:
                _instrument_module(mod)
            except Exception:
                if os.environ.get("MATCALC_LATEX_DEBUG"):
                    raise
                continue
            _instrumented_modules.add(modname)
        _rebind_all()


class _Loader:
    """Delegates to the real loader; instruments matcalc once a module has executed."""

    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        spec = getattr(module, "__spec__", None)
        if spec is not None:
            spec._initializing = False
        _instrumented_modules.discard(module.__name__)  # (again, after importlib.reload)
        instrument_loaded()

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _Finder:
    """sys.meta_path entry: matcalc's modules load through _Loader."""

    _matcalc_latex_finder = True

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "matcalc" and not fullname.startswith("matcalc."):
            return None
        for finder in sys.meta_path:
            if finder is self or getattr(finder, "_matcalc_latex_finder", False):
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader)
        return spec

    def invalidate_caches(self):
        pass


def install() -> None:
    """Record from now on: hook future imports of matcalc and wrap what is loaded."""
    if not any(getattr(f, "_matcalc_latex_finder", False) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    instrument_loaded()


def install_child(log_dir: str) -> None:
    """In a subprocess: record into log_dir (called by the generated sitecustomize)."""
    _sink["path"] = os.path.join(log_dir, f"{os.getpid()}-{threading.get_ident()}.jsonl")
    install()


def _read_child_logs(log_dir: str) -> list:
    out = []
    try:
        names = sorted(os.listdir(log_dir))
    except OSError:
        return out
    for name in names:
        if name.endswith(".xfail"):  # a child session's tests marked xfail
            try:
                with open(os.path.join(log_dir, name), encoding="utf-8") as fh:
                    _xfail_tests.update(json.load(fh))
            except (OSError, ValueError):
                pass
            continue
        if not name.endswith(".jsonl"):
            continue
        try:
            with open(os.path.join(log_dir, name), encoding="utf-8") as fh:
                for line in fh:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # a line cut short by a killed process
        except OSError:
            pass
    return out


_SITECUSTOMIZE = '''\
# Generated by tests/latex_collector.py for one pytest session: Python subprocesses started
# by the tests record the LaTeX matcalc produces. Then the real sitecustomize (if any) runs.
import os as _os
import sys as _sys


def _matcalc_latex_hook():
    log_dir = _os.environ.get({log_env!r})
    if not log_dir or not _os.path.isdir(log_dir):
        return
    tests = {tests!r}
    _sys.path.insert(0, tests)
    try:
        import latex_collector
    finally:
        try:
            _sys.path.remove(tests)
        except ValueError:
            pass
    latex_collector.install_child(log_dir)


def _chain_sitecustomize():
    import importlib.machinery
    import importlib.util
    here = _os.path.dirname(_os.path.abspath(__file__))
    paths = [p for p in _sys.path if _os.path.abspath(p or _os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", paths)
    if spec is not None and spec.loader is not None and spec.origin != __file__:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


try:
    _matcalc_latex_hook()
except Exception:
    if _os.environ.get("MATCALC_LATEX_DEBUG"):
        raise
_chain_sitecustomize()
'''


# --------------------------------------------------------------------------- pytest hooks

_state: dict = {}


def pytest_configure(config):
    _state.clear()
    _xfail_tests.clear()
    log_dir = os.environ.get(LOG_ENV)
    if log_dir and os.path.isdir(log_dir):  # a child of a recording session: record, do not render
        _state["child"] = True
        if _sink["path"] is None:
            install_child(log_dir)
        else:
            install()
        return
    _state["child"] = False
    log_dir = tempfile.mkdtemp(prefix="matcalc-latex-")
    hook_dir = os.path.join(log_dir, "hook")
    os.mkdir(hook_dir)
    with open(os.path.join(hook_dir, "sitecustomize.py"), "w", encoding="utf-8") as fh:
        fh.write(_SITECUSTOMIZE.format(log_env=LOG_ENV, tests=HERE))
    _state["log_dir"] = log_dir
    _state["env"] = {k: os.environ.get(k) for k in (LOG_ENV, "PYTHONPATH")}
    os.environ[LOG_ENV] = log_dir
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = hook_dir + (os.pathsep + old if old else "")
    with _lock:
        _records.clear()
        _calls[0] = 0
    install()
    if hasattr(os, "register_at_fork") and not _state.get("fork_hook"):
        os.register_at_fork(after_in_child=_after_fork)
        _state["fork_hook"] = True


def _after_fork() -> None:
    """A forked worker (multiprocessing) records into the log directory, like a subprocess."""
    global _lock
    log_dir = _state.get("log_dir")
    if log_dir and not _state.get("child", True):
        _state["child"] = True
        _lock = threading.RLock()  # another thread may have held it at the fork
        _records.clear()
        _sink["path"] = os.path.join(log_dir, f"{os.getpid()}-{threading.get_ident()}.jsonl")


def pytest_collection_finish(session):
    """Which tests are marked xfail: a string only they produce is an expected failure."""
    if getattr(session.config.option, "runxfail", False):
        return
    for item in session.items:
        m = item.get_closest_marker("xfail")
        if m is None:
            continue
        conds = list(m.args) + ([m.kwargs["condition"]] if "condition" in m.kwargs else [])
        if all(isinstance(c, str) or bool(c) for c in conds):
            _xfail_tests.add(item.nodeid)
    if _state.get("child") and _sink["path"] and _xfail_tests:  # e.g. an xdist worker: tell the parent
        try:
            with open(_sink["path"][:-len(".jsonl")] + ".xfail", "w", encoding="utf-8") as fh:
                json.dump(sorted(_xfail_tests), fh)
        except OSError:
            pass


def pytest_runtest_logstart(nodeid, location):
    _current_test[0] = nodeid
    instrument_loaded()


def pytest_runtest_logfinish(nodeid, location):
    _current_test[0] = None


def pytest_unconfigure(config):
    if _state.get("child", True):
        return
    if _state.get("pending") and config.pluginmanager.get_plugin("terminalreporter") is not None:
        _flush(None)  # the terminal summary did not run (an internal error): stderr
    for k, v in _state.get("env", {}).items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if _state.get("log_dir"):
        shutil.rmtree(_state["log_dir"], ignore_errors=True)


def _all_records() -> tuple:
    """({latex: [count, origin, first test, tests]}, strings returned, lines from subprocesses)."""
    with _lock:
        recs = {s: [r[0], r[1], r[2], set(r[3])] for s, r in _records.items()}
        calls = _calls[0]
    children = _read_child_logs(_state["log_dir"]) if _state.get("log_dir") else []
    for rec in children:
        s = rec.get("latex")
        if not isinstance(s, str):
            continue
        calls += 1
        test = str(rec.get("test"))
        if s in recs:
            recs[s][0] += 1
            recs[s][3].add(test)
        else:
            recs[s] = [1, "subprocess: " + str(rec.get("origin")), test, {test}]
    return recs, calls, len(children)


def _hookimpl(**opts):
    """pytest.hookimpl(...) in a pytest process; a no-op where the module serves a subprocess."""
    pytest = sys.modules.get("pytest")
    return pytest.hookimpl(**opts) if pytest is not None else (lambda f: f)


@_hookimpl(tryfirst=True)  # before junitxml writes its file
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if _state.get("child", True):
        return
    if getattr(config.option, "collectonly", False):
        return
    if int(exitstatus) == 2:  # interrupted: the strings are incomplete anyway
        return
    recs, calls, nchild = _all_records()
    out = _Output(config)
    title = "matcalc LaTeX rendered by KaTeX"
    if not recs:
        out.line(f"{title}: no LaTeX strings were produced in this session")
        return
    strings = list(recs)
    what = f"{len(strings)} distinct LaTeX string{'s' if len(strings) != 1 else ''} ({calls} returned by matcalc" + \
        (f", {nchild} of them in subprocesses)" if nchild else ")")
    try:
        res = render(strings)
    except KatexUnavailable as e:
        if katex_required():
            msg = f"KaTeX is required (MATCALC_REQUIRE_KATEX=1) but unavailable: {e}"
            out.section(title, red=True)
            out.line(msg, red=True)
            _fail(session, config, f"{what} not rendered: {msg}")
        else:
            out.line(f"{title}: SKIPPED, KaTeX unavailable ({_short(e, 400)}); set MATCALC_KATEX_DIR to "
                     f"<dir>/node_modules/katex after `npm install katex@0.16` to render the {what}",
                     yellow=True)
        return
    if not res.failures:
        _save(config, [])
        note = f"{title}: {what}, KaTeX {res.version}, 0 errors"
        if res.warnings:
            codes = sorted({c for _, c, _ in res.warnings})
            note += f" ({len(res.warnings)} compatibility warnings: {', '.join(codes)})"
        out.line(note, green=not res.warnings, yellow=bool(res.warnings))
        return
    failing, expected = [], []
    for i, err in res.failures:
        s = strings[i]
        count, origin, first, tests = recs[s]
        others = sorted(t for t in tests if t not in _xfail_tests)
        entry = {"latex": s, "error": err, "origin": origin, "test": others[0] if others else first,
                 "tests": len(tests), "count": count}
        (failing if others else expected).append(entry)
    saved = _save(config, failing + expected)
    if not failing:
        out.line(f"{title}: {what}, KaTeX {res.version}: {len(expected)} fail to render, all of them only in "
                 f"tests marked xfail (expected):", yellow=True)
        _show(out, expected, brief=True)
        return
    out.section(title, red=True)
    out.line(f"{len(failing)} of {what} fail to render in KaTeX {res.version}:", red=True)
    _show(out, failing)
    if expected:
        out.line("")
        out.line(f"{len(expected)} more fail only in tests marked xfail (expected):", yellow=True)
        _show(out, expected, brief=True)
    if saved:
        out.line(f"the full list: {saved}")
    _fail(session, config, f"{len(failing)} of {what} fail to render in KaTeX {res.version}; "
                           f"see the section '{title}'", failing)


def _show(out, entries, brief: bool = False) -> None:
    limit = 20 if brief else MAX_SHOWN
    for n, r in enumerate(entries):
        if n == limit:
            out.line(f"... and {len(entries) - limit} more")
            break
        if brief:  # known (xfail) failures: one line each
            out.line(f"  [{n + 1}] {_short(r['latex'], 100)}  --  {_short(r['error'], 100)}")
            continue
        out.line("")
        out.line(f"[{n + 1}] {r['latex']}", bold=True)
        out.line(f"    KaTeX:    {r['error']}")
        out.line(f"    produced: {r['origin']}")
        more = f" (and {r['tests'] - 1} other tests)" if r["tests"] > 1 else ""
        out.line(f"    in test:  {r['test']}{more}")


def _save(config, report):
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        cache.set("matcalc/katex_failures", report)
        return os.path.join(str(cache._cachedir), "v", "matcalc", "katex_failures")
    except Exception:
        return None


def _fail(session, config, message: str, report=None) -> None:
    """Make the session fail, visibly: exit status 1 and a failed report in the summary."""
    from _pytest.main import ExitCode
    if session.exitstatus in (ExitCode.OK, ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = ExitCode.TESTS_FAILED
    try:
        from _pytest.reports import TestReport
        longrepr = message
        if report:  # the details are in the section above; one example here (and in --junitxml)
            r = report[0]
            longrepr += f"\n\nfirst: {r['latex']}\n    KaTeX:    {r['error']}\n    produced: {r['origin']}"
        loc = ("tests/latex_collector.py", 0, "katex_renders_every_latex_string")
        rep = TestReport(nodeid=REPORT_NODEID, location=loc, keywords={}, outcome="failed", longrepr=longrepr,
                         when="call")
        tr = config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.stats.setdefault("failed", []).append(rep)
            if hasattr(tr, "_main_color"):
                tr._main_color = None  # recomputed: the summary line turns red
        try:  # --junitxml: a failed test case
            from _pytest.junitxml import xml_key
            xml = config.stash.get(xml_key, None)
        except Exception:
            xml = None
        if xml is not None:
            xml.pytest_runtest_logreport(rep)
            xml.pytest_runtest_logreport(TestReport(nodeid=REPORT_NODEID, location=loc, keywords={},
                                                    outcome="passed", longrepr=None, when="teardown"))
    except Exception:
        if os.environ.get("MATCALC_LATEX_DEBUG"):
            raise


class _Output:
    """Lines for the terminal summary (written by pytest_terminal_summary), else stderr."""

    def __init__(self, config):
        self.tr = config.pluginmanager.get_plugin("terminalreporter")
        _state["pending"] = self.items = []

    def section(self, title, **markup):
        self.items.append(("section", title, markup))
        if self.tr is None:
            sys.stderr.write(f"\n===== {title} =====\n")

    def line(self, text, **markup):
        self.items.append(("line", text, markup))
        if self.tr is None:
            sys.stderr.write(text + "\n")


def _flush(tr) -> None:
    items = _state.pop("pending", None) or []
    for kind, text, markup in items:
        if tr is None:
            sys.stderr.write((f"\n===== {text} =====" if kind == "section" else text) + "\n")
        elif kind == "section":
            tr.section(text, sep="=", **markup)
        else:
            tr.line(text, **markup)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _flush(terminalreporter)
