"""Render every scene at 480p15 and 1080p60 and time it against an empty scene.

    python benchmarks/render_benchmark.py                   # all scenes, both qualities
    python benchmarks/render_benchmark.py --scenes forward --qualities high

Each render runs in a fresh process (so peak memory is its own). The empty scene has
the same length, resolution, frame rate and encoder settings as the scene it is
compared with: its time per frame is the floor that encoding alone costs.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import av  # noqa: E402

from scenes.registry import SCENES  # noqa: E402

CHILD = r"""
import json, sys, time
sys.path.insert(0, {repo!r})
from scenes.rendering import RenderJob, render_scene
t0 = time.perf_counter()
if {key!r} == "__empty__":
    from manim import Scene, tempconfig
    from scenes.rendering.render import QUALITIES, ENCODER_OPTIONS
    class EmptyScene(Scene):
        def construct(self):
            self.wait({seconds!r})
    with tempconfig({{"quality": QUALITIES[{quality!r}], "media_dir": {out!r}, "disable_caching": True,
                     "verbosity": "WARNING", "progress_bar": "none", "video_encoder_options": ENCODER_OPTIONS,
                     "background_color": "#FFFFFF"}}):
        s = EmptyScene(); s.render(); path = s.renderer.file_writer.movie_file_path
else:
    path = render_scene(RenderJob.of({key!r}, quality={quality!r}, out_dir={out!r}, progress=False))
import resource
print(json.dumps({{"wall": time.perf_counter() - t0, "path": str(path), "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def run(key: str, quality: str, out: str, seconds: float = 0.0) -> dict:
    code = CHILD.format(repo=str(REPO), key=key, quality=quality, out=out, seconds=seconds)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    total = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{key} {quality} failed:\n{proc.stderr[-3000:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    with av.open(info["path"]) as c:
        s = c.streams.video[0]
        frames = sum(1 for _ in c.decode(s))
        fps = float(s.average_rate)
        size = f"{s.width}x{s.height}"
    return {"render_s": info["wall"], "process_s": total, "frames": frames, "fps": fps, "size": size,
            "peak_mb": info["peak_kb"] / 1024, "duration": frames / fps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", nargs="*", default=list(SCENES))
    parser.add_argument("--qualities", nargs="*", default=["low", "high"])
    args = parser.parse_args()
    print("| scene | quality | frames | render (s) | whole command (s) | ms/frame | empty ms/frame | ratio | peak RSS (MB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for quality in args.qualities:
            for key in args.scenes:
                r = run(key, quality, tmp)
                e = run("__empty__", quality, tmp, seconds=round(r["duration"], 3))
                ms, ems = 1000 * r["render_s"] / r["frames"], 1000 * e["render_s"] / e["frames"]
                print(f"| {key} | {r['size']}@{r['fps']:.0f} | {r['frames']} | {r['render_s']:.1f} | {r['process_s']:.1f} | "
                      f"{ms:.1f} | {ems:.1f} | {ms / ems:.2f} | {r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
