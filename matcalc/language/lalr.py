"""Runs the LALR tables that Lark computed from the grammar (lalr_build.py writes them).

A shift-reduce loop of a few lines, the same one Lark runs, with the callbacks applied at each
reduction (Lark's tree-less mode): no parse tree is built, and nothing recurses, so deep input
costs no Python stack. Lark itself is only needed to compute the tables.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

KEEP, SPLICE, DROP = 0, 1, 2  # what a rule's plan does with each child (see lalr_build)


def grammar_path() -> str:
    """grammar/matcalc.lark inside the installed package, or at the top of a source checkout."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # matcalc/
    for path in (os.path.join(here, "grammar", "matcalc.lark"),
                 os.path.join(os.path.dirname(here), "grammar", "matcalc.lark")):
        if os.path.exists(path):
            return path
    raise FileNotFoundError("grammar/matcalc.lark is missing from the installation")


class Token(str):
    """A terminal as the lexer found it: its text, its terminal name and its span."""

    def __new__(cls, type_: str, value: str, start_pos: int, end_pos: int):
        self = str.__new__(cls, value)  # (not super(): one token per word of the text, and this is faster)
        self.type = type_
        self.start_pos = start_pos
        self.end_pos = end_pos
        return self

    def __reduce__(self):  # copy and pickle rebuild it from its four parts
        return (Token, (self.type, str(self), self.start_pos, self.end_pos))

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"Token({self.type!r}, {str(self)!r})"


class UnexpectedToken(Exception):
    """`token` cannot come next; `expected` are the terminals that could have."""

    def __init__(self, token: Token, expected: set):
        super().__init__(f"unexpected {token.type}")
        self.token = token
        self.expected = expected


class _Splice(list):
    """The children of an internal rule (`__sum_star_1`), spliced into the parent's."""


def parse(tokens: Sequence[Token], tables: Any, callbacks: Any) -> Any:
    """The value of the start rule over `tokens`, calling `callbacks.<rule name>(children)` at each
    reduction; raises UnexpectedToken (a token of type `$END` at the end of the input)."""
    states = tables.STATES
    rules = _rule_steps(tables)
    end_state = tables.END_STATE
    methods = {}
    units = tables.UNIT_CHAINS
    state = tables.START_STATE  # (the top of state_stack, kept in a local: read at every step)
    state_stack = [state]
    value_stack = []
    end = Token("$END", "", 0, 0)
    if tokens:
        end.start_pos = end.end_pos = tokens[-1].end_pos
    for token in (*tokens, end):
        ttype = token.type
        while True:
            row = states[state]
            action = row.get(ttype)
            if action is None:
                raise UnexpectedToken(token, {s for s in row if s.isupper()})
            if action >= 0:  # shift
                state_stack.append(action)
                value_stack.append(token)
                state = action
                break
            origin, size, name, unit, single, internal, plan = rules[-1 - action]
            if unit:  # a unit rule (term -> product -> sum): the value stays, only the top
                # state changes; about half the reductions of a short text are these, in chains that
                # depend only on the two top states and the token: run once, then kept
                key = (state_stack[-2], state, ttype)
                top = units.get(key)
                if top is None:
                    top = units[key] = _unit_chain(states, tables.RULES, end_state, state_stack[-2], origin, ttype)
                state_stack[-1] = state = top
                if top == end_state and token is end:
                    return value_stack[-1]
                continue
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            if plan is not None:
                children = _apply_plan(children, plan)
            if single and len(children) == 1:
                value = children[0]
            elif internal:
                value = children if type(children) is _Splice else _Splice(children)
            else:
                method = methods.get(name)
                if method is None:
                    method = methods[name] = getattr(callbacks, name)
                value = method(children)
            state = states[state_stack[-1]][origin]
            state_stack.append(state)
            value_stack.append(value)
            if token is end and state == end_state:
                return value_stack[-1]
    raise AssertionError("the end token was not consumed")  # pragma: no cover


def _rule_steps(tables) -> tuple:
    """The rules as the parse loop runs them, (origin, size, callback name, unit, single, internal,
    plan): whether a rule is a unit rule (the value stays, only the state changes) or an internal
    one (its children spliced into the parent's) is worked out once, not at every reduction.
    Kept on the tables, with the unit chains: tables built anew (parser.tables) start with neither."""
    steps = getattr(tables, "RULE_STEPS", None)
    if steps is None:
        steps = tables.RULE_STEPS = tuple(
            (origin, size, name, size == 1 and single and plan is None, single, origin.startswith("_"), plan)
            for origin, size, name, single, plan in tables.RULES)
        tables.UNIT_CHAINS = {}
    return steps


def _unit_chain(states, rules, end_state, below: int, origin: str, ttype: str) -> int:
    """The top state after reducing by unit rules, from the goto of `origin` on the state below,
    for as long as the token `ttype` asks for one more unit reduction. Kept per tables in
    `tables.UNIT_CHAINS`, {(state below, top state, token type): top state after the chain}."""
    top = states[below][origin]
    while top != end_state or ttype != "$END":
        action = states[top].get(ttype)
        if action is None or action >= 0:
            break
        origin, size, _, single, plan = rules[-1 - action]
        if not (size == 1 and single and plan is None):
            break
        top = states[below][origin]
    return top


def _apply_plan(children, plan):
    out = None
    for child, how in zip(children, plan):
        if how == SPLICE:
            if out is None:  # a left-recursive list grows in place: linear, not quadratic
                out = child
            else:
                out.extend(child)
        elif out is None:
            out = [] if how == DROP else [child]
        elif how != DROP:
            out.append(child)
    return out if out is not None else []


