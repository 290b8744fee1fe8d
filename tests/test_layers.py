"""The package's layers: each module imports only its own layer or lower ones, the import graph has
no cycle, classifying never imports training code, and loading a model never trains one."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "classifier"

# lowest first; a module may import its own layer or a lower one
LAYERS = [
    ("classifier.facts", "classifier.wording"),
    ("classifier.preprocess",),
    ("classifier.rules",),
    ("classifier.model",),
    ("classifier.storage",),
    ("classifier.batch",),
    ("classifier.training",),
    ("classifier.cli", "classifier.__main__", "classifier"),
]


def layer_of(module: str) -> int:
    best = max(((len(p), i) for i, prefixes in enumerate(LAYERS) for p in prefixes
                if module == p or module.startswith(p + ".")), default=None)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every ``classifier`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("classifier"):
                found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; use absolute 'classifier.' imports")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("classifier"))
    return found


GRAPH = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_module_imports_only_its_layer_or_lower(module):
    mine = layer_of(module)
    higher = sorted(m for m in GRAPH[module] if layer_of(m) > mine)
    assert not higher, f"{module} (layer {mine}) imports higher layers: {higher}"


def test_import_graph_has_no_cycle():
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        if state.get(m) == 1:
            raise AssertionError("import cycle: " + " → ".join(path[path.index(m):] + [m]))
        if state.get(m) == 2:
            return
        state[m] = 1
        for n in GRAPH.get(m, ()):
            visit(n, path + [m])
        state[m] = 2

    for m in GRAPH:
        visit(m, [])


def test_classifying_imports_no_training_code_and_loading_never_trains(model, tmp_path):
    """A fresh process loads the built model, classifies, and has imported nothing from training; with
    an empty home, load_model() says how to build the model instead of building it."""
    code = ("import sys, classifier; m = classifier.load_model(sys.argv[1]); m.classify('calf cramp'); "
            "print(sorted(k for k in sys.modules if k.startswith('classifier.training')))")
    out = subprocess.run([sys.executable, "-c", code, str(model.path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    empty = tmp_path / "home"
    code = "import classifier; classifier.load_model()"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "CALFCHECK_HOME": str(empty)})
    assert r.returncode != 0 and "FileNotFoundError" in r.stderr and "calfcheck train" in r.stderr
    assert not empty.exists()  # nothing was built
