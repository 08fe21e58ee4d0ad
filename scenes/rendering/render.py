"""Render one scene (a ``RenderJob``) under the deck's file name, atomically.

The CLI (``python cli.py render ...``) is a thin layer over :func:`render_scene`.
A render happens in a private temporary media folder that is deleted afterwards (no
partial movie files pile up); the finished file is then moved into place in one
rename, so a failed or interrupted render leaves an earlier file intact.

manim is imported inside the functions that render: the deck builder and ``render all``
import this module in a parent process that only hands jobs to workers.
"""

from __future__ import annotations

import os
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from diffusion_core import atomic_write, cache_dir, renders_dir
from scenes.kit.latex import check_latex
from scenes.registry import QUALITIES, SCENES
from scenes.rendering.beats import write_beats
from scenes.rendering.job import RenderError, RenderJob
from scenes.rendering.legibility import text_record, write_text_record
from scenes.rendering.scratch import make_scratch

__all__ = ["render_scene", "check_output_dir", "trim_figure", "RENDERS", "ENCODER_OPTIONS", "FIGURE_PIXELS"]

RENDERS = renders_dir()
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20"}  # the same as manim.cfg
FIGURE_PIXELS = {"low": (1708, 960), "medium": (2560, 1440), "high": (3840, 2160), "4k": (3840, 2160)}
FIGURE_MARGIN = 0.006  # of the frame's width, around what a figure shows


def check_output_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise RenderError(f"cannot write into {out_dir}: not a writable directory")
    if out_dir.exists() and not out_dir.is_dir():
        raise RenderError(f"{out_dir} exists and is not a directory")
    return out_dir


def render_scene(job: RenderJob, on_frames=None) -> Path:
    """Render ``job`` and move the result to ``job.out_dir`` under the deck's name.

    An mp4 with ``job.beats`` also gets, beside it, one clip per beat
    (``VIDEO.beatK.mp4``, cut from this render: manim's sections, joined without
    re-encoding, so their frames are the video's frames), each beat's last frame
    (``VIDEO.beatK.png``), captions (``VIDEO.vtt``, one cue per beat) and
    ``VIDEO.beats.json``. With ``job.poster`` a video also gets its still (``--format
    png``'s file: the last frame, drawn once more whole after the render) beside it.

    ``on_frames(n)``, where given, is called with the number of frames written so far
    as manim writes them (a deck's progress lines).

    Returns:
        The path of the finished file.
    Raises:
        RenderError, SettingError, MissingLatex: with a message for the user.
    """
    scene_cls = SCENES[job.scene].load().with_settings(**job.scene_settings())
    check_output_dir(job.out_dir)
    check_latex()
    job.out_dir.mkdir(parents=True, exist_ok=True)
    media = make_scratch("manim-media")  # named by this process: a later run removes it if we are killed
    try:
        made = _render_in(media, job, scene_cls, on_frames)
        with atomic_write(job.target) as tmp:
            if job.figure:
                trim_figure(made.produced, tmp, scene_cls.background)
            else:
                shutil.copyfile(made.produced, tmp)
        if made.last is not None:
            with atomic_write(job.out_dir / SCENES[job.scene].output_name("png", job.lang)) as tmp, open(tmp, "wb") as fh:
                Image.fromarray(made.last).save(fh, format="PNG")
        if job.legibility:  # the record of the file, and of the poster drawn from the same last frame
            write_text_record(job.target, made.text)
            if made.last is not None:
                write_text_record(job.out_dir / SCENES[job.scene].output_name("png", job.lang), made.text)
        _publish_tex(media / "tex")
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return job.target


def manim_options(job: RenderJob, media: Path) -> dict:
    """manim's configuration for ``job``, rendering into the private folder ``media``."""
    threads = {"threads": str(job.encoder_threads)} if job.encoder_threads else {}
    options = {
        "quality": QUALITIES[job.quality],
        "format": "png" if job.still else job.fmt,
        "save_last_frame": job.still,
        "write_to_movie": not job.still,
        "disable_caching": True,
        "preview": False,
        "verbosity": "WARNING",
        "progress_bar": "display" if job.progress and not job.still else "none",
        "video_encoder_options": {**ENCODER_OPTIONS, **threads},
        "save_sections": job.beats and job.fmt == "mp4",
        "media_dir": str(media),
        "tex_dir": str(_private_tex_dir(media / "tex")),
    }
    if job.resolution:
        options["pixel_width"], options["pixel_height"] = job.resolution
    elif job.figure:  # twice the quality's pixels (4K at high): sharp at a slide's width on a 4K projector
        options["pixel_width"], options["pixel_height"] = FIGURE_PIXELS[job.quality]
    if dict(job.settings).get("aspect") == "4:3" and not job.figure:  # the same height (8 units); 3/4 as wide
        # (a figure keeps the wide frame: it is trimmed to what it shows, and its scene sets larger type)
        if not job.resolution:
            from manim import constants

            height = options.get("pixel_height") or constants.QUALITIES[QUALITIES[job.quality]]["pixel_height"]
            options["pixel_width"], options["pixel_height"] = 2 * round(height * 4 / 3 / 2), height
        options["frame_height"] = 8.0
        options["frame_width"] = 8.0 * options["pixel_width"] / options["pixel_height"]
    if job.fps:
        options["frame_rate"] = job.fps
    return options


class _Made(NamedTuple):
    """What a render left in its media folder: the file, and a video's last frame."""

    produced: Path
    last: np.ndarray | None
    text: dict | None = None  # the last frame's smallest and faintest text (job.legibility)


def _render_in(media: Path, job: RenderJob, scene_cls, on_frames=None) -> _Made:
    """Run the scene under manim in ``media``; write its beats; check what it wrote."""
    from manim import config, tempconfig

    options = manim_options(job, media)
    with tempconfig(options):
        scene = scene_cls()
        if on_frames is not None:
            _count_frames(scene.renderer.file_writer, on_frames)
        scene.render()
        writer = scene.renderer.file_writer
        produced = Path(writer.image_file_path if job.still else writer.movie_file_path)
        if job.fmt == "gif":
            produced = Path(writer.gif_file_path)
        sections = writer.output_plan.section_index if options["save_sections"] else None
        frame_rate = float(config.frame_rate)
        last = _last_frame(scene) if job.poster and not job.still else None
        text = (text_record(scene.mobjects, scene_cls.background, config.frame_width, config.frame_height,
                            config.pixel_height)
                if job.legibility else None)
    if not produced.is_file() or produced.stat().st_size == 0:
        raise RenderError(f"manim finished but wrote no {job.fmt} file for {SCENES[job.scene].cls}")
    if scene.beats_reached != list(scene_cls.BEATS):
        raise RenderError(f"{SCENES[job.scene].cls} reached the beats {scene.beats_reached}, "
                          f"not its declared {list(scene_cls.BEATS)}")
    if sections is not None:
        write_beats(scene, Path(sections), job.target, frame_rate)
    return _Made(produced, last, text)


def _count_frames(writer, on_frames) -> None:
    """Call ``on_frames(total)`` after each frame manim's file writer takes."""
    write, count = writer.write_frame, [0]

    def counted(pixels, *, repeat: int = 1):
        write(pixels, repeat=repeat)
        count[0] += repeat
        on_frames(count[0])

    writer.write_frame = counted


def _last_frame(scene):
    """The scene's last frame drawn whole (not over the last play's still background), as
    manim draws a still render's: what ``--format png`` writes."""
    renderer = scene.renderer
    renderer.static_image = None
    renderer.update_frame(scene)
    return renderer.get_frame()


def trim_figure(src: Path, dst: str | Path, background: str = "#FFFFFF") -> None:
    """The last frame trimmed to what it shows, with a small margin of its background."""
    img = Image.open(src).convert("RGB")
    pixels = np.asarray(img).astype(np.int16)
    bg = np.array([int(background[i:i + 2], 16) for i in (1, 3, 5)], np.int16)
    ink = np.abs(pixels - bg).max(axis=2) > 12
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        raise RenderError("the figure is empty: its last frame shows nothing but the title")
    m = int(round(FIGURE_MARGIN * img.width))
    box = (max(cols[0] - m, 0), max(rows[0] - m, 0), min(cols[-1] + 1 + m, img.width), min(rows[-1] + 1 + m, img.height))
    with open(dst, "wb") as fh:
        img.crop(box).save(fh, format="PNG", optimize=False)


# Typeset formulas are kept between renders in cache_dir()/tex. Manim writes a formula's
# .tex, .dvi and .svg in place, not atomically: two renders typesetting the same new
# formula at once would read each other's half-written files. So each render works in a
# private copy (hard links: nothing is copied) and adds what it made to the shared cache
# afterwards, each file in one rename. A damaged file in the cache is left out.
def _shared_tex() -> Path:
    return cache_dir() / "tex"


def _private_tex_dir(private: Path) -> Path:
    private.mkdir(parents=True, exist_ok=True)
    shared = _shared_tex()
    if not shared.is_dir():
        return private
    for f in shared.iterdir():
        if f.name.startswith(".") or not f.is_file() or not _usable(f):
            continue
        try:
            os.link(f, private / f.name)
        except OSError:
            try:
                shutil.copyfile(f, private / f.name)
            except OSError:
                pass  # an unreadable cache entry: typeset again
    return private


def _usable(f: Path) -> bool:
    """An SVG that parses (a truncated one is typeset again, and replaced)."""
    if f.suffix != ".svg":
        return f.stat().st_size > 0
    try:
        ET.parse(f)
        return True
    except (ET.ParseError, OSError):
        print(f"cache: {f} is damaged; typesetting it again", file=sys.stderr)
        return False


def _publish_tex(private: Path) -> None:
    shared = _shared_tex()
    try:
        shared.mkdir(parents=True, exist_ok=True)
        for f in private.iterdir():
            dst = shared / f.name
            if f.is_file() and not (dst.exists() and os.path.samefile(f, dst)):
                with atomic_write(dst) as tmp:
                    shutil.copyfile(f, tmp)
    except OSError:
        pass  # a cache that cannot be written costs time, never the render
