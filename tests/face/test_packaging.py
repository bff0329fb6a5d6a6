"""A plain, non-editable install works: the wheel carries the grammar and the package parses."""
import os
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    try:
        import build  # noqa: F401
    except ImportError:  # pragma: no cover - `build` is in the test extra
        pytest.fail("the 'build' package (test extra) is needed to build the wheel")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), ROOT],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = [f for f in os.listdir(out) if f.endswith(".whl")]
    assert len(wheels) == 1
    return os.path.join(out, wheels[0])


def test_the_distribution_is_named_matcalc_diff_and_installs_the_matcalc_package(wheel):
    """On PyPI `matcalc` is an unrelated project: this one is distributed as matcalc-diff,
    imported as `matcalc`, with the `matcalc` command."""
    assert os.path.basename(wheel).startswith("matcalc_diff-")
    z = zipfile.ZipFile(wheel)
    meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    text = z.read(meta).decode()
    assert "\nName: matcalc-diff\n" in text
    entry = next(n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "matcalc = matcalc.cli:main" in z.read(entry).decode()
    assert "matcalc/__init__.py" in z.namelist()


def test_wheel_contains_the_grammar_and_its_parser_tables(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "matcalc/grammar/matcalc.lark" in names
    assert "matcalc/language/lalr_tables.py" in names


def test_the_installed_package_needs_no_lark(wheel):
    """Lark computes the tables when the grammar changes; an installation runs them without it."""
    z = zipfile.ZipFile(wheel)
    meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    runtime = [line for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert runtime and not any("lark" in line for line in runtime), runtime


def test_wheel_marks_the_package_typed_and_carries_its_license(wheel):
    """PEP 561: a type checker reads the package's own annotations only where py.typed is installed
    beside it; the license the metadata names is shipped with it."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "matcalc/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names), names


def test_wheel_contains_the_web_page(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for asset in ("index.html", "style.css", "app.js"):
        assert f"matcalc/web/static/{asset}" in names


def test_installed_wheel_parses_outside_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target",
                           str(target), wheel], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    code = ("import matcalc, os; assert os.path.dirname(matcalc.__file__).startswith(%r), matcalc.__file__; "
            "print(matcalc.grad(\"x'Ax\", 'x')); "
            "from matcalc.language import parser, lalr_tables; import sys; "
            "assert parser.tables() is lalr_tables and 'lark' not in sys.modules" % str(target))
    env = dict(os.environ, PYTHONPATH=str(target))
    proc = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "(A + A') x"


def test_every_module_compiles_without_escape_warnings():
    """An invalid escape in a docstring (\\l, \\m) is a SyntaxWarning on Python 3.12 and an error later."""
    import glob
    import warnings
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "matcalc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in glob.glob(os.path.join(root, "**", "*.py"), recursive=True):
            with open(path, encoding="utf-8") as fh:
                compile(fh.read(), path, "exec")
