"""The shape of the code, measured (issue 29): functions over 60 lines and modules over 500 outside tests and
benchmarks, imports inside functions, private names imported across modules, import
cycles between the project's modules, the README's length, the sampler-name branches and
the core's modules reached outside its public surface.

    python benchmarks/architecture_metrics.py          # this checkout
    python benchmarks/architecture_metrics.py PATH     # another checkout (a clone of an older commit)
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

SKIP = {".venv", "node_modules", ".git", "tests"}
LONG = 60
LONG_MODULE = 500  # lines of a production module (issue 42: lecture/build.py was 920)


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if not SKIP & set(p.relative_to(root).parts))


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def long_functions(root: Path) -> list[tuple[int, str]]:
    """(lines, where) of each function over LONG lines outside tests and benchmarks."""
    out = []
    for path in python_files(root):
        if path.relative_to(root).parts[0] == "benchmarks":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > LONG:
                    out.append((n, f"{path.relative_to(root)}:{node.lineno} {node.name}"))
    return sorted(out, reverse=True)


def long_modules(root: Path) -> list[tuple[int, str]]:
    """(lines, file) of each module over LONG_MODULE lines outside tests and benchmarks."""
    out = [(len(p.read_text().splitlines()), str(p.relative_to(root))) for p in python_files(root)
           if p.relative_to(root).parts[0] != "benchmarks"]
    return sorted(((n, f) for n, f in out if n > LONG_MODULE), reverse=True)


def local_imports(root: Path) -> list[str]:
    """Each import statement inside a function, as 'file:line function: what'."""
    out = []
    for path in python_files(root):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        what = sub.module if isinstance(sub, ast.ImportFrom) else sub.names[0].name
                        out.append(f"{path.relative_to(root)}:{sub.lineno} {node.name}: {what}")
    return sorted(set(out))


def imports_of(root: Path, path: Path) -> list[tuple[str, str]]:
    """(module, name) for each 'from module import name' of a file, relative ones resolved."""
    me = module_name(root, path)
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            out += [(base, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
    return out


PUBLIC_CORE = {"diffusion_core", "diffusion_core.io", "diffusion_core.mnist", "diffusion_core.mnist.frames",
               "diffusion_core.mnist.train", "diffusion_core.mnist.eval"}  # ARCHITECTURE.md, "The public surface"


def core_reaches(root: Path) -> list[str]:
    """Each import of a diffusion_core module outside the public surface by the scenes, the
    deck builder or the CLI, as 'file: module'."""
    users = [p for p in python_files(root) if p.relative_to(root).parts[0] in ("scenes", "lecture")
             or p.parent == root and p.name.startswith("cli")]
    return sorted({f"{p.relative_to(root)}: {module}" for p in users for module, _ in imports_of(root, p)
                   if module.split(".")[0] == "diffusion_core" and module not in PUBLIC_CORE})


def private_imports(root: Path) -> list[str]:
    return [f"{p.relative_to(root)}: {m}.{n}" for p in python_files(root) for m, n in imports_of(root, p)
            if n.startswith("_") and not n.startswith("__")]


def cycles(root: Path) -> list[list[str]]:
    """The strongly connected groups (more than one module) of the import graph."""
    modules = {module_name(root, p): p for p in python_files(root)}
    graph = {m: set() for m in modules}
    for m, p in modules.items():
        for base, name in imports_of(root, p):
            target = f"{base}.{name}" if f"{base}.{name}" in modules else base
            if target in modules and target != m:
                graph[m].add(target)
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def sampler_branches(root: Path) -> list[str]:
    """Comparisons of a sampler's name with a string: '== "ddpm"', '"ddim" !=' (this file aside)."""
    pattern = re.compile(r"""(==|!=)\s*["'](ddpm|ddim|flow)["']|["'](ddpm|ddim|flow)["']\s*(==|!=)""")
    return [f"{p.relative_to(root)}:{i}" for p in python_files(root) if p.name != Path(__file__).name
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]


LISTS = ("scenes/registry.py", "scenes/kit/", "lecture/", "cli")  # where scenes were listed, before their homes


def scene_copies(root: Path) -> dict[str, list[str]]:
    """For each scene, the production files besides its home (scenes/homes/<module>.py) and
    its class (scenes/<module>.py) that name its class, or its key where scenes used to be
    listed (LISTS): the places a change to the scene must also be made in."""
    homes = {}  # module -> (key, class), read from each home's SceneSpec(__name__, key, class, ...)
    for home in sorted((root / "scenes" / "homes").glob("[a-z]*.py")):
        m = re.search(r'SceneSpec\(\s*__name__,\s*"([\w-]+)",\s*"(\w+)"', home.read_text(encoding="utf-8"))
        homes[home.stem] = m.groups()
    files = [p for p in python_files(root) if not p.relative_to(root).as_posix().startswith(("tests/", "benchmarks/"))]
    texts = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in files}
    found: dict[str, list[str]] = {}
    for module, (key, cls) in homes.items():
        own = {f"scenes/homes/{module}.py", f"scenes/{module}.py"}
        found[key] = sorted(rel for rel, text in texts.items() if rel not in own and (
            re.search(rf"\b{cls}\b", text) or (rel.startswith(LISTS) and re.search(rf"[\"']{re.escape(key)}[\"']", text))))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    root = Path(parser.parse_args().root)
    longs, local, private = long_functions(root), local_imports(root), private_imports(root)
    print(f"README lines: {len((root / 'README.md').read_text().splitlines())}")
    print(f"functions over {LONG} lines (outside tests and benchmarks): {len(longs)}")
    for n, where in longs:
        print(f"  {n:4d} {where}")
    modules = long_modules(root)
    print(f"modules over {LONG_MODULE} lines (outside tests and benchmarks): {len(modules)}")
    for n, where in modules:
        print(f"  {n:4d} {where}")
    print(f"imports inside functions (outside tests): {len(local)}")
    for where in local:
        print(f"  {where}")
    print(f"private names imported across modules (outside tests): {len(private)}")
    for where in private:
        print(f"  {where}")
    reaches = core_reaches(root)
    print(f"diffusion_core modules imported outside its public surface: {len(reaches)}")
    for where in reaches:
        print(f"  {where}")
    print(f"import cycles: {cycles(root)}")
    copies = scene_copies(root)
    print(f"files besides its home and its class that name a scene (key or class), summed over {len(copies)} scenes: "
          f"{sum(map(len, copies.values()))}")
    for key, where in copies.items():
        if where:
            print(f"  {key}: {', '.join(where)}")
    branches = sampler_branches(root)
    print(f"sampler names compared with strings (outside tests): {len(branches)}")
    for where in branches:
        print(f"  {where}")


if __name__ == "__main__":
    main()
