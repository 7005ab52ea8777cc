"""The shape rules of DEVELOPERS.md that a reader cannot keep by eye: no
module over 400 lines, no function over 60 lines (tests and migrations
aside), no import cycle, and no import inside a function without a comment
saying why (on its line, or above it or the imports just before it)."""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cloudadmin", "zones", "storage", "api")
CODE = (*APPS, "bench", "scripts")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources():
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _functions(tree):
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _sources()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines():
    long = {}
    for path in _sources():
        for node in _functions(ast.parse(path.read_text())):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = length
    assert long == {}


def _says_why(lines, number) -> bool:
    """A comment on the import's line, or on the line above it or above the
    run of imports it ends."""
    index = number - 1
    if "#" in lines[index]:
        return True
    while index > 0 and lines[index - 1].strip().startswith(("from ", "import ")):
        index -= 1
        if "#" in lines[index]:
            return True
    return index > 0 and lines[index - 1].strip().startswith("#")


def test_an_import_inside_a_function_says_why():
    silent = []
    for path in _sources():
        if path.parts[len(ROOT.parts)] not in APPS:
            continue  # bench/ and scripts/ import after django.setup(), by design
        lines = path.read_text().splitlines()
        for function in _functions(ast.parse("\n".join(lines))):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    if not _says_why(lines, node.lineno):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert silent == []


@pytest.mark.parametrize("package", APPS)
def test_no_import_cycle(package):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import import_graph  # scripts/ is no package
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    graph = import_graph.build_graph()
    assert import_graph.cycles(import_graph.edges(graph, package)) == []
