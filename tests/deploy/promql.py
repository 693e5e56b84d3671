# SPDX-License-Identifier: BSD-2-Clause
"""What the monitoring tests need to know of PromQL text without a parser of
their own: which metric names an expression reads, which labels it groups
by, and the expression as Grafana would send it (its template variables
replaced). Prometheus itself judges the syntax; this only scans tokens."""
import re

_TOKEN = re.compile(r'''\s+|#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`'''
                    r'''|[A-Za-z_:][A-Za-z0-9_:]*|\d[\w.]*|\S''')
# Words that take a parenthesised list of label names.
_LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_KEYWORDS = _LABEL_LISTS | {"offset", "bool", "and", "or", "unless", "atan2", "inf", "nan",
                            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                            "count_values", "bottomk", "topk", "quantile"}
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


def _tokens(expr):
    return [t for t in _TOKEN.findall(expr)
            if not t.isspace() and not t.startswith("#")]


def scan(expr):
    """(metric names, grouping labels) of expr: names are identifiers that
    are not functions, keywords or label names (inside {} or a by/on list);
    grouping labels are those of every by/without/on/ignoring/group_* list."""
    names, grouping = set(), set()
    toks = _tokens(expr)
    braces = brackets = 0
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if t == "{":
            braces += 1
        elif t == "}":
            braces -= 1
        elif t == "[":
            brackets += 1
        elif t == "]":
            brackets -= 1
        elif braces or brackets or not re.match(r"[A-Za-z_:]", t):
            pass
        elif t in _LABEL_LISTS and nxt == "(":
            j = toks.index(")", i)
            grouping |= {x for x in toks[i + 2:j] if x != ","}
            i = j
        elif nxt == "(" or t in _KEYWORDS:
            pass                              # a function, an aggregation, a keyword
        else:
            names.add(t)
        i += 1
    return names, grouping


def substitute(expr, values):
    """expr with its Grafana variables ($x, ${x}, ${x:fmt}, [[x]]) replaced
    from values; a variable values lacks raises KeyError (a panel reading a
    variable the dashboard does not define)."""
    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in values:
            raise KeyError(f"variable ${name} in {expr!r} has no value")
        return values[name]
    return _VARIABLE.sub(one, expr)


def regex_value(*values):
    """A multi-value variable as Grafana's Prometheus data source writes it
    into a query: each value regex-escaped (backslashes doubled, as the
    text is inside a PromQL string), joined as (a|b)."""
    esc = [re.sub(r"([\\$^*+?.()|{}\[\]'])", r"\\\\\1", v) for v in values]
    return "(" + "|".join(esc) + ")"
