"""The shape of lamoo.bench: every module imports on its own, the module graph has no loop, the
harness reaches samplers and tasks only through lamoo.plugins, and modules and functions stay small."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import lamoo.bench

PACKAGE = Path(lamoo.bench.__file__).resolve().parent
ROOT = PACKAGE.parents[1]
MODULES = sorted(f"lamoo.bench.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")
FORBIDDEN = ("samplers", "nas_tasks", "benchmarks")  # reached only through lamoo.plugins


def imported_modules(module: str) -> set[str]:
    """Every module that ``module``'s source imports, at the top or inside a function."""
    path = PACKAGE / f"{module.rsplit('.', 1)[1]}.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return out


def bench_graph() -> dict[str, set[str]]:
    return {m: {d for d in imported_modules(m) if d in MODULES and d != m} for m in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a list of nodes (first == last), or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_module_graph_of_lamoo_bench_is_acyclic():
    graph = bench_graph()
    assert len(MODULES) >= 15 and graph["lamoo.bench.report"]  # the parse sees the package's imports
    assert find_cycle(graph) is None, f"import loop: {' -> '.join(find_cycle(graph))}"


def test_lamoo_bench_imports_no_plugin_package_by_name():
    for module in MODULES:
        bad = sorted(d for d in imported_modules(module) if d.split(".")[0] in FORBIDDEN)
        assert not bad, f"{module} imports {bad}; use lamoo.plugins"
        source = (PACKAGE / f"{module.rsplit('.', 1)[1]}.py").read_text()
        assert '"samplers.' not in source and '"nas_tasks.' not in source, f"{module} names a plug-in module by string"


def test_every_module_imports_alone_in_a_fresh_interpreter():
    code = ("import importlib, sys\n"
            f"for name in {MODULES!r}:\n"
            "    for loaded in [m for m in sys.modules if m.startswith('lamoo.bench')]:\n"
            "        del sys.modules[loaded]\n"
            "    importlib.import_module(name)\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_importing_the_harness_stays_light():
    code = ("import sys, lamoo.bench.run, lamoo.bench.report_command\n"
            "print(sorted(m for m in ('torch', 'botorch', 'optuna', 'pymoo', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", MODULES)
def test_modules_and_functions_stay_small(module):
    path = PACKAGE / f"{module.rsplit('.', 1)[1]}.py"
    source = path.read_text()
    assert len(source.splitlines()) <= 400, f"{path.name} has {len(source.splitlines())} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= 60, f"{path.name}:{node.lineno} {node.name} has {length} lines"
