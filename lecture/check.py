"""The built deck as its audience sees it: every slide laid out by a real browser.

Debian's Chromium (``./run.sh browser``), driven by Playwright for Python through
``executable_path`` (no browser is ever downloaded), opens Marp's HTML at 1280x720 and
moves to each slide as a lecturer does (``#N``). On each it measures what is drawn (text,
images, videos, formulas, boxes with a background or border) against the slide: anything
outside it, anything over the slide's title, any image or video that did not load. The
PDF is checked too: one page a slide, as many pages as slides, all of one size.

    python cli.py check-deck lecture/       (one line per faulty slide; exit 1 if any)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote

from PIL import Image, ImageDraw, ImageFont

from diffusion_core import atomic_write
from lecture.browser import MEASURE, SETTLED, VIEWPORT, CheckError, chromium_browser, chromium_page
from lecture.fence import STATE
from scenes.rendering.cache import read_state

__all__ = ["CheckError", "SlideFault", "DeckCheck", "check_deck", "chromium_page", "chromium_browser", "check_pdf",
           "contact_sheet", "presenter_shot", "slide_faults", "src_of", "VIEWPORT", "MIN_TEXT_PX", "TOLERANCE_PX"]

TOLERANCE_PX = 1.5
MIN_TEXT_PX = 16  # our pictures' smallest text on a 1280x720 slide
MIN_CONTRAST = 4.5  # WCAG 2, 1.4.3: text against its background
@dataclass(frozen=True)
class SlideFault:
    slide: int
    title: str
    what: str  # "156 px below the slide (img assets/images/forward_process.png)"

    def __str__(self) -> str:
        return f"slide {self.slide} {self.title!r}: {self.what}"


@dataclass
class DeckCheck:
    slides: int = 0
    faults: list[SlideFault] = field(default_factory=list)
    pdf_pages: int | None = None
    shots: list[Path] = field(default_factory=list)
    size: tuple[int, int] = VIEWPORT  # the slides' own width and height (Marp's `size`)
    notes: list[str] = field(default_factory=list)  # what is the lecturer's to fix, if they wish: not faults
    measured: dict[int, dict] = field(default_factory=dict)  # each slide as MEASURE found it, shown

    @property
    def ok(self) -> bool:
        return not self.faults


# Runs in the page: whether an image URL (a video's poster) loads.
_LOADS = r"""
(url) => new Promise((done) => {
  const img = new Image();
  img.onload = () => done(img.naturalWidth > 0);
  img.onerror = () => done(false);
  img.src = url;
})
"""

def slide_faults(n: int, m: dict, state: dict | None = None) -> list[SlideFault]:
    """What lies outside the slide or over its title, media that did not load or play;
    with the build's ``state``, a picture of ours that Fit already brought to its smallest
    readable size on this slide is named so (the slide's other content is the cause)."""
    title = m["title"]

    def named(what: str) -> str:
        mine = _ours(what, state or {})
        if mine and n in (mine[1].get("fitted") or []):
            return f"{what}, ours at its smallest readable size: the slide's other content leaves it no room"
        return what

    W, H = m["width"], m["height"]
    worst: dict[str, tuple[float, str]] = {}
    for it in m["items"]:
        for side, over in (("below", it["bottom"] - H), ("above", -it["top"]), ("right of", it["right"] - W),
                           ("left of", -it["left"])):
            if over > TOLERANCE_PX and over > worst.get(side, (0, ""))[0]:
                worst[side] = (over, it["what"])
    faults = [SlideFault(n, title, f"{over:.0f} px {side} the slide ({named(what)})") for side, (over, what) in worst.items()]
    box = m.get("titleBox")
    if box:
        cover = (0.0, "")
        for it in m["items"]:
            if it["inTitle"]:
                continue
            dx = min(it["right"], box["right"]) - max(it["left"], box["left"])
            dy = min(it["bottom"], box["bottom"]) - max(it["top"], box["top"])
            if dx > TOLERANCE_PX and dy > TOLERANCE_PX and dy > cover[0]:
                cover = (dy, it["what"])
        if cover[0]:
            faults.append(SlideFault(n, title, f"covers the title by {cover[0]:.0f} px ({named(cover[1])})"))
    faults += [SlideFault(n, title, b) for b in m["broken"]]
    for v in m["videos"]:
        if v["beat"] is not None and (v["played0"] is None or v["played0"] > 0.05 or (v["paused"] and not v["ended"])):
            faults.append(SlideFault(n, title, f"{v['what']} (beat {v['beat']}) did not play from its first frame "
                                               f"when its slide was shown (at {v['time']:.2f} s, paused {v['paused']})"))
        if v["track"] is not None and (v["track"]["state"] == 3 or v["track"]["cues"] == 0):
            faults.append(SlideFault(n, title, f"the captions of {v['what']} did not load"))
    return faults


def _ours(what: str, state: dict) -> tuple[str, dict] | None:
    """The build's record of the picture or video ``what`` names when it is ours ("img
    assets/x.png", "video ./assets/v.beat2.mp4": a beat's clip is its video's)."""
    kind, _, src = what.partition(" ")
    if kind == "twin":  # an interactive twin (deck --interactive): ours, its text the page's own
        return src, {}
    if kind not in ("img", "video") or not src:
        return None
    rel = unquote(src.split("?")[0].split("#")[0]).removeprefix("./")
    for key in (rel, re.sub(r"\.beat\d+(\.\w+)$", r"\1", rel)):
        if isinstance(state.get(key), dict) and key in state:
            return key, state[key]
    return None


def _reading_faults(n: int, m: dict, state: dict) -> tuple[list[SlideFault], list[str]]:
    """Our pictures' smallest text (on the slide, at least MIN_TEXT_PX) and faintest
    (at least MIN_CONTRAST against its background), from each one's text record; and what
    crosses the slide's padding (its safe area): ours is a fault, the lecturer's a note."""
    faults, notes, title = [], [], m["title"]
    theirs: dict[str, tuple[float, str]] = {}  # side -> the lecturer's worst
    pad, W, H = m.get("padding"), m["width"], m["height"]
    for it in m["items"]:
        mine = _ours(it["what"], state)
        text = mine[1].get("text") if mine else None
        if text and it.get("natural"):
            px = text["em_px"] * (it["bottom"] - it["top"]) / it["natural"]
            if px < MIN_TEXT_PX - 0.25:
                faults.append(SlideFault(n, title, f"text of ours {px:.1f} px tall on the slide (at least {MIN_TEXT_PX} "
                                                   f"px): \"{text['smallest']}\" ({it['what']})"))
            if text["contrast"] < MIN_CONTRAST:
                faults.append(SlideFault(n, title, f"text of ours at contrast {text['contrast']:.2f}:1 (at least "
                                                   f"{MIN_CONTRAST}:1): \"{text['faintest']}\", {text['colour']} on "
                                                   f"{text['background']} ({it['what']})"))
        if not pad or it["inTitle"]:
            continue
        for side, over in (("bottom", it["bottom"] - (H - pad["bottom"])), ("top", pad["top"] - it["top"]),
                           ("right", it["right"] - (W - pad["right"])), ("left", pad["left"] - it["left"])):
            if over > TOLERANCE_PX and over <= pad[side] + TOLERANCE_PX:  # past the slide's edge: a fault above
                if mine and not it.get("sized"):
                    faults.append(SlideFault(n, title, f"{over:.0f} px into the {side} padding, outside the safe "
                                                       f"area ({it['what']}, ours)"))
                elif mine and n in (mine[1].get("fitted") or []):  # ours, shrunk to the theme's layout (Fit)
                    notes.append(f"slide {n} {title!r}: our {it['what']}, fitted to the deck's theme at its smallest "
                                 f"readable size, is {over:.0f} px into the {side} padding (outside the safe area); "
                                 "the slide's other content leaves it no more room")
                elif mine:  # ours, at the size the lecturer gave it: theirs to change
                    notes.append(f"slide {n} {title!r}: our {it['what']}, at the size the lecturer gave it "
                                 f"({it['sized']}), is {over:.0f} px into the {side} padding (outside the safe area); "
                                 "a smaller size keeps it inside")
                elif over > theirs.get(side, (0.0, ""))[0]:
                    theirs[side] = (over, it["what"])
    notes += [f"slide {n} {title!r}: the lecturer's {what} is {over:.0f} px into the {side} padding (outside the safe "
             "area; their content, left as it is)" for side, (over, what) in theirs.items()]
    return faults, notes


def _cue_faults(n: int, m: dict, root: Path) -> list[SlideFault]:
    """Each of our videos' captions against its beats (VIDEO.beats.json beside it): one cue
    per beat at the beat's times; a beat's clip, one cue over the whole clip."""

    faults = []
    for v in m["videos"]:
        if v["track"] is None or not v["what"].startswith("video "):
            continue
        src = Path(v["what"][len("video "):].split("?")[0].split("#")[0])
        match = re.fullmatch(r"(.+)\.beat(\d+)", src.stem)
        stem = match.group(1) if match else src.stem
        try:
            index = json.loads((root / src).with_name(f"{stem}.beats.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not one of ours
        beats = index["beats"]
        want = ([(0.0, beats[int(match.group(2)) - 1]["end"] - beats[int(match.group(2)) - 1]["start"])] if match
                else [(b["start"], b["end"]) for b in beats])
        got = [tuple(c) for c in v["track"]["times"]]
        if len(got) != len(want) or any(abs(a - c) > 0.01 or abs(b - d) > 0.01 for (a, b), (c, d) in zip(got, want)):
            faults.append(SlideFault(n, m["title"], f"the captions of {v['what']} do not follow its beats "
                                                    f"({len(got)} cues for {len(want)} beats)"))
    return faults


# Beat videos on slides that are not shown: paused at their first frame (what the page load must not start).
_HIDDEN_BEATS = r"""
() => [...document.querySelectorAll('svg[data-marpit-svg]:not(.bespoke-marp-active) video[data-beat]')]
        .filter(v => !v.paused || v.currentTime > 0).map(v => v.querySelector('source').getAttribute('src'))
"""


def src_of(what: str) -> str | None:
    """The src of a measured picture ('img a.png', 'video ./b.mp4'), else None."""
    kind, _, src = what.partition(" ")
    return src if kind in ("img", "video") and src else None


CHECK_PROGRESS_S = 8.0  # check_deck says which slide it is on at least this often


def check_deck(html: Path, pdf: Path | None = None, shots: Path | None = None, timeout_s: float = 10.0,
               log=None) -> DeckCheck:
    """Lay out every slide of Marp's HTML in Chromium and report what does not fit.

    Args:
        html: the built slides.html. pdf: its PDF, checked page by page when given.
        shots: a folder for a 1280x720 screenshot of each slide (slide-01.png, ...).
        timeout_s: how long a slide's images and videos, and each twin, may take to load.
        log: given, it is told how many slides there are, then "slide N of M" at least
            every ``CHECK_PROGRESS_S`` (a long deck takes minutes).
    Raises:
        CheckError: no Chromium, no Playwright, no such HTML.
    """
    html = Path(html)
    if not html.is_file():
        raise CheckError(f"{html}: no such file; build the deck first (python cli.py deck ...)")
    result = DeckCheck()
    state = read_state(html.parent / STATE)  # the build's records: which pictures are ours, and their text
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        page.goto(html.resolve().as_uri())
        page.wait_for_load_state("load")
        page.add_style_tag(content=".bespoke-marp-osc { display: none !important; }")  # Marp's page controls
        result.slides = page.evaluate(
            "document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section').length")
        box = page.evaluate("(document.querySelector('svg[data-marpit-svg]') || {getAttribute: () => ''})"
                            ".getAttribute('viewBox')")  # the deck's own size (Marp's `size`): '0 0 1280 720'
        result.size = _size(box)
        page.evaluate("document.querySelectorAll('track').forEach(t => { if (t.track.mode === 'disabled') "
                      "t.track.mode = 'hidden'; })")  # load the cues of captions that are off
        page.wait_for_timeout(300)
        for src in page.evaluate(_HIDDEN_BEATS):  # nothing plays before its slide is shown
            result.faults.append(SlideFault(0, html.name, f"the beat video {src} plays on a slide not shown"))
        said = time.monotonic()
        if log:
            log(f"checking {result.slides} slides in Chromium")
        for n in range(1, result.slides + 1):
            if log and time.monotonic() - said >= CHECK_PROGRESS_S:
                said = time.monotonic()
                log(f"  checking slide {n} of {result.slides}")
            _show(page, n, timeout_s, shots is not None)
            measured = result.measured[n] = page.evaluate(MEASURE, n)
            reading, notes = _reading_faults(n, measured, state)
            result.faults += slide_faults(n, measured, state) + reading + _cue_faults(n, measured, html.parent)
            result.notes += notes
            result.faults += [SlideFault(n, measured["title"], f"{p['what']}: its poster {p['poster']} did not load")
                              for p in measured["posters"] if not page.evaluate(_LOADS, p["url"])]
            result.faults += [SlideFault(n, measured["title"], f"the beat video {src} of another slide plays while "
                                         "this one is shown") for src in page.evaluate(_HIDDEN_BEATS)]
            result.faults += _twin_faults(page, n, measured["title"], result.slides, timeout_s)
            if shots is not None:
                path = shots / f"slide-{n:02d}.png"
                page.screenshot(path=str(path))
                result.shots.append(path)
    if pdf is not None:
        result.pdf_pages, faults = check_pdf(Path(pdf), result.slides, result.size)
        result.faults += faults
    return result


def _show(page, n: int, timeout_s: float, shot: bool = False) -> None:
    """Slide ``n`` shown and settled (its media loaded, or given up after ``timeout_s``; its
    beat clips playing, or given up after ``SPINNER_MS``); with ``shot``, for a screenshot,
    the spinner Chromium's controls draw for about a second when a video's slide appears
    (loaded or not) gone too: caught in a screenshot, it was the stray dot over the
    results slide's poster."""
    page.evaluate(f"location.hash = '#{n}'")
    try:
        page.wait_for_function(SETTLED, arg=n, timeout=timeout_s * 1000)
    except Exception:  # noqa: BLE001  a video that never loads is reported by the caller
        pass
    page.wait_for_timeout(60)  # the slide transition
    if page.evaluate(f"document.querySelectorAll('svg[data-marpit-svg]')[{n - 1}].querySelector('video') !== null"):
        start = time.monotonic()
        try:
            page.wait_for_function(_PLAYING, arg=n, timeout=SPINNER_MS)
        except Exception:  # noqa: BLE001  a clip that does not play is the caller's fault to report
            pass
        if shot:
            page.wait_for_timeout(max(SPINNER_MS - 1000 * (time.monotonic() - start), 0))


SPINNER_MS = 1200
# Slide n's beat clips have started (or ended, or failed): what the check then reads of them.
_PLAYING = r"""
(n) => [...document.querySelectorAll('svg[data-marpit-svg]')[n - 1].querySelectorAll('video[data-beat]')]
         .every(v => v.error || v.ended || (!v.paused && v.played.length > 0 && v.currentTime > 0))
"""


_ACTIVE = "[...document.querySelectorAll('svg[data-marpit-svg]')].findIndex(s => s.classList.contains('bespoke-marp-active')) + 1"


def _twin_faults(page, n: int, title: str, slides: int, timeout_s: float = 10.0) -> list[SlideFault]:
    """Slide n's interactive twins (deck --interactive): each loads (its page says it is
    ready within ``timeout_s``), and the keys go to the right place: the deck's arrow
    moves the slide while the twin does not have the focus; once it has (a click), the
    arrow moves the twin's time and not the slide; Escape gives the keys back to the deck."""
    twins = page.locator("svg[data-marpit-svg]").nth(n - 1).locator("iframe[data-twin]")
    faults = []
    key, back = ("ArrowRight", "ArrowLeft") if n < slides else ("ArrowLeft", "ArrowRight")
    for i in range(twins.count()):
        element = twins.nth(i).element_handle()
        src = element.get_attribute("src") or ""
        frame = element.content_frame()  # this slide's own frame: one twin may be on several slides
        what = f"the twin {unquote(src.rsplit('/', 1)[-1].split('?')[0])}"
        try:
            if frame is None:
                raise TimeoutError
            frame.wait_for_function("window.twin && window.twin.ready", timeout=timeout_s * 1000)
        except Exception:  # noqa: BLE001  a twin that never loads is the fault
            faults.append(SlideFault(n, title, f"{what} did not load"))
            continue
        steps = []
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press(key)
        steps.append(("the deck's arrow key moved the slide while the twin had no focus",
                      page.evaluate(_ACTIVE) != n))
        page.keyboard.press(back)
        page.wait_for_timeout(100)
        frame.locator("canvas").first.click()
        before = frame.evaluate("twin.state()[0].frame")
        page.keyboard.press("ArrowRight" if before == 0 else "ArrowLeft")
        steps.append(("with the focus, the arrow key moved the twin's time and not the slide",
                      page.evaluate(_ACTIVE) == n and frame.evaluate("twin.state()[0].frame") != before))
        page.keyboard.press("Escape")
        page.keyboard.press(key)
        steps.append(("after Escape, the deck's arrow key moved the slide again", page.evaluate(_ACTIVE) != n))
        page.evaluate(f"location.hash = '#{n}'")
        page.wait_for_timeout(100)
        faults += [SlideFault(n, title, f"{what}: not so: {claim}") for claim, held in steps if not held]
    return faults


def _size(view_box: str | None) -> tuple[int, int]:
    """A slide's width and height from its SVG's viewBox; 16:9 when there is none."""
    try:
        w, h = (int(float(v)) for v in (view_box or "").split()[2:4])
        return (w, h) if w > 0 and h > 0 else VIEWPORT
    except ValueError:
        return VIEWPORT


def shape(size: tuple[int, int]) -> str:
    """'16:9', '4:3' (or '1000:700' for a size without a simpler ratio)."""
    ratio = Fraction(size[0], size[1])
    return f"{ratio.numerator}:{ratio.denominator}"


def check_pdf(pdf: Path, slides: int, size: tuple[int, int] = VIEWPORT) -> tuple[int, list[SlideFault]]:
    """(its page count, faults): one page per slide, every page of the slides' shape
    (``size``, the deck's own: 1280x720 for Marp's 16:9, 960x720 for 4:3)."""
    if shutil.which("pdfinfo") is None:
        raise CheckError("checking the PDF needs poppler-utils (pdfinfo): ./run.sh browser installs it")
    if not pdf.is_file():
        raise CheckError(f"{pdf}: no such file; build it with python cli.py deck ... --pdf")
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True)
    if out.returncode != 0:
        return 0, [SlideFault(0, pdf.name, f"not a readable PDF ({out.stderr.strip().splitlines()[-1:]})")]
    pages, sizes = 0, {}
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            pages = int(line.split()[1])
        if line.startswith("Page") and "size:" in line:
            num = int(line.split()[1])
            w, h = (float(v) for v in line.split("size:")[1].split("pts")[0].split("x"))
            sizes[num] = (w, h)
    faults = []
    if pages != slides:
        faults.append(SlideFault(0, pdf.name, f"{pages} pages for {slides} slides"))
    for num, (w, h) in sizes.items():
        if abs(w / h - size[0] / size[1]) > 0.01:
            faults.append(SlideFault(num, pdf.name, f"page {num} is {w:.0f}x{h:.0f} pt, not the slides' {shape(size)}"))
    return pages, faults


def presenter_shot(html: Path, slide: int, path: Path, wait_s: float = 2.0) -> Path:
    """A screenshot of Marp's presenter view (``?view=presenter``) at ``slide``: the
    slide, the next one, and its notes, as the lecturer sees them."""
    with chromium_page() as page:
        page.goto(Path(html).resolve().as_uri() + f"?view=presenter#{slide}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(wait_s * 1000)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
    return path


def contact_sheet(shots: list[Path], out: Path, cols: int = 5, width: int = 384) -> Path:
    """Every slide's screenshot in one image, numbered, for a look at the whole deck."""

    thumbs = [Image.open(p).convert("RGB") for p in shots]
    if not thumbs:
        raise CheckError("no slides to put on a contact sheet")
    h = round(width * thumbs[0].height / thumbs[0].width)
    pad, label = 12, 26
    rows = -(-len(thumbs) // cols)
    sheet = Image.new("RGB", (cols * (width + pad) + pad, rows * (h + label + pad) + pad), "#d8dde3")
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 16)
    except OSError:
        font = ImageFont.load_default()
    for i, im in enumerate(thumbs):
        r, c = divmod(i, cols)
        x, y = pad + c * (width + pad), pad + r * (h + label + pad)
        draw.text((x, y + 2), f"{i + 1}", fill="#234876", font=font)
        sheet.paste(im.resize((width, h), Image.Resampling.LANCZOS), (x, y + label))
        draw.rectangle([x - 1, y + label - 1, x + width, y + label + h], outline="#7b8794")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        sheet.save(tmp, format="PNG")
    return out
