"""The layer order of STYLE 1.1, checked by import-linter (contract in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contract_holds() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": str(Path(sys.executable).parent)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def _contract_layers() -> list[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    names = []
    for layer in contract["layers"]:
        names += [part.strip().strip("()") for part in layer.split("|")]
    return names


def test_the_contract_names_every_top_level_module_and_package() -> None:
    import pkgutil

    import deepstat

    named = set(_contract_layers())
    top = {f"deepstat.{m.name}" for m in pkgutil.iter_modules(deepstat.__path__)}
    assert top - named == set(), f"modules outside the layer contract: {sorted(top - named)}"
    assert named - top == set(), f"the contract names modules that do not exist: {sorted(named - top)}"


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan, so deep graphs do not recurse)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
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
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_the_package_has_no_import_circles() -> None:
    """Module to module, function-level and TYPE_CHECKING imports included (grimp, import-linter's graph)."""
    import grimp

    graph = grimp.build_graph("deepstat", exclude_type_checking_imports=False)
    assert _cycles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    class Graph:
        modules = {"a", "b", "c", "d"}

        @staticmethod
        def find_modules_directly_imported_by(m: str) -> set[str]:
            return {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}[m]

    assert _cycles(Graph()) == [["a", "b", "c"]]


def test_every_estimator_is_exported_at_the_top_level() -> None:
    import deepstat
    from deepstat.estimators._registry import ESTIMATORS

    missing = [name for name in ESTIMATORS if getattr(deepstat, name, None) is not ESTIMATORS[name]]
    assert missing == [] and len(ESTIMATORS) >= 8
