#!/usr/bin/env python
"""Print the import graph of a package (default: storage) from grimp, the
library lint-imports uses: each module, the modules of the same package it
imports, and then any import cycle among them (there should be none).

    .venv/bin/python scripts/import_graph.py [package] [--packages]

--packages folds modules into their sub-package (storage.transfers.upload
-> storage.transfers), which shows the layers of .importlinter.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cloudadmin", "zones", "storage", "api")


def fold(module: str, package: str, depth: int) -> str:
    parts = module.split(".")
    return ".".join(parts[:len(package.split(".")) + depth]) if depth else module


def edges(graph, package: str, depth: int = 0) -> dict[str, set[str]]:
    """{module: modules of `package` it imports directly}."""
    inside = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    result: dict[str, set[str]] = {}
    for module in sorted(inside):
        source = fold(module, package, depth)
        targets = {fold(t, package, depth) for t in graph.find_modules_directly_imported_by(module) if t in inside}
        result.setdefault(source, set()).update(targets - {source})
    return result


def cycles(graph_edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph_edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(1000, 10 * len(graph_edges)))
    for node in sorted(graph_edges):
        if node not in index:
            visit(node)
    return found


def build_graph():
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default="storage")
    parser.add_argument("--packages", action="store_true", help="fold modules into their sub-package")
    args = parser.parse_args()
    graph_edges = edges(build_graph(), args.package, depth=1 if args.packages else 0)
    for module, targets in graph_edges.items():
        print(f"{module} -> {', '.join(sorted(targets)) if targets else '(nothing of {})'.format(args.package)}")
    found = cycles(graph_edges)
    print(f"\ncycles: {found if found else 'none'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
