"""The Fit output: our pictures inside each slide's safe area in any theme, size and mode,
from Chromium's layout of the whole deck (``fit_heights``), and a figure whose text
that layout shows under 16 px drawn again with larger type (``redraw_figures``);
``FitAgain`` reuses the last build's heights when nothing they depend on changed."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

from lecture.browser import CheckError, KeptPage, layout_slides
from lecture.check import MIN_TEXT_PX, TOLERANCE_PX, slide_faults, src_of
from lecture.edits import Edit, apply_edits
from lecture.fence import STATE
from lecture.marp import marp_version
from lecture.outputs import Built, Html, Markdown, Output
from lecture.renders import TYPE_KEY, redraw_figures, scale_of, type_group
from lecture.source import (
    Ref,
    parse_deck,
)
from scenes.registry import SCENES
from scenes.rendering import (
    read_state,
    write_state,
)

__all__ = ["Fit", "FitAgain", "fit_heights", "MIN_FIT"]


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
    it, that picture is given the height that makes the slide fit (``fit_heights``,
    Chromium's own layout of the whole deck, one page), its width following; then
    slides.md and the HTML are written again. The lecturer's content is never resized
    (the check names it). Skipped when ``FitAgain`` reused the last build's heights.
    Needs the browser check (./run.sh browser); without it, a note."""

    def make(self, built: Built) -> None:
        report = built.plan.report
        theme, size = built.opts.theme, built.opts.size
        state = read_state(built.folder.path / STATE)
        if built.fit_reused or report.html is None:
            return
        if any(isinstance(v, dict) and v.pop("fitted", None) for v in state.values()):  # an earlier build's
            write_state(built.folder.path / STATE, state)
        before = built.text
        fitted: dict[tuple[int, str], int] = {}
        try:
            with KeptPage() as page:  # one Chromium for every round's layout
                for round_ in range(REDRAW_ROUNDS + 1):
                    shown = self._fit(built, fitted, page)
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
    def _fit(built: Built, fitted: dict, page: KeptPage) -> dict[str, tuple[float, float, int]]:
        """Fit's rounds of layout (Chromium) and heights; returns our pictures' smallest text
        as the last layout shows it (``fit_heights``' ``shown``)."""
        state = read_state(built.folder.path / STATE)
        ours = {r.url: ((state.get(_asset_of(built, r.path)) or {}).get("text") or {}).get("em_px")
                for r in parse_deck(built.text, built.opts.deck).refs
                if r.kind in ("image", "video") and _asset_of(built, r.path)}
        for _ in range(FIT_ROUNDS):
            shown: dict[str, tuple[float, float, int]] = {}
            built.pinned = {}
            sizes = fit_heights(built.plan.report.html, ours, shown, built.pinned, frozenset(fitted), page.get())
            text = built.text
            _apply_fit(built, sizes)
            if built.text == text:
                break
            fitted.update(sizes)
            Markdown().make(built)
            Html().make(built)
        return shown


REDRAW_ROUNDS = 2  # a figure shown narrow is drawn again at most this often in one build


def _figures_shown(built: Built, shown: dict) -> dict[str, list[str]]:
    """Each figure of ours (its type group) -> the urls it is shown under in the deck."""
    out: dict[str, list[str]] = {}
    for ref in parse_deck(built.text, built.opts.deck).refs:
        a = built.plan.assets.get(ref.path)
        if a is not None and a.fmt == "figure" and ref.url in shown:
            out.setdefault(type_group(a.key, a.fmt, a.lang), []).append(ref.url)
    return out


def _redraws(built: Built, shown: dict[str, tuple[float, float, int]]) -> dict[str, float]:
    """The figures to draw again, each with the text scale that brings its smallest text,
    where the deck shows it narrowest, to MIN_TEXT_PX (at most its scene's text_scale_max; back toward
    1 where the deck now shows it wider): {type group: scale}."""
    drawn = read_state(built.folder.path / STATE).get(TYPE_KEY)
    out = {}
    for group, urls in _figures_shown(built, shown).items():
        px = min(shown[u][0] for u in urls)
        now = scale_of({TYPE_KEY: drawn}, *group.split("|")) or 1.0
        most = SCENES[group.split("|")[0]].text_scale_max  # its layout holds type this much larger
        want = min(max(math.ceil(now * (MIN_TEXT_PX + 0.2) / px * 20) / 20, 1.0), most)
        room = max((built.pinned.get(u, 1.0) for u in urls), default=1.0)  # held at its floor: larger type fits
        if room > 1.0 and now < most - 0.01:  # as far as its layout holds: all of the way, or part of it
            out[group] = min(max(want, math.ceil(now * room * 20) / 20), most)
        elif (px < MIN_TEXT_PX - 0.25 and want > now + 0.01) or want < now - 0.1:  # no redraw for a hair
            out[group] = want
    return out


def _redraw(built: Built, scales: dict[str, float], shown: dict[str, tuple[float, float, int]]) -> None:
    """The figures of ``scales`` rendered again (``renders.redraw_figures``), each said with
    where its text was smallest."""
    urls = _figures_shown(built, shown)
    why = {}
    for group in scales:
        px, width, n = min(shown[u] for u in urls[group])
        why[group] = f"its text {px:.1f} px tall on slide {n}, where it is {width:.0f} px wide"
        held = [u for u in urls[group] if built.pinned.get(u, 1.0) > 1.0]
        if held:
            why[group] = f"held at its readable size on slide {shown[held[0]][2]}, where the slide needs it smaller"
    redraw_figures(built.plan, built.folder, built.opts, built.log, scales, why, built.workers)


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
                           f"tall even drawn with type x{scale_of({TYPE_KEY: drawn}, *group.split('|')) or 1:g}; shown {math.ceil(width * MIN_TEXT_PX / px)} "
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


MIN_FIT = 0.35  # a picture of ours is never shrunk below this share of its height to make a slide fit


def fit_heights(html: Path, ours: dict[str, float | None],
                shown: dict[str, tuple[float, float, int]] | None = None,
                pinned: dict[str, float] | None = None, resized: frozenset = frozenset(),
                page=None) -> dict[tuple[int, str], int]:
    """Where a slide does not fit (content past its bottom or right edge, or over its
    title, as ``check.check_deck`` finds it) and one of our pictures (an ``img`` or a ``video``
    whose src is in ``ours``) is on it: the height, in the slide's pixels, each such picture of ours should
    take for the slide to fit inside its safe area, its width following. ``ours`` maps each
    src to its smallest text's em in the file's pixels (None: unknown): no picture is made
    so small that its text falls under MIN_TEXT_PX on the slide, nor under ``MIN_FIT`` of
    its natural height; the lecturer's content is never resized. ``shown``, given, gets
    for each src of ours whose em is known its smallest text on any slide, as laid out:
    (px tall, the picture's width in px, the slide's number). ``pinned``, given, gets
    each src of ours held at its readable floor on a slide that would fit were the
    picture smaller: how many times larger its type must be for it to fit there. A
    picture of ``resized`` ((slide, src) that Fit sized before) whose text has fallen under
    MIN_TEXT_PX since (drawn again: larger type can trim to a larger image) is given its
    floor again. ``page``, given, is the Chromium page to lay the deck out in
    (``layout_slides``).

    Returns:
        {(slide number, src): height px}; empty when every slide fits.
    """
    out: dict[tuple[int, str], int] = {}
    for n, m in layout_slides(html, page=page):
        out.update(_fit_slide(n, m, ours, pinned, resized))
        if shown is not None:
            for it in m["items"]:
                em, src = ours.get(src_of(it["what"]) or ""), src_of(it["what"])
                if em and it.get("natural"):
                    px = em * (it["bottom"] - it["top"]) / it["natural"]
                    if src not in shown or px < shown[src][0]:
                        shown[src] = (px, it["right"] - it["left"], n)
    return out


def _fit_slide(n: int, m: dict, ours: dict[str, float | None], pinned: dict[str, float] | None = None,
               resized: frozenset = frozenset()) -> dict[tuple[int, str], int]:
    mine = [it for it in m["items"] if not it["inTitle"] and src_of(it["what"]) in ours]
    if not mine:
        return {}
    W, H, pad = m["width"], m["height"], m.get("padding") or {"bottom": 0.0, "right": 0.0}
    rest = [it for it in m["items"] if not it["inTitle"] and it not in mine]  # the lecturer's: never resized
    low = max(it["bottom"] for it in m["items"] if not it["inTitle"])
    if (not slide_faults(n, {**m, "broken": [], "videos": []})
            and all(it["bottom"] <= H - pad["bottom"] + TOLERANCE_PX for it in mine)
            and not any((n, src_of(it["what"])) in resized for it in mine)):
        return {}  # it fits, and ours stays out of the bottom padding
    cover = 0.0
    box = m.get("titleBox")
    if box:
        cover = max([box["bottom"] - it["top"] for it in mine + rest
                     if min(it["right"], box["right"]) - max(it["left"], box["left"]) > TOLERANCE_PX] + [0.0])
    over = max(low - (H - pad["bottom"]), 0.0) + max(cover, 0.0)  # how much less height the slide needs
    heights = sum(it["bottom"] - it["top"] for it in mine)
    scale_v = (heights - over) / heights if over > TOLERANCE_PX else 1.0
    sizes = {}
    for it in mine:
        src, h, w = src_of(it["what"]), it["bottom"] - it["top"], it["right"] - it["left"]
        scale_h = 1.0
        if it["right"] > W - pad["right"] + TOLERANCE_PX or it["left"] < pad["left"] - TOLERANCE_PX:
            scale_h = min(1.0, (W - pad["right"] - max(it["left"], pad["left"])) / w)  # into the safe area's width
        want = h * min(scale_v, scale_h)
        em, natural = ours.get(src), it.get("natural") or 0
        text_floor = MIN_TEXT_PX * natural / em if em and natural else 0.0
        floor = max(MIN_FIT * natural, text_floor)
        if want < h * 0.99 and h > floor + 1:
            sizes[(n, src)] = int(max(want, math.ceil(floor - 1e-6)))
        elif (n, src) in resized and h < floor - 1:  # fitted before, then drawn again: back up to its floor
            sizes[(n, src)] = math.ceil(floor - 1e-6)
        if pinned is not None and want >= MIN_FIT * natural and want < text_floor - 1:  # larger type would let it fit
            pinned[src] = max(pinned.get(src, 1.0), text_floor / max(want, 1.0))
    return sizes
