"""Assets: which scene makes a file of the deck, what it depends on (its key), and the
record of what the builder wrote, so that a second run renders only what changed and a
file damaged or edited by hand is made again.

``render_cached`` is ``render all``'s incremental rendering; the deck builder uses the
same keys and records.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from diffusion_core import REPO, atomic_write, models_dir
from lecture.fence import file_digest
from lecture.jobs import render_many
from scenes.registry import FORMATS, LANGS, SCENES, SceneSpec

__all__ = ["scene_of", "name_hint", "asset_key", "code_closure", "record", "is_fresh", "read_state", "write_state",
           "render_cached", "guess_seconds", "longest_first"]


def scene_of(name: str, lang: str = LANGS[0]) -> tuple[SceneSpec, str, str] | None:
    """(scene, format, language) of a deck file name, or None. A name without a language
    suffix is in the deck's language (``lang``); 'DiffusionProcess_en.mp4' is English
    whatever the deck's. A .png is the still ("png"); the builder asks for the figure
    where the deck shows it as an image."""
    for spec in SCENES.values():
        for fmt in FORMATS:
            if fmt == "figure":
                continue
            if spec.output_name(fmt, LANGS[0]) == name:
                return spec, fmt, lang
            for other in LANGS[1:]:
                if spec.output_name(fmt, other) == name:
                    return spec, fmt, other
    return None


def name_hint(name: str) -> str | None:
    """'did you mean forward_process.png?' for a name that is ours but for its case."""
    low = name.lower()
    for spec in SCENES.values():
        for fmt in FORMATS:
            for lang in LANGS:
                ours = spec.output_name(fmt, lang)
                if ours.lower() == low and ours != name:
                    return f"did you mean {ours} ({spec.key}; file names are case-sensitive)?"
    return None


PACKAGES = ("diffusion_core", "scenes")  # the project's code a scene can import
VERSIONED = ("manim", "torch", "av", "pillow", "numpy")  # what else draws or computes a frame


@functools.lru_cache(maxsize=None)
def _module_file(name: str, root: Path) -> Path | None:
    parts = name.split(".")
    if parts[0] not in PACKAGES:
        return None
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def _imported_names(path: Path, mtime_ns: int, package: str) -> tuple[str, ...]:
    """The module names a file's import statements may load (a name after ``from pkg
    import`` may be a submodule), relative imports resolved against ``package``."""
    import ast

    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            names.append(base)
            names += [f"{base}.{a.name}" for a in node.names]  # from pkg import submodule
    return tuple(dict.fromkeys(names))


def _digest(path: Path) -> str:
    st = path.stat()
    return _cached_digest(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=None)
def _cached_digest(path: Path, size: int, mtime_ns: int) -> str:
    return file_digest(path)


def code_closure(module: str, root: Path = REPO) -> list[Path]:
    """The project's source files ``module`` runs: its own and, transitively, every
    project module it imports (found in the code, by its import statements; a package
    brings its __init__). Editing scenes/score.py changes the score scene's closure only;
    scenes/strings.py or theme.py are in every scene's."""
    seen: dict[Path, None] = {}
    asked: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in asked:
            continue
        asked.add(name)
        path = _module_file(name, root)
        if path is None or path in seen:
            continue
        seen[path] = None
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # a.b.c runs a/__init__ and a/b/__init__ first
        todo += _imported_names(path, path.stat().st_mtime_ns, package)
    return sorted(seen)


def _versions() -> str:
    from importlib import metadata

    out = []
    for name in VERSIONED:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return ",".join(out)


def asset_key(key: str, fmt: str, quality: str, lang: str, resolution=None, fps=None, settings=None) -> str:
    """What an asset depends on, and nothing else: its scene, format, quality, language
    (and other settings); the scene's module and the project modules it imports
    (``code_closure``); the model and data files its scene reads (the registry's
    ``models``: folders of models/, by content); manim.cfg; the versions of manim, torch
    and the libraries that draw. The same key means the same file."""
    spec = SCENES[key]
    extra = sorted((settings or {}).items())
    h = hashlib.sha256(json.dumps([key, fmt, quality, lang, resolution, fps, extra, _versions()],
                                  default=str).encode())
    for f in code_closure(spec.module) + [REPO / "manim.cfg"]:
        h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
    models = models_dir()
    for folder in spec.models:
        for f in sorted((models / folder).rglob("*")) if (models / folder).is_dir() else []:
            if f.is_file():
                h.update(str(f.relative_to(models)).encode() + b"\0" + _digest(f).encode())
    return h.hexdigest()[:16]


def record(path: Path, key: str) -> dict:
    """What the builder wrote at ``path``: the key it was made for, its size, mtime and hash."""
    st = path.stat()
    return {"key": key, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": file_digest(path)}


def is_fresh(path: Path, rec, key: str | None) -> bool:
    """The file is still what was recorded for ``key`` (None: any key): same size, and
    the same mtime or else the same hash. A file truncated or edited by hand is not."""
    if not isinstance(rec, dict) or (key is not None and rec.get("key") != key):
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    if not path.is_file() or st.st_size != rec.get("size"):
        return False
    if st.st_mtime_ns == rec.get("mtime_ns"):
        return True
    if file_digest(path) == rec.get("sha256"):
        rec["mtime_ns"] = st.st_mtime_ns  # touched, not changed
        return True
    return False


def read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(path: Path, state: dict) -> None:
    with atomic_write(path) as tmp:
        Path(tmp).write_text(json.dumps(state, indent=1))


GUESS_S = {"png": 5.0, "figure": 8.0}  # a still's render when none was recorded (a video's: its scene's ``seconds``)


def guess_seconds(key: str, fmt: str) -> float:
    """A render's seconds when no earlier run recorded them: a video's from the registry
    (measured, with its first sampling), a still's a few seconds."""
    return GUESS_S.get(fmt) or float(SCENES[key].seconds)


def longest_first(items: list, seconds) -> list:
    """Items in the order to start them: the longest render first (its seconds in the
    previous run, from the state, or ``guess_seconds``), so that the last ones are short."""
    return sorted(items, key=lambda item: -seconds(item))


def render_cached(tasks: list[dict], jobs: int, log=print) -> list[Path]:
    """``render all``'s incremental rendering: a task whose file is already in its
    out_dir as recorded for the same asset key (.render-state.json there) is not
    rendered again. What finishes is recorded at once, so a stopped run keeps it."""
    states: dict[Path, dict] = {}
    todo, done = [], []
    for task in tasks:
        out = Path(task["out_dir"])
        state = states.setdefault(out, read_state(out / ".render-state.json"))
        settings = task.get("settings") or {}
        lang = settings.get("lang", LANGS[0])
        key = asset_key(task["key"], task["fmt"], task["quality"], lang,
                        settings={**settings, **({"beats": True} if task.get("beats") else {})})
        name = SCENES[task["key"]].output_name(task["fmt"], lang)
        if is_fresh(out / name, state.get(name), key):
            log(f"up to date {out / name}")
            done.append(out / name)
        else:
            todo.append((task, name, key))

    def finished(task, path):
        out = Path(task["out_dir"])
        name, key = next((n, k) for t, n, k in todo if t is task)
        states[out][name] = {**record(Path(path), key), "seconds": round(task.get("seconds", 0.0), 2)}
        write_state(out / ".render-state.json", states[out])
        log(f"wrote {path}")
        done.append(Path(path))

    def seconds(item) -> float:
        task, name, _ = item
        rec = states[Path(task["out_dir"])].get(name)
        recorded = rec.get("seconds") if isinstance(rec, dict) else None
        return recorded or guess_seconds(task["key"], task["fmt"])

    todo = longest_first(todo, seconds)
    try:
        render_many([t for t, _, _ in todo], jobs, on_done=finished)
    except (KeyboardInterrupt, SystemExit):
        log(f"stopped: {len(done)} of {len(tasks)} up to date and recorded; the next run renders only the rest")
        raise
    return done

