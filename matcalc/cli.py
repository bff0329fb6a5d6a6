"""The command line: `matcalc "tr(AX^2BX^-T)" --wrt X` prints df and the gradient in LaTeX.

Exit status 0 on success, 2 on bad input (the message on standard error), never a
Python traceback (set MATCALC_DEBUG=1 to see one for an internal error).
"""
from __future__ import annotations

import argparse
import contextvars
import importlib
import json
import os
import sys

import matcalc

from .core.errors import MatcalcError


def _engine(module: str):
    """A module of the engine, loaded when a command first needs it: `--help` and `--version` need
    none, so they start without the parser, the rules or NumPy (`import matcalc` is lazy too)."""
    return importlib.import_module(module, __package__)


def numpy_shape(shape: tuple) -> tuple:
    return _engine(".expression").numpy_shape(shape)




def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matcalc",
        description="Symbolic matrix calculus by the differential approach: df, gradients, Jacobians, Hessians.",
        epilog='examples:\n  matcalc "tr(AX^2BX^-T)" --wrt X\n'
               '  matcalc "x\'Ax" --wrt x --hessian --where "A: matrix(n,n) symmetric"\n'
               '  echo "log(det(X))" | matcalc - --wrt X --format json --check\n'
               '  matcalc serve [--port N] [--open]    (the local web page; matcalc serve --help)',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"matcalc {_version()}")
    p.add_argument("expr", help="the expression, or - to read it from standard input")
    p.add_argument("--wrt", action="append", help="the variable to differentiate by, or several separated by commas "
                                                   "(W1,b1,W2,b2: every gradient, the block Hessian) or given by "
                                                   "repeating --wrt; may be left out when the expression has one variable")
    p.add_argument("--where", action="append", help="declarations, e.g. 'A: matrix(m,n); x: vector(n); S: matrix(n,n) "
                                                    "symmetric' (a repeated --where adds to them)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--hessian", action="store_true", help="the Hessian (second order)")
    what.add_argument("--hvp", action="store_true", help="the Hessian-vector product H[v]")
    what.add_argument("--jacobian", action="store_true", help="the Jacobian (default for vector and matrix functions)")
    what.add_argument("--differential", action="store_true", help="only df")
    p.add_argument("--layout", choices=("numerator", "denominator"), default="numerator",
                   help="Jacobian layout (default numerator: vec(dF) = J vec(dX))")
    p.add_argument("--format", choices=("latex", "text", "json", "numpy"), default="latex")
    p.add_argument("--check", action="store_true", help="compare with central finite differences at random inputs")
    p.add_argument("--steps", action="store_true", help="show the derivation step by step, each step's rule named")
    return p


def _version() -> str:
    return matcalc.__version__


def _protect_negative_expression(argv: list) -> tuple:
    """`matcalc "-exp(-x'x)" --wrt x`: an expression that starts with '-' is not an option."""
    parser_opts = ("-h", "--")
    out, saved = [], {}
    for a in argv:
        if a.startswith("-") and len(a) > 1 and not a.startswith("--") and a not in parser_opts and not saved:
            key = f"@matcalc-expr-{len(saved)}"
            saved[key] = a
            out.append(key)
        else:
            out.append(a)
    return out, saved


def _refuse_extra_arguments(parser: argparse.ArgumentParser, expr: str, extra: list) -> None:
    """Arguments the parser did not take. An option it does not know (`--wrtt x`, `-w x`) keeps
    argparse's message; otherwise the words are most often the rest of an expression typed without
    quotes, which the shell split at its spaces (`matcalc x + y --wrt x`): the message says to quote it."""
    typed = " ".join([expr, *extra])
    formats = [a[2:] for a in extra if a[2:] in ("latex", "text", "json", "numpy", "tex", "python")]
    if formats:  # (--latex, --json: the format is one option; LaTeX is the default)
        fmt = {"tex": "latex", "python": "numpy"}.get(formats[0], formats[0])
        parser.error(f"unrecognized arguments: {' '.join(extra)} (the output's form is chosen with --format "
                     f"{{latex,text,json,numpy}}: write --format {fmt}{'; LaTeX is the default' if fmt == 'latex' else ''})")
    if any(a.startswith("--") for a in extra):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if any(len(a) == 2 and a[0] == "-" and a[1].isalpha() for a in extra):  # (-w x, or x -y unquoted)
        parser.error(f"unrecognized arguments: {' '.join(extra)} (if they are part of the expression, quote "
                     f"the whole expression: matcalc \"{typed}\")")
    parser.error(f"the expression came as {len(extra) + 1} arguments: the shell splits an expression at its spaces "
                 f"unless it is quoted; write it in quotes, as in matcalc \"{typed}\"")


def main(argv: list[str] | None = None) -> int:
    """The command line, run in a copy of the caller's context: what a run sets for itself (that the
    reading's notes are said on standard error, not again as warnings) ends with it. Called in-process
    (a test, a notebook), it had turned the Python API's warnings off for the rest of the process."""
    return contextvars.copy_context().run(_main, argv)


def _main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # `matcalc serve [--port N] [--open]`: the local web page
        return _engine(".web.server").main(argv[1:])
    argv, saved = _protect_negative_expression(argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _refuse_extra_arguments(parser, saved.get(args.expr, args.expr), [saved.get(a, a) for a in extra])
    args.expr = saved.get(args.expr, args.expr)
    # repeated options add up (the last one alone used to win: a second --where dropped the first's properties)
    args.where = "; ".join(args.where) if args.where else None
    args.wrt = ",".join(args.wrt) if args.wrt else None
    if sys.stdout is None:  # (started with standard output closed: the answer would go nowhere, silently)
        print("matcalc: error: standard output is closed, so the answer cannot be written", file=sys.stderr)
        return 1
    try:
        return run(args)
    except MatcalcError as e:
        print(f"matcalc: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:  # the reader went away (matcalc ... | head -1): stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # (so that the interpreter's final flush cannot fail)
        return 141
    except OSError as e:  # (> /dev/full: the disk, not matcalc)
        print(f"matcalc: error: cannot write the answer ({e.strerror or e})", file=sys.stderr)
        return 1
    except Exception as e:  # an internal error: report it plainly
        if os.environ.get("MATCALC_DEBUG"):
            raise
        print(f"matcalc: internal error ({type(e).__name__}: {e}); please report it with the input "
              f"(set MATCALC_DEBUG=1 for details)", file=sys.stderr)
        return 1


def _read_as(f) -> str:
    """How the formula was read, and the declarations it was read under (none for a constant)."""
    return f"{f.reading}   ({f.inferred})" if f.inferred else f.reading


def _read_expr(expr: str) -> str:
    if expr == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError as e:
                raise MatcalcError(f"standard input is not valid UTF-8 (byte {e.start + 1}): save the formula as "
                                   f"UTF-8") from None
        return data.strip()  # (two formulas, one a line, are refused by the reader, as typed anywhere)
    return expr


def _refuse_undecodable_arguments(args: argparse.Namespace) -> None:
    """An argument that is not UTF-8 reaches Python with its bytes as lone surrogates (U+DC80..U+DCFF),
    which the reader called an invisible character U+DCFF: said as standard input's bytes are."""
    for option, value in (("the formula", args.expr), ("--wrt", args.wrt), ("--where", args.where)):
        bad = next((i for i, c in enumerate(value or "") if "\udc80" <= c <= "\udcff"), None)
        if bad is not None:
            raise MatcalcError(f"{option} is not valid UTF-8 (byte {len(value[:bad].encode('utf-8', 'surrogateescape')) + 1}): "
                               f"type it in UTF-8 (the terminal's encoding may be another)")


def run(args: argparse.Namespace) -> int:
    """One command line's job, its arguments parsed; the exit status."""
    _refuse_undecodable_arguments(args)
    text = _read_expr(args.expr)
    wrt = args.wrt
    if wrt is not None and not wrt.strip():
        raise MatcalcError("--wrt is empty: name the variable to differentiate by (--wrt x), or leave --wrt out "
                           "to differentiate by the only variable")
    if not wrt:
        names = matcalc.parse(text, where=args.where).variables
        if len(names) == 1:  # one variable: differentiate by it
            wrt = names[0]
        elif args.hessian or args.hvp or args.jacobian or args.differential or args.check or args.steps:
            raise MatcalcError("the expression has no variables: it is a constant, and there is nothing to "
                               "differentiate by" if not names else
                               f"say which variable to differentiate by with --wrt (the expression has "
                               f"{len(names)} variables: {', '.join(names)})")
    if not wrt:
        e = matcalc.parse(text, where=args.where)
        shape = "scalar" if not e.shape else " x ".join(map(str, e.shape))
        if args.format == "json":
            print(json.dumps(_engine(".report").expression_json(e), indent=2))
        elif args.format == "text":
            print(str(e))
        else:
            print(f"text:  {e}\nlatex: {e.latex()}\nshape: {shape}\nread as: {_read_as(e)}")
        if e.variables:  # never a silent change of the question: the derivative needs its variable
            print(f"matcalc: note: this is the expression as read, not a derivative: it has {len(e.variables)} "
                  f"variables ({', '.join(e.variables)}); name one with --wrt (--wrt {_likely_variable(e.variables)})",
                  file=sys.stderr)
        return 0
    # parsed once; the derivative takes the Expression. A gradient or Hessian needs a scalar
    # function: undeclared names are read to make it one where they can (theta' Sigma theta)
    f = _engine(".api").read_for_question(text, args.where, want_scalar=not (args.jacobian or args.differential))
    entrywise = _engine(".report").entrywise_note(f)
    if entrywise:  # (exp(t A) x0: never silently the entrywise function where a paper may mean the matrix one)
        print(f"matcalc: note: {entrywise}", file=sys.stderr)
    _engine(".api").give_notes_as_warnings(False)  # (said once, as the note above, not again as a warning)
    if "," in wrt:
        return _run_several(args, f, [w.strip() for w in wrt.split(",")])
    if args.hessian:
        r = matcalc.hessian(f, wrt)
    elif args.hvp:
        r = matcalc.hvp(f, wrt)
    elif args.differential:
        r = matcalc.differential(f, wrt)
    elif args.jacobian or not f.is_scalar:
        if not args.jacobian:  # never a silent change of the kind of derivative
            shape = " x ".join(map(str, f.shape))
            print(f"matcalc: note: f is not a scalar (its shape is {shape}), so this is its Jacobian, not a "
                  f"gradient; f was read as {f.reading}", file=sys.stderr)
        r = matcalc.jacobian(f, wrt, layout=args.layout)
    else:
        r = matcalc.grad(f, wrt)
    report = r.check() if args.check else None
    if args.format == "numpy":
        print(r.numpy_source())  # (under the work limits: a nesting too deep for the printers is a LimitError)
        print(f"# read as: {_read_as(f)}")
    elif args.format == "json":
        print(json.dumps(_engine(".report").result_json(r, report, steps=args.steps), indent=2))
    else:
        print(f"{'%' if args.format == 'latex' else '#'} read as: {_read_as(f)}")
        for label, text_, latex in _lines(r):
            if args.format == "text":
                print(f"{label} = {text_}")
            else:  # the label as mathematics too: \nabla_X f, \mathrm{d}^2 f, \operatorname{vec}
                print(f"{_latex_label(r, label)} = {latex}")
    if args.steps and args.format != "json":
        _print_steps(r, args.format)
    if report is not None and args.format != "json":
        # after generated code the verdict goes to standard error: `> gen.py` stays importable
        print(f"check: {report} (checked: the {r.kind} of {f.reading} by {getattr(r, 'wrt', wrt)})",
              file=sys.stderr if args.format == "numpy" else sys.stdout)
    if report is not None and not report.ok:
        return 1
    return 0


#: the names papers differentiate by, most likely first: weights and parameters before data (y, b, A)
_PARAMETER_NAMES = ("theta", "w", "W", "beta", "x", "X", "Sigma", "mu", "W1", "W_1", "U", "V", "H", "P", "z", "u", "v")


def _likely_variable(names: list) -> str:
    """The variable to offer in the --wrt example: the first that papers usually differentiate by
    (w in a logistic loss, not y, as alphabetical order offered), else the first."""
    return next((n for n in _PARAMETER_NAMES if n in names), names[0])


def _run_several(args, f, names: list) -> int:
    """--wrt W1,b1,W2,b2: every gradient (or the block Hessian, or the block product) in one result."""
    if args.jacobian or args.differential:
        raise MatcalcError(f"--{'jacobian' if args.jacobian else 'differential'} takes one variable; several "
                           "(--wrt W,b) are for gradients, --hessian and --hvp")
    if not f.is_scalar:
        raise MatcalcError(f"f is not a scalar (its shape is {' x '.join(map(str, f.shape))}): several variables "
                           "are for the gradients and Hessians of a scalar function; take a Jacobian one variable "
                           "at a time")
    kind = "hessian" if args.hessian else "hvp" if args.hvp else "grad"
    r = {"hessian": matcalc.hessian, "hvp": matcalc.hvp, "grad": matcalc.grad}[kind](f, names)
    report = r.check() if args.check else None
    if args.format == "numpy":
        print(r.numpy_source())
        print(f"# read as: {_read_as(f)}")
        if args.steps:  # (as comments, as for one variable)
            _print_steps(r, args.format)
    elif args.format == "json":  # (built as the web API builds it: report.result_json)
        print(json.dumps(_engine(".report").result_json(r, report, steps=args.steps), indent=2))
    else:
        latex = args.format == "latex"
        print(f"{'%' if latex else '#'} read as: {_read_as(f)}")
        if r.differential is not None:  # the labels as mathematics in LaTeX (\nabla_{W_1} f, \mathrm{d}f)
            print(rf"\mathrm{{d}}f = {r.differential.latex()}" if latex else f"df = {r.differential}")
        for _, label, tex_label, text_, tex in r.lines():
            print(f"{tex_label} = {tex}" if latex else f"{label} = {text_}")
        shared = r.where_line(latex=latex)
        if shared:
            print(rf"\text{{where }} {shared}" if latex else f"where {shared}")
        if args.steps:
            _print_steps(r, args.format)
    if report is not None and args.format != "json":
        print(f"check: {report} (checked: the {r.kind} of {f.reading} by {', '.join(r.wrt)})",
              file=sys.stderr if args.format == "numpy" else sys.stdout)
    return 1 if report is not None and not report.ok else 0


def _print_steps(r, fmt: str) -> None:
    """The derivation after the answer: aligned text lines, one LaTeX `aligned` block, or (after
    generated code) comment lines."""
    if fmt == "latex":
        print("% steps:")
        print(r.steps_latex())
    else:
        lead = "# " if fmt == "numpy" else ""
        print(f"{lead}steps:")
        for line in str(r.steps).splitlines():
            print(lead + line)


def _latex_label(r, label: str) -> str:
    r"""The LaTeX of a line's label (`grad f` is \nabla_X f, `d2f` is \mathrm{d}^2 f)."""
    if label == "df":
        return r"\mathrm{d}f"
    if label == "d2f":
        return r"\mathrm{d}^2 f"
    if "Kronecker" in label:
        return label[0] + r" \text{ (Kronecker form, } \operatorname{vec}\text{)}"
    return r.latex_label()


def _lines(r):
    """(label, text, latex) lines to print for a result."""
    out = []
    if r.differential is not None and r.kind != "differential" and r.differential.node is not r.expr.node:
        out.append(("df", str(r.differential), r.differential.latex()))
    is_map = getattr(r, "is_map", False)
    labels = {"gradient": "grad f", "jacobian": "dF" if is_map else "J",
              "hessian": f"H[{r.linear_map.direction.name}]" if is_map else "H", "hvp": f"H[{r.directions[-1].name}]",
              "differential": "df"}
    t = labels[r.kind]
    out.append((t, str(r), r.latex()))
    kron = getattr(r, "kron", None)
    if kron is not None:
        out.append(("J (Kronecker form, vec)" if r.kind == "jacobian" else "H (Kronecker form, vec)",
                    str(kron), kron.latex()))
    if getattr(r, "bilinear", None) is not None:
        out.append(("d2f", r.bilinear_form(), r.bilinear_form(latex=True)))
    return [(a, b, c) for a, b, c in out]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
