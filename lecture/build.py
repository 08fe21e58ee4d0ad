"""Turn a Marp deck into a finished lecture in a folder of its own.

    python cli.py deck --deck slides.md --out lecture/        (see build_deck)

``build_deck`` runs four stages:

1. **plan** (``plan_deck``, a pure function of the deck's text, the options and which
   of its files lie beside it): which scene makes each asset the deck names (a mapping,
   a ``--slot``, a placeholder, or the file's own name), which pictures are the
   lecturer's, what is missing or refused, which videos get posters;
2. **render** (``render_assets``): the lecturer's pictures copied (they always win), our
   assets rendered only when missing or out of date, in parallel, the longest first, a
   video's poster from the video's own render, each recorded as it lands;
3. **rewrite** (``rewrite``): slots made live, posters, the table, the formulas; every
   other character as it was, presenter notes included (all through ``apply_edits``);
4. **outputs** (``OUTPUTS``): captions and notes on our videos (one slide per beat with
   ``--steps``), ``slides.md``, the HTML, the PDF: each a class with ``wanted`` and
   ``make``, so a new output is one class.

Nothing is written outside the output folder, and nothing beside the deck is ever
written (lecture.fence).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import shutil
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from diffusion_core import (
    REPO,
    TableError,
    atomic_write,
    cache_dir,
    mnist_checkpoint_path,
    read_record,
    table_markdown,
    table_note,
)
from lecture.assets import name_hint, scene_of
from lecture.check import MIN_TEXT_PX, CheckError, fit_heights
from lecture.edits import Edit, apply_edits
from lecture.fence import STATE, FenceError, OutputFolder, check_out, file_digest
from lecture.marp import build_html, build_pdf, marp_version
from lecture.present import note_comment, notes_of, present, twin_notes
from lecture.source import (
    DeckError,
    DeckSource,
    Ref,
    Tag,
    front_matter,
    front_matter_text,
    parse_deck,
    read_deck,
    sibling_url,
)
from lecture.twins import VIDEOS as TWIN_OF
from lecture.twins import twin_file_name, write_twin
from scenes.kit.strings import tr
from scenes.registry import (
    ASPECTS_ALL,
    LANGS,
    LIGHT_COLOURS,
    SCENES,
    TEXT_SCALE_MAX,
    THEME_BACKGROUNDS,
)
from scenes.rendering import (
    Rendered,
    RenderJob,
    asset_key,
    guess_seconds,
    is_fresh,
    longest_first,
    read_state,
    record,
    render_many,
    write_state,
)
from scenes.rendering.beats import beat_files, read_beats
from scenes.rendering.legibility import read_text_record

__all__ = ["DeckOptions", "DeckReport", "DeckPlan", "Asset", "build_deck", "plan_deck", "read_mapping", "mapping_path",
           "rewrite", "OUTPUTS", "Output"]

# the deck's reparametrization with alpha_t where alpha_bar_t is meant
_WRONG = re.compile(r"\\sqrt\{\\alpha_t\}\s*x_0\s*\+\s*\\sqrt\{1\s*-\s*\\alpha_t\}\s*\\epsilon")
_RIGHT = r"\sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon"
COMPARISON = REPO / "docs" / "mnist" / "comparison.json"  # the measured comparison's record (the deck's table)


@dataclass(frozen=True, kw_only=True)
class DeckOptions:
    """What ``deck`` was asked for; built by keyword: DeckOptions(deck=..., out=..., pdf=True)."""

    deck: Path
    out: Path
    quality: str = "high"
    lang: str | None = None  # None: the front matter's `lang` when it is one of ours, else LANGS[0]
    jobs: int = 1
    slots: dict[str, str] = field(default_factory=dict)  # slide title, slide number or asset path -> scene key
    table: bool = False
    fix_formulas: bool = False
    pdf: bool = False
    keep_placeholders: bool = False
    steps: bool = False  # one slide per beat of each of our videos
    interactive: bool = False  # each of our videos with a twin (lecture/twins.py) becomes the twin, in an <iframe>
    resolution: tuple[int, int] | None = None  # tests render tiny
    fps: int | None = None


@dataclass
class DeckReport:
    rendered: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    supplied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    backslashed: list[str] = field(default_factory=list)  # Markdown paths with backslashes (Marp keeps them): to fix
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


@dataclass
class DeckPlan:
    """What the build will do, decided before anything is written.

    Attributes:
        deck: the deck with its video sources pointed at their scenes (mapping, --slot,
            placeholders).
        assets: deck path -> the Asset a scene makes there.
        supplied: deck paths of the lecturer's own files, copied from beside the deck.
        served: paths we make or copy (a slot holding one is made live).
        posters: a <video> tag's start -> the poster URL it gets.
        report: notes, warnings, what is missing and what is refused.
    """

    deck: DeckSource
    assets: dict[str, Asset] = field(default_factory=dict)
    supplied: list[str] = field(default_factory=list)
    served: set[str] = field(default_factory=set)
    posters: dict[int, str] = field(default_factory=dict)
    report: DeckReport = field(default_factory=DeckReport)
    background: str = THEME_BACKGROUNDS["default"]  # our pictures' background: the deck theme's slides'
    aspect: str = "16:9"  # our pictures' frame: the deck's size where the scene has a layout for it
    _noted: set[str] = field(default_factory=set)


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


def mapping_origins(deck: Path) -> dict[str, str]:
    """Where each entry of the mapping beside the deck is written, for its errors:
    name -> 'slides.slots.toml:3: "001.png" = "graphical-model"' (one entry a line)."""
    path = mapping_path(deck)
    if not path.is_file():
        return {}
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = tomllib.loads(line)
        except tomllib.TOMLDecodeError:
            continue
        for name, value in entry.items():
            out.setdefault(name, f"{path.name}:{number}: {name!r} = {value!r}")
    return out


# ------------------------------------------------------------ the mapping, slots and placeholders
def _slides_named(deck: DeckSource, name: str) -> list[int]:
    if name.strip().isdigit():
        n = int(name)
        return [n] if 1 <= n <= len(deck.slides) else []
    return [s.number for s in deck.slides if s.title == name.strip()]


def deck_aspect(deck: DeckSource) -> str:
    """The frame our pictures take in this deck: Marp's ``size: 4:3`` gets 4:3 (where a
    scene has a layout for it), any other size 16:9."""
    size = (front_matter(deck.text).get("size") or "16:9").strip()
    return size if size in ASPECTS_ALL else "16:9"


PAINTED_THEMES = ("gaia",)  # paint a gradient (background-image) over the slide's background-color


def deck_background(deck: DeckSource) -> tuple[str, str]:
    """The background our pictures take in this deck: its slides', that is the front
    matter's ``style`` where it gives ``section`` a background colour that shows (in
    gaia, whose gradient covers a ``background-color``, only the ``background``
    shorthand does: the course deck's white style under gaia is cream on screen), else
    its Marp theme's (``theme: gaia`` is cream); and a note when that is not a light colour (an
    ``invert`` class, a dark style) or not known (a theme of the lecturer's own): then
    white, as cards, for our palette is for light slides."""
    fm = front_matter(deck.text)
    head = front_matter_text(deck.text)
    styled = re.search(r"section\s*\{[^}]*?background(-color)?\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", head)
    theme = (fm.get("theme") or "default").strip().lower()
    if styled and styled.group(1) and theme in PAINTED_THEMES:
        styled = None  # a background-color alone is under the theme's gradient: the slide shows the theme's
    if styled:
        colour = styled.group(2).upper()
        colour = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
        if colour in LIGHT_COLOURS:
            return colour, ""
        return THEME_BACKGROUNDS["default"], (f"the deck's style gives its slides a dark background ({colour}): our "
                                              "pictures keep their white background, as cards")
    if "invert" in (fm.get("class") or "").split():
        return THEME_BACKGROUNDS["default"], (f"theme {theme} with class invert (dark slides): our pictures keep their "
                                              "white background, as cards (their palette is for light slides)")
    if theme not in THEME_BACKGROUNDS:
        return THEME_BACKGROUNDS["default"], (f"theme {theme} is not one of Marp's built-in ones "
                                              f"({', '.join(THEME_BACKGROUNDS)}): our pictures keep their white background")
    return THEME_BACKGROUNDS[theme], ""


IMAGE_WORDS = re.compile(r"(?<![\w/.])(imagen|imágenes|images?|mnist|dígitos?|digits?|píxel(?:es)?|pixels?)(?![\w/.])",
                         re.IGNORECASE)  # words of the text, not of a path (assets/images/...)


def about_images(deck: DeckSource) -> bool:
    """Whether the deck is about images (it names them three times or more): then a
    slot for a topic we also show on digits (``SceneSpec.for_images``) gets the digits."""
    return len(IMAGE_WORDS.findall(deck.text)) >= 3


def _for_deck(deck: DeckSource, key: str) -> str:
    """The scene for ``key``'s topic in this deck: its digit twin in a deck about images."""
    twin = SCENES[key].for_images
    return twin if twin and about_images(deck) else key


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
    return _for_deck(deck, best) if best else None


def _src_edit(text: str, tag: Tag, new_url: str) -> Edit:
    raw = text[tag.start:tag.end]
    m = re.search(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", raw, re.IGNORECASE)
    a = tag.start + m.start(m.lastindex)
    return Edit(a, a + len(m.group(m.lastindex)), new_url)


def _replacements(deck: DeckSource, opts: DeckOptions, mapping: dict[str, str], report: DeckReport,
                  origins: dict[str, str] | None = None):
    """Which refs a mapping, a --slot or a placeholder points at which scene; an entry's
    error names where it was written (``origins``: the mapping file and line), else --slot.

    Returns (by_path: path -> scene key, edits: text edits of video sources)."""

    def where(name: str, key: str) -> str:
        return (origins or {}).get(name) or f"--slot {name}={key}"

    by_path: dict[str, str] = {}
    edits: list[Edit] = []
    slotted_slides: set[int] = set()
    paths = {r.path for r in deck.refs}
    for name, key in mapping.items():
        if key not in SCENES:
            raise DeckError(f"{where(name, key)}: unknown scene {key!r}; valid: {', '.join(SCENES)}")
        if name in paths:
            by_path[name] = key
            continue
        slides = _slides_named(deck, name)
        if not slides and name.strip().isdigit():
            raise DeckError(f"{where(name, key)}: the deck has {len(deck.slides)} slide{'' if len(deck.slides) == 1 else 's'}, so "
                            f"there is no slide {name}")
        if not slides:
            raise DeckError(f"{where(name, key)}: no slide titled {name!r} and no asset of that name in the deck")
        videos = [t for t in deck.tags if t.slide in slides and t.name in ("video", "source") and t.attrs.get("src")]
        images = [r for r in deck.refs if r.slide in slides and r.kind == "image"]
        if not videos and not images:
            raise DeckError(f"{where(name, key)}: the slide {name!r} has no video or image to fill")
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


# ------------------------------------------------------------------- 1. plan
def plan_deck(source: DeckSource, opts: DeckOptions, mapping: dict[str, str], beside=lambda path: False,
              fence=lambda path: None, origins: dict[str, str] | None = None) -> DeckPlan:
    """The plan for ``source``: a pure function of the deck, the options, the mapping and
    two look-ups the build gives it (tests give none): ``beside(path)``, whether the
    lecturer has that file beside the deck, and ``fence(path)``, which raises FenceError
    for a path that would leave the output folder.

    Raises:
        DeckError: a mapping or --slot that names no slide, asset or scene.
    """
    opts = _with_language(opts, source)[0] if opts.lang is None else opts
    report = DeckReport()
    by_path, src_edits = _replacements(source, opts, mapping, report, origins)
    deck = parse_deck(apply_edits(source.text, src_edits), opts.deck)  # the sources pointed at their scenes
    background, note = deck_background(source)
    plan = DeckPlan(deck, report=report, background=background, aspect=deck_aspect(source))
    if note:
        report.notes.append(note)
    for ref in deck.refs:
        if _plan_ref(plan, ref, opts, by_path, beside, fence) in ("ours", "supplied"):
            plan.served.add(ref.path)
    for tag in deck.tags:  # posters: each video we serve (live, or in a slot we make live) gets its still
        if tag.name == "video" and not tag.attrs.get("poster"):
            _plan_poster(plan, tag, opts, by_path, beside, fence)
    flat = sorted({a.key for a in plan.assets.values() if not SCENES[a.key].has_layout(plan.aspect, a.fmt)})
    if flat:
        report.notes.append(f"size {plan.aspect}: {', '.join(flat)} {'has' if len(flat) == 1 else 'have'} no "
                            f"{plan.aspect} layout, so {'it is' if len(flat) == 1 else 'they are'} drawn 16:9 (a figure "
                            "gets larger type where the narrower slide shows it small; the check names any text still "
                            "too small)")
    return plan


def _plan_ref(plan: DeckPlan, ref: Ref, opts: DeckOptions, by_path: dict[str, str], beside, fence) -> str:
    """'ours', 'supplied', 'missing' or 'refused' for one reference, planning it."""
    report, name = plan.report, opts.deck.name
    if ref.outside:
        report.refused.append(ref.path)
        report.warnings.append(f"{name}:{ref.line}: {ref.url} lies outside the deck's folder: not rendered and not "
                               "copied (nothing is written outside --out); put the file under the deck's folder and "
                               "name it from there")
        return "refused"
    try:
        fence(ref.path)
    except FenceError as exc:
        report.refused.append(ref.path)
        report.warnings.append(f"{name}:{ref.line}: {exc}: not written")
        return "refused"
    key = by_path.get(ref.path)
    match = scene_of(Path(ref.path).name, opts.lang)
    if beside(ref.path):  # the lecturer's own (through a link too): it always wins
        if ref.path not in plan.supplied:
            plan.supplied.append(ref.path)
        if key or match:
            report.notes.append(f"{ref.path}: yours, beside the deck, is used (the {key or match[0].key} scene would "
                                "make one: move yours away to use it)")
        return "supplied"
    if key:
        _plan_slot(plan, ref, key, opts, by_path)
        return "ours"
    if match:
        spec, fmt, lang = match
        twin = _for_deck(plan.deck, spec.key)
        if twin != spec.key:
            if _first(plan, ref.path):
                report.notes.append(f"{ref.path}: the deck is about images, so the {twin} scene ({SCENES[twin].about}) "
                                    f"makes it; --slot {ref.path}={spec.key} keeps the {spec.key} scene")
            spec = SCENES[twin]
        if fmt == "png" and ref.kind == "image":
            fmt = "figure"  # an image slot shows the figure; a poster the whole last frame
        if lang != opts.lang and _first(plan, ref.path):
            report.notes.append(f"{ref.path}: in {lang}, as its name says (the deck is built in {opts.lang})")
        plan.assets.setdefault(ref.path, Asset(ref.path, spec.key, fmt, lang))
        return "ours"
    _plan_missing(plan, ref, name)
    return "missing"


def _first(plan: DeckPlan, path: str) -> bool:
    """True the first time a note is made about ``path``."""
    new = path not in plan._noted
    plan._noted.add(path)
    return new


def _plan_slot(plan: DeckPlan, ref: Ref, key: str, opts: DeckOptions, by_path: dict[str, str]) -> None:
    """A reference the mapping, a --slot or a placeholder gives to scene ``key``."""
    suffix = Path(ref.path).suffix.lower()
    fmt = {".mp4": "mp4", ".gif": "gif", ".png": "figure"}.get(suffix)
    if fmt is None:
        raise DeckError(f"{ref.path}={key}: our scenes make .png pictures and .mp4 or .gif videos, not "
                        f"{suffix or 'files without a suffix'}; name the slot with one of those")
    if ref.kind == "poster":
        fmt = "png"
    plan.assets.setdefault(ref.path, Asset(ref.path, key, fmt, opts.lang))
    if ref.path in by_path and _first(plan, ref.path):
        plan.report.notes.append(f"{ref.path}: drawn by the {key} scene ({SCENES[key].about})")


def _plan_missing(plan: DeckPlan, ref: Ref, name: str) -> None:
    report = plan.report
    if ref.path in report.missing or ref.path in report.backslashed:
        return
    (report.backslashed if "\\" in ref.path else report.missing).append(ref.path)
    if "\\" in ref.path:  # not missing: misspelt, and one warning says how (the summary agrees)
        report.warnings.append(f"{name}:{ref.line}: {ref.path}: Marp keeps the backslashes of a Markdown image's path "
                               "(the browser looks for a file of that very name); write it with slashes: "
                               f"{ref.path.replace(chr(92), '/')}")
    hint = name_hint(Path(ref.path).name)
    if hint:
        report.warnings.append(f"{name}:{ref.line}: {ref.path} is not found beside the deck; {hint}")


def _plan_poster(plan: DeckPlan, tag: Tag, opts: DeckOptions, by_path: dict[str, str], beside, fence) -> None:
    """The still of the first of the video's sources that we make, as its poster."""
    deck = plan.deck
    sources = [t for t in deck.tags if t.name == "source" and tag.start < t.start < (tag.close or tag.end)]
    for url in filter(None, [tag.attrs.get("src")] + [t.attrs.get("src") for t in sources]):
        ref = next((r for r in deck.refs if r.url == url and r.kind == "video"), None)
        if ref is None or ref.path not in plan.assets:
            continue
        a = plan.assets[ref.path]
        still = SCENES[a.key].output_name("png", a.lang)
        poster_url = sibling_url(url, still)
        poster = Ref(poster_url, str(Path(ref.path).with_name(still)), "poster", ref.line, ref.slide, ref.slot)
        if _plan_ref(plan, poster, opts, by_path, beside, fence) in ("ours", "supplied"):
            plan.posters[tag.start] = poster_url
        return


# ----------------------------------------------------------------- 2. render
class _Placing:
    """The render stage's bookkeeping: the folder, its state (what was written for which
    key), and which deck paths each render group makes."""

    def __init__(self, folder: OutputFolder, opts: DeckOptions, plan: DeckPlan, log):
        self.folder, self.opts, self.plan, self.log = folder, opts, plan, log
        self.state_path = folder.path / STATE
        self.state = read_state(self.state_path)
        self.todo: dict[tuple[str, str, str], list[tuple[str, str]]] = {}  # (scene, fmt, lang) -> [(path, key)]
        self.start = time.perf_counter()
        self._said: dict[int, float] = {}  # when each render's last progress line was said

    def save(self) -> None:
        write_state(self.state_path, self.state)

    def settings(self, key: str, fmt: str, lang: str) -> dict:
        """The scene settings a render of (key, fmt, lang) gets: the theme's and size's
        (``_themed``), and the larger type Fit asked of a figure shown narrow (TYPE_KEY)."""
        scale = _scale_of(self.state, key, fmt, lang)
        return {**_themed(self.plan, key, fmt), **({"text_scale": scale} if fmt == "figure" and scale else {})}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.folder.path).as_posix()

    # ------------------------------------------------------------ progress lines
    # One line when a render starts, then one at least every PROGRESS_LINE_S while it
    # runs: its frames, and where an earlier render of the scene says how many there will
    # be (its video's length, kept in the cache), the share done and the time left.
    def progress(self, job: RenderJob, frames: int | None, seconds: float) -> None:
        what = f"{job.scene} ({job.fmt}, {job.lang})"
        now = time.perf_counter()
        if frames is None and seconds == 0.0:
            self._said[id(job)] = now
            self.log(f"  rendering  {what}")
            return
        if now - self._said.get(id(job), 0.0) < PROGRESS_LINE_S - 2:
            return
        self._said[id(job)] = now
        if not frames:
            self.log(f"  rendering  {what}: {seconds:.0f} s, no frame yet (sampling, typesetting)")
            return
        total = self._expected_frames(job)
        if total and frames < total:
            left = seconds / frames * (total - frames)
            self.log(f"  rendering  {what}: {frames} of about {total} frames ({100 * frames / total:.0f}%), "
                     f"about {left:.0f} s left")
        else:
            self.log(f"  rendering  {what}: {frames} frames in {seconds:.0f} s ({frames / seconds:.1f} a second)")

    def _expected_frames(self, job: RenderJob) -> int | None:
        length = _video_lengths().get(_length_key(job))
        fps = job.fps or QUALITY_FPS.get(job.quality)
        return round(length * fps) if length and fps and not job.still else None

    def finished(self, job: RenderJob, done) -> None:
        """Keep the video's length (its frames over its rate) for the next run's estimates."""
        frames, fps = done.profile.get("frames"), job.fps or QUALITY_FPS.get(job.quality)
        if frames and fps and not job.still:
            lengths = _video_lengths()
            lengths[_length_key(job)] = round(frames / fps, 3)
            try:
                path = cache_dir() / LENGTHS_FILE
                with atomic_write(path) as tmp:
                    Path(tmp).write_text(json.dumps(lengths, indent=1, sort_keys=True), encoding="utf-8")
            except OSError:
                pass  # an estimate lost, not the build


PROGRESS_LINE_S = 10.0  # a render says how far it is at least this often
QUALITY_FPS = {"low": 15, "medium": 30, "high": 60, "4k": 60}  # manim's qualities' frame rates
LENGTHS_FILE = "video-lengths.json"  # in the cache: each scene's video length, from its last render


def _length_key(job: RenderJob) -> str:
    return f"{job.scene}|{job.fmt}|{job.lang}|{json.dumps(dict(job.settings), sort_keys=True)}"


def _video_lengths() -> dict[str, float]:
    try:
        data = json.loads((cache_dir() / LENGTHS_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def render_assets(plan: DeckPlan, folder: OutputFolder, opts: DeckOptions, log) -> None:
    """Stage 2: the lecturer's pictures copied when their content differs; our assets
    rendered when missing, out of date, or changed since written, each recorded (with
    its beats' files) before it is reported, so that a stop keeps it."""
    report = plan.report
    deck_dir = opts.deck.resolve().parent
    for rel in plan.supplied:
        src, dst = deck_dir / rel, folder.target(rel)
        if not (dst.is_file() and dst.stat().st_size == src.stat().st_size and file_digest(dst) == file_digest(src)):
            dst.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(dst) as tmp:
                shutil.copyfile(src, tmp)
        report.supplied.append(rel)
        log(f"  supplied   {rel}")
    placing = _Placing(folder, opts, plan, log)
    _find_stale(placing)
    if placing.todo:
        jobs = _render_jobs(placing)
        try:
            render_many(jobs, opts.jobs, on_done=lambda job, done: _place(placing, job, done),
                        on_progress=placing.progress)
        except (KeyboardInterrupt, SystemExit):
            placing.save()
            log(f"stopped: {len(report.rendered)} of {sum(len(v) for v in placing.todo.values())} assets rendered "
                "and recorded; the next run renders only the rest")
            raise
    placing.save()


def _find_stale(placing: _Placing) -> None:
    """Group what must be rendered by (scene, format, language); the rest is up to date."""
    opts, state, report = placing.opts, placing.state, placing.plan.report
    for rel, a in placing.plan.assets.items():
        key = _key_of(placing, a)
        dst = placing.folder.target(rel)
        extras = _sidecars(dst, a, opts.steps) if dst.is_file() else None
        if (is_fresh(dst, state.get(rel), key) and extras is not None
                and all(is_fresh(x, state.get(placing.rel(x)), key) for x in extras)):
            report.up_to_date.append(rel)
            placing.log(f"  up to date {rel}")
        else:
            placing.todo.setdefault((a.key, a.fmt, a.lang), []).append((rel, key))


def _key_of(placing: _Placing, a: Asset) -> str:
    """The key of what asset ``a``'s render would write: a file recorded with another is redrawn."""
    opts = placing.opts
    return asset_key(a.key, a.fmt, opts.quality, a.lang, opts.resolution, opts.fps,
                     settings={**({"beats": True} if a.fmt == "mp4" else {}), **placing.settings(a.key, a.fmt, a.lang)}
                     or None)


def _render_jobs(placing: _Placing) -> list[RenderJob]:
    """One job per group, the longest first; a video's poster comes from the video's own
    render (its last frame), not a render of its own."""
    opts, todo, state = placing.opts, placing.todo, placing.state
    staging = cache_dir() / "deck" / hashlib.sha256(str(placing.folder.real).encode()).hexdigest()[:12]
    from_video = {(k, lang) for k, fmt, lang in todo if fmt == "png" and (k, "mp4", lang) in todo}
    groups = [g for g in todo if not (g[1] == "png" and (g[0], g[2]) in from_video)]

    def seconds(group) -> float:  # the group's render time in the previous run
        recorded = [state[rel].get("seconds") for rel, _ in todo[group] if isinstance(state.get(rel), dict)]
        return max([s for s in recorded if s] or [guess_seconds(group[0], group[1])])

    return [RenderJob.of(k, placing.settings(k, fmt, lang), fmt=fmt, quality=opts.quality, lang=lang, out_dir=staging / lang,
                         resolution=opts.resolution, fps=opts.fps, beats=fmt == "mp4",
                         poster=fmt == "mp4" and (k, lang) in from_video, legibility=True)
            for k, fmt, lang in longest_first(groups, seconds)]


def _themed(plan: DeckPlan, key: str, fmt: str) -> dict[str, str]:
    """The scene settings the deck's theme and size ask of scene ``key``'s ``fmt``: its
    background off white, its 4:3 layout in a 4:3 deck where it has one ({} for a 16:9
    deck on white: the keys stay as they were)."""
    settings = {} if plan.background == THEME_BACKGROUNDS["default"] else {"background": plan.background}
    if plan.aspect != "16:9" and SCENES[key].has_layout(plan.aspect, fmt):
        settings["aspect"] = plan.aspect
    return settings


def _place(placing: _Placing, job: RenderJob, done: Rendered) -> None:
    """Copy what a render made to every deck path that asked for it, with its beats'
    files under the deck's names; record each, then report it."""
    made = [((job.scene, job.fmt, job.lang), done.path, round(done.seconds, 2))]
    if job.poster:
        made.append(((job.scene, "png", job.lang), done.path.with_name(SCENES[job.scene].output_name("png", job.lang)),
                     0.0))
    placing.finished(job, done)
    for group, path, secs in made:
        for rel, key in placing.todo[group]:
            dst = placing.folder.target(rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(dst) as tmp:
                shutil.copyfile(path, tmp)
            placing.state[rel] = {**record(dst, key), "seconds": secs}
            text = read_text_record(path)  # its smallest and faintest text, for the check
            if text is not None:
                placing.state[rel]["text"] = text
            for src in _sidecars(path, placing.plan.assets[rel], placing.opts.steps) or []:  # the beats' files
                extra = dst.with_name(dst.stem + src.name[len(path.stem):])  # the deck's name
                with atomic_write(extra) as tmp:
                    shutil.copyfile(src, tmp)
                placing.state[placing.rel(extra)] = record(extra, key)
            placing.save()  # recorded before it is reported: a stop keeps it
            if rel not in placing.plan.report.rendered:  # a figure drawn again (Fit) is listed once
                placing.plan.report.rendered.append(rel)
            placing.log(f"  rendered   {rel} ({job.scene}, {time.perf_counter() - placing.start:.0f} s)")


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


# ---------------------------------------------------------------- 3. rewrite
def stale_comparison() -> str:
    """'' when the measured comparison can go on a slide: a record with one n for every row
    (diffusion_core.read_record) that belongs to the shipped MNIST model (the digest it
    records is the checkpoint's); else one line saying why not and how to remake it."""
    remake = ("the deck's own table is kept; remake it with `python benchmarks/mnist_table.py --json "
              f"{COMPARISON.relative_to(REPO)}` (about 45 minutes on 2 CPU cores at n = 500; on a GPU add "
              "`--device cuda --n 10000`)")
    try:
        record = read_record(COMPARISON)
    except TableError as exc:
        return f"{exc}: {remake}"
    shipped = mnist_checkpoint_path()
    if not shipped.is_file():
        return f"no shipped MNIST model at {shipped} to compare the table's with: {remake}"
    digest = file_digest(shipped)
    if digest != record["checkpoint_sha256"]:
        return (f"{COMPARISON.relative_to(REPO)} is stale: measured on checkpoint {record['checkpoint_sha256'][:12]}, "
                f"the shipped model is {digest[:12]}: {remake}")
    return ""


NOTES_TABLE = {
    "es": "Tabla medida por este proyecto con: {cmd} (checkpoint sha256 {sha}). Dígitos reales: {n} imágenes de "
          "entrenamiento al azar, el suelo de FID y KID con {n} muestras. KID no tiene sesgo con n pequeño; FID sí.",
    "en": "Table measured by this project with: {cmd} (checkpoint sha256 {sha}). Real digits: {n} random training "
          "images, the floor of FID and KID at {n} samples. KID has no bias at small n; FID has.",
}


def _comparison_table(lang: str, narrow: bool = False) -> str:
    """The project's measured comparison (docs/mnist/comparison.json), in the deck's
    language: the table (its KID column only where it fits legibly: not on a 4:3 slide,
    ``narrow``), one or two lines under it saying what was measured, and the command and
    the checkpoint's digest in the slide's presenter notes."""
    record = read_record(COMPARISON)
    lang = lang if lang in NOTES_TABLE else "en"
    notes = NOTES_TABLE[lang].format(cmd=record["command"], sha=record["checkpoint_sha256"], n=record["n"])
    # at TABLE_PX whatever the theme's own type: every text of it 20 px or more at 1280x720, and the table with
    # its lines under it inside the slide (default's 29 px type, gaia's 35 and uncover's 40 would push them out)
    return (f'<div class="comparison" style="font-size: {TABLE_PX}px">\n\n{table_markdown(record, lang, kid=not narrow)}'
            f"\n\n{html.escape(table_note(record, lang, kid=not narrow))}\n\n</div>\n\n<!--\n{notes.replace('-->', '->')}\n-->\n")


TABLE_PX = 21  # CSS px of Marp's 720-high slide


def rewrite(deck: DeckSource, opts: DeckOptions, served: set[str], posters: dict[int, str],
            report: DeckReport) -> str:
    """The deck with our slots live, posters on our videos, the table and formulas;
    every other character as it was (presenter notes included)."""
    text, name = deck.text, opts.deck.name
    edits: list[Edit] = []
    for c in deck.comments:  # 1. commented-out slots holding what we serve: live
        if c.slot and any(r.slot and r.path in served and c.start < r.at < c.end for r in deck.refs):
            inner_start = c.start + 4 + (len(c.inner) - len(c.inner.lstrip(" ")))
            inner_end = c.end - 3 - (len(c.inner) - len(c.inner.rstrip(" ")))
            edits += [Edit(c.start, inner_start, ""), Edit(inner_end, c.end, "")]
    for start, url in posters.items():  # 2. posters
        edits.append(Edit(start, start + 6, text[start:start + 6] + f' poster="{html.escape(url, quote=True)}"'))
    if opts.table:  # 3. the measured comparison
        table = next(((a, b) for a, b, head in deck.tables if head[:1] == ["Model"] and len(head) > 1
                      and head[1].startswith("FID")), None)
        stale = stale_comparison()
        if table is None:
            report.warnings.append(f"{name}: --table: no table whose header starts with '| Model | FID'")
        elif stale:
            report.warnings.append(f"{name}: --table: {stale}")
        else:
            edits.append(Edit(table[0], table[1], _comparison_table(opts.lang, deck_aspect(deck) == "4:3")))
    for m in _WRONG.finditer(text):  # 4. the formula, outside code
        line = text.count("\n", 0, m.start()) + 1
        if line - 1 in deck.code_lines:
            continue
        report.warnings.append(f"{name}:{line}: x_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) eps: alpha_bar_t is "
                               f"meant (Ho et al. 2020, eq. 4){'; fixed' if opts.fix_formulas else '; --fix-formulas rewrites it'}")
        if opts.fix_formulas:
            edits.append(Edit(m.start(), m.end(), _RIGHT))
    return apply_edits(text, edits)


# ---------------------------------------------------------------- 4. outputs
@dataclass
class Built:
    """What the outputs work on: the rewritten deck's text (an output may change it
    before the next writes it), the folder and its state, the plan."""

    text: str
    folder: OutputFolder
    opts: DeckOptions
    plan: DeckPlan
    log: object
    fit_reused: bool = False  # FitAgain applied the last build's heights: Fit has nothing to do

    @property
    def slides(self) -> Path:
        return self.folder.path / "slides.md"


class Output:
    """One thing the build makes from the rewritten deck, in ``OUTPUTS``' order."""

    def wanted(self, opts: DeckOptions) -> bool:
        return True

    def make(self, built: Built) -> None:
        raise NotImplementedError


class Presentation(Output):
    """Captions and presenter notes on each of our videos; with --steps, one slide per beat."""

    def make(self, built: Built) -> None:
        videos = {rel: a.key for rel, a in built.plan.assets.items() if a.fmt == "mp4"}
        built.text, stepped = present(parse_deck(built.text, built.opts.deck), built.folder.path, videos,
                                      built.opts.lang, built.opts.steps)
        built.plan.report.notes += stepped


TWIN_MAX_H = 460  # CSS px of Marp's 720-high slide: a twin as wide as its video stays above the slide's bottom


class Twins(Output):
    """--interactive: each of our videos that has an interactive twin (``lecture.twins``)
    becomes that twin, an ``<iframe>`` of ``twins/SCENE.html`` as wide as the video was,
    its poster kept for the PDF (``print_copy``), its beats' notes and what to try in it
    in the presenter notes. Runs before ``Presentation``, which then leaves it alone."""

    def wanted(self, opts: DeckOptions) -> bool:
        return opts.interactive

    def make(self, built: Built) -> None:
        deck = parse_deck(built.text, built.opts.deck)
        lang, report = built.opts.lang, built.plan.report
        served = {rel: a.key for rel, a in built.plan.assets.items() if a.fmt == "mp4"}
        edits, written, notes = [], {}, {}
        for ref in deck.refs:
            twin = TWIN_OF.get(served.get(ref.path, ""))
            if ref.kind != "video" or twin is None:
                continue
            tag = next((t for t in deck.tags if t.name == "video" and t.close is not None and t.start <= ref.at < t.close),
                       None)
            if tag is None or tag.slot:
                continue
            if twin not in written:
                target = built.folder.target(f"twins/{twin_file_name(twin, lang)}")
                written[twin] = write_twin(twin, lang, target.parent)
            url = f"twins/{written[twin].name}"
            width = tag.attrs.get("width") or "100%"
            width = width if width.endswith(("%", "px")) else f"{width}px"
            poster = tag.attrs.get("poster", "")
            frame = (f'<iframe src="{html.escape(url, quote=True)}?embed" data-twin="{twin}" '
                     f'data-poster="{html.escape(poster, quote=True)}" data-width="{html.escape(width, quote=True)}" '
                     f'title="{html.escape(tr(f"{twin}_title", lang), quote=True)}" '
                     f'style="width: {html.escape(width, quote=True)}; aspect-ratio: 16 / 9; max-height: {TWIN_MAX_H}px; '
                     'border: 0; display: block; margin: 0 auto;"></iframe>')
            slide = next(sl for sl in deck.slides if sl.number == tag.slide)
            notes.setdefault(slide.number, (slide, []))[1].extend(twin_notes(twin, lang)
                                                                  + notes_of(built.folder.path / ref.path, lang))
            edits.append(Edit(tag.start, tag.close, frame))
            report.notes.append(f"slide {tag.slide} {slide.title!r}: {served[ref.path]} as its interactive twin "
                                f"({url}); the PDF prints its poster")
        edits += [Edit(sl.end, sl.end, ("" if built.text[:sl.end].endswith("\n") else "\n") + note_comment(lines))
                  for sl, lines in notes.values()]
        built.text = apply_edits(built.text, edits)


class Markdown(Output):
    """``slides.md``, left as it is when nothing changed."""

    def make(self, built: Built) -> None:
        if not (built.slides.is_file() and built.slides.read_bytes() == built.text.encode("utf-8")):
            with atomic_write(built.slides) as tmp:
                Path(tmp).write_text(built.text, encoding="utf-8")
        for ref in built.plan.report.missing:
            built.log(f"  missing    {ref}")
        for ref in built.plan.report.backslashed:
            built.log(f"  misspelt   {ref} (write it with slashes)")


class Html(Output):
    """``slides.html`` by Marp CLI, unless Marp would write the same HTML again."""

    def make(self, built: Built) -> None:
        report, state_path = built.plan.report, built.folder.path / STATE
        key = hashlib.sha256(built.text.encode("utf-8") + marp_version().encode()).hexdigest()[:16]
        state = read_state(state_path)
        page = built.slides.with_suffix(".html")
        if is_fresh(page, state.get("slides.html"), key):
            report.html = page
            return
        report.html, report.html_note = build_html(built.slides)
        if report.html is not None:
            state["slides.html"] = record(report.html, key)
            write_state(state_path, state)


FIT_ROUNDS = 3


FIT_KEY = "_fit"  # in the build's state: the deck text Fit last laid out, and the heights it gave


def _fit_input(built: Built, text: str | None = None) -> str:
    """What a fit depends on: the deck's text as rewritten (``text``, else ``built.text``: its
    theme, size, slides and our pictures' names), our pictures' own sizes (their records),
    and Marp's version."""
    state = read_state(built.folder.path / STATE)
    ours = {rel: (state.get(rel) or {}).get("sha256") for rel in sorted(built.plan.assets)}
    blob = json.dumps([built.text if text is None else text, ours, marp_version()], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _apply_fit(built: Built, fitted: dict[tuple[int, str], int]) -> None:
    deck = parse_deck(built.text, built.opts.deck)
    edits = [e for e in (_sized(built.text, r, fitted, deck.tags) for r in deck.refs) if e is not None]
    if edits:
        built.text = apply_edits(built.text, edits)


_BEAT = re.compile(r"^(?P<stem>.*)\.beat\d+(?P<suffix>\.[A-Za-z0-9]+)$")


def _asset_of(built: Built, path: str) -> str | None:
    """The asset of ours that ``path`` is, or whose beat clip or still it is (--steps), else None."""
    if path in built.plan.assets:
        return path
    m = _BEAT.match(path)
    if m:
        for suffix in (m["suffix"], ".mp4"):
            if m["stem"] + suffix in built.plan.assets:
                return m["stem"] + suffix
    return None


class FitAgain(Output):
    """Where nothing Fit depends on changed since the last build, the heights it gave
    then, applied before slides.md and the HTML are written: no Chromium, and a rerun
    leaves both files as they are."""

    def make(self, built: Built) -> None:
        stored = read_state(built.folder.path / STATE).get(FIT_KEY)
        built.fit_reused = isinstance(stored, dict) and stored.get("input") == _fit_input(built)
        if built.fit_reused:
            _apply_fit(built, {(n, url): h for n, url, h in stored.get("sizes", [])})


class Fit(Output):
    """Our pictures inside each slide's safe area, in any theme, size and mode (plain
    videos and images, --steps' beat slides, mapped slots): where a slide does not fit
    (content past its edge, its padding, or over its title) and one of our pictures is on
    it, that picture is given the height that makes the slide fit (``check.fit_heights``,
    Chromium's own layout of the whole deck, one page), its width following; then
    slides.md and the HTML are written again. The lecturer's content is never resized
    (the check names it). Skipped when ``FitAgain`` reused the last build's heights.
    Needs the browser check (./run.sh browser); without it, a note."""

    def make(self, built: Built) -> None:
        report = built.plan.report
        fm = front_matter(built.text)
        theme, size = (fm.get("theme") or "default").strip().lower(), (fm.get("size") or "16:9").strip()
        state = read_state(built.folder.path / STATE)
        if built.fit_reused or report.html is None:
            return
        if any(isinstance(v, dict) and v.pop("fitted", None) for v in state.values()):  # an earlier build's
            write_state(built.folder.path / STATE, state)
        before = built.text
        fitted: dict[tuple[int, str], int] = {}
        try:
            for round_ in range(REDRAW_ROUNDS + 1):
                shown = self._fit(built, fitted)
                scales = _redraws(built, shown)
                if not scales or round_ == REDRAW_ROUNDS:
                    break
                _redraw(built, scales, shown)
        except CheckError as exc:
            report.notes.append(f"our pictures were not fitted to the layout of theme {theme} ({size}): {exc}")
            return
        report.notes += [f"slide {n}: our {url} fitted to the layout of theme {theme} ({size}): {h} px high"
                         for (n, url), h in sorted(fitted.items())]
        report.warnings += _still_small(built, shown)
        state = read_state(built.folder.path / STATE)
        state[FIT_KEY] = {"input": _fit_input(built, before),
                          "sizes": [[n, url, h] for (n, url), h in sorted(fitted.items())]}
        if fitted:  # the check's safe-area note names them as fitted, not as sized by the lecturer
            path_of = {r.url: r.path for r in parse_deck(built.text, built.opts.deck).refs}
            for (n, url) in fitted:
                record = state.get(path_of.get(url, ""))
                if isinstance(record, dict):
                    record["fitted"] = sorted({*record.get("fitted", []), n})
        write_state(built.folder.path / STATE, state)

    @staticmethod
    def _fit(built: Built, fitted: dict) -> dict[str, tuple[float, float, int]]:
        """Fit's rounds of layout (Chromium) and heights; returns our pictures' smallest text
        as the last layout shows it (``check.fit_heights``' ``shown``)."""
        state = read_state(built.folder.path / STATE)
        ours = {r.url: ((state.get(_asset_of(built, r.path)) or {}).get("text") or {}).get("em_px")
                for r in parse_deck(built.text, built.opts.deck).refs
                if r.kind in ("image", "video") and _asset_of(built, r.path)}
        for _ in range(FIT_ROUNDS):
            shown: dict[str, tuple[float, float, int]] = {}
            sizes = fit_heights(built.plan.report.html, ours, shown)
            text = built.text
            _apply_fit(built, sizes)
            if built.text == text:
                break
            fitted.update(sizes)
            Markdown().make(built)
            Html().make(built)
        return shown


REDRAW_ROUNDS = 2  # a figure shown narrow is drawn again at most this often in one build
TYPE_KEY = "_type"  # in the build's state: (scene|fmt|lang) -> the text scale its figure was drawn with


def _type_group(key: str, fmt: str, lang: str) -> str:
    return f"{key}|{fmt}|{lang}"


def _scale_of(state: dict, key: str, fmt: str, lang: str) -> float | None:
    """The text scale the build's state keeps for a figure (None: its own size); a value
    that is not one (a state edited by hand, an earlier version's larger largest) is
    read as the nearest that is."""
    kept = state.get(TYPE_KEY)
    scale = kept.get(_type_group(key, fmt, lang)) if isinstance(kept, dict) else None
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 1.0:
        return None
    return min(float(scale), TEXT_SCALE_MAX)


def _figures_shown(built: Built, shown: dict) -> dict[str, list[str]]:
    """Each figure of ours (its type group) -> the urls it is shown under in the deck."""
    out: dict[str, list[str]] = {}
    for ref in parse_deck(built.text, built.opts.deck).refs:
        a = built.plan.assets.get(ref.path)
        if a is not None and a.fmt == "figure" and ref.url in shown:
            out.setdefault(_type_group(a.key, a.fmt, a.lang), []).append(ref.url)
    return out


def _redraws(built: Built, shown: dict[str, tuple[float, float, int]]) -> dict[str, float]:
    """The figures to draw again, each with the text scale that brings its smallest text,
    where the deck shows it narrowest, to MIN_TEXT_PX (at most TEXT_SCALE_MAX; back toward
    1 where the deck now shows it wider): {type group: scale}."""
    drawn = read_state(built.folder.path / STATE).get(TYPE_KEY)
    out = {}
    for group, urls in _figures_shown(built, shown).items():
        px = min(shown[u][0] for u in urls)
        now = _scale_of({TYPE_KEY: drawn}, *group.split("|")) or 1.0
        want = min(max(math.ceil(now * (MIN_TEXT_PX + 0.2) / px * 20) / 20, 1.0), TEXT_SCALE_MAX)
        if (px < MIN_TEXT_PX - 0.25 and want > now + 0.01) or want < now - 0.1:  # no redraw for a hair
            out[group] = want
    return out


def _redraw(built: Built, scales: dict[str, float], shown: dict) -> None:
    """Render the figures of ``scales`` again with those text scales, in place (recorded,
    their text records with them), and keep the scales for the next build's renders."""
    placing = _Placing(built.folder, built.opts, built.plan, built.log)
    drawn = placing.state[TYPE_KEY] = {**(placing.state.get(TYPE_KEY) if isinstance(placing.state.get(TYPE_KEY), dict)
                                          else {})}
    for group, scale in scales.items():
        if scale == 1.0:
            drawn.pop(group, None)
        else:
            drawn[group] = scale
    placing.save()
    urls = _figures_shown(built, shown)
    for rel, a in built.plan.assets.items():
        group = _type_group(a.key, a.fmt, a.lang)
        if group in scales:
            placing.todo.setdefault((a.key, a.fmt, a.lang), []).append((rel, _key_of(placing, a)))
    for group, scale in scales.items():
        px, width, n = min(shown[u] for u in urls[group])
        built.log(f"  redrawing  {group.split('|')[0]} (figure): its text {px:.1f} px tall on slide {n}, where it is "
                  f"{width:.0f} px wide; type x{scale:g}")
    render_many(_render_jobs(placing), built.opts.jobs, on_done=lambda job, done: _place(placing, job, done),
                on_progress=placing.progress)
    placing.save()


def _still_small(built: Built, shown: dict[str, tuple[float, float, int]]) -> list[str]:
    """A warning for each figure of ours whose text stays under MIN_TEXT_PX even drawn with
    the largest type: the smallest width at which it reaches MIN_TEXT_PX."""
    drawn = read_state(built.folder.path / STATE).get(TYPE_KEY)
    out = []
    for group, urls in _figures_shown(built, shown).items():
        for url in urls:
            px, width, n = shown[url]
            if px < MIN_TEXT_PX - 0.25:
                out.append(f"slide {n}: our {url} is {width:.0f} px wide there, and its smallest text is {px:.1f} px "
                           f"tall even drawn with type x{_scale_of({TYPE_KEY: drawn}, *group.split('|')) or 1:g}; shown {math.ceil(width * MIN_TEXT_PX / px)} "
                           f"px wide or wider, its text reaches {MIN_TEXT_PX} px")
    return out


_SIZE_ATTR = re.compile(r"""\s(?:width|height)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def _sized(text: str, ref: Ref, sizes: dict[tuple[int, str], int], tags: tuple = ()) -> Edit | None:
    """The edit that gives the Markdown image ``ref`` its fitted height (Marp's
    ``height:Npx`` in its alt text, other size keywords dropped), or the <video> whose
    source ``ref`` is (among ``tags``) its ``height`` attribute, its width and height
    attributes dropped (the width follows the video's own proportions); else None."""
    height = sizes.get((ref.slide, ref.url))
    if height is not None and ref.kind == "video":
        tag = next((t for t in tags if t.name == "video" and t.close is not None and t.start <= ref.at < t.close), None)
        if tag is None:
            return None
        start_tag = _SIZE_ATTR.sub("", text[tag.start:tag.end])
        cut = len(start_tag) - (2 if start_tag.endswith("/>") else 1)
        return Edit(tag.start, tag.end, f'{start_tag[:cut]} height="{height}"{start_tag[cut:]}')
    start = text.rfind("![", 0, ref.at)
    mid = text.find("](", start) if start >= 0 else -1
    if height is None or ref.kind != "image" or start < 0 or not start < mid < ref.at:
        return None
    words = [w for w in text[start + 2:mid].split() if not re.match(r"(width|height|w|h):", w)]
    return Edit(start + 2, mid, " ".join([*words, f"height:{height}px"]))


class Pdf(Output):
    """``slides.pdf`` (--pdf), each of our videos printed as its poster; printed again
    only when what it prints changed: the built slides, any picture they show (ours and
    the lecturer's, by content) or Marp's version (a rerun with nothing changed prints
    nothing)."""

    def wanted(self, opts: DeckOptions) -> bool:
        return opts.pdf

    def make(self, built: Built) -> None:
        report, state_path = built.plan.report, built.folder.path / STATE
        state = read_state(state_path)
        shown = {rel: (state.get(rel) or {}).get("sha256") for rel in sorted(built.plan.assets)}
        for rel in sorted(built.plan.supplied):
            target = built.folder.target(rel)
            shown[rel] = file_digest(target) if target.is_file() else None
        key = hashlib.sha256(json.dumps([built.text, shown, marp_version()], sort_keys=True).encode()).hexdigest()[:16]
        pdf = built.slides.with_suffix(".pdf")
        if is_fresh(pdf, state.get("slides.pdf"), key):
            report.pdf = pdf
            return
        report.pdf, report.pdf_note = build_pdf(built.slides)
        if report.pdf is not None:
            state = read_state(state_path)
            state["slides.pdf"] = record(report.pdf, key)
            write_state(state_path, state)


OUTPUTS: tuple[Output, ...] = (Twins(), Presentation(), FitAgain(), Markdown(), Html(), Fit(), Pdf())


def _with_language(opts: DeckOptions, source: DeckSource) -> tuple[DeckOptions, str]:
    """The options with the language to build in: --lang, else the deck's front matter
    `lang` when it is one of ours, else the first of LANGS; and a note when --lang and
    the deck's own differ."""
    deck_lang = (source.lang or "").split("-")[0].lower() or None  # "es-CL" -> "es"
    if opts.lang is None:
        return replace(opts, lang=deck_lang if deck_lang in LANGS else LANGS[0]), ""
    if deck_lang and deck_lang != opts.lang:
        return opts, (f"the deck says lang: {source.lang}; built in {opts.lang} as --lang asks (videos, captions and "
                      "notes in that language)")
    return opts, ""


# ---------------------------------------------------------------- build_deck
def build_deck(opts: DeckOptions, log=print) -> DeckReport:
    """Build the finished deck in ``opts.out``: plan, render, rewrite, write the outputs
    (see the module's docstring). Raises DeckError or FenceError (one line for the user)
    before anything is written."""
    source = read_deck(opts.deck)
    opts, language_note = _with_language(opts, source)
    out = check_out(opts.out, opts.deck)
    mapping = {**read_mapping(opts.deck), **opts.slots}
    origins = {k: v for k, v in mapping_origins(opts.deck).items() if k not in opts.slots}
    folder = OutputFolder(out)
    deck_dir = opts.deck.resolve().parent
    plan = plan_deck(source, opts, mapping, beside=lambda rel: (deck_dir / rel).is_file(), fence=folder.target,
                     origins=origins)
    if language_note:
        plan.report.notes.insert(0, language_note)
    folder.lock()
    try:
        render_assets(plan, folder, opts, log)
        built = Built(rewrite(plan.deck, opts, plan.served, plan.posters, plan.report), folder, opts, plan, log)
        for output in OUTPUTS:
            if output.wanted(opts):
                output.make(built)
        return plan.report
    finally:
        folder.unlock()
