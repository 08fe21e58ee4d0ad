"""The shape of the code, measured (issue 29): functions over 60 lines and modules over 500 outside tests and
benchmarks, imports inside functions, private names imported across modules, import
cycles between the project's modules, the README's length, the sampler-name branches,
the core's modules reached outside its public surface, and (issue 42.2) the walk of a
deck's options from ``build_deck`` to the Marp call.

    python benchmarks/architecture_metrics.py          # this checkout
    python benchmarks/architecture_metrics.py PATH     # another checkout (a clone of an older commit)
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
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


# Run in the checkout measured: a two-slide deck (a figure and a video of ours) built with
# its renders faked (its own tests/test_deck.py's fake_render_many: files naming the job), and
# every call of a function of lecture/ recorded that is given the deck's options (the
# DeckOptions itself, or an object whose `opts` it is) or is called by a function of
# lecture/ that has them (whatever of them it passes on: the language as a bare string, the
# deck's path), until Marp is called.
WALK = r"""
import json, sys, tempfile
from pathlib import Path
root = Path(sys.argv[1]); sys.path.insert(0, str(root))
import lecture.build, lecture.marp
sys.path.insert(0, str(root / "tests"))
from test_deck import fake_render_many  # the tests' renders without manim, as the checkout has them

for name in ("lecture.build", "lecture.renders"):  # where render_many is called: build.py before issue 42.2
    try:
        __import__(name)
    except ImportError:
        continue
    if hasattr(sys.modules[name], "render_many"):
        sys.modules[name].render_many = fake_render_many()


class Reached(BaseException):  # Marp is called: the walk ends there (nothing of the build's catches it)
    pass


def marp(*args, **kwargs):
    raise Reached


for name in ("lecture.build", "lecture.outputs"):  # where build_html is called: build.py before issue 42.2
    module = sys.modules.get(name)
    if module is not None and hasattr(module, "build_html"):
        module.build_html = marp
lecture_dir = str(root / "lecture")
walk = []

def holds(value):
    return type(value).__name__ == "DeckOptions" or type(getattr(value, "opts", None)).__name__ == "DeckOptions"

def hook(frame, event, arg):
    if event != "call" or not frame.f_code.co_filename.startswith(lecture_dir):
        return
    code, caller = frame.f_code, frame.f_back
    args = [frame.f_locals.get(n) for n in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]]
    by_holder = (caller is not None and caller.f_code.co_filename.startswith(lecture_dir)
                 and any(holds(v) for v in caller.f_locals.values()))
    given = any(holds(a) for a in args)
    if given or by_holder:  # given the options, or called by a function that has them
        walk.append([Path(code.co_filename).relative_to(root).as_posix() + ":" + code.co_name, given])

tmp = Path(tempfile.mkdtemp())  # the caller removes it
deck = tmp / "slides.md"
deck.write_text("---\nmarp: true\n---\n\n# A\n\n![](noise_schedules.png)\n\n---\n\n# B\n\n"
                '<video controls src="DiffusionProcess.mp4"></video>\n', encoding="utf-8")
sys.setprofile(hook)
try:
    lecture.build.build_deck(lecture.build.DeckOptions(deck=deck, out=tmp / "out", quality="low"), log=lambda *a: None)
except Reached:
    pass
finally:
    sys.setprofile(None)
print(json.dumps(walk))
"""


def options_walk(root: Path) -> dict:
    """The deck's options followed from ``build_deck`` to the Marp call (WALK, run in the
    checkout ``root``), twice: through the functions given them, and through those and every
    function of lecture/ that a holder of them calls. Each: the calls, the stops (runs of
    calls in one module), the modules, and the returns (a stop in a module already left)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", WALK, str(root)], cwd=root, capture_output=True, text=True,
                              env={**os.environ, "TMPDIR": tmp})
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    calls = json.loads(proc.stdout.strip().splitlines()[-1])
    out = {}
    for name, chosen in (("given", [c for c, given in calls if given]), ("all", [c for c, _ in calls])):
        modules = [c.split(":")[0] for c in chosen]
        stops = [m for i, m in enumerate(modules) if i == 0 or m != modules[i - 1]]
        out[name] = {"calls": chosen, "stops": stops, "modules": sorted(set(stops)),
                     "returns": sum(1 for i, m in enumerate(stops) if m in stops[:i])}
    return out


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
    walk = options_walk(root)
    if "error" in walk:
        print(f"the deck's options from build_deck to Marp: not measured ({walk['error']})")
    else:
        for name, what in (("given", "the functions given them"), ("all", "and every function their holders call")):
            w = walk[name]
            print(f"the deck's options from build_deck to Marp, {what}: {len(w['calls'])} calls, {len(w['stops'])} stops "
                  f"in {len(w['modules'])} modules, {w['returns']} returns to a module already left")
            if name == "given":
                print("  " + " -> ".join(w["stops"]))


if __name__ == "__main__":
    main()
