"""The house, read from the imports (ARCHITECTURE.md): who may import whom, no cycles, file sizes, no data reached
by a name in a string. Reads the source with `ast`; imports nothing of the project."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app_pages", "components", "services", "db", "seed", "reports", "cli")
PAGE_FOLDER = "app_pages"
MAX_LINES = 500
MAX_PAGE_LINES = 150

# layer -> the layers it may import (besides itself). services.rules is its own layer: pure rules and vocabulary.
ALLOWED: dict[str, set[str]] = {
    "app": {"components", "services", "services.rules"},
    "server": {"services", "services.rules"},  # server.py: the HTTP endpoints and middleware around app.py
    "cli": {"services", "services.rules", "seed", "reports", "db"},
    "pages": {"components", "services", "services.rules", "reports"},
    "components": {"services", "services.rules"},
    "reports": {"services", "services.rules"},
    "services": {"services.rules", "db", "seed"},
    "seed": {"db", "services.rules"},
    "services.rules": set(),
    "db": set(),
}
# `python -m seed` and `python -m reports` stay the commands people know: these two files only hand over to cli/.
ENTRY_SHIMS = {"seed/__main__.py": {"cli"}, "reports/__main__.py": {"cli"}}


def _source_files() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "server.py"]
    for pkg in PACKAGES + ("bench",):
        files += sorted((ROOT / pkg).rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    top = module.split(".")[0]
    if module in ("app", "server"):
        return module
    if module == "services.rules" or module.startswith("services.rules."):
        return "services.rules"
    return {"app_pages": "pages", "components": "components", "services": "services", "db": "db", "seed": "seed",
            "reports": "reports", "cli": "cli"}.get(top)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of ours in the file, at any depth, except under `if TYPE_CHECKING:`.
    `from pkg import name` counts as pkg.name when that is a module of ours, else as pkg."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for sub in node.body:
                skip.update(id(n) for n in ast.walk(sub))
    out = []
    me = module_name(path)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in PACKAGES + ("app",)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = me.split(".")
                base = base[: len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] not in PACKAGES:
                continue
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.append((node.lineno, sub if _is_module(sub) else mod))
    return out


def _is_module(dotted: str) -> bool:
    p = ROOT / dotted.replace(".", "/")
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def test_layers_import_only_downward():
    wrong = []
    for f in _source_files():
        rel = str(f.relative_to(ROOT))
        me = module_name(f)
        mine = layer_of(me)
        if mine is None:  # bench/: tools beside the house, not part of it
            continue
        allowed = ALLOWED[mine] | {mine} | ENTRY_SHIMS.get(rel, set())
        for line, mod in imports_of(f):
            theirs = layer_of(mod)
            if theirs is not None and theirs not in allowed:
                wrong.append(f"{rel}:{line} ({mine}) imports {mod} ({theirs})")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph: dict[str, set[str]] = defaultdict(set)
    for f in _source_files():
        me = module_name(f)
        for _, mod in imports_of(f):
            if mod != me and _is_module(mod):
                graph[me].add(mod)
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_file_over_500_lines():
    long = [f"{f.relative_to(ROOT)}: {n}" for f in _source_files()
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "files over 500 lines:\n" + "\n".join(long)


def test_pages_are_thin():
    pages = sorted((ROOT / PAGE_FOLDER).glob("*.py"))
    assert pages, "no pages found"
    long = [f"{f.name}: {n}" for f in pages if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_PAGE_LINES]
    assert not long, "pages over 150 lines:\n" + "\n".join(long)


def test_page_folder_is_not_named_pages():
    """Streamlit runs a pages/ folder beside app.py as legacy pages, without app.py's login gate."""
    assert not (ROOT / "pages").exists()
    assert (ROOT / PAGE_FOLDER).is_dir()


@pytest.mark.parametrize("layer, banned", [
    ("app_pages", {"sqlmodel", "sqlalchemy", "db"}),
    ("components", {"sqlmodel", "sqlalchemy", "db", "seed"}),
    ("services", {"streamlit"}),
    ("db", {"streamlit"}),
    ("seed", {"streamlit"}),
    ("reports", {"streamlit", "sqlmodel", "sqlalchemy"}),
])
def test_no_storage_above_services_and_no_streamlit_below_components(layer, banned):
    wrong = []
    for f in sorted((ROOT / layer).rglob("*.py")):
        if "migrations" in f.parts:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            wrong += [f"{f.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in banned]
    assert not wrong, "\n".join(wrong)


def test_no_data_dispatch_by_name():
    """Pages, components and services reach data by function reference: no importlib, no getattr on a module."""
    wrong = []
    for layer in ("app_pages", "components", "services"):
        for f in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(f.read_text(encoding="utf-8"))
            modules = {a.asname or a.name.split(".")[0] for n in ast.walk(tree)
                       if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "import_module" or (
                        isinstance(node, ast.alias) and node.name == "import_module"):
                    wrong.append(f"{f.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} uses importlib.import_module")
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                        and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in modules
                        and not isinstance(node.args[1], ast.Constant)):
                    wrong.append(f"{f.relative_to(ROOT)}:{node.lineno} getattr on module {node.args[0].id}")
    assert not wrong, "\n".join(wrong)
