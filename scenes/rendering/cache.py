"""What a render depends on (its key) and the record of what was written, so that a
second run renders only what changed and a file damaged or edited by hand is made again;
``render_cached`` is ``render all``'s incremental rendering, and the deck builder uses the
same keys and records.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

from diffusion_core import REPO, atomic_write, models_dir
from diffusion_core.io import file_digest
from scenes.registry import SCENES
from scenes.rendering.job import Rendered, RenderJob
from scenes.rendering.workers import render_many

__all__ = ["asset_key", "job_key", "code_closure", "record", "is_fresh", "read_state", "write_state", "render_cached",
           "guess_seconds", "longest_first", "RENDER_STATE"]

RENDER_STATE = ".render-state.json"

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
    scenes/kit/strings.py or theme.py are in every scene's."""
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


def job_key(job: RenderJob) -> str:
    """``asset_key`` of what ``job`` writes (its beats, when it cuts them, are part of it)."""
    return asset_key(job.scene, job.fmt, job.quality, job.lang, job.resolution, job.fps,
                     settings={**dict(job.settings), **({"beats": True} if job.beats else {})})


def render_cached(jobs: list[RenderJob], n_jobs: int, log=print) -> list[Path]:
    """``render all``'s incremental rendering: a job whose file is already in its
    out_dir as recorded for the same key (``RENDER_STATE`` there) is not rendered again.
    What finishes is recorded at once, so a stopped run keeps it."""
    states: dict[Path, dict] = {}
    todo, done, keys = [], [], {}
    for job in jobs:
        state = states.setdefault(job.out_dir, read_state(job.out_dir / RENDER_STATE))
        keys[job] = job_key(job)
        if is_fresh(job.target, state.get(job.output_name), keys[job]):
            log(f"up to date {job.target}")
            done.append(job.target)
        else:
            todo.append(job)

    def finished(job: RenderJob, rendered: Rendered) -> None:
        state = states[job.out_dir]
        state[job.output_name] = {**record(rendered.path, keys[job]), "seconds": round(rendered.seconds, 2)}
        write_state(job.out_dir / RENDER_STATE, state)
        log(f"wrote {rendered.path}")
        done.append(rendered.path)

    def seconds(job: RenderJob) -> float:
        rec = states[job.out_dir].get(job.output_name)
        recorded = rec.get("seconds") if isinstance(rec, dict) else None
        return recorded or guess_seconds(job.scene, job.fmt)

    try:
        render_many(longest_first(todo, seconds), n_jobs, on_done=finished)
    except (KeyboardInterrupt, SystemExit):
        log(f"stopped: {len(done)} of {len(jobs)} up to date and recorded; the next run renders only the rest")
        raise
    return done
