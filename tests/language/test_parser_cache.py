"""The parser is built once per installation: its tables are saved to a cache file on first use and
loaded from it afterwards; an unwritable or damaged cache only costs time, never an error.

Each test runs a fresh Python (the parser is built once per process), with the cache directory
set by MATCALC_CACHE_DIR.
"""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARSE = "import matcalc; print(matcalc.parse(\"x' A x\"))"


def _run(cache_dir, code: str = PARSE, **env) -> str:
    full = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                MATCALC_CACHE_DIR=str(cache_dir), **env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _cache_files(cache_dir) -> list:
    return sorted(p for p in os.listdir(cache_dir) if p.startswith("parser-") and p.endswith(".lark")) \
        if os.path.isdir(cache_dir) else []


def test_first_parse_writes_the_cache_file_and_the_next_process_reuses_it(tmp_path):
    assert _run(tmp_path) == "x' A x"
    files = _cache_files(tmp_path)
    assert len(files) == 1
    path = tmp_path / files[0]
    before = path.stat()
    assert _run(tmp_path) == "x' A x"
    after = path.stat()
    assert _cache_files(tmp_path) == files
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not rewritten


def test_a_cache_directory_that_cannot_be_made_is_no_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert _run(blocker / "cache") == "x' A x"


def test_a_damaged_cache_file_is_rebuilt_and_replaced(tmp_path):
    _run(tmp_path)
    (name,) = _cache_files(tmp_path)
    (tmp_path / name).write_bytes(b"not a parser")
    assert _run(tmp_path) == "x' A x"
    assert (tmp_path / name).read_bytes() != b"not a parser"


def test_cache_can_be_switched_off(tmp_path):
    assert _run(tmp_path, MATCALC_PARSER_CACHE="0") == "x' A x"
    assert _cache_files(tmp_path) == []


def test_parse_errors_are_the_same_with_the_parser_from_the_cache(tmp_path):
    code = ("import matcalc\ntry:\n    matcalc.parse('x +* y')\nexcept matcalc.ParseError as e:\n    print(e)")
    first = _run(tmp_path, code)
    assert _cache_files(tmp_path)
    assert _run(tmp_path, code) == first and "column" in first
