"""Turn a Marp deck into a finished lecture: every asset it names that a scene makes is
rendered (only when missing or out of date, in parallel) and put at the path the deck
names; commented slots that we fill are made live; the rest of the deck is left byte
for byte as it was. Then Marp CLI builds the HTML, where it is installed.

    python cli.py deck --deck slides.md --out lecture/        (see build_deck)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from diffusion_core import REPO, atomic_write, cache_dir, models_dir
from scenes.registry import LANGS, SCENES, scene_for

__all__ = ["DeckOptions", "DeckReport", "build_deck", "find_refs", "render_many", "render_cached", "asset_key", "MARP"]

MARP = REPO / "node_modules" / ".bin" / "marp"
# Markdown images, and src= of <video>, <source> and <img>, anywhere (inside comments too)
_REF = re.compile(r'!\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|<(?:video|source|img)\b[^>]*?\bsrc\s*=\s*["\']([^"\']+)["\']',
                  re.IGNORECASE)
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
# the deck's reparametrization with alpha_t where alpha_bar_t is meant
_WRONG = re.compile(r"\\sqrt\{\\alpha_t\}\s*x_0\s*\+\s*\\sqrt\{1\s*-\s*\\alpha_t\}\s*\\epsilon")
_RIGHT = r"\\sqrt{\\bar\\alpha_t}x_0 + \\sqrt{1-\\bar\\alpha_t}\\epsilon"
_TABLE = re.compile(r"^\|\s*Model\s*\|\s*FID[^\n]*\n(?:\|[^\n]*\n?)*", re.MULTILINE)
COMPARISON = REPO / "docs" / "mnist" / "comparison_h200.md"


@dataclass
class DeckOptions:
    deck: Path
    out: Path
    quality: str = "high"
    lang: str = LANGS[0]
    jobs: int = os.cpu_count() or 1
    slots: dict[str, str] = field(default_factory=dict)  # slide title -> scene key
    table: bool = False
    fix_formulas: bool = False
    pdf: bool = False
    resolution: tuple[int, int] | None = None  # tests render tiny
    fps: int | None = None


@dataclass
class DeckReport:
    rendered: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    supplied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    html: Path | None = None
    html_note: str = ""
    pdf: Path | None = None
    pdf_note: str = ""


def find_refs(text: str) -> list[str]:
    """Every asset path the deck names, in order, once each (remote URLs left out)."""
    refs = [m.group(1) or m.group(2) for m in _REF.finditer(text)]
    return [r for r in dict.fromkeys(refs) if not re.match(r"^[a-z]+://|^data:|^#", r)]


_VIDEO = re.compile(r"<video\b[^>]*>.*?</video>", re.DOTALL | re.IGNORECASE)


def poster_ref(ref: str, lang: str) -> str | None:
    """The still shown before a served video plays (and in a PDF): the scene's still,
    its last frame, beside the video: assets/videos/DiffusionProcess.mp4 ->
    assets/videos/forward_process.png. None for a file no scene makes."""
    match = scene_for(Path(ref).name, lang)
    if match is None or match[1] == "png":
        return None
    name = match[0].output_name("png", lang)
    head, _, _ = ref.rpartition("/")
    return f"{head}/{name}" if head else name


def _with_poster(m: re.Match, served: set[str], lang: str) -> str:
    tag = m.group(0)
    refs = [r for r in find_refs(tag) if _clean(r) in served]
    if not refs or re.search(r"<video\b[^>]*\bposter\s*=", tag, re.IGNORECASE):
        return tag  # not ours, or the deck chose its own poster
    poster = poster_ref(refs[0], lang)
    return tag if poster is None else re.sub(r"<video\b", f'<video poster="{poster}"', tag, count=1, flags=re.IGNORECASE)


def _clean(ref: str) -> str:
    return os.path.normpath(ref[2:] if ref.startswith("./") else ref)


def asset_key(key: str, fmt: str, quality: str, lang: str, resolution=None, fps=None, settings=None) -> str:
    """What an asset depends on: its scene, format, quality, language (and other
    settings), the models and the code. The same key means the same file."""
    extra = sorted((settings or {}).items())
    h = hashlib.sha256(json.dumps([key, fmt, quality, lang, resolution, fps, extra], default=str).encode())
    for folder in (REPO / "scenes", REPO / "diffusion_core"):
        for f in sorted(folder.rglob("*.py")):
            h.update(f.read_bytes())
    models = models_dir()
    for f in sorted(models.rglob("*")) if models.is_dir() else []:
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(models)}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def _render_one(task: dict) -> str:
    from scenes.render import render_scene

    return str(render_scene(progress=False, **task))


def render_many(tasks: list[dict], jobs: int, on_done=None) -> list[str]:
    """Render tasks (render_scene's keyword arguments: key, fmt, quality, out_dir,
    settings, ...) in ``jobs`` separate processes; results in order of submission."""
    if jobs <= 1 or len(tasks) <= 1:
        out = []
        for t in tasks:
            out.append(_render_one(t))
            if on_done:
                on_done(t, out[-1])
        return out
    import multiprocessing

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [(t, pool.submit(_render_one, t)) for t in tasks]
        results = []
        for t, fut in futures:
            results.append(fut.result())
            if on_done:
                on_done(t, results[-1])
        return results


def render_cached(tasks: list[dict], jobs: int, log=print) -> list[Path]:
    """``render all``'s incremental rendering: a task whose file is already in its
    out_dir with the same asset key (.render-state.json there) is not rendered again."""
    states: dict[Path, dict] = {}
    todo, done = [], []
    for task in tasks:
        out = Path(task["out_dir"])
        state = states.setdefault(out, _read_state(out / ".render-state.json"))
        settings = task.get("settings") or {}
        key = asset_key(task["key"], task["fmt"], task["quality"], settings.get("lang", LANGS[0]),
                        settings=settings)
        name = SCENES[task["key"]].output_name(task["fmt"], settings.get("lang", LANGS[0]))
        if state.get(name) == key and (out / name).is_file():
            log(f"up to date {out / name}")
            done.append(out / name)
        else:
            todo.append((task, name, key))

    def finished(task, path):
        out = Path(task["out_dir"])
        name, key = next((n, k) for t, n, k in todo if t is task)
        states[out][name] = key
        with atomic_write(out / ".render-state.json") as tmp:
            Path(tmp).write_text(json.dumps(states[out], indent=1))
        log(f"wrote {path}")
        done.append(Path(path))

    render_many([t for t, _, _ in todo], jobs, on_done=finished)
    return done


def _read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _slides(text: str) -> list[tuple[int, int]]:
    """(start, end) of each slide (separated by a line '---' after the front matter)."""
    starts = [0] + [m.end() for m in re.finditer(r"^---[ \t]*$\n?", text, re.MULTILINE)]
    return [(a, b) for a, b in zip(starts, starts[1:] + [len(text)])]


def _apply_slot(text: str, title: str, key: str) -> str:
    spec = SCENES[key]
    for a, b in _slides(text):
        slide = text[a:b]
        if re.search(rf"^#\s+{re.escape(title)}\s*$", slide, re.MULTILINE):
            video = f"assets/videos/{spec.video}.mp4"
            new, count = re.subn(r'(<(?:video|source)\b[^>]*?\bsrc\s*=\s*["\'])[^"\']+(["\'])',
                                 lambda m, v=video: m.group(1) + v + m.group(2), slide)
            if not count:
                raise ValueError(f"--slot: the slide {title!r} has no video to replace")
            return text[:a] + new + text[b:]
    raise ValueError(f"--slot: no slide titled {title!r}")


NOTE = {
    "es": ("Medido por este proyecto en MNIST: FID con las características de su clasificador, {n} muestras por "
           "fila contra las 10.000 imágenes de prueba; tiempo por 1.000 imágenes en {machine}. Comando: {cmd}"),
    "en": ("Measured by this project on MNIST: FID on its classifier's features, {n} samples per row against the "
           "10,000 test images; time per 1,000 images on {machine}. Command: {cmd}"),
}


def _comparison_table(lang: str) -> str:
    """The project's measured comparison (docs/mnist/comparison_h200.md), small, with
    what was measured, where, and the command, in the deck's language."""
    lines = COMPARISON.read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| Model"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    n = re.search(r"(\d+) samples per row", lines[0])
    machine = re.search(r"on \w+: ([^(]+)", lines[0])
    note = NOTE.get(lang, NOTE["en"]).format(n=n.group(1) if n else "?", machine=(machine.group(1).strip() if machine
                                             else "?"), cmd="`python cli.py compare --device cuda -n 10000 --batch 2000`")
    return '<div class="small-text">\n\n' + "\n".join(lines[start:end]) + f"\n\n{note}\n\n</div>\n"


def rewrite(text: str, opts: DeckOptions, served: set[str], report: DeckReport, name: str = "slides.md") -> str:
    """The deck with our slots live, the --slot overrides, the table and formulas."""
    for m in _WRONG.finditer(text):  # line numbers of the input deck
        line = text.count("\n", 0, m.start()) + 1
        report.warnings.append(f"{name}:{line}: x_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) eps: alpha_bar_t is "
                               f"meant (Ho et al. 2020, eq. 4){'; fixed' if opts.fix_formulas else '; --fix-formulas rewrites it'}")

    def live(m: re.Match) -> str:
        inner = m.group(1)
        return inner.strip(" ") if any(_clean(r) in served for r in find_refs(inner)) else m.group(0)

    text = _COMMENT.sub(live, text)
    for title, key in opts.slots.items():
        text = _apply_slot(text, title, key)
    text = _VIDEO.sub(lambda m: _with_poster(m, served, opts.lang), text)
    if opts.table:
        text, n = _TABLE.subn(lambda _m: _comparison_table(opts.lang), text, count=1)
        if not n:
            report.warnings.append(f"{name}: --table: no table whose header starts with '| Model | FID'")
    if opts.fix_formulas:
        text = _WRONG.sub(_RIGHT, text)
    return text


def build_deck(opts: DeckOptions, log=print) -> DeckReport:
    """Build the finished deck in ``opts.out``; see the module's docstring."""
    report = DeckReport()
    text = opts.deck.read_text(encoding="utf-8")
    for key in opts.slots.values():
        if key not in SCENES:
            raise ValueError(f"--slot: unknown scene {key!r}; valid: {', '.join(SCENES)}")
    slotted = text
    for title, key in opts.slots.items():
        slotted = _apply_slot(slotted, title, key)
    raw = find_refs(slotted)
    posters = [poster_ref(r, opts.lang) for r in raw if r.lower().endswith((".mp4", ".gif"))]
    refs = list(dict.fromkeys([_clean(r) for r in raw] + [_clean(p) for p in posters if p]))
    opts.out.mkdir(parents=True, exist_ok=True)
    state_path = opts.out / ".deck-state.json"
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        state = {}
    todo, served = {}, set()
    for ref in refs:
        match = scene_for(Path(ref).name, opts.lang)
        if match is None:
            src = opts.deck.parent / ref
            if src.is_file():
                dst = opts.out / ref
                dst.parent.mkdir(parents=True, exist_ok=True)
                if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
                    shutil.copyfile(src, dst)
                report.supplied.append(ref)
                log(f"  supplied   {ref}")
            else:
                report.missing.append(ref)
            continue
        spec, fmt = match
        served.add(ref)
        key = asset_key(spec.key, fmt, opts.quality, opts.lang, opts.resolution, opts.fps)
        if state.get(ref) == key and (opts.out / ref).is_file():
            report.up_to_date.append(ref)
            log(f"  up to date {ref}")
        else:
            todo.setdefault((spec.key, fmt), []).append((ref, key))
    if todo:
        staging = cache_dir() / "deck" / hashlib.sha256(str(opts.out.resolve()).encode()).hexdigest()[:12]
        tasks = [dict(key=k, fmt=fmt, quality=opts.quality, out_dir=str(staging), settings={"lang": opts.lang},
                      resolution=opts.resolution, fps=opts.fps) for k, fmt in todo]
        start = time.perf_counter()

        def done(task, produced):
            for ref, key in todo[(task["key"], task["fmt"])]:
                dst = opts.out / ref
                dst.parent.mkdir(parents=True, exist_ok=True)
                with atomic_write(dst) as tmp:
                    shutil.copyfile(produced, tmp)
                state[ref] = key
                report.rendered.append(ref)
                log(f"  rendered   {ref} ({task['key']}, {time.perf_counter() - start:.0f} s)")
            with atomic_write(state_path) as tmp:
                Path(tmp).write_text(json.dumps(state, indent=1))

        render_many(tasks, opts.jobs, on_done=done)
    out_text = rewrite(text, opts, served, report, opts.deck.name)
    with atomic_write(opts.out / "slides.md") as tmp:
        Path(tmp).write_text(out_text, encoding="utf-8")
    for ref in report.missing:
        log(f"  missing    {ref}")
    report.html, report.html_note = build_html(opts.out / "slides.md")
    if opts.pdf:
        report.pdf, report.pdf_note = build_pdf(opts.out / "slides.md")
    return report


def build_html(slides: Path) -> tuple[Path | None, str]:
    """slides.html beside slides.md with Marp CLI, or a note on how to get it."""
    marp = MARP if MARP.exists() else None
    if marp is None:
        return None, "no HTML: Marp CLI is not installed here; ./run.sh deck installs it (Node from the system packages)"
    html = slides.with_suffix(".html")
    proc = subprocess.run([str(marp), "--html", "--allow-local-files", str(slides), "-o", str(html)],
                          capture_output=True, text=True)
    if proc.returncode != 0 or not html.is_file():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"Marp CLI failed: {last[0]}"
    return html, ""


def find_browser() -> str | None:
    """Debian's chromium (or another Chromium or Chrome on the PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def print_copy(text: str) -> str:
    """The deck as it prints: each <video> that has a poster becomes that poster, an
    <img> of the same width (a printed <video> gets Chromium's controls bar and loading
    mark drawn over its poster). Videos without a poster stay as they are."""

    def still(m: re.Match) -> str:
        tag = m.group(0)
        opening = tag[: tag.index(">") + 1]
        poster = re.search(r'\bposter\s*=\s*"([^"]*)"', opening, re.IGNORECASE)
        if poster is None:
            return tag
        width = re.search(r'\bwidth\s*=\s*"([^"]*)"', opening, re.IGNORECASE)
        size = f' width="{width.group(1)}"' if width else ""
        return f'<img src="{poster.group(1)}"{size} alt="">'

    return _VIDEO.sub(still, text)


def build_pdf(slides: Path) -> tuple[Path | None, str]:
    """slides.pdf beside slides.md: Marp CLI prints the deck through Chromium (named to
    it with --browser-path), each of our videos as its poster, the scene's still
    (``print_copy``, a temporary file beside slides.md so that paths hold)."""
    if not MARP.exists():
        return None, "no PDF: Marp CLI is not installed here; ./run.sh deck installs it"
    browser = find_browser()
    if browser is None:
        return None, "no PDF: Chromium is not installed here; ./run.sh browser installs it (Debian's chromium)"
    pdf = slides.with_suffix(".pdf")
    env = {**os.environ}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("CHROME_NO_SANDBOX", "1")  # root (containers, CI): Chromium refuses its sandbox
    fd, name = tempfile.mkstemp(prefix=".print-", suffix=".md", dir=slides.parent)
    printable = Path(name)
    printed = printable.with_suffix(".pdf")  # renamed to slides.pdf when whole
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(print_copy(slides.read_text(encoding="utf-8")))
        proc = subprocess.run([str(MARP), "--pdf", "--html", "--allow-local-files", "--browser", "chrome",
                               "--browser-path", browser, str(printable), "-o", str(printed)],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0 or not printed.is_file():
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"Marp CLI could not print the PDF: {last[0]}"
        os.replace(printed, pdf)
    finally:
        printable.unlink(missing_ok=True)
        printed.unlink(missing_ok=True)
    return pdf, ""
