"""Presenting beat by beat: captions, speaker notes and step-through slides for the
videos the builder serves, from the beats each render wrote beside its video
(scenes.rendering.beats: VIDEO.beats.json, VIDEO.vtt, VIDEO.beatK.mp4/.png).

- Captions: a ``<track kind="captions">`` in the deck's language on each of our videos;
  the cues are inlined as a data: URL (Chromium loads no track from a file:// page), and
  the .vtt file lies beside the video too.
- Notes: an HTML comment at the end of each slide we fill, which Marp shows in its
  presenter view: what the scene shows, beat by beat, with the numbers it displays. The
  lecturer's own notes on that slide stay, before ours.
- Steps (``--steps``): each slide holding one of our videos becomes one slide per beat,
  its title and other content kept, its video the beat's clip; a small script starts a
  beat's clip from 0 when its slide is shown and pauses it when the slide is left (every
  slide of Marp's HTML is in the page from the start). In the PDF each beat is a page
  with its last frame (the clip's poster).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from lecture.edits import Edit, apply_edits
from lecture.source import DeckSource, Tag, sibling_url
from scenes.kit.strings import tr
from scenes.rendering.beats import read_beats

__all__ = ["present", "BEAT_SCRIPT", "LANG_LABELS", "notes_of", "twin_notes", "note_comment"]

LANG_LABELS = {"es": "Español", "en": "English"}

# Starts a beat's clip from its first frame when its slide becomes the active one in
# Marp's bespoke template, and pauses (and rewinds) it when the slide is left.
BEAT_SCRIPT = """<script>
(() => {
  const sync = () => document.querySelectorAll('svg[data-marpit-svg]').forEach((svg) => {
    const active = svg.classList.contains('bespoke-marp-active');
    svg.querySelectorAll('video[data-beat]').forEach((v) => {
      if (active && v.dataset.shown !== '1') { v.dataset.shown = '1'; v.currentTime = 0; v.play().catch(() => {}); }
      if (!active && v.dataset.shown === '1') { v.dataset.shown = ''; v.pause(); v.currentTime = 0; }
    });
  });
  new MutationObserver(sync).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ['class']});
  window.addEventListener('load', sync);
  sync();
})();
</script>
"""


def _track(vtt_path: Path, lang: str) -> str:
    data = base64.b64encode(vtt_path.read_bytes()).decode("ascii")
    # off until the lecturer turns them on (the video's CC button): they would cover the animation
    return (f'<track kind="captions" srclang="{lang}" label="{LANG_LABELS.get(lang, lang)}" '
            f'src="data:text/vtt;base64,{data}">')


def note_comment(lines: list[str]) -> str:
    """Presenter notes as an HTML comment (Marp's presenter view shows it)."""
    # A sentence first: a comment whose text reads as YAML "key: value" would be a Marp directive
    body = "\n".join(line.replace("--", "–") for line in lines)
    return f"\n<!--\n{body}\n-->\n"


def _beat_lines(beat: dict, k: int, n: int, lang: str) -> list[str]:
    return [f"{tr('notes_beat', lang).format(k=k, n=n)} {beat['sentence']}", *[f"  {x}" for x in beat["notes"]]]


def _opening(tag: Tag, drop=("src", "poster", "autoplay", "loop")) -> str:
    """The <video ...> opening tag with some attributes left out (rebuilt from the parser's attributes)."""
    attrs = [(k, v) for k, v in tag.attrs.items() if k not in drop]
    parts = [k if v == "" and k in ("controls", "muted", "playsinline") else f'{k}="{html.escape(v, quote=True)}"'
             for k, v in attrs]
    return "<video " + " ".join(parts) if parts else "<video"


def present(deck: DeckSource, out: Path, served: dict[str, str], lang: str, steps: bool) -> tuple[str, list[str]]:
    """The deck text with captions and notes on each of our videos (and, with ``steps``,
    one slide per beat of the first of them on a slide). ``served``: deck path -> scene
    key of each of our mp4 videos.

    Returns:
        (the new text, one line per slide it turned into steps or could not step whole)."""
    text = deck.text
    report: list[str] = []
    edits: list[Edit] = []
    for slide in deck.slides:
        videos = _our_videos(deck, slide.number, out, served)
        if not videos:
            continue
        body = text[slide.start:slide.end]
        if steps:
            copies = _beat_copies(body, slide.start, videos, out, lang)
            tag, url, rel = videos[0]
            report.append(f"slide {slide.number} {slide.title!r}: {len(copies)} beats of {served[rel]}, one slide each")
            if len(videos) > 1:
                report.append(f"slide {slide.number} {slide.title!r}: {len(videos)} of our videos; one slide per beat "
                              f"follows the first ({served[rel]}); the others play whole on each, with captions "
                              "and notes (put each on a slide of its own to step it)")
        else:
            lines = [ln for tag, url, rel in videos for ln in notes_of(out / rel, lang)]
            new = apply_edits(body, [_track_edit(tag, slide.start, out / rel, lang) for tag, url, rel in videos])
            copies = [new.rstrip("\n") + "\n" + note_comment(lines)]
        joined = "\n---\n\n".join(c if i == 0 else c.lstrip("\n") for i, c in enumerate(copies))
        edits.append(Edit(slide.start, slide.end, joined + ("\n" if slide.end < len(text) else "")))
    new_text = apply_edits(text, edits)
    if steps and report:
        end = len(new_text.rstrip("\n"))
        new_text = apply_edits(new_text, [Edit(end, len(new_text), "\n\n" + BEAT_SCRIPT)])
    return new_text, report


def _our_videos(deck: DeckSource, number: int, out: Path, served: dict[str, str]) -> list[tuple[Tag, str, str]]:
    """(tag, url, deck path) of each of our videos on slide ``number`` that has its beats' index."""
    tags = [t for t in deck.tags if t.slide == number and not t.slot]
    found = []
    for tag in tags:
        if tag.name != "video" or tag.close is None:
            continue
        inner = [t for t in tags if t.name == "source" and tag.start < t.start < tag.close]
        url = tag.attrs.get("src") or next((t.attrs.get("src") for t in inner if t.attrs.get("src")), None)
        ref = next((r for r in deck.refs if r.url == url and r.kind == "video"), None)
        if ref is not None and ref.path in served and read_beats(out / ref.path) is not None:
            found.append((tag, url, ref.path))
    return found


def _track_edit(tag: Tag, offset: int, video: Path, lang: str) -> Edit:
    """The captions track, just inside the <video> tag (offsets in the slide's body)."""
    end = tag.end - offset
    return Edit(end, end, "\n  " + _track(video.with_name(f"{video.stem}.vtt"), lang))


def twin_notes(twin: str, lang: str) -> list[str]:
    """What to try in a twin, for the presenter notes."""
    return [tr("notes_twin_head", lang), *[f"  {tr(f'notes_twin_{twin}_{k}', lang)}" for k in (1, 2)]]


def notes_of(video: Path, lang: str) -> list[str]:
    """The presenter notes of one of our videos: its beats, their numbers."""
    beats = read_beats(video)["beats"]
    return [tr("notes_head", lang)] + [ln for k, beat in enumerate(beats, 1)
                                       for ln in _beat_lines(beat, k, len(beats), lang)]


def _beat_copies(body: str, offset: int, videos: list, out: Path, lang: str) -> list[str]:
    """One copy of the slide per beat of its first video (that video its beat's clip);
    any other video of ours on it keeps playing whole, with its captions and notes."""
    tag, url, rel = videos[0]
    beats = read_beats(out / rel)["beats"]
    stem = Path(rel).stem
    others = [_track_edit(t, offset, out / r, lang) for t, u, r in videos[1:]]
    other_notes = [ln for t, u, r in videos[1:] for ln in notes_of(out / r, lang)]
    copies = []
    for k, beat in enumerate(beats, 1):
        clip = (out / rel).with_name(f"{stem}.beat{k}.mp4")  # the deck's name for the video, .beatK
        vtt = clip.with_suffix(".vtt")
        element = (f'{_opening(tag)} data-beat="{k}" muted playsinline preload="auto" '
                   f'poster="{html.escape(sibling_url(url, clip.with_suffix(".png").name), quote=True)}">\n'
                   f'  <source src="{html.escape(sibling_url(url, clip.name), quote=True)}" type="video/mp4">\n'
                   f'  {_track(vtt, lang)}\n</video>')
        copy = apply_edits(body, [Edit(tag.start - offset, tag.close - offset, element), *others])
        copies.append(copy.rstrip("\n") + "\n" + note_comment(_beat_lines(beat, k, len(beats), lang) + other_notes))
    return copies
