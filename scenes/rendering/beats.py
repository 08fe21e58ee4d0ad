"""A scene's beats as files beside its video: one clip per beat, its last frame,
captions and a small index. The clips are manim's sections of the one render, joined
from the same encoded pieces as the whole video (no re-encoding), so their frames,
beat after beat, are exactly the video's frames.

    VIDEO.beat1.mp4, VIDEO.beat1.png, ...   the clip and its last frame
    VIDEO.beat1.vtt, ...                    the clip's captions (its one cue)
    VIDEO.vtt                               WebVTT captions, one cue per beat
    VIDEO.beats.json                        the beats: key, sentence, notes, frames, times
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av

from diffusion_core import atomic_write
from scenes.kit.strings import tr
from scenes.rendering.job import RenderError

__all__ = ["write_beats", "read_beats", "beat_files", "vtt"]


def beat_files(video: Path, n: int) -> list[Path]:
    """Every file ``write_beats`` writes beside ``video`` for n beats."""
    stem = video.stem
    out = [video.with_name(f"{stem}.beats.json"), video.with_name(f"{stem}.vtt")]
    for k in range(1, n + 1):
        out += [video.with_name(f"{stem}.beat{k}.{ext}") for ext in ("mp4", "png", "vtt")]
    return out


def _timestamp(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt(beats: list[dict]) -> str:
    """WebVTT captions: one cue per beat, its sentence, over the beat's time."""
    cues = [f"{k}\n{_timestamp(b['start'])} --> {_timestamp(b['end'])}\n{b['sentence']}\n"
            for k, b in enumerate(beats, 1)]
    return "WEBVTT\n\n" + "\n".join(cues)


def _last_frame(clip: Path, png: Path) -> int:
    """Decode the clip; write its last frame; return its number of frames."""

    n, last = 0, None
    with av.open(str(clip)) as container:
        for frame in container.decode(container.streams.video[0]):
            n, last = n + 1, frame
    if last is None:
        raise ValueError(f"{clip}: a beat without frames")
    with atomic_write(png) as tmp:
        last.to_image().save(tmp, format="PNG")
    return n


def write_beats(scene, section_index: Path, video: Path, fps: float) -> list[dict]:
    """Write the beats' files beside ``video`` from manim's section index of the render."""
    entries = json.loads(Path(section_index).read_text())
    names = [e["name"] for e in entries]
    if names != scene.beats_reached:
        raise RenderError(f"{type(scene).__name__}: manim's sections {names} are not its beats {scene.beats_reached}"
                          " (a beat without an animation?)")
    beats, start = [], 0
    for k, entry in enumerate(entries, 1):
        clip = video.with_name(f"{video.stem}.beat{k}.mp4")
        with atomic_write(clip) as tmp:
            shutil.copyfile(Path(section_index).parent / entry["video"], tmp)
        still = clip.with_suffix(".png")
        frames = _last_frame(clip, still)
        key = entry["name"]
        beats.append({"key": key, "sentence": tr(f"beat_{key}", scene.lang), "notes": scene.beat_notes.get(key, []),
                      "frames": frames, "start": start / fps, "end": (start + frames) / fps, "clip": clip.name,
                      "still": still.name})
        start += frames
        with atomic_write(clip.with_suffix(".vtt")) as tmp:  # the clip's own captions: its one cue from 0
            Path(tmp).write_text(vtt([{**beats[-1], "start": 0.0, "end": frames / fps}]), encoding="utf-8")
    with atomic_write(video.with_name(f"{video.stem}.vtt")) as tmp:
        Path(tmp).write_text(vtt(beats), encoding="utf-8")
    index = {"scene": type(scene).__name__, "lang": scene.lang, "fps": fps, "frames": start, "beats": beats}
    with atomic_write(video.with_name(f"{video.stem}.beats.json")) as tmp:
        Path(tmp).write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
    return beats


def read_beats(video: Path) -> dict | None:
    """The index ``write_beats`` wrote beside ``video``, or None."""
    try:
        return json.loads(video.with_name(f"{video.stem}.beats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
