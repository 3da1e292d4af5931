"""Compile a model's SQL conditions on a pair of records into Python functions of two dicts.

Real-time matching scores a few dozen pairs at a time; a database query costs more than the work. The
conditions of a trained model are a small, known part of SQL (equalities, AND/OR/NOT, IS NULL, substrings,
lengths, arithmetic, string similarities), so each is turned once into Python source and compiled. SQL's
three-valued logic is kept (None is NULL: `NULL = x` is NULL, `FALSE AND NULL` is FALSE), because a level
holds only where its condition is TRUE. Anything outside that subset raises `UnsupportedCondition`, and the
caller falls back to scoring in DuckDB. Conditions name their columns as Splink does: `"given_l"` /
`"given_r"` in comparison levels, `l.given` / `r.given` in blocking rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import sqlglot
from sqlglot import exp

from joinedup.linkage import _string_metrics as metrics
from joinedup.linkage._errors import LinkageError

_DIALECT = "duckdb"
PairPredicate = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]  # (left, right) -> True / False / None


class UnsupportedCondition(LinkageError):
    """A condition uses SQL this compiler does not translate; score it in the database instead."""


def _substring(text: str, start: int, length: int | None) -> str:
    """DuckDB's substring: 1-based start (0 and negative as DuckDB reads them), length in characters."""
    if start > 0:
        begin = start - 1
    elif start == 0:
        begin, length = 0, None if length is None else max(length - 1, 0)
    else:
        begin = max(len(text) + start, 0)
    return text[begin:] if length is None else text[begin : begin + max(length, 0)]


def _list_intersect(a: list[Any], b: list[Any]) -> list[Any]:
    shared = {x for x in a if x is not None} & {x for x in b if x is not None}
    return sorted(shared, key=repr)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jaro_winkler_similarity": metrics.jaro_winkler_similarity,
    "jaro_similarity": metrics.jaro_similarity,
    "levenshtein": metrics.levenshtein,
    "damerau_levenshtein": metrics.damerau_levenshtein,
    "list_intersect": _list_intersect,
    "array_intersect": _list_intersect,
    "length": len,
    "array_length": len,
    "abs": abs,
    "lower": str.lower,
    "upper": str.upper,
    "substring": _substring,
}
_COMPARISONS = {exp.EQ: "==", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*"}


class _Compiler:
    """Turns one sqlglot tree into a Python expression over `l` and `r`; temporaries keep each part evaluated once."""

    def __init__(self, style: str) -> None:
        self.style = style  # "pair": "x_l"/"x_r" columns; "rule": l.x / r.x
        self._names = (f"_t{i}" for i in itertools.count())

    def temp(self) -> str:
        return next(self._names)

    def strict(self, template: str, arguments: list[exp.Expr]) -> str:
        """`template` over the arguments (as {0}, {1}...), NULL when any argument is NULL as in SQL."""
        names = [self.temp() for _ in arguments]
        checks = " or ".join(f"({n} := {self.expr(a)}) is None" for n, a in zip(names, arguments, strict=True))
        return f"(None if {checks} else {template.format(*names)})"

    def strict_call(self, function: str, arguments: list[exp.Expr]) -> str:
        slots = ", ".join("{" + str(i) + "}" for i in range(len(arguments)))
        return self.strict(f"{function}({slots})", arguments)

    def column(self, node: exp.Column) -> str:
        if self.style == "rule":
            if node.table not in ("l", "r"):
                raise UnsupportedCondition(f"column {node.sql()} is not qualified by l. or r.")
            return f"{node.table}[{node.name!r}]"
        name = node.name
        if node.table or not name.endswith(("_l", "_r")):
            raise UnsupportedCondition(f"column {node.sql()} is not a pair column (x_l or x_r)")
        return f"{name[-1]}[{name[:-2]!r}]"

    def expr(self, node: exp.Expr) -> str:
        if isinstance(node, exp.Paren):
            return self.expr(node.this)
        if isinstance(node, exp.Column):
            return self.column(node)
        if isinstance(node, exp.Null):
            return "None"
        if isinstance(node, exp.Boolean):
            return repr(bool(node.this))
        if isinstance(node, exp.Literal):
            if node.is_string:
                return repr(node.this)
            text = str(node.this)
            return repr(float(text)) if any(c in text for c in ".eE") else repr(int(text))
        if isinstance(node, exp.And):
            a, b = self.temp(), self.temp()
            return (
                f"(False if ({a} := {self.expr(node.left)}) is False else False if ({b} := {self.expr(node.right)})"
                f" is False else None if {a} is None or {b} is None else True)"
            )
        if isinstance(node, exp.Or):
            a, b = self.temp(), self.temp()
            return (
                f"(True if ({a} := {self.expr(node.left)}) is True else True if ({b} := {self.expr(node.right)})"
                f" is True else None if {a} is None or {b} is None else False)"
            )
        if isinstance(node, exp.Not):
            value = self.temp()
            return f"(None if ({value} := {self.expr(node.this)}) is None else not {value})"
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            return f"({self.expr(node.this)} is None)"
        for kind, operator in (_COMPARISONS | _ARITHMETIC).items():
            if type(node) is kind:
                return self.strict(f"{{0}} {operator} {{1}}", [node.left, node.right])
        if isinstance(node, exp.Neg):
            return self.strict("-{0}", [node.this])
        return self.call(node)

    def call(self, node: exp.Expr) -> str:
        simple: dict[type[exp.Expr], str] = {
            exp.Abs: "abs", exp.Length: "length", exp.ArraySize: "array_length", exp.Lower: "lower",
            exp.Upper: "upper", exp.Levenshtein: "levenshtein", exp.JarowinklerSimilarity: "jaro_winkler_similarity",
        }  # fmt: skip
        if isinstance(node, exp.Substring):
            arguments = [node.this, node.args.get("start") or exp.Literal.number(1)]
            if node.args.get("length") is not None:
                return self.strict_call("_f['substring']", [*arguments, node.args["length"]])
            return self.strict("_f['substring']({0}, {1}, None)", arguments)
        name = simple.get(type(node))
        if name is not None:
            if isinstance(node, exp.Levenshtein) and any(
                node.args.get(k) is not None for k in ("ins_cost", "del_cost", "sub_cost", "max_dist")
            ):
                raise UnsupportedCondition(f"levenshtein with costs or a limit: {node.sql(dialect=_DIALECT)}")
            arguments = [a for a in (node.this, node.args.get("expression")) if a is not None]
            if isinstance(node, exp.ArraySize) and node.args.get("expression") is not None:
                raise UnsupportedCondition(f"array_length with a dimension: {node.sql(dialect=_DIALECT)}")
            return self.strict_call(f"_f[{name!r}]", arguments)
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in _FUNCTIONS:
            return self.strict_call(f"_f[{str(node.this).lower()!r}]", list(node.expressions))
        raise UnsupportedCondition(f"cannot compile {node.sql(dialect=_DIALECT)!r} ({type(node).__name__})")


def _parse(sql: str) -> exp.Expr:
    try:
        return sqlglot.parse_one(sql, read=_DIALECT)
    except sqlglot.errors.ParseError as error:
        raise UnsupportedCondition(f"cannot parse {sql!r}: {error}") from None


def _function(name: str, body: str, label: str) -> Callable[..., Any]:
    source = f"def {name}(l, r):\n    return {body}\n"
    namespace: dict[str, Any] = {"_f": _FUNCTIONS}
    # The text comes from the trained model's own SQL, which DuckDB would run as it is; values are repr()'d.
    exec(compile(source, f"<{label}>", "exec"), namespace)  # noqa: S102
    function: Callable[..., Any] = namespace[name]
    return function


def compile_condition(sql: str, *, style: str = "pair") -> PairPredicate:
    """A Python function (left, right) -> True / False / None (NULL) equal to the SQL condition in DuckDB."""
    return _function("_condition", _Compiler(style).expr(_parse(sql)), f"condition {sql[:60]}")


def compile_pair_scorer(comparisons: list[list[str]], rules: list[str]) -> Callable[[Any, Any], tuple[Any, ...]]:
    """One function (left, right) -> (level of each comparison..., whether a blocking rule pairs them).

    A comparison's level is the position of the first level whose condition is TRUE (ELSE always is; -1
    when none holds). Everything is one Python expression, so a pair costs one call.
    """
    pair, rule = _Compiler("pair"), _Compiler("rule")
    parts = []
    for conditions in comparisons:
        choice, otherwise = [], -1
        for position, condition in enumerate(conditions):
            if condition.strip().upper() == "ELSE":
                otherwise = position
                break
            choice.append(f"{position} if {pair.expr(_parse(condition))} is True else")
        parts.append(f"({' '.join(choice)} {otherwise})")
    checks = [f"{rule.expr(_parse(text))} is True" for text in rules]
    parts.append(f"({' or '.join(checks)})" if checks else "True")
    return _function("_score_pair", f"({', '.join(parts)},)", "model's comparisons and blocking rules")
