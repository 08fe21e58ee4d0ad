"""Render scenes into renders/ under the deck's file names, atomically.

The CLI (``python cli.py render ...``) is a thin layer over :func:`render_scene`.
A render happens in a private temporary media folder that is deleted afterwards (no
partial movie files pile up); the finished file is then moved into place in one
rename, so a failed or interrupted render leaves an earlier file intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from diffusion_core import atomic_write, cache_dir, renders_dir
from scenes.latex import check_latex
from scenes.registry import FORMATS, QUALITIES, SCENES, SceneSpec  # noqa: F401  (re-exported)

RENDERS = renders_dir()
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20"}  # the same as manim.cfg
FIGURE_PIXELS = {"low": (1708, 960), "medium": (2560, 1440), "high": (3840, 2160), "4k": (3840, 2160)}
FIGURE_MARGIN = 0.006  # of the frame's width, around what a figure shows


class RenderError(RuntimeError):
    """A render that could not start or did not finish; nothing was written."""


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


def render_scene(
    key: str,
    fmt: str = "mp4",
    quality: str = "high",
    out_dir: str | Path = RENDERS,
    settings: dict | None = None,
    resolution: tuple[int, int] | None = None,
    fps: int | None = None,
    progress: bool = True,
    beats: bool = False,
    poster: bool = False,
) -> Path:
    """Render one scene and move the result to ``out_dir`` under the deck's name.

    Args:
        key: a key of SCENES ("forward", "reverse", ...).
        fmt: "mp4", "gif", "png" (the last frame, a still) or "figure" (the last frame
            without the title, trimmed to what it shows, at twice the quality's pixels).
        quality: a key of QUALITIES.
        settings: scene settings to override, e.g. {"lang": "en", "dataset": "spiral"}.
        resolution, fps: override the quality's (tests render tiny).
        beats: an mp4 also gets, beside it, one clip per beat (``VIDEO.beatK.mp4``, cut
            from this render: manim's sections, joined without re-encoding, so their
            frames are the video's frames), each beat's last frame (``VIDEO.beatK.png``),
            captions (``VIDEO.vtt``, one cue per beat) and ``VIDEO.beats.json`` (the beats'
            sentences, the scene's notes, their frames and times).
        poster: a video also gets its still (``--format png``'s file: the last frame,
            drawn once more whole after the render, as a still render draws it) beside
            it, without a render of its own.
    Returns:
        The path of the finished file.
    Raises:
        RenderError, SettingError, MissingLatex: with a message for the user.
    """
    if key not in SCENES:
        raise RenderError(f"unknown scene {key!r}; valid: {', '.join(SCENES)}")
    if fmt not in FORMATS:
        raise RenderError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    if quality not in QUALITIES:
        raise RenderError(f"unknown quality {quality!r}; valid: {', '.join(QUALITIES)}")
    spec = SCENES[key]
    figure = fmt == "figure"
    scene_cls = spec.load().with_settings(**(settings or {}), **({"figure": True} if figure else {}))
    out_dir = check_output_dir(Path(out_dir))
    check_latex()
    target = out_dir / spec.output_name(fmt, scene_cls.lang)

    from manim import tempconfig

    still = fmt in ("png", "figure")
    options = {
        "quality": QUALITIES[quality],
        "format": "png" if still else fmt,
        "save_last_frame": still,
        "write_to_movie": not still,
        "disable_caching": True,
        "preview": False,
        "verbosity": "WARNING",
        "progress_bar": "display" if progress and not still else "none",
        "video_encoder_options": {**ENCODER_OPTIONS, **_encoder_threads()},
        "save_sections": beats and fmt == "mp4",
    }
    if resolution:
        options["pixel_width"], options["pixel_height"] = resolution
    elif figure:  # twice the quality's pixels (4K at high): sharp at a slide's width on a 4K projector
        options["pixel_width"], options["pixel_height"] = FIGURE_PIXELS[quality]
    if fps:
        options["frame_rate"] = fps
    out_dir.mkdir(parents=True, exist_ok=True)
    media = Path(tempfile.mkdtemp(prefix="manim-media-"))
    try:
        options["media_dir"] = str(media)
        options["tex_dir"] = str(_private_tex_dir(media / "tex"))
        with tempconfig(options):
            scene = scene_cls()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if still else writer.movie_file_path)
            if fmt == "gif":
                produced = Path(writer.gif_file_path)
            sections = writer.output_plan.section_index if options["save_sections"] else None
            frame_rate = config_frame_rate()
            last = _last_frame(scene) if poster and not still else None
        if not produced.is_file() or produced.stat().st_size == 0:
            raise RenderError(f"manim finished but wrote no {fmt} file for {spec.cls}")
        if scene.beats_reached != list(scene_cls.BEATS):
            raise RenderError(f"{spec.cls} reached the beats {scene.beats_reached}, not its declared {list(scene_cls.BEATS)}")
        if sections is not None:
            from scenes.beats import write_beats

            write_beats(scene, Path(sections), target, frame_rate)
        with atomic_write(target) as tmp:
            if figure:
                trim_figure(produced, tmp)
            else:
                shutil.copyfile(produced, tmp)
        if last is not None:
            from PIL import Image

            with atomic_write(out_dir / spec.output_name("png", scene_cls.lang)) as tmp, open(tmp, "wb") as fh:
                Image.fromarray(last).save(fh, format="PNG")
        _publish_tex(media / "tex")
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return target


def _last_frame(scene):
    """The scene's last frame drawn whole (not over the last play's still background), as
    manim draws a still render's: what ``--format png`` writes."""
    renderer = scene.renderer
    renderer.static_image = None
    renderer.update_frame(scene)
    return renderer.get_frame()


def _encoder_threads() -> dict:
    """x264's threads when a render shares the cores with others (``render_many``'s
    workers set DIFFUSION_ENCODER_THREADS); by default x264 takes them all."""
    threads = os.environ.get("DIFFUSION_ENCODER_THREADS", "")
    return {"threads": threads} if threads.isdigit() and int(threads) > 0 else {}


def config_frame_rate() -> float:
    from manim import config

    return float(config.frame_rate)


def trim_figure(src: Path, dst: str | Path) -> None:
    """The last frame trimmed to what it shows, with a small margin of background."""
    import numpy as np
    from PIL import Image

    from scenes.theme import BACKGROUND

    img = Image.open(src).convert("RGB")
    pixels = np.asarray(img).astype(np.int16)
    bg = np.array([int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)], np.int16)
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
    import xml.etree.ElementTree as ET

    try:
        ET.parse(f)
        return True
    except (ET.ParseError, OSError):
        import sys

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
