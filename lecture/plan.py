"""Stage 1 of a deck build, the plan: the options resolved once (``resolve``), the
mapping beside the deck, and ``plan_deck``, a pure function of the deck's text, the
options and which of its files lie beside it: which scene makes each asset the deck
names (a mapping, a ``--slot``, a placeholder, or the file's own name), which pictures
are the lecturer's, what is missing or refused, which videos get posters."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from lecture.assets import name_hint, scene_of
from lecture.edits import Edit, apply_edits
from lecture.fence import FenceError
from lecture.source import (
    DeckError,
    DeckSource,
    Ref,
    Tag,
    front_matter,
    front_matter_text,
    parse_deck,
    sibling_url,
)
from scenes.registry import (
    ASPECTS_ALL,
    LANGS,
    LIGHT_COLOURS,
    SCENES,
    THEME_BACKGROUNDS,
)

__all__ = ["DeckOptions", "DeckReport", "DeckPlan", "Asset", "plan_deck", "read_mapping", "mapping_path",
           "mapping_origins", "deck_aspect", "deck_background", "resolve"]


@dataclass(frozen=True, kw_only=True)
class DeckOptions:
    """What ``deck`` was asked for, built by keyword (DeckOptions(deck=..., out=..., pdf=True)),
    and, once ``resolve``d against the deck, what the build uses: the language, the
    pictures' frame, the theme and the background, worked out there and only there, then
    passed forward through the plan, the renders, the rewrite and the outputs."""

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
    # resolved from the deck (``resolve``); None until then
    aspect: str | None = None  # our pictures' frame: 4:3 for Marp's size 4:3, else 16:9
    size: str | None = None  # the deck's own size, as its front matter says it
    theme: str | None = None  # its Marp theme
    background: str | None = None  # our pictures' background: its slides'

    @property
    def resolved(self) -> bool:
        return None not in (self.lang, self.aspect, self.size, self.theme, self.background)


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
    times: dict[str, float] = field(default_factory=dict)  # stage ("plan", "renders", an output's) -> seconds
    render_times: dict[str, float] = field(default_factory=dict)  # "forward mp4" -> its render's own seconds


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
    variants = {s.for_images for s in SCENES.values()}  # reached through the scene they vary (_for_deck)
    for spec in SCENES.values():
        if spec.key in variants:
            continue
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
    report = DeckReport()
    if not opts.resolved:  # a plan made on its own (build_deck resolves first)
        opts, report.notes = resolve(opts, source)
    by_path, src_edits = _replacements(source, opts, mapping, report, origins)
    deck = parse_deck(apply_edits(source.text, src_edits), opts.deck)  # the sources pointed at their scenes
    plan = DeckPlan(deck, report=report)
    for ref in deck.refs:
        if _plan_ref(plan, ref, opts, by_path, beside, fence) in ("ours", "supplied"):
            plan.served.add(ref.path)
    for tag in deck.tags:  # posters: each video we serve (live, or in a slot we make live) gets its still
        if tag.name == "video" and not tag.attrs.get("poster"):
            _plan_poster(plan, tag, opts, by_path, beside, fence)
    flat = sorted({a.key for a in plan.assets.values() if not SCENES[a.key].has_layout(opts.aspect, a.fmt)})
    if flat:
        report.notes.append(f"size {opts.aspect}: {', '.join(flat)} {'has' if len(flat) == 1 else 'have'} no "
                            f"{opts.aspect} layout, so {'it is' if len(flat) == 1 else 'they are'} drawn 16:9 (a figure "
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




def resolve(opts: DeckOptions, source: DeckSource) -> tuple[DeckOptions, list[str]]:
    """The options as the build uses them, worked out once from the deck: the language
    (--lang, else the deck's front matter `lang` when it is one of ours, else the first of
    LANGS), our pictures' frame, the deck's size and theme, and the background our
    pictures take; with the notes a lecturer should read about them (a --lang that
    differs from the deck's, a background kept white)."""
    notes = []
    deck_lang = (source.lang or "").split("-")[0].lower() or None  # "es-CL" -> "es"
    lang = opts.lang or (deck_lang if deck_lang in LANGS else LANGS[0])
    if opts.lang and deck_lang and deck_lang != opts.lang:
        notes.append(f"the deck says lang: {source.lang}; built in {opts.lang} as --lang asks (videos, captions and "
                     "notes in that language)")
    background, note = deck_background(source)
    notes += [note] if note else []
    fm = front_matter(source.text)
    return replace(opts, lang=lang, aspect=deck_aspect(source), size=(fm.get("size") or "16:9").strip(),
                   theme=(fm.get("theme") or "default").strip().lower(), background=background), notes


