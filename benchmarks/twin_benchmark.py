"""The interactive twins in Chromium (the system browser, through Playwright), driven as a
student drives them: how smooth a drag of the t slider is, and how long each live run
takes from the click that asks for it, on this machine.

    python benchmarks/twin_benchmark.py [--seconds 3] [--repeat 3] [--json FILE] [--shots docs/img]

For each twin: its size; scrubbing (the mouse holds the slider's thumb and sweeps it back
and forth for ``--seconds``: the input events the page handled a second, each one a
redraw of all 1,000 points with x0-hat where there is one, and the median time from a
move sent to the page having drawn it); and its live runs, each asked for through the
page's own controls and timed by the page's own clock, from the request to the last
state drawn (and, beside it, from the click until the page says it is done, read every
0.1 s): the reverse twin's DDPM (1,000 steps, 1,000
points: "Nueva muestra") and DDIM-50, the guidance twin's w = 2.5 (guided DDIM-25, two
evaluations a step), the flow twin's 10 steps (DDIM-10 and Euler-10). With --shots, a
1280x720 screenshot of each twin at a moment worth showing (docs/twins.md's pictures:
twin_SCENE.png).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lecture.browser import chromium_page  # noqa: E402
from lecture.twins import TWINS, write_twin  # noqa: E402

# the moment each screenshot shows (a share of the slider's track), x0-hat on, one point followed
SHOT_AT = {"forward": 0.4, "reverse": 0.65, "guidance": 0.75, "flow": 0.6}


def wait_done(page, timeout: float = 300.0) -> float:
    """Seconds until the page's source line says the run is live and no progress is shown."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if ("calculado aquí" in page.locator("#source").inner_text()
                and "calculando" not in page.locator("#beat").inner_text()):
            return time.perf_counter() - start
        time.sleep(0.1)  # a slow poll: reading the page takes its main thread from the run
    raise TimeoutError("the live run did not finish")


def scrub(page, seconds: float) -> dict:
    """The mouse sweeps the slider's thumb back and forth: events handled a second, and
    each move's round trip (sent, handled, drawn)."""
    box = page.locator("#t").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 4, y)
    page.mouse.down()
    trips, start, i = [], time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        f = (i % 200) / 199
        f = f if (i // 200) % 2 == 0 else 1 - f
        a = time.perf_counter()
        page.mouse.move(box["x"] + 4 + f * (box["width"] - 8), y)
        trips.append(1000 * (time.perf_counter() - a))
        i += 1
    page.mouse.up()
    return {"events_per_s": i / (time.perf_counter() - start), "median_ms": statistics.median(trips),
            "worst_ms": max(trips)}


def live_runs(page, key: str) -> list[tuple[str, float, float]]:
    """(what, seconds from the click, the page's own seconds) for each live run of this twin."""
    runs = []

    def timed(what, act):
        act()
        wall = wait_done(page)
        runs.append((what, wall, page.evaluate("twin.lastLiveMs()")))  # reading the page's own clock

    def resample(seed):
        page.locator("#seed").click(click_count=3)
        page.keyboard.type(str(seed))
        page.click("#resample")

    def reverse():
        timed("DDPM (1000 steps)", lambda: resample(3))
        page.select_option("#sampler", label="DDIM (50)")
        timed("DDIM (50 steps)", lambda: resample(4))

    def w25():
        page.locator("#w").focus()
        for _ in range(18):  # 7 -> 2.5 in steps of 0.25
            page.keyboard.press("ArrowLeft")

    def ten():
        page.locator("#steps").click(click_count=3)
        page.keyboard.type("10")
        page.keyboard.press("Enter")

    actions = {"reverse": reverse, "guidance": lambda: timed("guided DDIM (25 steps, w = 2.5)", w25),
               "flow": lambda: timed("DDIM-10 and Euler-10", ten)}
    actions.get(key, lambda: None)()
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="how long to scrub each twin")
    ap.add_argument("--repeat", type=int, default=3, help="each live run this many times (the best and the median)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--shots", type=Path, default=None, help="write twin_SCENE.png here")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 720})
        for key in TWINS:
            path = write_twin(key, "es", Path(tmp))
            page.goto(path.as_uri())
            while page.locator("#readout").inner_text() == "":
                time.sleep(0.05)
            workers = page.evaluate("twin.workers()")
            if key != "forward":
                page.click("#x0")
            moves = scrub(page, args.seconds)
            if args.shots:  # a moment mid-way: a click on the slider's track, then a point followed
                track = page.locator("#t").bounding_box()
                page.mouse.click(track["x"] + SHOT_AT[key] * track["width"], track["y"] + track["height"] / 2)
                box = page.locator("canvas").first.bounding_box()
                page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.45)
                page.wait_for_timeout(200)
                page.screenshot(path=str(args.shots / f"twin_{key}.png"))
            timings: dict[str, list] = {}
            for _ in range(args.repeat if key != "forward" else 0):
                page.goto(path.as_uri())
                while page.locator("#readout").inner_text() == "":
                    time.sleep(0.05)
                for what, wall, own in live_runs(page, key):
                    timings.setdefault(what, []).append((wall, own / 1000))
            live = {what: {"page_best_s": min(o for _, o in ts), "page_median_s": statistics.median(o for _, o in ts),
                           "page_worst_s": max(o for _, o in ts), "wall_median_s": statistics.median(w for w, _ in ts)}
                    for what, ts in timings.items()}
            rows.append({"twin": key, "mb": path.stat().st_size / 1e6, "workers": workers, **moves, "live": live})
            print(f"{key:9s} {rows[-1]['mb']:.2f} MB  drag: {moves['events_per_s']:.0f} moves/s handled, "
                  f"median round trip {moves['median_ms']:.1f} ms (worst {moves['worst_ms']:.1f})  "
                  f"{workers} workers", flush=True)
            for what, v in live.items():
                print(f"          live {what}: best {v['page_best_s']:.2f} s, median {v['page_median_s']:.2f} s, "
                      f"worst {v['page_worst_s']:.2f} s (the page's own clock; from the click, median "
                      f"{v['wall_median_s']:.2f} s)", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.node(), "cores": __import__("os").cpu_count(),
                                         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
