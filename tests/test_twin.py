"""The interactive twins (lecture/twins.py, lecture/twin/): the same network and the same
trajectories as the videos, in the browser, checked against torch and the recorded runs."""

from __future__ import annotations

import base64
import json
import re
import shutil
import time

import numpy as np
import pytest
import torch

from diffusion_core import DDIM, DDPM, FlowEuler, Guidance, MLPConfig, load_or_train
from lecture.twins import (
    FRAME_TOL,
    MAX_TWIN_BYTES,
    SETTINGS,
    TWIN_POINTS,
    TWINS,
    TwinError,
    twin_data,
    twin_file_name,
    twin_train,
    twin_trajectory,
    write_twin,
)


def _decode(frame: dict) -> np.ndarray:
    if "f32" in frame:
        return np.frombuffer(base64.b64decode(frame["f32"]), "<f4").astype(np.float64).reshape(-1, 2)
    q = np.frombuffer(base64.b64decode(frame["u16"]), "<u2").astype(np.float64).reshape(-1, 2)
    return np.asarray(frame["lo"]) + q * (np.asarray(frame["span"]) / 65535)


def test_shipped_frames_are_the_recorded_states():
    """Every shipped frame is the recorded state within FRAME_TOL; the first and last exactly."""
    data = twin_data("reverse", "es")
    train = twin_train("moons")
    for run, traj in zip(data["runs"], (twin_trajectory(train, DDPM(), 3000), twin_trajectory(train, DDIM(steps=50), 3000))):
        xs = traj.xs.numpy()[:, :TWIN_POINTS].astype(np.float64)
        assert run["K"] == len(xs) - 1 and run["states"][0] == 0 and run["states"][-1] == run["K"]
        for k, frame in zip(run["states"], run["frames"]):
            err = np.abs(_decode(frame) - xs[k]).max()
            assert err <= (0 if k in (0, run["K"]) else FRAME_TOL), (run["key"], k, err)
        assert run["times"] == [float(t) for t in traj.timesteps.numpy()[run["states"]]]


@pytest.fixture(scope="module")
def twins_dir(twin_pages):
    return next(iter(twin_pages.values())).parent


def test_each_twin_is_one_small_self_contained_file(twins_dir, tmp_path):
    for key in TWINS:
        page = (twins_dir / twin_file_name(key, "es")).read_text(encoding="utf-8")
        assert len(page.encode()) <= MAX_TWIN_BYTES, key
        assert "default-src 'none'" in page  # the page may load nothing: no CDN, no server
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), key
        assert '<html lang="es">' in page
    en = write_twin("guidance", "en", tmp_path)
    assert en.name == "guidance_en.html" and "Classifier-free guidance" in en.read_text(encoding="utf-8")
    assert "Guía sin clasificador" in (twins_dir / "guidance.html").read_text(encoding="utf-8")


def test_twin_refusals(tmp_path):
    with pytest.raises(TwinError, match="no twin for 'gan'"):
        write_twin("gan", "es", tmp_path)
    with pytest.raises(TwinError, match="unknown language 'fr'"):
        write_twin("reverse", "fr", tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(TwinError, match="is a file"):
        write_twin("reverse", "es", tmp_path / "file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing half-written


def test_twin_command_writes_and_refuses(tmp_path):
    from click.testing import CliRunner

    from cli import cli

    result = CliRunner().invoke(cli, ["twin", "forward", "--lang", "en", "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "forward_en.html").is_file() and "open it in a browser" in result.output
    result = CliRunner().invoke(cli, ["twin", "gan", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "'gan' is not one of" in result.output


# ---------------------------------------------------------------- in Chromium

def _browser() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return shutil.which("chromium") is not None


BROWSER = pytest.mark.skipif(not _browser(), reason="needs Chromium and Playwright (./run.sh browser; CI has them)")


@pytest.fixture(scope="module")
def browser_page():
    from lecture.browser import chromium_page

    with chromium_page() as page:
        log = {"errors": [], "requests": []}
        page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("request", lambda r: log["requests"].append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        yield page, log


def _open(page, twins_dir, key):
    page.goto((twins_dir / twin_file_name(key, "es")).as_uri())
    page.wait_for_function("window.twin && window.twin.ready")


def _model(key: str):
    if key == "guidance":
        return load_or_train(twin_train("moons", model=MLPConfig(n_classes=2))).model.eval()
    if key == "velocity":
        return load_or_train(twin_train("8gaussians", objective="velocity")).model.eval()
    if key == "flow-eps":
        return load_or_train(twin_train("8gaussians")).model.eval()
    return load_or_train(twin_train("moons")).model.eval()


@BROWSER
@pytest.mark.parametrize("twin,model_name,model_key", [("reverse", "eps", "reverse"), ("guidance", "eps", "guidance"),
                                                       ("flow", "eps", "flow-eps"), ("flow", "velocity", "velocity")])
def test_javascript_forward_pass_equals_torch(browser_page, twins_dir, twin, model_name, model_key):
    """1,000 fixed inputs (x, t, class): each output within 1e-5 of its scale (max(|y|, 1): an
    output near 0 carries torch's own float32 rounding, about 1e-6, so a bare relative error
    means nothing there), and the whole batch within 1e-6 relative (the norm of the difference)."""
    page, log = browser_page
    _open(page, twins_dir, twin)
    model = _model(model_key)
    g = torch.Generator().manual_seed(7)
    x = (torch.randn(1000, 2, generator=g) * 1.7).float()
    if model_key == "velocity":
        clock = (torch.rand(1000, generator=g) * 1000).float()
    else:
        clock = torch.randint(1, 1001, (1000,), generator=g)
    labels = torch.randint(0, 3, (1000,), generator=g) if model_key == "guidance" else None
    with torch.no_grad():
        want = model(x, clock, labels).double().numpy()
    got = np.array(page.evaluate("([m, x, c, y]) => twin.forward(m, x, c, y)",
                                 [model_name, x.double().flatten().tolist(), clock.double().tolist(),
                                  None if labels is None else labels.tolist()])).reshape(-1, 2)
    err = np.abs(got - want) / np.maximum(np.abs(want), 1.0)
    assert err.max() <= 1e-5, err.max()  # each output, against its scale
    assert np.linalg.norm(got - want) / np.linalg.norm(want) <= 1e-6  # the batch, relative
    assert log["errors"] == [] and log["requests"] == []


def _err(got: np.ndarray, want: np.ndarray) -> float:
    """The largest difference, against the point's scale max(1, |x|): a point the model
    throws far off (y = 108 in the moons' DDIM-50 run) carries float32's rounding at its size."""
    return float((np.abs(got - want) / np.maximum(np.abs(want), 1.0)).max())


def _run_js(page, model, sampler, x_T, guidance=None, zs=None):
    return np.array(page.evaluate("([m, s, x, g, z]) => twin.runSync(m, s, x, g, z)",
                                  [model, sampler, x_T.flatten().tolist(), guidance, zs]))


@BROWSER
def test_javascript_samplers_reproduce_the_recorded_trajectories(browser_page, twins_dir):
    """From the recorded x_T: DDIM (eta 0) and the flow's Euler steps, every state within
    1e-4; DDPM too given the recorded z's (the first points of each step's draw)."""
    page, log = browser_page
    _open(page, twins_dir, "flow")
    for model, tr_cfg, sampler, spec in (
            ("eps", twin_train("8gaussians"), DDIM(steps=5), {"name": "ddim", "steps": 5, "eta": 0}),
            ("velocity", twin_train("8gaussians", objective="velocity"), FlowEuler(steps=50),
             {"name": "flow", "steps": 50}),
            ("velocity", twin_train("8gaussians", objective="velocity"), FlowEuler(steps=5),
             {"name": "flow", "steps": 5})):
        xs = twin_trajectory(tr_cfg, sampler, 2000).xs.numpy()[:, :300].astype(np.float64)
        got = _run_js(page, model, spec, xs[0])
        assert _err(got.reshape(len(xs) - 1, -1, 2), xs[1:]) <= 1e-4, spec
    _open(page, twins_dir, "reverse")
    train = twin_train("moons")
    xs = twin_trajectory(train, DDIM(steps=50), 3000).xs.numpy()[:, :300].astype(np.float64)
    got = _run_js(page, "eps", {"name": "ddim", "steps": 50, "eta": 0}, xs[0])
    assert _err(got.reshape(50, -1, 2), xs[1:]) <= 1e-4
    # DDPM: the recorded z's are the generator's draws after x_T (samplers.py: DDPM.step)
    n, m = 3000, 60
    gen = torch.Generator().manual_seed(0)
    x_T = torch.randn((n, 2), generator=gen)
    zs = [torch.randn((n, 2), generator=gen)[:m].double().flatten().tolist() for _ in range(1000)]
    xs = twin_trajectory(train, DDPM(), n).xs.numpy()[:, :m].astype(np.float64)
    assert np.array_equal(x_T[:m].numpy(), xs[0])
    got = _run_js(page, "eps", {"name": "ddpm", "variance": "beta"}, xs[0], None, zs)
    assert _err(got.reshape(1000, m, 2), xs[1:]) <= 1e-4
    # guided (w = 3: two evaluations a step), the guidance scene's run
    _open(page, twins_dir, "guidance")
    gtrain = twin_train("moons", model=MLPConfig(n_classes=2))
    gen = torch.Generator().manual_seed(0)
    torch.randn((1000, 2), generator=gen)
    zs = [torch.randn((1000, 2), generator=gen)[:m].double().flatten().tolist() for _ in range(1000)]
    xs = twin_trajectory(gtrain, DDPM(), 1000, Guidance(0, 3.0)).xs.numpy()[:, :m].astype(np.float64)
    got = _run_js(page, "eps", {"name": "ddpm", "variance": "beta"}, xs[0], {"label": 0, "w": 3.0}, zs)
    assert _err(got.reshape(1000, m, 2), xs[1:]) <= 1e-4
    assert page.evaluate("twin.ddimTimesteps(1000, 5)") == DDIM(steps=5).timesteps(1000)
    assert all(page.evaluate(f"twin.ddimTimesteps(1000, {k})") == DDIM(steps=k).timesteps(1000) for k in range(1, 101))
    assert log["errors"] == [] and log["requests"] == []


def _recorded(key: str) -> list[np.ndarray]:
    """Each run of a twin as the video recorded it (all states, the twin's points)."""
    s = SETTINGS[key]
    if key == "forward":
        from diffusion_core import DataConfig, sample_data

        schedule = twin_train("moons").schedule.build()
        x0 = sample_data(DataConfig("moons"), s["n_points"], seed=0).double()
        return [schedule.forward_chain(x0, torch.Generator().manual_seed(0)).numpy()[:, :TWIN_POINTS]]
    if key == "reverse":
        train = twin_train("moons")
        return [twin_trajectory(train, smp, 3000).xs.numpy()[:, :TWIN_POINTS] for smp in (DDPM(), DDIM(steps=50))]
    if key == "guidance":
        train = twin_train("moons", model=MLPConfig(n_classes=2))
        return [twin_trajectory(train, DDPM(), 1000, Guidance(0, w)).xs.numpy() for w in s["weights"]]
    diff, flow = twin_train("8gaussians"), twin_train("8gaussians", objective="velocity")
    return [twin_trajectory(cfg, smp(steps=k), 2000).xs.numpy()[:, :TWIN_POINTS]
            for k in (s["many"], s["few"]) for cfg, smp in ((diff, DDIM), (flow, FlowEuler))]


@BROWSER
@pytest.mark.parametrize("key", TWINS)
def test_at_each_beat_the_twin_shows_the_videos_recorded_frame(browser_page, twins_dir, key):
    """Set to a beat of the video, the points the twin exposes are the recorded state of
    that moment (float32 exact), and it loads with no console error and no request."""
    page, log = browser_page
    _open(page, twins_dir, key)
    recorded = _recorded(key)
    keys = [r["key"] for r in page.evaluate("twin.runs()")]
    beats = page.evaluate("twin.beats")
    assert [b["key"] for b in beats] == [b for b in json.loads(json.dumps([b["key"] for b in twin_data(key, "es")["beats"]]))]
    for i, beat in enumerate(beats):
        page.evaluate(f"twin.gotoBeat({i})")
        shown = page.evaluate("twin.state()")
        assert shown[0]["run"] == beat["run"] and shown[0]["state"] == beat["state"]
        want = recorded[keys.index(beat["run"])][beat["state"]]
        assert np.abs(np.array(shown[0]["points"]).reshape(-1, 2) - want).max() <= 1e-6, (key, beat)
    assert log["errors"] == [] and log["requests"] == []


@BROWSER
def test_a_student_can_play_scrub_follow_resample_and_steer(browser_page, twins_dir):
    page, log = browser_page
    _open(page, twins_dir, "reverse")
    page.focus("canvas")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("twin.state()[0].frame") == 1
    page.keyboard.press(" ")
    assert page.evaluate("twin.playing()")
    page.keyboard.press(" ")
    assert not page.evaluate("twin.playing()")
    page.keyboard.press("x")
    assert page.is_checked("#x0")
    page.select_option("#sampler", "ddim")
    assert page.evaluate("twin.state()[0].run") == "ddim"
    box = page.locator("canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.evaluate("twin.resample(5)")
    page.wait_for_function("!twin.busy() && twin.state()[0].run === 'live-ddim'", timeout=60_000)
    page.evaluate("twin.setFrame(1000)")
    final = np.array(page.evaluate("twin.state()[0].points"))
    # the live samples land on the moons' scale (DDIM-50 of this model throws a few points far off,
    # as its recorded run does)
    assert np.isfinite(final).all() and np.quantile(np.abs(final), 0.99) < 3
    _open(page, twins_dir, "guidance")
    page.evaluate("twin.setW(2.5)")
    page.wait_for_function("!twin.busy() && twin.state()[0].run === 'live-guided'", timeout=60_000)
    assert page.evaluate("twin.state()[0].state") == 25
    _open(page, twins_dir, "flow")
    page.evaluate("twin.setSteps(10)")
    page.wait_for_function("!twin.busy() && twin.state()[0].run === 'live-ddim'", timeout=60_000)
    assert [(s["run"], len(s["points"])) for s in page.evaluate("twin.state()")] == [("live-ddim", 2000),
                                                                                     ("live-flow", 2000)]
    assert page.evaluate("twin.runs().find(r => r.key === 'live-flow').K") == 10
    page.evaluate("twin.setSteps(5)")  # back to a count the video shows: its own runs
    assert [s["run"] for s in page.evaluate("twin.state()")] == ["ddim5", "flow5"]
    page.evaluate("twin.gotoBeat(3)")
    assert page.evaluate("twin.state()[0]")["run"] == "ddim5"
    assert log["errors"] == [] and log["requests"] == []


def test_twin_command_refuses_an_empty_out_and_names_an_unwritable_folder(tmp_path, monkeypatch):
    import os

    from click.testing import CliRunner

    from cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["twin", "forward", "--out", ""])
    assert result.exit_code == 2 and "--out" in result.output and "is empty" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.replace

    def refuse(src, dst, *a, **k):  # a read-only folder (root may write anywhere: the refusal is simulated)
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    result = CliRunner().invoke(cli, ["twin", "forward", "--out", str(locked)])
    monkeypatch.setattr(os, "replace", real)
    assert result.exit_code == 1, result.output
    line = result.output.strip().splitlines()[-1]
    assert line == f"Error: cannot write into {locked}: Permission denied", line
    assert ".part" not in result.output and list(locked.iterdir()) == []


@BROWSER
def test_the_webassembly_network_is_the_javascript_one_to_the_last_bit(browser_page, twins_dir):
    """In Chromium the network runs in WebAssembly SIMD (lecture/twin_wasm.py); it gives the
    plain JavaScript network's outputs exactly, and the erf table is within 3e-14 of the
    Chebyshev series it is made from."""
    page, log = browser_page
    for key, model in (("reverse", "eps"), ("guidance", "eps"), ("flow", "velocity")):
        _open(page, twins_dir, key)
        result = page.evaluate("""(model) => {
            const C = TwinCore, erf = C.makeErf(TWIN_DATA.erf), spec = TWIN_DATA.models[model];
            const fast = C.makeMLP(spec, erf, TWIN_DATA.wasm), plain = C.makeMLP(spec, erf, null);
            const rnd = C.normals(11), xs = C.fill(2 * 999, rnd).map((v) => 2 * v);
            let same = true;
            for (const clock of [1, 17.5, 500, 1000]) for (const label of spec.n_classes ? [0, 1, null] : [null]) {
              const a = fast(xs, clock, label), b = plain(xs, clock, label);
              for (let i = 0; i < a.length; i++) same = same && Object.is(a[i], b[i]);
            }
            let worst = 0;
            for (let i = -800000; i <= 800000; i++) { const x = i / 100000; worst = Math.max(worst, Math.abs(erf(x) - erf.cheb(x))); }
            return { simd: fast.simd, same, worst };
        }""", model)
        assert result["simd"] and result["same"], (key, result)
        assert result["worst"] <= 3e-14, result
    assert log["errors"] == [] and log["requests"] == []


@BROWSER
def test_a_live_run_in_the_workers_is_the_run_on_the_page(browser_page, twins_dir):
    """Resample (DDPM, seed 5) computes in Web Workers, each with its share of the points;
    joined, the states equal the same run computed on the page itself, bit for bit."""
    page, log = browser_page
    _open(page, twins_dir, "reverse")
    assert page.evaluate("twin.workers()") >= 1
    page.fill("#seed", "5")
    page.click("#resample")
    start = time.monotonic()
    while page.evaluate("twin.busy()") or page.evaluate("twin.state()[0].run") != "live-ddpm":
        assert time.monotonic() - start < 60
        time.sleep(0.1)
    live = page.evaluate("twin.state()[0].points")
    again = page.evaluate("""() => {
        const C = TwinCore, n = TWIN_DATA.points, rnd = C.normals(5), xT = C.fill(2 * n, rnd);
        const z = C.normals(5 * 7919 + 1), zs = Array.from({ length: 1000 }, () => Array.from(C.fill(2 * n, z)));
        const frames = twin.runSync("eps", { name: "ddpm", variance: "beta" }, Array.from(xT), null, zs);
        return frames[frames.length - 1];
    }""")
    assert live == again
    assert log["errors"] == [] and log["requests"] == []
