"""Names in the text: runs of letters split into names, function names never split into
letters, and the errors about names that look like calls. A mixin of the inference context
(`infer.Ctx`), which provides `text`, `decls`, `bindings` and `vars`."""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.errors import ParseError, UnknownNameError
from ..core.functions import CALLS, FUNCTIONS, all_names
from ..core.nodes import Expr
from .declarations import GREEK, variables_in, is_greek
from .parser import Syn
from .unicode_in import INDEX_SUM_ADVICE

#: a summation or product sign written as a name with its index: sum_i, prod_k, Sum_n
_INDEX_SUM = re.compile(r"(?:[sS]um|[pP]rod)_[a-z]{1,3}")  # (sum_i, sum_ij, sum_{ij})

_GREEK_SET = frozenset(GREEK)
#: names that are constants unless declared: the identity and pi (e is Euler's number only as the base
#: of a power, e^x; elsewhere it is a name like any other: e'x with e a vector of ones)
CONSTANTS = ("I", "eye", "pi")
SUGGEST = {"transpose": "write X' or X^T",
           "inverse": "write inv(X) or X^-1", "frob": "write ||X||_F",
           "max": "max is not supported; for max(0, u) write relu(u)", "min": "min is not supported; for min(0, u) "
           "write -relu(-u)", "maximum": "for max(u, 0) write relu(u)",
           "dot": "write x' y or <x, y>", "trans": "write X' or X^T",
           "sqr": "write x^2 or x .^ 2", "logistic": "write sigmoid(x)", "atan": "write arctan(x)",
           "asin": "write arcsin(x)", "acos": "write arccos(x)", "sgn": "write sign(x)",
           "lgamma": "the log-gamma function is not supported", "gammaln": "the log-gamma function is not supported"}


#: functions of another base, typed as NumPy names them: what to write
_BASED = {"log2": "the base-2 logarithm is written log(x) / log(2)", "log10": "the base-10 logarithm is written "
          "log(x) / log(10)", "exp2": "2 to the power x is written exp(log(2) x)",
          "abs2": "the squared magnitude (Julia's abs2) is written x.^2, or ||x||^2 summed"}

#: words people type as one name (a step size lr, a tolerance eps, a length len): undeclared, they are
#: refused rather than split into a product of letters (l r, e p s)
_WORDS = frozenset({"eps", "lr", "len", "num", "std", "var", "avg", "loss", "err", "tol", "reg", "max", "min",
                    "argmax", "argmin", "grad", "step", "rate", "temp", "scale", "lam", "lamb", "lmbda",
                    "gam", "la", "norm", "lgamma", "gammaln", "dist", "cost", "obj", "penalty", "weight",
                    "bias", "data", "target", "pred", "out", "hidden", "input", "output", "mse", "mae", "kl",
                    "noise", "signal", "gain", "power", "snr", "sinr", "energy", "prior", "mask", "score",
                    "logits", "probs", "labels", "resid"})

#: quantities fields call by their initials (the signal-to-noise ratio SNR, the ELBO, the value at risk):
#: undeclared, refused rather than read as a product of capital matrices (logdet(I + SNR H H') read S N R H H')
_QUANTITY_ACRONYMS = frozenset({"SNR", "NSR", "SINR", "SIR", "PSNR", "CNR", "ELBO", "MMSE", "AIC", "BIC", "NPV",
                                "VaR", "CVaR", "EVM", "BER"})  # (not RSS, ESS: R S S is a product of matrices too)

#: functions papers call by their initials, and how matcalc writes them (LSE(x) is not L S E x)
_ACRONYMS = {"LSE": "write logsumexp(...)", "MSE": "write mean((...).^2)", "RMSE": "write sqrt(mean((...).^2))",
             "MAE": "write mean(abs(...))", "SSE": "write sum((...).^2) or ||...||^2",
             "KL": "write the divergence out, sum(p .* log(p ./ q))", "SiLU": "write u .* sigmoid(u)",
             "NLL": "write -sum(y .* log(p))", "CE": "write -sum(y .* log(p))"}

#: decorations papers put on a one-letter name (yhat, xbar, Xtilde, Wold, xstar): x_hat keeps it one name
_DECORATIONS = ("hat", "bar", "tilde", "old", "new", "prev", "next", "star", "opt", "true", "pred", "est",
                "init", "ref", "tgt", "dot", "avg", "mean")


def _decorated(body: str) -> str | None:
    """The decoration of a one-letter name written as a run (yhat: hat), or None."""
    for d in _DECORATIONS:
        if body.endswith(d) and len(body) > len(d):
            head = body[:-len(d)]
            if head[:1].isalpha() and (len(head) == 1 or head[1:].isdigit()):
                return d
    return None


def known_functions() -> str:
    """The functions of the language, for error messages (from the registry)."""
    return ", ".join(list(CALLS) + list(FUNCTIONS))


_FUNC_NAMES: list = []
_FUNC_SET = frozenset(all_names())


def _func_names() -> list:
    """The registry's names of two letters or more (computed once: functions register at import)."""
    if not _FUNC_NAMES:
        _FUNC_NAMES.extend(n for n in all_names() if len(n) >= 2)
    return _FUNC_NAMES


#: the subscripts a Greek name keeps whole without a declaration: digits, small letters (then digits), one capital
_PLAIN_GREEK_SUBSCRIPT = re.compile(r"_(?:\d+|[a-z]+\d*|[A-Z])")


class NameRules:
    """How runs of letters become names (mixed into the inference context)."""

    def known(self, name: str) -> bool:
        if name in self.decls or name in self.bindings or name in _GREEK_SET:
            return True
        if not (("_" in name or name[-1:].isdigit()) and is_greek(name)):
            return False
        # a Greek name with a subscript is one name where the subscript is plain (sigma_1, lambda_max, Sigma_B);
        # digits then letters (Sigma_1x) or letters ending in a capital or after capitals (Sigma_Bw) are split
        # and refused as a Latin name's are: Sigma_1x read as one name, x'Sigma_1x had the gradient Sigma_1x
        return "_" not in name or bool(_PLAIN_GREEK_SUBSCRIPT.fullmatch(name[name.index("_"):]))

    def _greek_form_closed(self, name: str, start: int) -> bool:
        """x'Sigma_kx: an undeclared Greek name whose subscript ends with the form's own vector, to be refused as
        a Latin one's is (known() keeps a Greek name with a plain subscript whole)."""
        return "_" in name and name not in self.decls and name not in self.bindings and len(name.split("_")[1]) > 1 \
            and is_greek(name) and self._closes_a_form(name, start)  # (which finds the last letter's name before it)

    def _closes_a_form(self, name: str, start: int) -> bool:
        """Is the name at start the end of a quadratic form whose last letter is the form's own vector or
        matrix: right after it transposed (W'S_BW, x'Sigma_kx), with no operand after it?"""
        last = name[-1]
        before = self.text[:start].rstrip()
        after = self.text[start + len(name):].lstrip()
        transposed = re.search(rf"(?<![A-Za-z0-9_]){re.escape(last)}\s*(?:'|\^\s*T|\^\s*\{{\s*T\s*\}})$", before)
        return bool(transposed) and (not after or after[0] in ")+-/,]|")

    def split_run(self, text: str, start: int = 0, check: bool = True) -> list:
        """A run of letters and digits as names: declared, bound and Greek names whole, other
        letters one by one (each with the digits after it); a run with a function name in it
        is refused, never split into letters."""
        if (self.known(text) and not self._greek_form_closed(text, start)) or text in CONSTANTS:
            return [text]
        body, sub, rest = text, "", ""
        if "_" in text:
            i = text.index("_")
            body, sub = text[:i], text[i:]
            digits = len(sub) - len(sub[1:].lstrip("0123456789"))
            if 1 < digits < len(sub):  # W_1x: a subscript of digits ends the name (W_1 x), as W₁x and LaTeX W_1x
                sub, rest = sub[:digits], sub[digits:]
        out = []
        i = 0
        n = len(body)
        longest = self._longest()
        while i < n:
            best = None
            for j in range(min(n, i + longest), i + 1, -1):
                if j < n and body[j].isdigit():
                    continue  # never split digits off the letter they follow
                cand = body[i:j]
                if self.known(cand) or (j == n and sub and self.known(cand + sub)):
                    best = j
                    break
            if best is None:
                best = i + 1
                while best < n and body[best].isdigit():
                    best += 1
            out.append(body[i:best])
            i = best
        if sub:
            out[-1] += sub
        if rest:
            return out + self.split_run(rest, start + len(body) + len(sub), check)
        if check:
            self._no_function_inside(text, out, start)
            if len(out) > 1 and body in _WORDS:
                called = self.text[start + len(text):].lstrip().startswith("(")
                hint = SUGGEST.get(body) if called else None  # norm(...): what to write instead
                if hint:  # (said as norm(x) alone is: a function matcalc does not have, not letters)
                    raise ParseError(f"unknown function '{text}' ({hint})", self.text, start)
                raise ParseError(f"'{text}' would be read as the product {' '.join(out)}; to use it as one name, "
                                 f"declare it with its kind (where='{text}: scalar', or vector(n), matrix(m,n)), or put "
                                 f"spaces between the letters", self.text, start)
            if len(out) > 1 and body in _QUANTITY_ACRONYMS and not any(self.known(p) for p in out):
                raise ParseError(f"'{text}' would be read as the product {' '.join(out)}, each a matrix or a number; to "
                                 f"use it as one name, declare it (where='{text}: scalar'), or put spaces between the "
                                 f"letters", self.text, start)
            if len(out) > 1 and sum(ch.isupper() for ch in body) >= 2 and not sub and not rest \
                    and not any(self.known(p) for p in out) and self._paren_typed_after(start + len(text)):
                # LSE(x), MSE(W x - y), KL(x), GELU(x): an acronym called as a function, not L S E x
                hint = _ACRONYMS.get(text, "write it out in matcalc's functions")
                raise ParseError(f"'{text}(...)' reads as the product {' '.join(out)} (...), and matcalc has no "
                                 f"function {text} ({hint}); for the product put spaces ({' '.join(out)} (...)); "
                                 f"to name one quantity {text}, declare it (where='{text}: ...')", self.text, start)
            letters = sub[1:]
            source = getattr(self.text, "source", None)  # (LaTeX's S_BW is S_B W: its own reader splits it)
            if letters[-1:].isalpha() and not rest and (not self.known(text) or self._greek_form_closed(text, start)) \
                    and (source is None or "\\" not in source) and "{" not in self.text \
                    and letters[-1] in re.findall(r"[A-Za-z][A-Za-z0-9_]*", self.text) \
                    and (re.fullmatch(r"[A-Z]+[a-z]|[a-z]+[A-Z]", letters) or (
                        self._closes_a_form(text, start) and text[:-1] not in self.decls)):  # (S_w declared: its own)
                # w'S_Bw, tr(H'L_symH), tr(W'S_BW), x'Sigma_kx: the subscript took the w (H, W, x) that the text uses
                # as a name elsewhere (w' S_B w); K_XX, Sigma_XY, S_xx, W_hh, x_max are names as written, and so is
                # a quadratic form's middle with its operand after it (tr(X' K_XX X))
                head, last = text[:-1], letters[-1]
                raise ParseError(f"'{text}' is one name (a subscript takes every letter after _), and {last} is a "
                                 f"name of the text too: for {head} times {last} put a space ({head} {last}); to "
                                 f"keep '{text}' one name, declare it (where='{text}: ...')", self.text, start)
            if len(out) >= 3 and "t" in out[1:-1] and not self.known("t"):
                i = out.index("t", 1)
                if out[i - 1] == out[i + 1] and out[i - 1][:1].isupper():  # AtA: A' A typed with a letter t
                    a = out[i - 1]
                    raise ParseError(f"'{text}' would be read as the product {' '.join(out)} with t a scalar; for "
                                     f"{a} transposed times {a} write {a}' {a} (or {a}^T {a}); for a scalar t, put "
                                     f"spaces ({' '.join(out)}) or declare it (where='t: scalar')", self.text, start)
            if len(out) == 2 and out[0] == "d" and not self.known("d") and out[1][:1].isalpha() and (
                    (out[1][:1].isupper() and out[1] not in ("I", "T")) or re.search(
                        rf"(?<![A-Za-z0-9_]){re.escape(out[1])}(?![A-Za-z0-9_])", self.text[:start] + " " +
                        self.text[start + len(text):])):
                # tr(dX X^-1), dx' (A + A') x: a differential pasted back (matcalc prints them so), not d X;
                # dX alone too (A dX B, a Jacobian's answer: a scalar d times a matrix X is not how that reads)
                v = out[1]
                raise ParseError(f"'{text}' reads as d times {v}; it looks like the differential d{v}, which is what "
                                 f"matcalc computes, not what it takes: give the function itself and the variable "
                                 f"(grad(f, '{v}') or --wrt {v}); to multiply by a d, write d {v}; to read d{v} as a "
                                 f"name, declare it (where='d{v}: ...', as a result's .where does)", self.text, start)
            deco = _decorated(body) if len(out) > 1 and not sub else None
            if deco:
                head = body[:-len(deco)]
                raise ParseError(f"'{text}' would be read as the product {' '.join(out)}; to use it as one name, "
                                 f"write {head}_{deco} (a subscript keeps a name whole) or declare it "
                                 f"(where='{text}: ...'), or put spaces between the letters", self.text, start)
            after_caret = self.text[:start].rstrip().endswith("^")  # (r^Tr, x^Tby: the T is a transpose)
            if len(out) > 1 and out[0] == "T" and out[1] == "r" and not after_caret \
                    and not any(p in self.decls for p in out[:2]):
                # Tr X, TrX, Tr(A X): the trace written with a capital, as some books do, not T r X
                raise ParseError(f"'{text}' would be read as the product {' '.join(out)}; for the trace write "
                                 f"tr(...) (function names are lowercase)", self.text, start)
            if len(out) > 1 and not sub and not rest and re.match(r"[A-Z][a-z]{2}", body) and len(out[0]) == 1 \
                    and not after_caret \
                    and not all(p in self.decls or p in self.bindings for p in out) \
                    and (body[:1].lower() + body[1:] in _GREEK_SET or not all(self.known(p) for p in out[1:])):
                # (X beta pasted, Xbeta, reads as written; Beta, Eta are a Greek capital's name, not B eta)
                # Lam, Cov, Sig, Beta, Whh, Sxy: a capitalized word or a matrix named with its indices, read as
                # a product of letters only where that happens to fit (tr(Lam S) was tr(L a m S))
                raise ParseError(f"'{text}' would be read as the product {' '.join(out)}; to use it as one name, "
                                 f"declare it with its kind (where='{text}: matrix(m,n)', or vector(n), scalar); "
                                 f"for the product put spaces ({' '.join(out)})",
                                 self.text, start)
        return out

    def _longest(self) -> int:
        """The longest declared or bound name (at least 10, for Greek names), cached per state."""
        key = (len(self.decls), len(self.bindings))
        old = getattr(self, "_longest_key", None)
        if old is not None and old[0] == key[0] and old[1] + 1 == key[1]:  # one binding more
            self._longest_value = max(self._longest_value, len(next(reversed(self.bindings))))
        elif old != key:
            self._longest_value = max([len(x) for x in self.decls] + [len(x) for x in self.bindings] + [10])
        self._longest_key = key
        return self._longest_value

    def _no_function_inside(self, text: str, parts: list, start: int) -> None:
        if _INDEX_SUM.fullmatch(text):  # sum_i x_i^2, prod_k p_k: a sum over an index, not the name sum_i
            raise ParseError(f"'{text}' looks like a {'sum' if text[0] in 'sS' else 'product'} over an index; "
                             f"{INDEX_SUM_ADVICE}; to use '{text}' as one name, declare it (where='{text}: ...')",
                             self.text, start)
        if len(parts) < 2 and text.rstrip("0123456789") not in _FUNC_SET:
            return
        segs, cur = [], ""
        for p in parts:
            if self.known(p):
                segs.append(cur)
                cur = ""
            else:
                cur += p
        segs.append(cur)
        for seg in segs:
            for f in _func_names():
                k = seg.find(f)
                if k < 0:
                    continue
                before, after = seg[:k], seg[k + len(f):]
                squashed = text.replace("_", "")
                if squashed in _BASED:  # log2(x), log_2(x), log10(x): another base, not log(2)
                    guess = f": {_BASED[squashed]}"
                elif squashed != text and squashed in _FUNC_SET:  # log_det: the function logdet
                    guess = f": did you mean {squashed}(...)?"
                elif before == "T" and self.text[:start].rstrip().endswith("^"):  # 1^Tlog(x): a transpose, then log
                    guess = f": did you mean ^T {f}(...), a transpose before {f}?"
                elif "_" in text or len(self._letters(after)) > 1:
                    guess = ""  # log_var, leaky_relu, logvar: one name, not a call of log on letters
                else:  # logx, sinx, xsinx: the function of one letter
                    lead = " ".join(self._letters(before)) + " " if before else ""
                    guess = f": did you mean {lead}{f}({after or '...'})?"
                raise ParseError(f"'{text}' contains the function name {f}{guess} (a function name is never split "
                                 f"into letters); to use '{text}' as one name, declare it (where='{text}: ...')",
                                 self.text, start)

    def _letters(self, s: str) -> list:
        out, i = [], 0
        while i < len(s):
            j = i + 1
            while j < len(s) and s[j].isdigit():
                j += 1
            out.append(s[i:j])
            i = j
        return out

    def _name_then_paren(self, a: Syn) -> None:
        name = a.a
        if name == "sigma" and name not in self.decls and name not in self.bindings:
            # sigma(x) is how papers write the logistic function (and how matcalc's LaTeX prints it)
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' has two readings: the logistic function "
                                   f"(write sigmoid(...)) or a scalar sigma times (...) (write 'sigma (...)' or "
                                   f"declare sigma, where='sigma: scalar')")
        if name in self.decls or name in self.bindings:
            pass
        elif (name in _FUNCTION_LETTERS or (
                "_" in name and name.split("_", 1)[0] in (_FUNCTION_LETTERS - {"gamma", "Gamma"}) | _SUBSCRIPTED_FUNCTION_LETTERS)) \
                and not self._operand_elsewhere(name) and not (name == "Gamma" and self._after_a_row(a)):
            # phi(x), psi(W x), gamma(y + r), phi_1(x), pi_theta(a), f_theta(x): how papers write a feature map,
            # an activation, the Gamma function, a policy or a network, not a product
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' reads as a function {name}, which matcalc "
                                   f"does not know; write the function itself (tanh(...), sigmoid(...), ...), or to "
                                   f"multiply write '{name} (...)' or declare {name} (where='{name}: scalar')")
        elif re.fullmatch(r"rho(?:_[A-Za-z0-9]+)?", name) and not self._operand_elsewhere(name) and re.search(
                r"(?:\b(?:sum|mean)\s*\(|\b(?:ones|vector)\([^()]*\)\s*')\s*$", self.text[:a.start]):
            # sum(rho(y - X b)): robust statistics' M-estimator, rho applied to each residual and summed (rho (x - z)
            # alone is a coefficient times the group)
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' summed reads as a function {name} of each "
                                   f"entry (an M-estimator's loss), which matcalc does not know; write the function "
                                   f"itself (sqrt(1 + r.^2) - 1, log(cosh(r)), ...), or to multiply write '{name} (...)' "
                                   f"or declare {name} (where='{name}: scalar')")
        elif re.fullmatch(r"[A-Z]_Omega", name) and not self._operand_elsewhere(name):
            # P_Omega(X - U V'): the sampling operator of matrix completion (the entries in Omega kept)
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' reads as the operator {name} applied to (...) "
                                   f"(the entries in Omega kept), which matcalc writes as an entrywise product with "
                                   f"Omega's 0/1 mask: Omega .* (...) with where='Omega: matrix(m,n)'; to multiply, "
                                   f"write '{name} (...)' or declare {name} (where='{name}: matrix(m,m)')")
        self._refuse_function_of_a_variable(a)
        arg = re.match(r"\(\s*([A-Z][A-Za-z0-9_]*)", self.text[a.end:])
        capital = arg is not None and (arg.group(1) not in self.decls or self.decls[arg.group(1)].kind == "matrix")
        if _SPECTRAL.fullmatch(name) and name not in self.decls and name not in self.bindings and (
                name.endswith(("_max", "_min")) or capital and ("_" in name or re.match(
                    r"\(\s*[A-Z][A-Za-z0-9_]*'?\s*\)", self.text[a.end:]))) and self._paren_typed_after(a.end):
            # (of a matrix's name, or a max/min one; lambda_2(w'w), rho(x - z): a coefficient times the group;
            # \lambda_1\|w\|_1: no parenthesis typed)
            # lambda_max(X), sigma_1(A), kappa(A): an eigenvalue, a singular value, a condition number
            what = "a condition number" if name == "kappa" else "a spectral radius" if name == "rho" else \
                "an eigenvalue" if name.startswith("lambda") else "a singular value or a layer's activation"
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' reads as a function ({what}), which matcalc "
                                   f"does not have" + (", unless it is one of its own (tanh(...), sigmoid(...))"
                                                       if name.startswith("sigma") else "") +
                                   f"; to multiply, write '{name} (...)' or declare {name} (where='{name}: scalar')")
        if self.known(name) or name in self.vars:
            return
        if len(name) >= 2 and name.isalpha() and name.islower():
            hint = SUGGEST.get(name)
            raise UnknownNameError(f"unknown function '{name}'" + (f" ({hint})" if hint else "") +
                                   f". Functions are {known_functions()}; to multiply single letters, put "
                                   f"spaces between them")
        if name == "d":  # d(x' A x), a step of a derivation pasted back: the differential, not d times it
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' reads as the differential d(...), which is what "
                                   f"matcalc computes, not what it takes: give the function and the variable "
                                   f"(differential(f, 'x'), or --wrt x --differential); to multiply, write 'd (...)' "
                                   f"or declare d (where='d: scalar')")
        if name in ("f", "g", "h", "l"):  # (l: also ℓ and \ell, a loss)
            raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' reads as a call of '{name}', which is not "
                                   f"a function; to multiply, write '{name} (...)' or '{name}*(...)', or declare "
                                   f"{name} (where='{name}: scalar')")

    def _primed_name_then_paren(self, a: Syn) -> None:
        """f'(x), sigma'(W x), phi_1'(x): the derivative of a function, as papers write backpropagation,
        not the transpose f' times the group. Only a prime typed as one (', \\prime, ′; not ^T, \\top or ᵀ,
        which are transposes), only of letters that name functions (not g and h, a gradient and a hidden
        state: g'(x - x_k) is the first-order model), and not of a name the formula also uses as an
        operand (f'(y - f), ||g||): there it is the name's transpose."""
        name = a.a.a
        base = name.split("_", 1)[0]
        if name in self.decls or name in self.bindings or base in ("g", "h") or not (
                base in _FUNCTION_LETTERS or base in _SUBSCRIPTED_FUNCTION_LETTERS or base == "sigma") \
                or not self._paren_typed_after(a.end) or not self._typed_as_prime(a.b[0]) \
                or self._operand_elsewhere(name):
            return
        hint = " (the logistic function's is sigmoid(z) .* (1 - sigmoid(z)))" if base == "sigma" else ""
        space = "" if getattr(self.text, "source", None) is not None else f"put a space ({name}' (...)) or "
        raise UnknownNameError(f"'{self.text[a.start:a.end + 1]}...' reads as the derivative {name}'(...) of a function "
                               f"{name}, which matcalc does not know: write the function itself and let matcalc "
                               f"differentiate it, or its derivative as a formula{hint}; for the transpose {name}' "
                               f"times (...), {space}declare {name} (where='{name}: vector(n)')")

    def _after_a_row(self, a: Syn) -> bool:
        """Is the name right after a transposed factor ((x - mu)' Gamma(x - mu): a quadratic form's matrix)?"""
        return bool(re.search(r"'\s*$", str(self.text)[:a.start]))

    def _typed_as_prime(self, tick: Syn) -> bool:
        """Was this transpose typed as a prime (', \\prime, ′), not as ^T, ^\\top or ᵀ?"""
        source = getattr(self.text, "source", None)
        typed = self.text[tick.start:tick.end] if source is None else self.text.source_text(tick.start, tick.end)
        return "'" in typed or "prime" in typed or "′" in typed

    def _refuse_function_of_a_variable(self, a: Syn) -> None:
        """q'M(q)q, y theta - b(theta): a one-letter name typed right before a group that holds one name only,
        which the formula also uses outside it, is a function of that variable as papers write one (a mass
        matrix M(q), a cumulant b(theta)), not a product, where the name is small (b(theta): a vector b
        times theta nobody writes so) or the group is multiplied by its own name again (M(q) q: read as
        M q q). Read as a product, the dependence was silently dropped. matcalc has no unknown functions:
        refused, with the product's spelling. (A capital before a variable used once more, x' H(x), is a
        matrix times it, as written.)"""
        name = a.a
        if name in self.decls or name in self.bindings or not self._paren_typed_after(a.end) \
                or not re.fullmatch(r"[A-Za-z](?:_[A-Za-z0-9]+)?", name):
            return
        m = re.match(r"\(\s*([A-Za-z][A-Za-z0-9_]*)\s*\)", self.text[a.end:])
        if m is None or m.group(1) == name:
            return
        inner = m.group(1)
        text = str(self.text)
        uses = [u for u in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(inner)}(?![A-Za-z0-9_])", text)
                if not a.end <= u.start() < a.end + m.end()]
        twice = re.match(rf"\s*{re.escape(inner)}(?![A-Za-z0-9_])", text[a.end + m.end():])  # M(q)q: q twice over
        # (a capital read as a matrix multiplies as written, x' H(x); only M(q) q or a small b(theta) is a function)
        if not uses or not (name[0].islower() or twice):
            return
        raise UnknownNameError(f"'{name}({inner})' reads as a function of {inner}, as papers write one ({name} depending "
                               f"on {inner}), which matcalc does not have; for {name} times {inner}, a constant "
                               f"{name}, write '{name} {inner}' with a space or declare {name}")

    def _operand_elsewhere(self, name: str) -> bool:
        """Does the formula use `name` as an operand somewhere, not only before '(' or '\'(' (gamma(1 - gamma),
        f'(y - f), ||g||^2): then it names a variable, not a function."""
        text = str(self.text)
        for m in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
            if not re.match(r"\s*'?\s*\(", text[m.end():]):
                return True
        return False

    def _paren_typed_after(self, end: int) -> bool:
        """Was a '(' typed right at `end` (in the LaTeX or Unicode source, for a translation, whose
        parentheses may be its own)?"""
        source = getattr(self.text, "source", None)
        if source is None:
            return self.text[end:end + 1] == "("
        at = self.text.source_pos(end)
        return source[at:at + 1] == "(" or source.startswith(("\\left(", "\\left ("), at)

    def _apply_too_long(self, a: Syn, b: Syn, op: str = "") -> None:
        """A function written without parentheses, then another factor (`tr A X`, `tr A*X`, `log p/q`):
        the operand may end before the factor or run on, and papers mean both."""
        f = self.text[a.start:a.b[0].start].strip()
        arg = self.text[a.b[0].start:a.b[0].end]
        rest = self.text[b.start:b.end]
        joint = f" {op} " if op else " "
        # log sigma(w'x): papers' log-sigmoid, which the second refusal (sigma(...)) would only then name
        logistic = f"; for the logistic function, {f}(sigmoid{rest})" if arg.strip() == "sigma" and not op \
            and rest.startswith("(") and "sigma" not in self.decls and "sigma" not in self.bindings else ""
        first = f"log(det({arg}){joint}{rest})" if f == "logdet" else f"{f}({arg}{joint}{rest})"
        raise ParseError(f"'{self.text[a.start:b.end]}' has two readings: {first} or "
                         f"{f}({arg}){joint}{rest}; write the parentheses{logistic}", self.text, a.start)


#: Greek letters papers use as names of functions (a feature map phi(x), an activation psi(W x), the
#: normal CDF Phi(x)): before '(' they are refused, not read as a scalar times the group
_FUNCTION_LETTERS = frozenset({"phi", "varphi", "psi", "Phi", "gamma", "Gamma"})
#: letters that name a function when subscripted (f_theta(x), g_1(x), h_t(x), pi_theta(a): a network, a
#: policy); before '(' they are refused as the letters above are
_SUBSCRIPTED_FUNCTION_LETTERS = frozenset({"f", "g", "h", "pi"})
#: eigenvalues and singular values as papers subscript them (lambda_max, sigma_1, lambda_i), the condition
#: number kappa and the spectral radius rho: before '(' they are refused, not read as a scalar times the group
_SPECTRAL = re.compile(r"(?:lambda|sigma)_(?:max|min|[0-9]+|[ijk])|kappa|rho")


def sizes_read_bare(dims: Iterable, names: Iterable[str]) -> frozenset:
    """The sizes that a name written alone stands for, under declarations whose variables have the
    dimensions `dims` and are called `names`: each dimension's name (each factor of m*n), but the
    name of a variable (n: scalar beside x: vector(n): n is the variable, dim(n) the size) or of a
    constant (pi). The reader takes such a name as the size (reader._declared_sizes_as_sizes), and
    the printers write such a size as its name (printing.sizes_written_bare)."""
    return frozenset(f for d in dims if isinstance(d, str) for f in d.split("*") if not f.isdigit()) \
        - set(names) - set(CONSTANTS)


def declared_sizes(node: Expr, extra: Iterable[Expr] = ()) -> frozenset:
    """`sizes_read_bare` under `declarations_of(node, extra)`: the sizes a text printed from node may
    write as names when it is read back under those declarations."""
    seen = variables_in(node, extra)
    return sizes_read_bare((d for v in seen.values() for d in v.shape), seen)

