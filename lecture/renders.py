"""Stage 2 of a deck build, the renders: the lecturer's pictures copied (they always win),
our assets rendered only when missing or out of date, in parallel, the longest first, a
video's poster from the video's own render, each recorded as it lands, with a progress
line at least every 10 s; a figure drawn again with larger type when Fit finds it shown
narrow (``redraw_figures``, the scale kept in the build's state under ``TYPE_KEY``)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from pathlib import Path

from diffusion_core import (
    atomic_write,
    cache_dir,
)
from lecture.fence import STATE, OutputFolder, file_digest
from lecture.plan import Asset, DeckOptions, DeckPlan
from scenes.registry import (
    SCENES,
    TEXT_SCALE_MAX,
    THEME_BACKGROUNDS,
)
from scenes.rendering import (
    Rendered,
    RenderJob,
    Workers,
    asset_key,
    guess_seconds,
    is_fresh,
    longest_first,
    read_state,
    record,
    render_many,
    write_state,
)
from scenes.rendering.beats import beat_files, read_beats
from scenes.rendering.legibility import read_text_record

__all__ = ["render_assets", "redraw_figures", "Placing", "TYPE_KEY", "type_group", "scale_of"]


# ----------------------------------------------------------------- 2. render
class Placing:
    """The render stage's bookkeeping: the folder, its state (what was written for which
    key), and which deck paths each render group makes."""

    def __init__(self, folder: OutputFolder, opts: DeckOptions, plan: DeckPlan, log):
        self.folder, self.opts, self.plan, self.log = folder, opts, plan, log
        self.state_path = folder.path / STATE
        self.state = read_state(self.state_path)
        self.todo: dict[tuple[str, str, str], list[tuple[str, str]]] = {}  # (scene, fmt, lang) -> [(path, key)]
        self.start = time.perf_counter()
        self._said: dict[int, float] = {}  # when each render's last progress line was said

    def save(self) -> None:
        write_state(self.state_path, self.state)

    def settings(self, key: str, fmt: str, lang: str) -> dict:
        """The scene settings a render of (key, fmt, lang) gets: the theme's and size's
        (``_themed``), and the larger type Fit asked of a figure shown narrow (TYPE_KEY)."""
        scale = scale_of(self.state, key, fmt, lang)
        return {**_themed(self.opts, key, fmt), **({"text_scale": scale} if fmt == "figure" and scale else {})}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.folder.path).as_posix()

    # ------------------------------------------------------------ progress lines
    # One line when a render starts, then one at least every PROGRESS_LINE_S while it
    # runs: its frames, and where an earlier render of the scene says how many there will
    # be (its video's length, kept in the cache), the share done and the time left.
    def progress(self, job: RenderJob, frames: int | None, seconds: float) -> None:
        what = f"{job.scene} ({job.fmt}, {job.lang})"
        now = time.perf_counter()
        if frames is None and seconds == 0.0:
            self._said[id(job)] = now
            self.log(f"  rendering  {what}")
            return
        if now - self._said.get(id(job), 0.0) < PROGRESS_LINE_S - 2:
            return
        self._said[id(job)] = now
        if not frames:
            self.log(f"  rendering  {what}: {seconds:.0f} s, no frame yet (sampling, typesetting)")
            return
        total = self._expected_frames(job)
        if total and frames < total:
            left = seconds / frames * (total - frames)
            self.log(f"  rendering  {what}: {frames} of about {total} frames ({100 * frames / total:.0f}%), "
                     f"about {left:.0f} s left")
        else:
            self.log(f"  rendering  {what}: {frames} frames in {seconds:.0f} s ({frames / seconds:.1f} a second)")

    def _expected_frames(self, job: RenderJob) -> int | None:
        length = _video_lengths().get(_length_key(job))
        fps = job.fps or QUALITY_FPS.get(job.quality)
        return round(length * fps) if length and fps and not job.still else None

    def finished(self, job: RenderJob, done) -> None:
        """Keep the video's length (its frames over its rate) for the next run's estimates."""
        frames, fps = done.profile.get("frames"), job.fps or QUALITY_FPS.get(job.quality)
        if frames and fps and not job.still:
            lengths = _video_lengths()
            lengths[_length_key(job)] = round(frames / fps, 3)
            try:
                path = cache_dir() / LENGTHS_FILE
                with atomic_write(path) as tmp:
                    Path(tmp).write_text(json.dumps(lengths, indent=1, sort_keys=True), encoding="utf-8")
            except OSError:
                pass  # an estimate lost, not the build


PROGRESS_LINE_S = 10.0  # a render says how far it is at least this often
QUALITY_FPS = {"low": 15, "medium": 30, "high": 60, "4k": 60}  # manim's qualities' frame rates
LENGTHS_FILE = "video-lengths.json"  # in the cache: each scene's video length, from its last render


def _length_key(job: RenderJob) -> str:
    return f"{job.scene}|{job.fmt}|{job.lang}|{json.dumps(dict(job.settings), sort_keys=True)}"


def _video_lengths() -> dict[str, float]:
    try:
        data = json.loads((cache_dir() / LENGTHS_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def render_assets(plan: DeckPlan, folder: OutputFolder, opts: DeckOptions, log, workers: Workers | None = None) -> None:
    """Stage 2: the lecturer's pictures copied when their content differs; our assets
    rendered when missing, out of date, or changed since written, each recorded (with
    its beats' files) before it is reported, so that a stop keeps it. ``workers``: the
    build's kept render workers (Fit's redraws use them again)."""
    report = plan.report
    deck_dir = opts.deck.resolve().parent
    for rel in plan.supplied:
        src, dst = deck_dir / rel, folder.target(rel)
        if not (dst.is_file() and dst.stat().st_size == src.stat().st_size and file_digest(dst) == file_digest(src)):
            dst.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(dst) as tmp:
                shutil.copyfile(src, tmp)
        report.supplied.append(rel)
        log(f"  supplied   {rel}")
    for rel in report.missing:  # once a build (Fit writes slides.md again)
        log(f"  missing    {rel}")
    for rel in report.backslashed:
        log(f"  misspelt   {rel} (write it with slashes)")
    placing = Placing(folder, opts, plan, log)
    _find_stale(placing)
    if placing.todo:
        jobs = render_jobs(placing)
        try:
            render_many(jobs, opts.jobs, on_done=lambda job, done: place(placing, job, done),
                        on_progress=placing.progress, workers=workers)
        except (KeyboardInterrupt, SystemExit):
            placing.save()
            log(f"stopped: {len(report.rendered)} of {sum(len(v) for v in placing.todo.values())} assets rendered "
                "and recorded; the next run renders only the rest")
            raise
    placing.save()


def _find_stale(placing: Placing) -> None:
    """Group what must be rendered by (scene, format, language); the rest is up to date."""
    opts, state, report = placing.opts, placing.state, placing.plan.report
    for rel, a in placing.plan.assets.items():
        key = key_of(placing, a)
        dst = placing.folder.target(rel)
        extras = _sidecars(dst, a, opts.steps) if dst.is_file() else None
        if (is_fresh(dst, state.get(rel), key) and extras is not None
                and all(is_fresh(x, state.get(placing.rel(x)), key) for x in extras)):
            report.up_to_date.append(rel)
            placing.log(f"  up to date {rel}")
        else:
            placing.todo.setdefault((a.key, a.fmt, a.lang), []).append((rel, key))


def key_of(placing: Placing, a: Asset) -> str:
    """The key of what asset ``a``'s render would write: a file recorded with another is redrawn."""
    opts = placing.opts
    return asset_key(a.key, a.fmt, opts.quality, a.lang, opts.resolution, opts.fps,
                     settings={**({"beats": True} if a.fmt == "mp4" else {}), **placing.settings(a.key, a.fmt, a.lang)}
                     or None)


def render_jobs(placing: Placing) -> list[RenderJob]:
    """One job per group, the longest first; a video's poster comes from the video's own
    render (its last frame), not a render of its own."""
    opts, todo, state = placing.opts, placing.todo, placing.state
    staging = cache_dir() / "deck" / hashlib.sha256(str(placing.folder.real).encode()).hexdigest()[:12]
    from_video = {(k, lang) for k, fmt, lang in todo if fmt == "png" and (k, "mp4", lang) in todo}
    groups = [g for g in todo if not (g[1] == "png" and (g[0], g[2]) in from_video)]

    def seconds(group) -> float:  # the group's render time in the previous run
        recorded = [state[rel].get("seconds") for rel, _ in todo[group] if isinstance(state.get(rel), dict)]
        return max([s for s in recorded if s] or [guess_seconds(group[0], group[1])])

    return [RenderJob.of(k, placing.settings(k, fmt, lang), fmt=fmt, quality=opts.quality, lang=lang, out_dir=staging / lang,
                         resolution=opts.resolution, fps=opts.fps, beats=fmt == "mp4",
                         poster=fmt == "mp4" and (k, lang) in from_video, legibility=True)
            for k, fmt, lang in longest_first(groups, seconds)]


def _themed(opts: DeckOptions, key: str, fmt: str) -> dict[str, str]:
    """The scene settings the deck's theme and size ask of scene ``key``'s ``fmt``: its
    background off white, its 4:3 layout in a 4:3 deck where it has one ({} for a 16:9
    deck on white: the keys stay as they were)."""
    settings = {} if opts.background == THEME_BACKGROUNDS["default"] else {"background": opts.background}
    if opts.aspect != "16:9" and SCENES[key].has_layout(opts.aspect, fmt):
        settings["aspect"] = opts.aspect
    return settings


def place(placing: Placing, job: RenderJob, done: Rendered) -> None:
    """Copy what a render made to every deck path that asked for it, with its beats'
    files under the deck's names; record each, then report it."""
    made = [((job.scene, job.fmt, job.lang), done.path, round(done.seconds, 2))]
    if job.poster:
        made.append(((job.scene, "png", job.lang), done.path.with_name(SCENES[job.scene].output_name("png", job.lang)),
                     0.0))
    placing.finished(job, done)
    what = f"{job.scene} {job.fmt}" + (" again" if f"{job.scene} {job.fmt}" in placing.plan.report.render_times else "")
    placing.plan.report.render_times[what] = round(done.seconds, 2)
    for group, path, secs in made:
        for rel, key in placing.todo[group]:
            dst = placing.folder.target(rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(dst) as tmp:
                shutil.copyfile(path, tmp)
            placing.state[rel] = {**record(dst, key), "seconds": secs}
            text = read_text_record(path)  # its smallest and faintest text, for the check
            if text is not None:
                placing.state[rel]["text"] = text
            for src in _sidecars(path, placing.plan.assets[rel], placing.opts.steps) or []:  # the beats' files
                extra = dst.with_name(dst.stem + src.name[len(path.stem):])  # the deck's name
                with atomic_write(extra) as tmp:
                    shutil.copyfile(src, tmp)
                placing.state[placing.rel(extra)] = record(extra, key)
            placing.save()  # recorded before it is reported: a stop keeps it
            if rel not in placing.plan.report.rendered:  # a figure drawn again (Fit) is listed once
                placing.plan.report.rendered.append(rel)
            placing.log(f"  rendered   {rel} ({job.scene}: {done.seconds:.1f} s; {time.perf_counter() - placing.start:.0f} s "
                        "into the renders)")


def _sidecars(video: Path, asset: Asset, steps: bool) -> list[Path] | None:
    """The beats' files a served video brings beside it (its index and captions, and with
    --steps each beat's clip, still and captions), as its index beside ``video`` lists
    them; None when there is no readable index."""
    if asset.fmt != "mp4":
        return []
    index = read_beats(video)
    if index is None:
        return None
    return [f for f in beat_files(video, len(index["beats"])) if steps or not re.search(r"\.beat\d+\.", f.name)]


TYPE_KEY = "_type"  # in the build's state: (scene|fmt|lang) -> the text scale its figure was drawn with


def type_group(key: str, fmt: str, lang: str) -> str:
    return f"{key}|{fmt}|{lang}"


def scale_of(state: dict, key: str, fmt: str, lang: str) -> float | None:
    """The text scale the build's state keeps for a figure (None: its own size); a value
    that is not one (a state edited by hand, an earlier version's larger largest, more than
    its scene's layout holds: ``text_scale_max``) is read as the nearest that is."""
    kept = state.get(TYPE_KEY)
    scale = kept.get(type_group(key, fmt, lang)) if isinstance(kept, dict) else None
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 1.0:
        return None
    scale = min(float(scale), SCENES[key].text_scale_max if key in SCENES else TEXT_SCALE_MAX)  # its layout's most
    return scale if scale > 1.0 else None


def redraw_figures(plan: DeckPlan, folder: OutputFolder, opts: DeckOptions, log, scales: dict[str, float],
                   why: dict[str, str], workers: Workers | None = None) -> None:
    """Render the figures of ``scales`` ({type group: text scale}) again with those text
    scales, in place (recorded, their text records with them), saying ``why`` for each,
    and keep the scales for the next build's renders (TYPE_KEY in the build's state); in
    the build's kept ``workers``, where given (warm: manim and torch already loaded)."""
    placing = Placing(folder, opts, plan, log)
    drawn = placing.state[TYPE_KEY] = {**(placing.state.get(TYPE_KEY) if isinstance(placing.state.get(TYPE_KEY), dict)
                                          else {})}
    for group, scale in scales.items():
        if scale == 1.0:
            drawn.pop(group, None)
        else:
            drawn[group] = scale
    placing.save()
    for rel, a in plan.assets.items():
        if type_group(a.key, a.fmt, a.lang) in scales:
            placing.todo.setdefault((a.key, a.fmt, a.lang), []).append((rel, key_of(placing, a)))
    for group, scale in scales.items():
        log(f"  redrawing  {group.split('|')[0]} (figure): {why[group]}; type x{scale:g}")
    render_many(render_jobs(placing), opts.jobs, on_done=lambda job, done: place(placing, job, done),
                on_progress=placing.progress, workers=workers)
    placing.save()
