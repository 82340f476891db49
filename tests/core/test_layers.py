"""The layers in DESIGN.md: a Qt-free core, and SQL only in flashdesk/store/."""

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "flashdesk"
CORE_MODULES = ["flashdesk.cli", "flashdesk.collection", "flashdesk.study", "flashdesk.cards",
                "flashdesk.formats", "flashdesk.store", "flashdesk.scheduler.sm2", "flashdesk.sync",
                "flashdesk.sync.classroom", "flashdesk.sync.class_report"]


def test_core_runs_without_importing_qt():
    code = ("import sys; " + "; ".join(f"import {m}" for m in CORE_MODULES)
            + "; print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def python_files(exclude: str):
    return [p for p in PACKAGE.rglob("*.py") if exclude not in p.relative_to(PACKAGE).parts]


def test_no_qt_outside_ui():
    offenders = [str(p) for p in python_files("ui")
                 if re.search(r"^\s*(from|import)\s+PySide6", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


def test_no_sql_outside_store():
    sql = re.compile(r"""["'](SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\s""")
    offenders = [str(p) for p in python_files("store") if sql.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# -- the import graph ---------------------------------------------------------------

#: each module's layer, lowest first: a module may import only from lower layers
#: (and, inside its own package, from its siblings, as long as there is no cycle)
LAYERS = [
    ("flashdesk.cloze",),
    ("flashdesk.model", "flashdesk.paths"),
    ("flashdesk.scheduler", "flashdesk.store"),
    ("flashdesk.cards", "flashdesk.text", "flashdesk.statistics", "flashdesk.backup"),
    ("flashdesk.kinds",),
    ("flashdesk.formats",),
    ("flashdesk.study", "flashdesk.exam"),
    ("flashdesk.collection",),
    ("flashdesk.sync",),
    ("flashdesk.review",),
    ("flashdesk.ui",),
    ("flashdesk.cli",),
    ("flashdesk.__main__",),
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree):
    """Every node, leaving out ``if TYPE_CHECKING:`` blocks (annotations only:
    a manager names the collection that owns it without importing it)."""
    import ast

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, root: Path) -> set[str]:
    """Every flashdesk module ``path`` imports at run time (at any depth)."""
    import ast

    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("flashdesk"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("flashdesk"):
                continue
            # "from . import x" / "from .pkg import mod": the names may be modules
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _is_module(candidate, root) else target)
    return {m for m in found if m != name}


def _is_module(name: str, root: Path) -> bool:
    rel = Path(*name.split("."))
    return (root.parent / rel).with_suffix(".py").exists() or \
        (root.parent / rel / "__init__.py").exists()


def layer_of(module: str) -> int:
    if module == "flashdesk":  # the package itself holds only its version
        return 0
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no layer of LAYERS: add it")


def graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    return {module_name(p, root): imports_of(p, root) for p in root.rglob("*.py")}


def top_package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def upward_edges(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{module} → {target}" for module, targets in edges.items()
                  for target in targets
                  if top_package(target) != top_package(module)
                  and layer_of(target) >= layer_of(module))


def cycles_in(edges: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    found: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                found.append(" → ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_every_import_points_down_the_layers():
    assert upward_edges(graph()) == []


def test_the_import_graph_has_no_cycle():
    assert cycles_in(graph()) == []


def test_the_checks_catch_upward_edges_and_cycles(tmp_path):
    """On a small package made to break the rules, both checks speak up."""
    root = tmp_path / "flashdesk"
    (root / "ui").mkdir(parents=True)
    (root / "store").mkdir()
    files = {
        "__init__.py": "", "ui/__init__.py": "", "store/__init__.py": "",
        "model.py": "from .cli import main\n",                 # the bottom importing the top
        "cli.py": "def main(): pass\n",
        "ui/window.py": "from ..cli import main\n",            # the window importing the CLI
        "store/queries.py": "from ..formats import read\n",    # storage importing a reader
        "formats.py": "read = None\n",
        "ui/deck_list.py": "from . import reviewer\n",          # a cycle
        "ui/reviewer.py": "from .deck_list import x\n",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    edges = graph(root)
    assert upward_edges(edges) == ["flashdesk.model → flashdesk.cli",
                                   "flashdesk.store.queries → flashdesk.formats",
                                   "flashdesk.ui.window → flashdesk.cli"]
    assert cycles_in(edges) == [
        "flashdesk.ui.deck_list → flashdesk.ui.reviewer → flashdesk.ui.deck_list"]
