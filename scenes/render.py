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
) -> Path:
    """Render one scene and move the result to ``out_dir`` under the deck's name.

    Args:
        key: a key of SCENES ("forward", "reverse", ...).
        fmt: "mp4", "gif", or "png" (the last frame, a still).
        quality: a key of QUALITIES.
        settings: scene settings to override, e.g. {"lang": "en", "dataset": "spiral"}.
        resolution, fps: override the quality's (tests render tiny).
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
    scene_cls = spec.load().with_settings(**(settings or {}))
    out_dir = check_output_dir(Path(out_dir))
    check_latex()
    target = out_dir / spec.output_name(fmt, scene_cls.lang)

    from manim import tempconfig

    options = {
        "quality": QUALITIES[quality],
        "format": "png" if fmt == "png" else fmt,
        "save_last_frame": fmt == "png",
        "write_to_movie": fmt != "png",
        "disable_caching": True,
        "preview": False,
        "verbosity": "WARNING",
        "progress_bar": "display" if progress and fmt != "png" else "none",
        "video_encoder_options": ENCODER_OPTIONS,
    }
    if resolution:
        options["pixel_width"], options["pixel_height"] = resolution
    if fps:
        options["frame_rate"] = fps
    out_dir.mkdir(parents=True, exist_ok=True)
    media = Path(tempfile.mkdtemp(prefix="manim-media-"))
    try:
        options["media_dir"] = str(media)
        options["tex_dir"] = str(cache_dir() / "tex")  # typeset formulas are kept between renders
        with tempconfig(options):
            scene = scene_cls()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(writer.image_file_path if fmt == "png" else writer.movie_file_path)
            if fmt == "gif":
                produced = Path(writer.gif_file_path)
        if not produced.is_file() or produced.stat().st_size == 0:
            raise RenderError(f"manim finished but wrote no {fmt} file for {spec.cls}")
        with atomic_write(target) as tmp:
            shutil.copyfile(produced, tmp)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return target
