"""The layering of src/huitian, read from its imports (AST), against the rules in CONTRIBUTING.md.

The rules live once, in the fenced ```layering block of CONTRIBUTING.md; this file reads and applies them.
Grammar of the block (one statement a line, `#` starts a comment):

    layer NAME: PKG PKG ...     the layers, lowest first
    forbid FROM -> TO [TO ...]  a module matching FROM may not import a module matching TO
    allow FROM -> TO [TO ...]   exempts matching imports from every forbid; a `# reason` is required
    known MODULE -> MODULE      one of today's violations (exact names), to be removed: the list only shrinks
    max-lines N                 no module under src/ may have more lines
    known-long PATH             one of today's modules over max-lines (a path from the repo root)

Patterns are dotted module names; one matches that module and everything inside it. A segment `*` matches
any one name. `{domain}` (in FROM) stands for any package directly under huitian and `{other}` (in TO) for
any such package but that one (or but the importer's own, when FROM has no `{domain}`); `@NAME` stands for
every package of layer NAME, and `@above` (in TO) for every package of a layer above the importer's.

`python tests/test_layering.py --print-known` prints the `known` and `known-long` lines for the current
tree, to paste over the block's old ones once moved code has landed.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "huitian"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"


# --- reading the code ---


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_module(name: str) -> bool:
    base = SRC.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every huitian module the file imports: at top level, inside functions, under TYPE_CHECKING."""
    return imports_in(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )


def imports_in(text: str, name: str, *, is_package: bool = False) -> set[str]:
    package = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(text, name)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                # `from huitian.x import service` imports the module huitian.x.service; `from huitian.x.models
                # import Order` imports huitian.x.models.
                candidate = f"{target}.{alias.name}"
                found.add(candidate if is_module(candidate) else target)
    return {m for m in found if m == "huitian" or m.startswith("huitian.")}


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def import_graph() -> set[tuple[str, str]]:
    return {
        (name, target) for name, path in modules().items() for target in imports_of(path) if target != name
    }


def subpackages() -> list[str]:
    return sorted(f"huitian.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py"))


# --- reading the rules ---


@dataclass
class Rule:
    kind: str  # forbid | allow
    source: str
    targets: list[str]
    line: str


@dataclass
class Rules:
    layers: list[tuple[str, list[str]]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    known: list[tuple[str, str]] = field(default_factory=list)
    max_lines: int | None = None
    known_long: list[str] = field(default_factory=list)


BLOCK = re.compile(r"^```layering\n(.*?)^```", re.S | re.M)


def read_rules(text: str | None = None) -> Rules:
    text = CONTRIBUTING.read_text(encoding="utf-8") if text is None else text
    blocks = BLOCK.findall(text)
    assert len(blocks) == 1, "CONTRIBUTING.md must hold exactly one ```layering block"
    rules = Rules()
    for number, raw in enumerate(blocks[0].splitlines(), 1):
        line, _, comment = raw.partition("#")
        line = line.strip()
        if not line:
            continue
        word, _, rest = line.partition(" ")
        where = f"layering block line {number}: {raw!r}"
        if word == "layer":
            name, colon, packages = rest.partition(":")
            assert colon and packages.split(), where
            rules.layers.append((name.strip(), packages.split()))
        elif word in ("forbid", "allow"):
            source, arrow, targets = rest.partition("->")
            assert arrow and source.split() and targets.split(), where
            assert word == "forbid" or comment.strip(), f"{where}: an allow needs a `# reason`"
            rules.rules.append(Rule(word, source.strip(), targets.split(), line))
        elif word == "known":
            source, arrow, target = rest.partition("->")
            assert arrow and len(source.split()) == 1 and len(target.split()) == 1, where
            rules.known.append((source.strip(), target.strip()))
        elif word == "max-lines":
            rules.max_lines = int(rest)
        elif word == "known-long":
            rules.known_long.append(rest.strip())
        else:
            raise AssertionError(f"{where}: unknown statement {word!r}")
    return rules


# --- applying them ---


def matches(pattern: str, module: str) -> bool:
    """`huitian.x` matches huitian.x and huitian.x.*; a segment `*` matches any one name."""
    want, have = pattern.split("."), module.split(".")
    return len(have) >= len(want) and all(w in ("*", h) for w, h in zip(want, have, strict=False))


class Checker:
    def __init__(self, rules: Rules):
        self.rules = rules
        self.domains = subpackages()
        self.layer_of: dict[str, int] = {}
        for index, (_, packages) in enumerate(rules.layers):
            for package in packages:
                assert package not in self.layer_of, f"{package} is in two layers"
                self.layer_of[package] = index

    def layer(self, module: str) -> int | None:
        best = max((p for p in self.layer_of if matches(p, module)), key=len, default=None)
        return None if best is None else self.layer_of[best]

    def expand_source(self, pattern: str, module: str) -> str | None:
        """The domain captured by the pattern ('' when it has no {domain}), or None when it does not match."""
        if pattern.startswith("@"):
            name = pattern[1:]
            packages = [p for n, ps in self.rules.layers if n == name for p in ps]
            assert packages, f"no layer named {name}"
            return "" if any(matches(p, module) for p in packages) else None
        if "{domain}" in pattern:
            for domain in self.domains:
                if matches(pattern.replace("huitian.{domain}", domain), module):
                    return domain
            return None
        return "" if matches(pattern, module) else None

    def target_matches(self, pattern: str, target: str, source: str, domain: str) -> bool:
        if pattern == "@above":
            mine, theirs = self.layer(source), self.layer(target)
            return mine is not None and theirs is not None and theirs > mine
        if pattern.startswith("@"):
            name = pattern[1:]
            packages = [p for n, ps in self.rules.layers if n == name for p in ps]
            assert packages, f"no layer named {name}"
            return any(matches(p, target) for p in packages)
        if "{other}" in pattern:
            return any(
                matches(pattern.replace("huitian.{other}", other), target)
                for other in self.domains
                if other != domain
            )
        return matches(pattern, target)

    def broken(self, source: str, target: str) -> list[str]:
        """The forbid lines this import breaks (none when an allow line covers it)."""
        hits: dict[str, list[str]] = {"forbid": [], "allow": []}
        for rule in self.rules.rules:
            domain = self.expand_source(rule.source, source)
            if domain is None:
                continue
            domain = domain or ".".join(source.split(".")[:2])
            if any(self.target_matches(t, target, source, domain) for t in rule.targets):
                hits[rule.kind].append(rule.line)
        return [] if hits["allow"] else hits["forbid"]

    def violations(self, graph: set[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        found = {edge: self.broken(*edge) for edge in sorted(graph)}
        return {edge: lines for edge, lines in found.items() if lines}


def long_modules(limit: int) -> dict[str, int]:
    counts = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in SRC.rglob("*.py")
    }
    return {path: n for path, n in sorted(counts.items()) if n > limit}


# --- the tests ---


def test_every_package_has_a_layer():
    """A new domain (or top-level module) must be put in a layer before the rules can speak of it."""
    rules = read_rules()
    assert rules.layers and rules.rules and rules.max_lines, (
        "the layering block lacks layers, rules or max-lines"
    )
    checker = Checker(rules)
    tops = {".".join(name.split(".")[:2]) for name in modules() if name != "huitian"}
    missing = sorted(top for top in tops if checker.layer(top) is None)
    assert not missing, f"add these to a layer in CONTRIBUTING.md's layering block: {missing}"


def test_no_import_breaks_the_layering():
    rules = read_rules()
    checker = Checker(rules)
    found = checker.violations(import_graph())
    known = set(rules.known)
    new = {edge: lines for edge, lines in found.items() if edge not in known}
    assert not new, "imports that break CONTRIBUTING.md's layering rules:\n" + "\n".join(
        f"  {s} imports {t}  (breaks: {'; '.join(lines)})" for (s, t), lines in new.items()
    )


def test_known_exceptions_still_occur():
    """A `known` line whose import is gone must be deleted, so the list only shrinks."""
    rules = read_rules()
    found = Checker(rules).violations(import_graph())
    gone = [f"known {s} -> {t}" for s, t in rules.known if (s, t) not in found]
    assert not gone, (
        "delete these lines from CONTRIBUTING.md's layering block, they no longer occur:\n"
        + "\n".join(f"  {line}" for line in gone)
    )


def test_no_module_is_too_long():
    rules = read_rules()
    assert rules.max_lines
    found = long_modules(rules.max_lines)
    new = {p: n for p, n in found.items() if p not in rules.known_long}
    assert not new, f"modules over {rules.max_lines} lines (split them):\n" + "\n".join(
        f"  {p}: {n}" for p, n in new.items()
    )
    gone = [p for p in rules.known_long if p not in found]
    assert not gone, "delete these known-long lines from CONTRIBUTING.md, they are short now:\n" + "\n".join(
        f"  known-long {p}" for p in gone
    )


# The checker itself, on a small made-up block, so a rule that can never fire is caught here.
SAMPLE = """
```layering
layer base: huitian.db
layer reference: huitian.areas
layer core: huitian.orders
layer top: huitian.kpi huitian.demo
forbid huitian.{domain} -> huitian.{other}.models
forbid @reference -> @above
forbid huitian.orders -> huitian.kpi
forbid huitian.kpi.jobs -> huitian.{other}
forbid @base -> @core @top
allow huitian.demo -> huitian   # a tool
known huitian.orders.service -> huitian.kpi.service
max-lines 600
```
"""


def test_the_checker_reads_each_form_of_rule():
    checker = Checker(read_rules(SAMPLE))
    assert checker.broken("huitian.orders.service", "huitian.kpi.service") == [
        "forbid huitian.orders -> huitian.kpi"
    ]
    assert checker.broken("huitian.kpi.service", "huitian.orders.models") == [
        "forbid huitian.{domain} -> huitian.{other}.models"
    ]
    assert checker.broken("huitian.orders.service", "huitian.orders.models") == []
    assert checker.broken("huitian.areas.api", "huitian.orders.service") == ["forbid @reference -> @above"]
    assert checker.broken("huitian.areas.api", "huitian.db") == []
    assert checker.broken("huitian.kpi.service", "huitian.orders.service") == []
    assert checker.broken("huitian.demo.build", "huitian.orders.models") == []
    assert checker.broken("huitian.kpi.jobs", "huitian.kpi.service") == []  # {other}: not its own package
    assert checker.broken("huitian.kpi.jobs", "huitian.orders.flows") == [
        "forbid huitian.kpi.jobs -> huitian.{other}"
    ]
    assert checker.broken("huitian.db", "huitian.orders.service") == ["forbid @base -> @core @top"]
    assert checker.broken("huitian.db.x", "huitian.areas") == []
    assert read_rules(SAMPLE).known == [("huitian.orders.service", "huitian.kpi.service")]


def test_an_allow_needs_a_reason():
    with pytest.raises(AssertionError, match="needs a `# reason`"):
        read_rules("```layering\nallow huitian.demo -> huitian\n```\n")


def test_imports_are_read_in_every_form():
    text = """
import os
import huitian.kpi.models
from huitian.orders import service as orders_service
from huitian.areas.models import Area
from huitian import db
from . import enums
from .schemas import OrderRead


def later():
    from huitian.intake import service
"""
    assert imports_in(text, "huitian.orders.flows") == {
        "huitian.kpi.models",
        "huitian.orders.service",
        "huitian.areas.models",
        "huitian.db",
        "huitian.orders.enums",
        "huitian.orders.schemas",
        "huitian.intake.service",
    }
    assert imports_in("from .models import Order", "huitian.orders", is_package=True) == {
        "huitian.orders.models"
    }


def print_known() -> None:
    """The block's `known` lines for the current tree, grouped under the rule each one breaks first."""
    rules = read_rules()
    found = Checker(rules).violations(import_graph())
    for rule in [r.line for r in rules.rules if r.kind == "forbid"]:
        edges = [edge for edge, lines in found.items() if lines[0] == rule]
        if edges:
            print(f"# breaks: {rule}")
            for source, target in edges:
                print(f"known {source} -> {target}")
    if rules.max_lines:
        print(f"# over max-lines {rules.max_lines} (issue 15 splits them)")
        for path in long_modules(rules.max_lines):
            print(f"known-long {path}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--print-known"]:
        print_known()
    else:
        sys.exit("usage: python tests/test_layering.py --print-known")
