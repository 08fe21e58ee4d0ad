"""Beats: each scene's named moments, cut from one render; captions, notes and
step-through slides in the deck."""

import json
import re

import av
import numpy as np
import pytest

from lecture import DeckOptions, build_deck, parse_deck
from scenes.kit.strings import STRINGS
from scenes.registry import SCENES
from scenes.rendering import RenderJob, render_scene
from scenes.rendering.beats import vtt

TINY = dict(resolution=(256, 144), fps=5, quality="low")


def frames(path):
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]


def test_every_scene_declares_beats_with_sentences_in_every_language():
    for spec in SCENES.values():
        beats = spec.load().BEATS
        assert len(beats) >= 2, spec.key
        for key in beats:
            es, en = STRINGS[f"beat_{key}"]["es"], STRINGS[f"beat_{key}"]["en"]
            assert es and en and es != en, key


def test_a_beat_out_of_order_or_undeclared_is_refused_at_once():
    from scenes.kit.settings import LectureScene, SettingError

    with pytest.raises(SettingError, match="has no sentence"):
        type("Bad", (LectureScene,), {"BEATS": ("no_such_beat",)})
    scene = SCENES["schedule"].load()()
    scene.setup()
    with pytest.raises(SettingError, match="out of order"):
        scene.beat("schedule_linear")


@pytest.mark.slow
def test_the_beats_partition_the_video_frame_for_frame(tmp_path):
    video = render_scene(RenderJob.of("schedule", out_dir=tmp_path, progress=False, beats=True, **TINY))
    index = json.loads(video.with_name("NoiseSchedules.beats.json").read_text())
    assert [b["key"] for b in index["beats"]] == list(SCENES["schedule"].load().BEATS)
    whole = frames(video)
    clips = [frames(video.with_name(b["clip"])) for b in index["beats"]]
    assert sum(map(len, clips)) == len(whole) == index["frames"]
    joined = [f for clip in clips for f in clip]
    assert all(np.array_equal(a, b) for a, b in zip(whole, joined))  # the same frames, in order
    for b, clip in zip(index["beats"], clips):  # each beat's still is its last frame; its times add up
        still = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(video.with_name(b["still"])).convert("RGB"))
        assert np.abs(still.astype(int) - clip[-1].astype(int)).max() <= 1
        assert b["end"] - b["start"] == pytest.approx(len(clip) / 5)
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.+)", video.with_name("NoiseSchedules.vtt").read_text())
    assert [c[2] for c in cues] == [b["sentence"] for b in index["beats"]]
    assert video.with_name("NoiseSchedules.beat1.vtt").read_text().count("-->") == 1


def test_captions_are_webvtt():
    text = vtt([{"start": 0.0, "end": 2.2, "sentence": "Los datos."}, {"start": 2.2, "end": 3661.25, "sentence": "¿Y?"}])
    assert text == ("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.200\nLos datos.\n\n"
                    "2\n00:00:02.200 --> 01:01:01.250\n¿Y?\n")


DECK = """---
marp: true
---

# Antes

---

# Planificadores

<!-- Mi nota: recordar el coseno. -->

<video controls width="70%">
  <source src="assets/videos/NoiseSchedules.mp4" type="video/mp4">
</video>

Texto bajo el video.

---

# Después
"""


@pytest.fixture(scope="module")
def stepped(tmp_path_factory):
    root = tmp_path_factory.mktemp("steps")
    deck = root / "in" / "slides.md"
    deck.parent.mkdir()
    deck.write_text(DECK, encoding="utf-8")
    built = {}
    for lang, steps in (("es", False), ("es", True), ("en", True)):
        out = root / f"out-{lang}-{steps}"
        built[(lang, steps)] = (build_deck(DeckOptions(deck=deck, out=out, lang=lang, steps=steps, pdf=True, **TINY),
                                           log=lambda m: None), out)
    return built


@pytest.mark.slow
def test_without_steps_our_video_gets_captions_and_notes(stepped):
    report, out = stepped[("es", False)]
    text = (out / "slides.md").read_text(encoding="utf-8")
    deck = parse_deck(text)
    assert len(deck.slides) == 3
    assert "<!-- Mi nota: recordar el coseno. -->" in text  # the lecturer's note, byte for byte, before ours
    assert text.index("Mi nota") < text.index("Notas de la escena")
    assert '<track kind="captions" srclang="es" label="Español" src="data:text/vtt;base64,' in text
    assert all(f"Momento {k} de 3." in text for k in (1, 2, 3)) and "Texto bajo el video." in text


@pytest.mark.slow
def test_steps_make_one_slide_per_beat_with_its_clip(stepped):
    report, out = stepped[("es", True)]
    text = (out / "slides.md").read_text(encoding="utf-8")
    deck = parse_deck(text)
    assert [s.title for s in deck.slides] == ["Antes", "Planificadores", "Planificadores", "Planificadores", "Después"]
    for k in (1, 2, 3):
        slide = deck.slides[k].start, deck.slides[k].end
        body = text[slide[0]:slide[1]]
        assert f'data-beat="{k}"' in body and f'src="assets/videos/NoiseSchedules.beat{k}.mp4"' in body
        assert f'poster="assets/videos/NoiseSchedules.beat{k}.png"' in body and "Texto bajo el video." in body
        assert "<!-- Mi nota: recordar el coseno. -->" in body and f"Momento {k} de 3." in body
        assert (out / f"assets/videos/NoiseSchedules.beat{k}.mp4").is_file()
    assert "<script>" in text and any("3 beats of schedule" in n for n in report.notes)


@pytest.mark.slow
def test_an_english_deck_has_english_notes_and_captions_only(stepped):
    import base64

    _, out = stepped[("en", True)]
    text = (out / "slides.md").read_text(encoding="utf-8")
    captions = " ".join(base64.b64decode(m).decode() for m in re.findall(r"base64,([A-Za-z0-9+/=]+)", text))
    english = {v["en"] for k, v in STRINGS.items() if k.startswith(("beat_", "notes_"))}
    spanish = {v["es"].split("{")[0] for k, v in STRINGS.items() if k.startswith(("beat_", "notes_"))} - english
    for words in (text, captions):
        assert not [s for s in spanish if s and s in words.replace("Mi nota: recordar el coseno.", "")]
    assert "Moment 1 of 3." in text and STRINGS["beat_schedule_axes"]["en"] in captions
    _, es_out = stepped[("es", True)]
    es_text = (es_out / "slides.md").read_text(encoding="utf-8")
    assert STRINGS["beat_schedule_axes"]["en"] not in es_text and "Moment 1 of 3" not in es_text


def _browser():
    import shutil

    from lecture import MARP

    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return MARP.exists() and shutil.which("chromium") and shutil.which("pdfinfo")


@pytest.mark.slow
@pytest.mark.skipif(not _browser(), reason="needs Marp CLI, Chromium, Playwright, pdfinfo (./run.sh browser; CI has them)")
def test_each_beat_plays_from_its_first_frame_in_chromium(stepped):
    """Moving to each beat slide in Chromium: its clip loads and plays from 0 there, its
    captions load, no clip plays before its slide is shown; one PDF page per slide."""
    from lecture import check_deck

    report, out = stepped[("es", True)]
    result = check_deck(report.html, report.pdf)
    assert result.slides == 5 and result.pdf_pages == 5
    assert result.faults == [], "\n".join(map(str, result.faults))


def test_every_video_of_ours_on_a_slide_gets_captions_and_notes(tmp_path):
    """Two of our videos on one slide: both get their captions and notes (the second was
    left as it was); with --steps the first is stepped, the second plays whole on each
    beat's slide with its captions, and the report says so."""
    import json

    from lecture.present import present

    out = tmp_path / "out"
    (out / "assets").mkdir(parents=True)
    for stem, words in (("A", ("uno", "dos")), ("B", ("tres", "cuatro"))):
        beats = [{"key": w, "sentence": f"la frase {w}", "notes": [f"nota {w}"], "frames": 5, "start": i,
                  "end": i + 1, "clip": f"{stem}.beat{i + 1}.mp4", "still": f"{stem}.beat{i + 1}.png"}
                 for i, w in enumerate(words)]
        (out / "assets" / f"{stem}.beats.json").write_text(json.dumps({"beats": beats}))
        (out / "assets" / f"{stem}.vtt").write_text("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nx\n")
        for k in (1, 2):
            (out / "assets" / f"{stem}.beat{k}.vtt").write_text("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nx\n")
    text = ("---\nmarp: true\n---\n\n# Dos videos\n\n<video controls src=\"assets/A.mp4\"></video>\n"
            "<video controls src=\"assets/B.mp4\"></video>\n")
    deck = parse_deck(text, tmp_path / "slides.md")
    served = {"assets/A.mp4": "forward", "assets/B.mp4": "reverse"}
    plain, report = present(deck, out, served, "es", steps=False)
    assert plain.count('<track kind="captions"') == 2 and report == []
    assert "la frase uno" in plain and "la frase tres" in plain and "nota cuatro" in plain
    stepped, report = present(deck, out, served, "es", steps=True)
    slides = stepped.split("\n---\n")
    assert len(slides) == 1 + 2 and all('<track kind="captions"' in s for s in slides[1:])
    assert all('src="assets/B.mp4"' in s and "la frase tres" in s for s in slides[1:])  # B whole, on each
    assert 'data-beat="1"' in slides[1] and 'data-beat="2"' in slides[2]
    assert any("2 of our videos; one slide per beat follows the first (forward)" in line for line in report)
