"""The parser is built once per installation, not once per process.

Building Lark's LALR tables from grammar/matcalc.lark takes tens of milliseconds, most of the
first parse of a process (and of every command-line call). The built parser is serialized with
Lark's own `save` and read back with `Lark.load`, which skips the grammar analysis.

Where: a file in the user's cache directory (MATCALC_CACHE_DIR, else $XDG_CACHE_HOME/matcalc, else
~/.cache/matcalc), never inside the installed package, so a read-only site-packages is no
obstacle. Its name is a digest of everything the tables depend on (the grammar text, the function
names of the registry, which the lexer reads, and the versions of matcalc, Lark and Python), so
an upgrade or an edited grammar never loads a stale parser: it writes a new file. The file is
written to a temporary name and renamed into place, so a process never reads a half-written one.
When the directory cannot be made or written (a read-only home, a sandbox), or the file cannot
be read back, the parser is built in memory as before: the cache only ever saves time.
MATCALC_PARSER_CACHE=0 turns it off.

The file is a pickle, like every Lark cache: it lives in a directory of the user's own, as their
other caches do, and is only read when its digest matches.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile


def cache_dir() -> str:
    base = os.environ.get("MATCALC_CACHE_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "matcalc")


def cache_path(key_parts) -> str:
    import lark
    h = hashlib.sha256()
    for part in list(key_parts) + [lark.__version__, sys.version]:
        h.update(str(part).encode("utf-8"))
        h.update(b"\0")
    return os.path.join(cache_dir(), f"parser-{h.hexdigest()[:24]}.lark")


def enabled() -> bool:
    return os.environ.get("MATCALC_PARSER_CACHE", "1").strip().lower() not in ("0", "off", "no", "false")


def load_or_build(build, key_parts, **load_options):
    """The Lark parser from the cache file for `key_parts`, or `build()` (saved for next time).

    `load_options` are the options Lark takes when loading (the transformer); `build()` must make
    the same parser with them.
    """
    from lark import Lark
    if not enabled():
        return build()
    path = cache_path(key_parts)
    try:
        with open(path, "rb") as fh:
            # Lark.load takes no options; _load is what Lark's own cache=... uses to pass them
            return Lark.__new__(Lark)._load(fh, **load_options)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged or foreign file: rebuild and replace it
        pass
    parser = build()
    _save(parser, path, exclude=tuple(load_options))
    return parser


def _save(parser, path: str, exclude=()) -> None:
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".parser-", suffix=".tmp", dir=directory)
    except OSError:
        return  # not writable: build in memory each time, as without a cache
    try:
        with os.fdopen(fd, "wb") as fh:
            parser.save(fh, exclude_options=exclude)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - a full disk or an unpicklable option: no cache, no harm
        try:
            os.unlink(tmp)
        except OSError:
            pass
