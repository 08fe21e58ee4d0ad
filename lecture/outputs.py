"""Stage 4 of a deck build, the outputs: each a class with ``wanted`` and ``make`` working on
``Built`` (the rewritten text, the folder, the plan), so a new output is one class: the
interactive twins, captions and notes on our videos (one slide per beat with
``--steps``), ``slides.md``, the HTML and the PDF (Fit and FitAgain: lecture/fit.py)."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from diffusion_core import (
    atomic_write,
)
from lecture.edits import Edit, apply_edits
from lecture.fence import STATE, OutputFolder, file_digest
from lecture.marp import build_html, build_pdf, marp_version
from lecture.plan import DeckOptions, DeckPlan
from lecture.present import note_comment, notes_of, present, twin_notes
from lecture.source import (
    parse_deck,
)
from lecture.twins import VIDEOS as TWIN_OF
from lecture.twins import twin_file_name, write_twin
from scenes.kit.strings import tr
from scenes.rendering import (
    Workers,
    is_fresh,
    read_state,
    record,
    write_state,
)

__all__ = ["Built", "Output", "Presentation", "Twins", "Markdown", "Html", "Pdf"]


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
    pinned: dict[str, float] = field(default_factory=dict)  # Fit: ours held at its readable floor -> type x needed
    workers: Workers | None = None  # the build's kept render workers (Fit's redraws)

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


class Html(Output):
    """``slides.html`` by Marp CLI, unless Marp would write the same HTML again."""

    def make(self, built: Built) -> None:
        key = hashlib.sha256(built.text.encode("utf-8") + marp_version().encode()).hexdigest()[:16]
        report = built.plan.report
        report.html, report.html_note = _made_once(built, ".html", key, build_html)


class Pdf(Output):
    """``slides.pdf`` (--pdf), each of our videos printed as its poster; printed again
    only when what it prints changed: the built slides, any picture they show (ours and
    the lecturer's, by content) or Marp's version (a rerun with nothing changed prints
    nothing)."""

    def wanted(self, opts: DeckOptions) -> bool:
        return opts.pdf

    def make(self, built: Built) -> None:
        state = read_state(built.folder.path / STATE)
        shown = {rel: (state.get(rel) or {}).get("sha256") for rel in sorted(built.plan.assets)}
        for rel in sorted(built.plan.supplied):
            target = built.folder.target(rel)
            shown[rel] = file_digest(target) if target.is_file() else None
        key = hashlib.sha256(json.dumps([built.text, shown, marp_version()], sort_keys=True).encode()).hexdigest()[:16]
        report = built.plan.report
        report.pdf, report.pdf_note = _made_once(built, ".pdf", key, build_pdf)


def _made_once(built: Built, suffix: str, key: str, build) -> tuple[Path | None, str]:
    """The built slides' ``suffix`` file (.html, .pdf) as the last build left it when it
    was made for ``key``; else ``build(slides)``'s (the file, or None and a note), recorded
    with ``key``."""
    state_path = built.folder.path / STATE
    path, name = built.slides.with_suffix(suffix), f"slides{suffix}"
    if is_fresh(path, read_state(state_path).get(name), key):
        return path, ""
    made, note = build(built.slides)
    if made is not None:
        state = read_state(state_path)
        state[name] = record(made, key)
        write_state(state_path, state)
    return made, note


