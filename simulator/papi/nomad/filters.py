"""Nomad's filter expressions (``Status == "running"``, ``and``/``or``/``not``), compiled once
into a predicate over a job's JSON."""
from __future__ import annotations

import re
from typing import Any, Callable

from simulator.papi.nomad.records import NomadBadRequest

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>==|!=)|(?P<word>[A-Za-z_][\w.]*)'
                    r'|(?P<paren>[()]))')


def compile_filter(expression: str) -> Callable[[dict], bool]:
    """go-bexpr, as far as PAPI uses it: ``Sel == "v"``, ``Sel != "v"``, ``Sel matches "re"``,
    ``Sel is empty``, ``Sel is not empty``, joined with ``and``/``or``/``not`` and parentheses.
    A malformed expression is Nomad's 400."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expression):
        if expression[pos:].strip() == "":
            break
        m = _TOKEN.match(expression, pos)
        if not m:
            raise NomadBadRequest(f"failed to read filter expression: unexpected input at {pos}")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = bytes(value[1:-1], "utf-8").decode("unicode_escape")
        tokens.append((kind, value))
        pos = m.end()

    def peek(i: int) -> tuple[str, str]:
        return tokens[i] if i < len(tokens) else ("end", "")

    def chain(i: int, word: str, operand, join):
        """``operand (word operand)*``, folded left with ``join``."""
        left, i = operand(i)
        while peek(i) == ("word", word):
            right, i = operand(i + 1)
            left = join(left, right)
        return left, i

    def parse_or(i: int):
        return chain(i, "or", parse_and, lambda a, b: lambda d: a(d) or b(d))

    def parse_and(i: int):
        return chain(i, "and", parse_not, lambda a, b: lambda d: a(d) and b(d))

    def parse_not(i: int):
        if peek(i) == ("word", "not"):
            inner, i = parse_not(i + 1)
            return (lambda d: not inner(d)), i
        if peek(i) == ("paren", "("):
            inner, i = parse_or(i + 1)
            if peek(i) != ("paren", ")"):
                raise NomadBadRequest("failed to read filter expression: missing )")
            return inner, i + 1
        return parse_match(i)

    def parse_match(i: int):
        kind, selector = peek(i)
        if kind != "word":
            raise NomadBadRequest(f"failed to read filter expression: unexpected {selector!r}")
        path = selector.split(".")
        kind, word = peek(i + 1)
        if kind == "op":
            expected = _expect_str(peek(i + 2))
            if word == "==":
                return (lambda d: _str(_select(d, path)) == expected), i + 3
            return (lambda d: _str(_select(d, path)) != expected), i + 3
        if word == "matches":
            pattern = re.compile(_expect_str(peek(i + 2)))
            return (lambda d: isinstance(_select(d, path), str)
                    and pattern.search(_select(d, path)) is not None), i + 3
        if word == "is":
            negate = peek(i + 2) == ("word", "not")
            j = i + 3 if negate else i + 2
            if peek(j) != ("word", "empty"):
                raise NomadBadRequest("failed to read filter expression: expected 'empty'")
            return (lambda d: (not _select(d, path)) != negate), j + 1
        raise NomadBadRequest(f"failed to read filter expression: unexpected {word!r}")

    predicate, end = parse_or(0)
    if end != len(tokens):
        raise NomadBadRequest("failed to read filter expression: trailing input")
    return predicate


def _expect_str(token: tuple[str, str]) -> str:
    if token[0] != "str":
        raise NomadBadRequest(f"failed to read filter expression: expected a string, "
                              f"got {token[1]!r}")
    return token[1]


def _select(data: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _str(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value
