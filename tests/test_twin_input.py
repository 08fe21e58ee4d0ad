"""The twins as a student uses them: every control driven through Chromium's own input
(the mouse, the keyboard, touch), never through the page's functions, and after each
action what the page shows checked: the readout's text, the slider's position and the
canvas's pixels (the points drawn are the recorded state the readout names).

The numeric proofs (the forward pass against torch, the samplers against the recorded
runs) are tests/test_twin.py's; these tests read the page, and act only as a person does.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import time

import numpy as np
import pytest
from PIL import Image

from lecture.twins import PALETTE, TWINS, _decode, twin_data


def _browser() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return shutil.which("chromium") is not None


pytestmark = pytest.mark.skipif(not _browser(), reason="needs Chromium and Playwright (./run.sh browser; CI has them)")


@pytest.fixture(scope="module")
def twins(twin_pages):
    return twin_pages, {key: twin_data(key, "es") for key in TWINS}


@pytest.fixture(scope="module")
def browser():
    from lecture.browser import chromium_browser

    with chromium_browser() as b:
        yield b


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, has_touch=True)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    assert page.errors == []
    context.close()


# ---------------------------------------------------------------- reading the page

def _wait(page, predicate, timeout=60.0):
    """Polls ``predicate(page)`` (a Python function that reads the page) until true."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate(page):
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"the page did not get there in {timeout} s")


def _open(page, twins, key):
    page.goto(twins[0][key].as_uri())
    _wait(page, lambda p: p.locator("#readout").inner_text() != "")


def _shown(page) -> dict:
    """What the page says: the readout's t, step k of K, the source line's run label, the
    slider's value and end."""
    readout = page.locator("#readout").inner_text()
    m = re.search(r"t = ([\d.]+) · paso (\d+) de (\d+)", readout)
    assert m, readout
    return {"t": float(m.group(1)), "k": int(m.group(2)), "K": int(m.group(3)), "readout": readout,
            "label": page.locator("#source").inner_text().split(" · ")[0],
            "live": "calculado aquí" in page.locator("#source").inner_text(),
            "value": int(page.locator("#t").input_value()), "max": int(page.locator("#t").get_attribute("max"))}


def _pixels(page, index=0) -> np.ndarray:
    """The canvas's own pixels (RGB), read back from the page."""
    url = page.locator("canvas").nth(index).evaluate("c => c.toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",")[1]))).convert("RGB")).astype(int)


def _match(pixels: np.ndarray, points: np.ndarray, extent: float, colour: str) -> float:
    """The share of ``points`` (inside the panel) at whose pixel the canvas shows
    ``colour`` as the page draws a point (85% over the background, give or take)."""
    side = pixels.shape[1]
    s = side / (2 * extent)
    px, py = ((points[:, 0] + extent) * s).astype(int), ((extent - points[:, 1]) * s).astype(int)
    inside = (px >= 2) & (px < side - 2) & (py >= 2) & (py < side - 2)
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    want = 0.85 * rgb + 0.15 * 255
    got = pixels[py[inside], px[inside]]
    return float((np.abs(got - want).max(axis=1) < 45).mean())


def _run(data: dict, label: str) -> dict:
    return next(r for r in data["runs"] if r["label"] == label)


def _state_points(data: dict, shown: dict) -> np.ndarray:
    """The recorded points of the state the page names (its run's label, its step k)."""
    run = _run(data, shown["label"])
    return _decode(run["frames"][run["states"].index(shown["k"])])


def _colour(key: str, panel: int = 0) -> str:
    return (PALETTE["ddim"], PALETTE["flow"])[panel] if key == "flow" else PALETTE["cloud"]


def _assert_draws_the_named_state(page, data: dict, key: str) -> dict:
    """The readout names a recorded state; the slider stands at its frame; the canvas
    draws its points (and not those of the states beside it)."""
    shown = _shown(page)
    run = _run(data, shown["label"])
    j = run["states"].index(shown["k"])
    assert shown["value"] == j and shown["max"] == len(run["states"]) - 1, shown
    assert shown["t"] == pytest.approx(run["times"][j], abs=0.006), shown
    pixels = _pixels(page)
    assert _match(pixels, _decode(run["frames"][j]), data["extent"], _colour(key)) >= 0.95, shown
    return shown


# ---------------------------------------------------------------- the time slider

@pytest.mark.parametrize("key", TWINS)
def test_dragging_clicking_and_arrowing_the_slider_moves_t_and_redraws(page, twins, key):
    _open(page, twins, key)
    data = twins[1][key]
    before = _shown(page)
    first = _pixels(page)
    box = page.locator("#t").bounding_box()
    y = box["y"] + box["height"] / 2
    # a drag: the thumb (at the start), pressed and carried to 60% of the track
    page.mouse.move(box["x"] + 6, y)
    page.mouse.down()
    for f in (0.2, 0.4, 0.6):
        page.mouse.move(box["x"] + f * box["width"], y, steps=4)
    page.mouse.up()
    dragged = _assert_draws_the_named_state(page, data, key)
    assert dragged["value"] > 0.45 * dragged["max"] and dragged["k"] != before["k"], (before, dragged)
    assert np.abs(_pixels(page) - first).sum() > 0
    # a click on the track, a fifth of the way along
    box = page.locator("#t").bounding_box()
    assert box["y"] + box["height"] / 2 == y  # the slider has not moved (the readout keeps its two lines)
    page.mouse.click(box["x"] + 0.2 * box["width"], y)
    clicked = _assert_draws_the_named_state(page, data, key)
    assert 0.1 * clicked["max"] < clicked["value"] < 0.3 * clicked["max"], clicked
    # the keyboard: the slider has the focus after the click; → one frame on, ← back
    page.keyboard.press("ArrowRight")
    right = _assert_draws_the_named_state(page, data, key)
    assert right["value"] == clicked["value"] + 1
    page.keyboard.press("ArrowLeft")
    assert _assert_draws_the_named_state(page, data, key)["value"] == clicked["value"]


def test_touch_drags_the_slider_and_scrubs_on_the_picture(page, twins):
    """A finger on the slider's thumb, dragged; a finger dragged sideways across the picture
    (CDP touch events: a touchscreen's own input); a tap on a point follows it."""
    _open(page, twins, "reverse")
    data = twins[1]["reverse"]
    cdp = page.context.new_cdp_session(page)

    def touch_drag(x0, y0, x1, y1, steps=8):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for i in range(1, steps + 1):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
                {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    box = page.locator("#t").bounding_box()
    y = box["y"] + box["height"] / 2
    touch_drag(box["x"] + 6, y, box["x"] + 0.5 * box["width"], y)
    slid = _assert_draws_the_named_state(page, data, "reverse")
    assert 0.35 * slid["max"] < slid["value"] < 0.65 * slid["max"], slid
    cv = page.locator("canvas").bounding_box()
    touch_drag(cv["x"] + 0.3 * cv["width"], cv["y"] + 0.9 * cv["height"],
               cv["x"] + 0.55 * cv["width"], cv["y"] + 0.9 * cv["height"])
    scrubbed = _assert_draws_the_named_state(page, data, "reverse")
    assert scrubbed["value"] > slid["value"] + 0.15 * slid["max"], (slid, scrubbed)
    # a tap on a point: the point nearest the finger is followed (its marker drawn there)
    _tap_a_point_and_see_it_followed(page, data, "reverse", lambda x, y: page.touchscreen.tap(x, y))


def _tap_a_point_and_see_it_followed(page, data, key, tap):
    shown = _shown(page)
    pts = _state_points(data, shown)
    side = page.locator("canvas").bounding_box()
    ext = data["extent"]
    inside = np.flatnonzero((np.abs(pts) < 0.9 * ext).all(axis=1))
    i = inside[len(inside) // 2]
    x = side["x"] + 1 + (pts[i, 0] + ext) / (2 * ext) * (side["width"] - 2)
    y = side["y"] + 1 + (ext - pts[i, 1]) / (2 * ext) * (side["height"] - 2)
    before = _pixels(page)
    tap(x, y)
    after = _pixels(page)
    red = np.array([int(PALETTE["trail"][i:i + 2], 16) for i in (1, 3, 5)])
    is_red = np.abs(after - red).max(axis=2) < 30
    assert (is_red & ~(np.abs(before - red).max(axis=2) < 30)).sum() > 10, "no marker drawn"
    # the marker (a disc of a few pixels) is drawn on the point under the finger or pointer
    s = after.shape[1] / side["width"]
    cx, cy = int((x - side["x"]) * s), int((y - side["y"]) * s)
    assert is_red[cy - 2:cy + 3, cx - 2:cx + 3].all()


# ---------------------------------------------------------------- the other controls

def test_play_and_pause_by_click_and_by_key(page, twins):
    _open(page, twins, "reverse")
    page.click("#play")
    assert "Pausa" in page.locator("#play").inner_text()
    _wait(page, lambda p: _shown(p)["k"] > 100, timeout=10)
    page.click("#play")
    assert "Reproducir" in page.locator("#play").inner_text()
    paused = _shown(page)
    time.sleep(0.3)
    assert _shown(page) == paused  # stopped where it was
    _assert_draws_the_named_state(page, twins[1]["reverse"], "reverse")
    page.locator("canvas").focus()
    page.keyboard.press(" ")
    assert "Pausa" in page.locator("#play").inner_text()
    page.keyboard.press(" ")
    assert "Reproducir" in page.locator("#play").inner_text()


@pytest.mark.parametrize("key", TWINS)
def test_beat_buttons_by_click_and_by_keyboard(page, twins, key):
    _open(page, twins, key)
    data = twins[1][key]
    buttons = page.locator("#beats button")
    assert buttons.count() == len(data["beats"])
    for i, beat in enumerate(data["beats"]):
        if i % 2:
            buttons.nth(i).click()
        else:
            buttons.nth(i).focus()
            page.keyboard.press("Enter")
        shown = _assert_draws_the_named_state(page, data, key)
        run = data["runs"][beat["run"]]
        assert (shown["label"], shown["k"]) == (run["label"], beat["state"])
        assert page.locator("#beat").inner_text() == beat["sentence"]


def test_the_sampler_drop_down_by_mouse_and_by_keyboard(page, twins):
    _open(page, twins, "reverse")
    data = twins[1]["reverse"]
    page.select_option("#sampler", label="DDIM (50)")  # chosen in the drop-down
    assert _assert_draws_the_named_state(page, data, "reverse")["label"] == "DDIM (50)"
    page.locator("#sampler").focus()
    page.keyboard.press("ArrowUp")  # the closed drop-down's previous entry
    assert _assert_draws_the_named_state(page, data, "reverse")["label"] == "DDPM (1000)"


def test_the_x0_box_by_click_space_and_key(page, twins):
    _open(page, twins, "reverse")
    ghost = np.array([int(PALETTE["ghost"][i:i + 2], 16) for i in (1, 3, 5)])

    def orange():
        return int((np.abs(_pixels(page) - (0.5 * ghost + 0.5 * 255)).max(axis=2) < 30).sum())

    page.locator("#beats button").nth(1).click()  # t = T: x0-hat is the network's, not x itself
    assert orange() == 0
    page.click("#x0")
    assert page.is_checked("#x0")
    _wait(page, lambda p: orange() > 200, timeout=20)
    page.keyboard.press(" ")  # the box has the focus: space unticks it (and does not play)
    assert not page.is_checked("#x0") and "Reproducir" in page.locator("#play").inner_text()
    assert orange() == 0
    page.locator("canvas").focus()
    page.keyboard.press("x")
    assert page.is_checked("#x0") and orange() > 200


def test_a_seed_and_resample_compute_a_live_ddpm_run_in_seconds(page, twins):
    _open(page, twins, "reverse")
    first = _pixels(page)
    page.locator("#seed").click(click_count=3)
    page.keyboard.type("7")
    start = time.monotonic()
    page.click("#resample")
    _wait(page, lambda p: _shown(p)["live"] and "calculando" not in p.locator("#beat").inner_text(), timeout=60)
    seconds = time.monotonic() - start
    shown = _shown(page)
    assert (shown["label"], shown["k"], shown["K"], shown["value"]) == ("DDPM (1000)", 1000, 1000, 1000)
    assert seconds < 20, seconds  # about 4 s on this machine's Chromium (benchmarks/twin_benchmark.py)
    # what is drawn is the live run's last state
    live = np.array(page.evaluate("twin.state()[0].points")).reshape(-1, 2)
    assert _match(_pixels(page), live, twins[1]["reverse"]["extent"], PALETTE["cloud"]) >= 0.95
    assert np.abs(_pixels(page) - first).sum() > 0
    # Enter in the seed field resamples too (DDIM now: under a second)
    page.select_option("#sampler", label="DDIM (50)")
    page.locator("#seed").click(click_count=3)
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    _wait(page, lambda p: _shown(p)["live"] and _shown(p)["K"] == 50 and
          "calculando" not in p.locator("#beat").inner_text(), timeout=30)
    assert page.evaluate("twin.state()[0].run") == "live-ddim"


def test_guidance_w_by_keyboard_and_drag(page, twins):
    _open(page, twins, "guidance")
    data = twins[1]["guidance"]
    assert _shown(page)["label"] == "w = 7"
    page.locator("#w").focus()
    page.keyboard.press("ArrowLeft")  # 6.75: not one of the video's w: computed live, DDIM-25
    assert page.locator("#w-value").inner_text() == "6.75"
    _wait(page, lambda p: _shown(p)["live"] and _shown(p)["K"] == 25 and
          "calculando" not in p.locator("#beat").inner_text(), timeout=60)
    assert _shown(page)["label"].startswith("w = 6.75")
    # a drag to the far left: w = 0, the video's own run
    box = page.locator("#w").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 20, box["y"] + box["height"] / 2, steps=6)
    page.mouse.up()
    assert page.locator("#w-value").inner_text() == "0"
    _wait(page, lambda p: _shown(p)["label"] == "w = 0", timeout=20)
    _assert_draws_the_named_state(page, data, "guidance")


def test_flow_step_count_typed_and_stepped(page, twins):
    _open(page, twins, "flow")
    data = twins[1]["flow"]
    page.locator("#steps").click(click_count=3)
    page.keyboard.type("10")
    page.keyboard.press("Enter")
    _wait(page, lambda p: _shown(p)["live"] and _shown(p)["K"] == 10, timeout=30)
    assert page.locator(".panel .head").nth(0).inner_text() and page.locator("canvas").count() == 2
    page.locator("#steps").click(click_count=3)
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # the video's own count: its recorded runs, played
    _wait(page, lambda p: _shown(p)["label"] == "DDIM (5)" and not _shown(p)["live"], timeout=10)
    page.click("#play")  # pause it, then a beat: the recorded state, in both panels
    page.locator("#beats button").nth(3).click()
    shown = _assert_draws_the_named_state(page, data, "flow")
    flow = _run(data, "Flow (5)")
    j = flow["states"].index(shown["k"])
    assert _match(_pixels(page, 1), _decode(flow["frames"][j]), data["extent"], PALETTE["flow"]) >= 0.95


def test_clicking_a_point_follows_it(page, twins):
    _open(page, twins, "forward")
    page.locator("#beats button").nth(2).click()
    _tap_a_point_and_see_it_followed(page, twins[1]["forward"], "forward", lambda x, y: page.mouse.click(x, y))


# ---------------------------------------------------------------- without JavaScript, on a phone and a tablet

@pytest.mark.parametrize("key", TWINS)
def test_without_javascript_a_twin_shows_its_title_sentence_and_still(browser, twins, key):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(twins[0][key].as_uri())
    data = twins[1][key]
    assert page.locator("h1").inner_text() == data["text"][data["title"]]
    body = page.locator("body").inner_text()
    assert data["text"]["twin_about"] in body and "Esta página necesita JavaScript" in body
    img = page.locator("#nojs img")
    assert img.is_visible() and img.bounding_box()["width"] > 200
    shot = np.asarray(Image.open(io.BytesIO(img.screenshot())).convert("RGB")).astype(int)
    assert (np.abs(shot - 255).max(axis=2) > 60).mean() > 0.02  # points drawn, not a blank
    assert not page.locator("main").is_visible()  # no empty controls
    context.close()


@pytest.mark.parametrize("size", [(375, 667), (768, 1024)])
@pytest.mark.parametrize("key", ["reverse", "flow"])
def test_on_a_phone_and_a_tablet_nothing_is_cut_and_touch_works(browser, twins, key, size, tmp_path):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(twins[0][key].as_uri())
    _wait(page, lambda p: p.locator("#readout").inner_text() != "")
    width = size[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
    canvases = [page.locator("canvas").nth(i).bounding_box() for i in range(page.locator("canvas").count())]
    for c in canvases:
        assert abs(c["width"] - c["height"]) < 1 and c["x"] >= 0 and c["x"] + c["width"] <= width
    assert sum(c["width"] for c in canvases) > 0.85 * width  # as large as the width allows
    side = page.locator("#side").bounding_box()
    assert side["y"] >= max(c["y"] + c["height"] for c in canvases) - 1  # the controls below the picture
    for sel in ["#play", "#t", "#resample", "#seed", "#beats button >> nth=0"]:
        b = page.locator(sel).bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= width, sel
    page.screenshot(path=str(tmp_path / f"{key}_{width}.png"), full_page=True)
    # a tap on the slider's track moves t
    page.locator("#t").scroll_into_view_if_needed()
    box = page.locator("#t").bounding_box()
    page.touchscreen.tap(box["x"] + 0.5 * box["width"], box["y"] + box["height"] / 2)
    assert _shown(page)["value"] > 0
    context.close()
