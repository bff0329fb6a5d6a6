"""The simplifier: from a correct answer to a textbook-sized one.

The constructors (build.py) already keep every expression in canonical form. Here the
costlier rewrites run, and the smallest result wins:

* `expand` distributes products over sums (within a budget), so that like terms meet
  and cancel: y(1 - s) - (1 - y)s becomes y - s;
* `factor` pulls shared factors out of sums: a common scalar (2 exp(-x'x) (I - 2 x x')),
  a shared left or right matrix factor ((A + A') x, A' (diag(p) - p p') A), also when the
  factors agree up to sign (u (x - m)' + w (m - x)' = (u - w) (x - m)'), a shared
  elementwise factor (also up to sign), or a common rational coefficient (1/2 (A + A'));
  the factored groups are factored once more (x x' - x m' - m x' + m m' = (x - m) (x - m)');
* `rewrite` applies textbook identities: exp(u) / (1 + exp(u)) = sigmoid(u),
  c - c sigmoid(-u) = c sigmoid(u) and exp(u) / sum(exp(u)) = softmax(u); scalar reductions
  y' ones = sum(y), (y ./ s)' s = sum(y) and exp(u)' (1 + exp(u)).^-1 = sum(sigmoid(u))
  (a'b = sum(a .* b), taken only when the elementwise product merges);
  the sign normal form: a sum factor whose terms are all negative gives its sign to the
  product, -1/2 (-A - A') x = 1/2 (A + A') x; two denominators multiplied out where shorter,
  x / ((1 + q / nu) nu) = x / (nu + q); a quadratic with rational roots factored,
  3 s.^2 - 5 s + 2 = (3 s - 2) .* (s - 1); and sign(u) u = abs(u), sign(u) abs(u) = u,
  sign(u) relu(u) = relu(u).

The candidates: e rewritten and factored; where e has negative elementwise powers, factored with
those too; and e rewritten and expanded (never under a root), then rewritten and factored (unless expansion makes a sum of more than
EXPANDED_SUM_LIMIT terms, or more than EXPANSION_WIDENING times as wide as the widest sum of e).

`simplify(e)` returns the smallest (by tokens of its text form, `size.py`) of e and its rewritten forms;
every candidate is equal to e, so the choice is safe.

The package, each module importing only those listed before it:

* `node_cache`: what the passes keep on each node (a pass's result, the node's features);
* `signs`: which way a difference is written and where a minus sign goes;
* `measures`: the size a candidate is judged by, and the tie-breaks;
* `expansion`: `expand`;
* `factoring`: `factor`, greedy factoring of sums;
* `quotients`: quotients and polynomials rewritten where shorter;
* `rewriting`: `rewrite`, the textbook identities;
* `candidates`: `simplify`, the candidates and the choice of the smallest.
"""
from __future__ import annotations

from .node_cache import TooWide
from .signs import absorb_signs, unsplit_jointly
from .measures import text_size
from .expansion import EXPAND_BUDGET, expand
from .factoring import SYMBOLIC_BOTH_WAYS, factor, factor_sum
from .quotients import QUOTIENT_STEPS
from .rewriting import rewrite
from .candidates import EXPANDED_SUM_FLOOR, EXPANDED_SUM_LIMIT, EXPANSION_WIDENING, oriented_jointly, simplify

__all__ = ["EXPAND_BUDGET", "EXPANDED_SUM_FLOOR", "EXPANDED_SUM_LIMIT", "EXPANSION_WIDENING", "QUOTIENT_STEPS",
           "SYMBOLIC_BOTH_WAYS", "TooWide", "absorb_signs", "expand", "factor", "factor_sum", "oriented_jointly",
           "rewrite", "simplify", "text_size", "unsplit_jointly"]
