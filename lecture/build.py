"""Turn a Marp deck into a finished lecture in a folder of its own.

    python cli.py deck --deck slides.md --out lecture/        (see build_deck)

Every asset the deck names that a scene makes is rendered (only when missing or out of
date, in parallel) and put at the path the deck names, inside the output folder; the
lecturer's own pictures are copied from beside the deck (and always win over a picture
we could make); commented slots that we fill are made live, placeholders filled with the
scene that shows what their slide says, and each video we serve gets its poster; the
rest of the deck stays byte for byte. Then Marp CLI builds the HTML (and the PDF).

Nothing is written outside the output folder, and nothing beside the deck is ever
written (lecture.fence).
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from diffusion_core import REPO, atomic_write, cache_dir
from lecture.assets import (
    asset_key,
    guess_seconds,
    is_fresh,
    longest_first,
    name_hint,
    read_state,
    record,
    scene_of,
    write_state,
)
from lecture.fence import STATE, FenceError, OutputFolder, check_out, file_digest
from lecture.jobs import render_many
from lecture.marp import build_html, build_pdf, marp_version
from lecture.present import present
from lecture.source import DeckError, DeckSource, Ref, Tag, parse_deck, read_deck, sibling_url
from scenes.beats import beat_files, read_beats
from scenes.registry import LANGS, SCENES

__all__ = ["DeckOptions", "DeckReport", "build_deck", "read_mapping", "mapping_path"]

# the deck's reparametrization with alpha_t where alpha_bar_t is meant
_WRONG = re.compile(r"\\sqrt\{\\alpha_t\}\s*x_0\s*\+\s*\\sqrt\{1\s*-\s*\\alpha_t\}\s*\\epsilon")
_RIGHT = r"\sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon"
COMPARISON = REPO / "docs" / "mnist" / "comparison_h200.md"
SERVED_SUFFIXES = {"png": (".png",), "figure": (".png",), "mp4": (".mp4",), "gif": (".gif",)}


@dataclass
class DeckOptions:
    deck: Path
    out: Path
    quality: str = "high"
    lang: str = LANGS[0]
    jobs: int = 1
    slots: dict[str, str] = field(default_factory=dict)  # slide title, slide number or asset path -> scene key
    table: bool = False
    fix_formulas: bool = False
    pdf: bool = False
    keep_placeholders: bool = False
    steps: bool = False  # one slide per beat of each of our videos
    resolution: tuple[int, int] | None = None  # tests render tiny
    fps: int | None = None


@dataclass
class DeckReport:
    rendered: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    supplied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # references the fence keeps out
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line per replacement, mapping, language
    html: Path | None = None
    html_note: str = ""
    pdf: Path | None = None
    pdf_note: str = ""


@dataclass(frozen=True)
class Asset:
    """A file of the built deck that a scene makes."""

    path: str  # relative, inside the output folder
    key: str  # the scene
    fmt: str  # mp4, gif, png (a poster: the whole last frame) or figure (an image slot)
    lang: str


def mapping_path(deck: Path) -> Path:
    """The file beside the deck that says which scene makes which of its pictures:
    slides.md -> slides.slots.toml."""
    return deck.with_name(f"{deck.stem}.slots.toml")


def read_mapping(deck: Path) -> dict[str, str]:
    """The mapping beside the deck (TOML: "assets/images/001.png" = "graphical-model",
    a slide's title or number also works), or {} when there is none."""
    path = mapping_path(deck)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeckError(f"{path}: not a TOML file ({exc}); write lines such as "
                        '"assets/images/001.png" = "graphical-model"') from exc
    out = {}
    for k, v in data.items():
        if not isinstance(v, str):
            raise DeckError(f"{path}: {k!r} = {v!r}: the value must be a scene's name, e.g. \"graphical-model\"")
        out[str(k)] = v
    return out


# ------------------------------------------------------------------- the plan
def _slides_named(deck: DeckSource, name: str) -> list[int]:
    if name.strip().isdigit():
        n = int(name)
        return [n] if 1 <= n <= len(deck.slides) else []
    return [s.number for s in deck.slides if s.title == name.strip()]


def _choose_scene(deck: DeckSource, slide_no: int, comment: str) -> str | None:
    """The scene whose topics the placeholder's comment and its slide's title name."""
    slide = deck.slides[slide_no - 1]
    words = {"comment": comment.lower(), "title": slide.title.lower(), "text": slide.text.lower()}
    weights = {"comment": 3, "title": 2, "text": 1}
    best, best_score = None, 0
    for spec in SCENES.values():
        score = sum(w * len(re.findall(rf"\b{re.escape(topic)}\b", words[part]))
                    for part, w in weights.items() for topic in spec.topics)
        if score > best_score:
            best, best_score = spec.key, score
    return best


def _src_edit(text: str, tag: Tag, new_url: str) -> tuple[int, int, str]:
    raw = text[tag.start:tag.end]
    m = re.search(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", raw, re.IGNORECASE)
    a = tag.start + m.start(m.lastindex)
    return a, a + len(m.group(m.lastindex)), new_url


def _replacements(deck: DeckSource, opts: DeckOptions, mapping: dict[str, str], report: DeckReport):
    """Which refs a mapping, a --slot or a placeholder points at which scene.

    Returns (by_path: path -> scene key, edits: text edits of video sources)."""
    by_path: dict[str, str] = {}
    edits: list[tuple[int, int, str]] = []
    slotted_slides: set[int] = set()
    paths = {r.path for r in deck.refs}
    for name, key in mapping.items():
        if key not in SCENES:
            raise DeckError(f"--slot {name}={key}: unknown scene {key!r}; valid: {', '.join(SCENES)}")
        if name in paths:
            by_path[name] = key
            continue
        slides = _slides_named(deck, name)
        if not slides and name.strip().isdigit():
            raise DeckError(f"--slot {name}={key}: the deck has {len(deck.slides)} slide{'' if len(deck.slides) == 1 else 's'}, so "
                            f"there is no slide {name}")
        if not slides:
            raise DeckError(f"--slot {name}={key}: no slide titled {name!r} and no asset of that name in the deck")
        videos = [t for t in deck.tags if t.slide in slides and t.name in ("video", "source") and t.attrs.get("src")]
        images = [r for r in deck.refs if r.slide in slides and r.kind == "image"]
        if not videos and not images:
            raise DeckError(f"--slot {name}={key}: the slide {name!r} has no video or image to fill")
        slotted_slides.update(slides)
        for tag in videos:
            edits.append(_src_edit(deck.text, tag, sibling_url(tag.attrs["src"], SCENES[key].output_name("mp4", LANGS[0]))))
        if not videos:
            for ref in images:
                by_path[ref.path] = key
    if not opts.keep_placeholders:
        for c in deck.comments:
            if not c.placeholder or c.slide in slotted_slides:
                continue
            after = [t for t in deck.tags if t.start >= c.end and t.slide == c.slide and not t.slot]
            slot_after = any(s.slot and s.start >= c.end and s.slide == c.slide for s in deck.comments)
            video = next((t for t in after if t.name in ("video", "source") and t.attrs.get("src")), None)
            if video is None or slot_after:
                continue  # a commented slot follows (filled if ours), or nothing to replace
            key = _choose_scene(deck, c.slide, c.inner)
            title = deck.slides[c.slide - 1].title
            if key is None:
                report.notes.append(f"slide {c.slide} {title!r}: a placeholder, kept (no scene shows what it asks "
                                    f"for; --slot '{title}=SCENE' fills it)")
                continue
            spec = SCENES[key]
            new = sibling_url(video.attrs["src"], spec.output_name("mp4", LANGS[0]))
            for tag in [t for t in after if t.name in ("video", "source") and t.attrs.get("src")
                        and (t is video or (t.close is None and t.start < (video.close or t.start + 1)))]:
                edits.append(_src_edit(deck.text, tag, new))
            report.notes.append(f"slide {c.slide} {title!r}: placeholder {video.attrs['src']} -> {new} ({key}: "
                                f"{spec.about}); --slot chooses another, --keep-placeholders keeps the deck's")
    return by_path, edits


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    last = len(text) + 1
    for start, end, new in sorted(set(edits), key=lambda e: (e[0], e[1]), reverse=True):
        if end > last:
            raise AssertionError("overlapping edits")
        text = text[:start] + new + text[end:]
        last = start
    return text


# ---------------------------------------------------------------- build_deck
def build_deck(opts: DeckOptions, log=print) -> DeckReport:
    """Build the finished deck in ``opts.out``; see the module's docstring. Raises
    DeckError or FenceError (one line for the user) before anything is written."""
    report = DeckReport()
    source = read_deck(opts.deck)
    out = check_out(opts.out, opts.deck)
    mapping = {**read_mapping(opts.deck), **opts.slots}
    by_path, src_edits = _replacements(source, opts, mapping, report)
    text = _apply(source.text, src_edits)
    deck = parse_deck(text, opts.deck)  # the deck with the sources pointed at their scenes
    folder = OutputFolder(out)
    folder.lock()
    try:
        return _build(deck, source, folder, opts, by_path, report, log)
    finally:
        folder.unlock()


def _build(deck: DeckSource, source: DeckSource, folder: OutputFolder, opts: DeckOptions, by_path: dict[str, str],
           report: DeckReport, log) -> DeckReport:
    deck_dir = opts.deck.resolve().parent
    state_path = folder.path / STATE
    state = read_state(state_path)
    assets: dict[str, Asset] = {}
    supplied: dict[str, Path] = {}
    served: set[str] = set()  # paths we make or copy, so a slot holding one is made live
    posters: dict[int, str] = {}  # video tag start -> poster URL
    note_refs = set()

    def plan(ref: Ref, fmt_hint: str | None = None) -> str | None:
        """'ours', 'supplied', 'missing' or 'refused' for one reference, planning it."""
        if ref.outside:
            report.refused.append(ref.path)
            report.warnings.append(f"{opts.deck.name}:{ref.line}: {ref.url} lies outside the deck's folder: not "
                                   "rendered and not copied (nothing is written outside --out); put the file under "
                                   "the deck's folder and name it from there")
            return "refused"
        try:
            folder.target(ref.path)
        except FenceError as exc:
            report.refused.append(ref.path)
            report.warnings.append(f"{opts.deck.name}:{ref.line}: {exc}: not written")
            return "refused"
        src = deck_dir / ref.path
        key = by_path.get(ref.path)
        match = scene_of(Path(ref.path).name, opts.lang)
        if src.is_file():  # the lecturer's own (through a link too): it always wins
            supplied[ref.path] = src
            if key or match:
                report.notes.append(f"{ref.path}: yours, beside the deck, is used (the "
                                    f"{key or match[0].key} scene would make one: move yours away to use it)")
            return "supplied"
        if key:
            suffix = Path(ref.path).suffix.lower()
            fmt = "mp4" if suffix == ".mp4" else "gif" if suffix == ".gif" else "figure" if suffix == ".png" else None
            if fmt is None:
                raise DeckError(f"{ref.path}={key}: our scenes make .png pictures and .mp4 or .gif videos, not "
                                f"{suffix or 'files without a suffix'}; name the slot with one of those")
            if ref.kind == "poster":
                fmt = "png"
            assets.setdefault(ref.path, Asset(ref.path, key, fmt, opts.lang))
            if ref.path in by_path and ref.path not in note_refs:
                note_refs.add(ref.path)
                report.notes.append(f"{ref.path}: drawn by the {key} scene ({SCENES[key].about})")
            return "ours"
        if match:
            spec, fmt, lang = match
            if fmt == "png" and ref.kind == "image":
                fmt = "figure"  # an image slot shows the figure; a poster the whole last frame
            if lang != opts.lang and ref.path not in note_refs:
                note_refs.add(ref.path)
                report.notes.append(f"{ref.path}: in {lang}, as its name says (the deck is built in {opts.lang})")
            assets.setdefault(ref.path, Asset(ref.path, spec.key, fmt, lang))
            return "ours"
        if ref.path not in report.missing:
            report.missing.append(ref.path)
            if "\\" in ref.path:
                report.warnings.append(f"{opts.deck.name}:{ref.line}: {ref.path}: Marp keeps the backslashes of a "
                                       "Markdown image's path (the browser looks for a file of that very name); write "
                                       f"it with slashes: {ref.path.replace(chr(92), '/')}")
            hint = name_hint(Path(ref.path).name)
            if hint:
                report.warnings.append(f"{opts.deck.name}:{ref.line}: {ref.path} is not found beside the deck; {hint}")
        return "missing"

    for ref in deck.refs:
        verdict = plan(ref)
        if verdict in ("ours", "supplied"):
            served.add(ref.path)
    # posters: each video we serve (live, or in a slot we make live) gets its scene's still
    for tag in deck.tags:
        if tag.name != "video" or tag.attrs.get("poster"):
            continue
        sources = [t for t in deck.tags if t.name == "source" and tag.start < t.start < (tag.close or tag.end)]
        urls = [tag.attrs.get("src")] + [t.attrs.get("src") for t in sources]
        for url in filter(None, urls):
            ref = next((r for r in deck.refs if r.url == url and r.kind == "video"), None)
            if ref is None or ref.path not in assets:
                continue
            a = assets[ref.path]
            still = SCENES[a.key].output_name("png", a.lang)
            poster_url = sibling_url(url, still)
            poster = Ref(poster_url, str(Path(ref.path).with_name(still)), "poster", ref.line, ref.slide, ref.slot)
            if plan(poster) in ("ours", "supplied"):
                posters[tag.start] = poster_url
            break

    # 1. The lecturer's pictures: copied when their content differs
    for rel, src in supplied.items():
        dst = folder.target(rel)
        if not (dst.is_file() and dst.stat().st_size == src.stat().st_size and file_digest(dst) == file_digest(src)):
            dst.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(dst) as tmp:
                shutil.copyfile(src, tmp)
        report.supplied.append(rel)
        log(f"  supplied   {rel}")

    # 2. Our assets: rendered when missing, out of date, or changed since written. A video
    # comes with its beats (captions, notes; with --steps a clip and a still per beat).
    todo: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for rel, a in assets.items():
        key = asset_key(a.key, a.fmt, opts.quality, a.lang, opts.resolution, opts.fps,
                        settings={"beats": True} if a.fmt == "mp4" else None)
        dst = folder.target(rel)
        extras = _sidecars(dst, a, opts.steps) if dst.is_file() else None
        if (is_fresh(dst, state.get(rel), key) and extras is not None
                and all(is_fresh(x, state.get(_rel(folder, x)), key) for x in extras)):
            report.up_to_date.append(rel)
            log(f"  up to date {rel}")
        else:
            todo.setdefault((a.key, a.fmt, a.lang), []).append((rel, key))
    if todo:
        staging = cache_dir() / "deck" / hashlib.sha256(str(folder.real).encode()).hexdigest()[:12]
        # a video's poster comes from the video's own render (its last frame), not a render of its own
        from_video = {(k, lang) for k, fmt, lang in todo if fmt == "png" and (k, "mp4", lang) in todo}
        groups = [g for g in todo if not (g[1] == "png" and (g[0], g[2]) in from_video)]

        def seconds(group) -> float:  # the group's render time in the previous run
            recorded = [state[rel].get("seconds") for rel, _ in todo[group] if isinstance(state.get(rel), dict)]
            return max([s for s in recorded if s] or [guess_seconds(group[0], group[1])])

        tasks = [dict(key=k, fmt=fmt, quality=opts.quality, out_dir=str(staging / lang), settings={"lang": lang},
                      resolution=opts.resolution, fps=opts.fps, **({"beats": True} if fmt == "mp4" else {}),
                      **({"poster": True} if (k, lang) in from_video and fmt == "mp4" else {}))
                 for k, fmt, lang in longest_first(groups, seconds)]
        start = time.perf_counter()

        def done(task, produced):
            k, lang = task["key"], task["settings"]["lang"]
            made = [((k, task["fmt"], lang), Path(produced), round(task.get("seconds", 0.0), 2))]
            if task.get("poster"):
                made.append(((k, "png", lang), Path(produced).with_name(SCENES[k].output_name("png", lang)), 0.0))
            for group, path, secs in made:
                for rel, key in todo[group]:
                    dst = folder.target(rel)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    with atomic_write(dst) as tmp:
                        shutil.copyfile(path, tmp)
                    state[rel] = {**record(dst, key), "seconds": secs}
                    for src in _sidecars(path, assets[rel], opts.steps) or []:  # the beats' files
                        extra = dst.with_name(dst.stem + src.name[len(path.stem):])  # the deck's name
                        with atomic_write(extra) as tmp:
                            shutil.copyfile(src, tmp)
                        state[_rel(folder, extra)] = record(extra, key)
                    write_state(state_path, state)  # recorded before it is reported: a stop keeps it
                    report.rendered.append(rel)
                    log(f"  rendered   {rel} ({k}, {time.perf_counter() - start:.0f} s)")

        try:
            render_many(tasks, opts.jobs, on_done=done)
        except (KeyboardInterrupt, SystemExit):
            write_state(state_path, state)
            log(f"stopped: {len(report.rendered)} of {sum(len(v) for v in todo.values())} assets rendered and "
                "recorded; the next run renders only the rest")
            raise
    write_state(state_path, state)

    # 3. The deck: slots live, posters, the table, the formulas; the rest byte for byte.
    # Then captions and notes on our videos, and with --steps one slide per beat.
    text = rewrite(deck, opts, served, posters, report)
    videos = {rel: a.key for rel, a in assets.items() if a.fmt == "mp4"}
    text, stepped = present(parse_deck(text, opts.deck), folder.path, videos, opts.lang, opts.steps)
    report.notes += stepped
    slides = folder.path / "slides.md"
    if not (slides.is_file() and slides.read_bytes() == text.encode("utf-8")):  # the same deck is left as it is
        with atomic_write(slides) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
    for ref in report.missing:
        log(f"  missing    {ref}")
    html_key = hashlib.sha256(text.encode("utf-8") + marp_version().encode()).hexdigest()[:16]
    html = slides.with_suffix(".html")
    if is_fresh(html, state.get("slides.html"), html_key):  # Marp CLI would write the same HTML
        report.html = html
    else:
        report.html, report.html_note = build_html(slides)
        if report.html is not None:
            state["slides.html"] = record(report.html, html_key)
            write_state(state_path, state)
    if opts.pdf:
        report.pdf, report.pdf_note = build_pdf(folder.path / "slides.md")
    return report


def _sidecars(video: Path, asset: Asset, steps: bool) -> list[Path] | None:
    """The beats' files a served video brings beside it (its index and captions, and with
    --steps each beat's clip, still and captions), as its index beside ``video`` lists
    them; None when there is no readable index."""
    if asset.fmt != "mp4":
        return []
    index = read_beats(video)
    if index is None:
        return None
    return [f for f in beat_files(video, len(index["beats"])) if steps or not re.search(r"\.beat\d+\.", f.name)]


def _rel(folder: OutputFolder, path: Path) -> str:
    return path.relative_to(folder.path).as_posix()


# ------------------------------------------------------------------- rewrite
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


def rewrite(deck: DeckSource, opts: DeckOptions, served: set[str], posters: dict[int, str],
            report: DeckReport) -> str:
    """The deck with our slots live, posters on our videos, the table and formulas;
    every other character as it was (presenter notes included)."""
    text, name = deck.text, opts.deck.name
    edits: list[tuple[int, int, str]] = []
    for c in deck.comments:  # 1. commented-out slots holding what we serve: live
        if c.slot and any(r.slot and r.path in served and c.start < r.at < c.end for r in deck.refs):
            inner_start = c.start + 4 + (len(c.inner) - len(c.inner.lstrip(" ")))
            inner_end = c.end - 3 - (len(c.inner) - len(c.inner.rstrip(" ")))
            edits += [(c.start, inner_start, ""), (inner_end, c.end, "")]
    for start, url in posters.items():  # 2. posters
        edits.append((start, start + 6, text[start:start + 6] + f' poster="{html.escape(url, quote=True)}"'))
    if opts.table:  # 3. the measured comparison
        table = next(((a, b) for a, b, head in deck.tables if head[:1] == ["Model"] and len(head) > 1
                      and head[1].startswith("FID")), None)
        if table is None:
            report.warnings.append(f"{name}: --table: no table whose header starts with '| Model | FID'")
        else:
            edits.append((table[0], table[1], _comparison_table(opts.lang)))
    for m in _WRONG.finditer(text):  # 4. the formula, outside code
        line = text.count("\n", 0, m.start()) + 1
        if line - 1 in deck.code_lines:
            continue
        report.warnings.append(f"{name}:{line}: x_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) eps: alpha_bar_t is "
                               f"meant (Ho et al. 2020, eq. 4){'; fixed' if opts.fix_formulas else '; --fix-formulas rewrites it'}")
        if opts.fix_formulas:
            edits.append((m.start(), m.end(), _RIGHT))
    return _apply(text, edits)

