"""The README's command-line examples print what the README shows (a shown example that has gone
stale misleads a new user before anything else does).

Every `$ matcalc ...` line of README.md (in a console block or indented), with its continuation
lines, is run in-process, and each line the README shows after it must appear in what the command
printed (standard output, then standard error), in order. A line `...` stands for lines left out,
and a line ending in `...` for the rest of that line.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from matcalc import cli

README = Path(__file__).resolve().parents[2] / "README.md"
#: a finite-difference error at random inputs differs from run to run
_VARYING = re.compile(r"\b[0-9]+(?:\.[0-9]+)?e[-+][0-9]+\b")


def _examples() -> list:
    """(line number, the command's arguments, the lines shown after it)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)\$ matcalc (.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, command, start = m.group(1), m.group(2), i + 1
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + " " + lines[i].strip()
        shown = []
        i += 1
        while i < len(lines) and lines[i].strip() and not lines[i].startswith("```") \
                and not re.match(r"^\s*\$ ", lines[i]) and lines[i].startswith(indent):
            shown.append(lines[i][len(indent):].rstrip())
            i += 1
        out.append((start, shlex.split(command), shown))
    return out


EXAMPLES = _examples()


def test_the_readme_has_command_line_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("line, argv, shown", EXAMPLES, ids=[f"README.md:{e[0]}" for e in EXAMPLES])
def test_a_readme_command_line_example_prints_what_the_readme_shows(line, argv, shown, capsys):
    cli.main(argv)
    captured = capsys.readouterr()
    printed = [_VARYING.sub("<number>", t.rstrip()) for t in (captured.out + captured.err).splitlines()]
    at = 0
    for want in shown:
        if want.strip() == "...":
            continue
        want = _VARYING.sub("<number>", want)
        prefix = want[:-3] if want.endswith("...") else None
        while at < len(printed) and not (printed[at] == want or (prefix is not None and printed[at].startswith(prefix))):
            at += 1
        assert at < len(printed), (f"README.md:{line}: `matcalc {shlex.join(argv)}` does not print {want!r} "
                                   f"(in this order); it prints:\n" + "\n".join(printed))
        at += 1
