"""The interactive twins in Chromium (the system browser, through Playwright): how smooth
scrubbing is, and how long the live computations take, on this machine.

    python benchmarks/twin_benchmark.py [--seconds 3] [--json FILE] [--shots docs/img]

For each twin: its size; scrubbing (every animation frame the t slider's value moves one
frame on, as a drag does, with all 1,000 points and x0-hat shown where there is one):
the frames per second Chromium achieves (it paces animation frames at 60 a second, so
60 is the ceiling) and the median time of one redraw; the JavaScript forward pass of
1,000 points; and a live run (Resample: DDPM-1000 as the reverse twin starts, guided
DDIM-25, Euler-10 and DDIM-10). With --shots, a 1280x720 screenshot of each twin at a
moment worth showing (docs/twins.md's pictures: twin_SCENE.png).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lecture.check import chromium_page  # noqa: E402
from lecture.twins import TWINS, write_twin  # noqa: E402

SCRUB = r"""
async (seconds) => {
  const slider = document.getElementById('t'), n = Number(slider.max) + 1, times = [];
  let frames = 0, i = 0;
  const t0 = performance.now();
  await new Promise((done) => {
    const step = () => {
      const a = performance.now();
      slider.value = String(i++ % n);
      slider.dispatchEvent(new Event('input'));
      times.push(performance.now() - a);
      frames++;
      if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  times.sort((x, y) => x - y);
  return {fps: frames / ((performance.now() - t0) / 1000), median_ms: times[times.length >> 1],
          worst_ms: times[times.length - 1]};
}
"""

# the moment each screenshot shows: mid-way, x0-hat on, one point followed
SHOT = {"forward": "twin.setFrame(40)", "reverse": "twin.setFrame(60)", "guidance": "twin.setFrame(30)",
        "flow": "twin.setFrame(30)"}
NETWORK = {"reverse": "eps", "guidance": "eps", "flow": "velocity"}  # the model each times
LIVE = {"reverse": "twin.resample(3)", "guidance": "twin.setW(2.5)", "flow": "twin.setSteps(10)",
        "forward": "twin.resample(3)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="how long to scrub each twin")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--shots", type=Path, default=None, help="write twin_SCENE.png here")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 720})
        for key in TWINS:
            path = write_twin(key, "es", Path(tmp))
            page.goto(path.as_uri())
            page.wait_for_function("window.twin && window.twin.ready")
            if key != "forward":
                page.check("#x0")
            scrub = page.evaluate(SCRUB, args.seconds)
            forward = None
            if key != "forward":
                model = NETWORK[key]
                forward = page.evaluate(f"""() => {{ const x = Array.from({{length: 2000}}, (_, i) => Math.sin(i));
                    const c = Array(1000).fill(500); twin.forward('{model}', x, c, null);
                    const t0 = performance.now(); twin.forward('{model}', x, c, null); return performance.now() - t0; }}""")
            if args.shots:
                page.evaluate(SHOT[key])
                box = page.locator("canvas").first.bounding_box()
                page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.45)
                page.wait_for_timeout(200)
                page.screenshot(path=str(args.shots / f"twin_{key}.png"))
            start = time.perf_counter()
            page.evaluate(LIVE[key])
            page.wait_for_function("!twin.busy()", timeout=300_000)
            live = time.perf_counter() - start
            rows.append({"twin": key, "mb": path.stat().st_size / 1e6, **scrub, "forward_ms": forward, "live_s": live})
            print(f"{key:9s} {rows[-1]['mb']:.2f} MB  scrubbing {scrub['fps']:.0f} fps (redraw median "
                  f"{scrub['median_ms']:.1f} ms, worst {scrub['worst_ms']:.1f})"
                  + (f"  forward pass of 1000 points {forward:.0f} ms" if forward is not None else "")
                  + f"  live ({LIVE[key]}) {live:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.node(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
