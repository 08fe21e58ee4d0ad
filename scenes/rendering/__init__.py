"""The render service: scenes in, files out. ``render all`` and the deck builder share it.

    job       RenderJob: everything one render needs, passed whole; RenderError
    render    render_scene(job): one render, atomically, in a private media folder
    beats     a render's beats as files beside its video
    workers   render_many: worker processes over pipes that stop when asked
    cache     asset keys from what a render depends on, the records of what was written,
              render_cached (render all's incremental rendering)

Nothing here imports ``lecture``; manim is imported only where a render runs.
"""

from scenes.rendering.cache import (
    RENDER_STATE,
    asset_key,
    code_closure,
    guess_seconds,
    is_fresh,
    job_key,
    longest_first,
    read_state,
    record,
    render_cached,
    write_state,
)
from scenes.rendering.job import Rendered, RenderError, RenderJob
from scenes.rendering.render import RENDERS, check_output_dir, render_scene, trim_figure
from scenes.rendering.workers import STOP_GRACE_S, JobError, Workers, render_many

__all__ = ["RenderJob", "Rendered", "RenderError", "render_scene", "check_output_dir", "trim_figure", "RENDERS",
           "render_many", "Workers", "JobError", "STOP_GRACE_S", "render_cached", "asset_key", "job_key", "code_closure",
           "record", "is_fresh", "read_state", "write_state", "guess_seconds", "longest_first", "RENDER_STATE"]
