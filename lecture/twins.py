"""Interactive twins of the 2D scenes: one self-contained HTML file per scene, holding
the trajectories its video draws (the same seeds, the same x_T, the frames it shows)
and the weights of the very model it shows, with a plain-JavaScript forward pass and
the samplers written for them (lecture/twin/core.js). No network, no CDN, no server:
it opens from file:// and inside a deck built with ``--interactive``.

What is shipped and how exactly:
- weights: float32, as trained; the page computes in float64 (tests: the forward pass
  equals torch's within 1e-5 of the output's scale on 1,000 fixed inputs);
- frames: the first ``TWIN_POINTS`` of the video's points (each point's path depends
  on its own noise only, so these are the video's own paths), at the states the video
  shows; each frame as 16-bit steps between its least and greatest coordinate when that
  keeps it within ``FRAME_TOL`` of the recorded float32 frame, else as float32.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from diffusion_core import (
    DDIM,
    DDPM,
    DataConfig,
    FlowEuler,
    Guidance,
    MLPConfig,
    ScheduleConfig,
    TrainConfig,
    cached_trajectory,
    checkpoint_path,
    config_key,
    load_or_train,
    sample_data,
)
from diffusion_core.io import atomic_write
from lecture.twin_wasm import dense_module_b64
from scenes import colour as palette
from scenes.home import TOY_DEFAULTS, SceneSpec
from scenes.kit.strings import tr
from scenes.registry import LANGS, SCENES

__all__ = ["TWINS", "TWIN_POINTS", "FRAME_TOL", "MAX_TWIN_BYTES", "TwinError", "twin_data", "write_twin", "export_mlp",
           "twin_file_name", "twin_train", "twin_trajectory", "PALETTE", "SETTINGS", "VIDEOS"]

TWIN_POINTS = 1000  # points a twin draws (of the video's 3,000 or 2,000): smooth scrubbing, and under 1.5 MB
FRAME_TOL = 1e-4  # a shipped frame's largest difference from the recorded one (0.01 px); a beat's frame is exact
MAX_TWIN_BYTES = 1_500_000
ASSETS = Path(__file__).with_name("twin")
# the scenes' own colours and font (scenes/colour.py, which the drawing kit reads too)
PALETTE = {"background": palette.BACKGROUND, "ink": palette.INK, "accent": palette.ACCENT, "muted": palette.MUTED,
           "cloud": palette.CLOUD, "ghost": palette.GHOST, "trail": palette.HIGHLIGHTS[0], "ddim": palette.HIGHLIGHTS[0],
           "flow": palette.HIGHLIGHTS[1], "font": palette.FONT}


class TwinError(ValueError):
    """A twin that cannot be written: one line for the user."""


@dataclass(frozen=True)
class Pace:
    """How the video moves through its states: ``run_time`` seconds, the state index
    ``K * rate(s)`` at s in [0, 1] ("in": s^1.6, "out": 1 - (1 - s)^1.6, "linear")."""

    run_time: float
    rate: str

    def at(self, s: np.ndarray) -> np.ndarray:
        if self.rate == "in":
            return s ** 1.6
        if self.rate == "out":
            return 1 - (1 - s) ** 1.6
        return s

    def states(self, K: int, shown: int) -> list[int]:
        """The state indices the video shows at ``shown`` + 1 evenly spaced moments."""
        return sorted({int(round(K * v)) for v in self.at(np.linspace(0, 1, shown + 1))} | {0, K})


# Each twin is its scene's: the settings, pace and beats of its home (scenes/homes/), which the
# scene's class draws with too.
SEED, T = TOY_DEFAULTS["seed"], TOY_DEFAULTS["T"]
HOMES = {spec.key: spec for spec in SCENES.values() if spec.twin and not spec.twin.page}  # a page each
TWINS = tuple(HOMES)
VIDEOS = {spec.key: spec.twin.page or spec.key for spec in SCENES.values() if spec.twin}  # a scene's video -> its twin
SETTING_NAMES = ("dataset", "n_points", "weights", "label", "many", "few")  # what a twin reads of its scene's settings


def twin_settings(spec: SceneSpec) -> dict:
    """The settings a twin of ``spec`` draws with: its scene's, and its video's pace."""
    s = {name: spec.setting(name) for name in SETTING_NAMES if name in spec.settings or name in TOY_DEFAULTS}
    s["pace"] = Pace(float(spec.settings["run_time"]), spec.twin.pace)
    return s


SETTINGS = {key: twin_settings(spec) for key, spec in HOMES.items()}


def twin_file_name(scene: str, lang: str) -> str:
    """'reverse.html', 'reverse_en.html' (the registry's language suffix)."""
    return f"{scene}.html" if lang == LANGS[0] else f"{scene}_{lang}.html"


def _b64(a: np.ndarray, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def _frame(x: np.ndarray, exact: bool = False) -> dict:
    """One frame (n, 2) as shipped: 16-bit steps per coordinate when within FRAME_TOL and
    not ``exact``, else float32 (the recorded values themselves)."""
    x = np.asarray(x, dtype=np.float32)
    if not np.isfinite(x).all():
        raise TwinError("a recorded frame holds NaN or infinite values: no twin written")
    if exact:
        return {"f32": _b64(x, "<f4")}
    lo, hi = x.min(axis=0).astype(np.float64), x.max(axis=0).astype(np.float64)
    span = np.maximum(hi - lo, 1e-12)
    q = np.round((x - lo) / span * 65535).astype(np.uint16)
    back = lo + q.astype(np.float64) * (span / 65535)
    if np.abs(back - x).max() <= FRAME_TOL:
        return {"u16": _b64(q, "<u2"), "lo": lo.tolist(), "span": span.tolist()}
    return {"f32": _b64(x, "<f4")}


def export_mlp(model) -> dict:
    """The toy denoiser's weights for core.js (float32, as trained)."""
    cfg = model.config
    net = list(model.net)
    linears = [net[0]] + [block.ff for block in net[2:-1]] + [net[-1]]
    spec = {"hidden": cfg.hidden, "emb_dim": cfg.emb_dim, "input_scale": cfg.input_scale, "n_classes": cfg.n_classes,
            "objective": model.objective, "freqs": _b64(model.x_emb.freqs.numpy(), "<f4"),
            "layers": [{"w": _b64(lin.weight.detach().numpy(), "<f4"), "b": _b64(lin.bias.detach().numpy(), "<f4"),
                        "shape": list(lin.weight.shape)} for lin in linears]}
    if cfg.n_classes:
        spec["c_emb"] = _b64(model.c_emb.weight.detach().numpy(), "<f4")
    return spec


def _erf_pieces() -> list[dict]:
    """erf as Chebyshev series on [0,1], [1,2], [2,3], [3,4], [4,6] (core.js: makeErf)."""
    pieces = []
    for a, b in ((0, 1), (1, 2), (2, 3), (3, 4), (4, 6)):
        c = np.polynomial.chebyshev.chebinterpolate(
            lambda u, a=a, b=b: np.vectorize(math.erf)((u * (b - a) + a + b) / 2), 14)
        pieces.append({"a": a, "b": b, "c": c.tolist()})
    return pieces


def twin_train(dataset: str, **settings) -> TrainConfig:
    """The training of a twin's model: the scenes' (ToyModelScene.train_config) with ``settings``."""
    return TrainConfig(data=DataConfig(dataset), schedule=ScheduleConfig("linear", T), **settings)


def twin_trajectory(train: TrainConfig, sampler, n: int, guidance: Guidance | None = None):
    """The scene's own trajectory, from the same cache (scenes.kit.playback.toy_trajectory)."""

    def load():
        result = load_or_train(train)
        return result.model, result.schedule

    note = (f"{train.data.key}: sampling {sampler.describe(T)} for {n} points once, as the scene does "
            "(then cached)" + (f", guidance w = {guidance.w:g}" if guidance else ""))
    return cached_trajectory(config_key(train), load, (n, 2), sampler, T, SEED, guidance=guidance, note=note,
                             model_file=checkpoint_path(train))


def _run(key: str, label: str, traj_xs: np.ndarray, times, states: list[int], sampler: dict, model: str | None,
         pace: Pace, guidance: dict | None = None, nfe_per_step: int = 1) -> dict:
    """A recorded run: its first TWIN_POINTS points at the video's ``states``; its first
    and last state exact (the beats show them)."""
    xs = traj_xs[:, :TWIN_POINTS]
    K = len(xs) - 1
    return {"key": key, "label": label, "sampler": sampler, "model": model, "guidance": guidance, "K": K,
            "states": states, "times": [float(times[k]) for k in states], "frames": [_frame(xs[k], exact=k in (0, K)) for k in states],
            "pace": {"run_time": pace.run_time, "rate": pace.rate}, "nfe_per_step": nfe_per_step}


def _strings(lang: str, keys: list[str]) -> dict:
    return {k: tr(k, lang) for k in keys}


UI_KEYS = ["twin_about", "twin_nojs", "twin_play", "twin_pause", "twin_step", "twin_nfe", "twin_x0", "twin_resample", "twin_seed", "twin_sampler",
           "twin_w", "twin_steps", "twin_follow", "twin_recorded", "twin_live", "twin_working", "twin_slow", "twin_keys",
           "twin_points", "twin_data", "twin_t"]


def twin_data(scene: str, lang: str) -> dict:
    """Everything a twin page holds, as a JSON-ready dict."""
    if scene not in HOMES:
        raise TwinError(f"no twin for {scene!r}; twins: {', '.join(TWINS)}")
    if lang not in LANGS:
        raise TwinError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    s = twin_settings(HOMES[scene])
    train = twin_train(s["dataset"])
    data = sample_data(DataConfig(s["dataset"]), s["n_points"], seed=SEED + 1).numpy()[:TWIN_POINTS]
    out = {"scene": scene, "lang": lang, "T": T, "betas": _b64(train.schedule.build().betas.numpy(), "<f8"),
           "erf": _erf_pieces(), "wasm": dense_module_b64(), "palette": PALETTE, "points": TWIN_POINTS, "video_points": s["n_points"], "seed": SEED,
           "data": _frame(data), "models": {}, "runs": [], "beats": [], "extent": 4.0,  # the video's panel: [-4, 4]^2
           "title": f"{scene}_title", "subtitle": f"{scene}_sub"}
    extra = _MAKERS[HOMES[scene].twin.runs](out, s, train)
    out["beats"] = [{"key": b.key, "sentence": tr(f"beat_{b.key}", lang), "run": b.twin[0],
                     "state": out["runs"][b.twin[0]]["K"] if b.twin[1] == -1 else b.twin[1]}
                    for b in HOMES[scene].beats]
    out["text"] = _strings(lang, UI_KEYS + [out["title"], out["subtitle"], *extra])
    return out


def _ui(control: str | None = None, live: str = "sampler", x0: bool = True, keys: str = "twin_keys",
        data_alpha: float = 0.28, panels: list | None = None) -> dict:
    """What a twin's page shows and lets a student change (ui.js reads it; nothing there
    branches on the scene's name): ``control``, the one setting beside the seed ('sampler',
    'steps', 'w' or None); ``live``, what Resample runs ('chain': the forward chain; 'sampler':
    the shown run's sampler; 'guided': guided DDIM at the chosen w; 'pair': DDIM and the
    flow at the chosen steps); ``x0``, whether x0-hat can be shown; ``keys``, the key help's
    string; ``data_alpha``, the data cloud's opacity behind the run; ``panels``, each
    panel's [heading string or None, palette colour]."""
    return {"control": control, "live": live, "x0": x0, "keys": keys, "data_alpha": data_alpha,
            "panels": panels or [[None, "cloud"]]}


def _forward(out: dict, s: dict, train: TrainConfig) -> list[str]:
    """The forward chain of the scene's data (schedule.forward_chain, the scene's seed)."""
    schedule, pace = train.schedule.build(), s["pace"]
    x0 = sample_data(DataConfig(s["dataset"]), s["n_points"], seed=SEED).double()
    chain = schedule.forward_chain(x0, torch.Generator().manual_seed(SEED)).numpy()
    out["runs"].append(_run("forward", "q(xₜ | xₜ₋₁)", chain, np.arange(T + 1), pace.states(T, 100),
                            {"name": "forward"}, None, pace))
    out["ui"] = _ui(live="chain", x0=False, keys="twin_keys_forward", data_alpha=0.0)  # no network: no x0-hat
    return ["twin_keys_forward"]


def _reverse(out: dict, s: dict, train: TrainConfig) -> list[str]:
    """DDPM (reverse) and DDIM-50 (reverse-ddim) from the same x_T: the videos' own runs."""
    out["models"]["eps"] = export_mlp(load_or_train(train).model)
    specs = (("ddpm", "DDPM", DDPM(), 90, {"name": "ddpm", "variance": "beta"}),
             ("ddim", "DDIM", DDIM(steps=50), 50, {"name": "ddim", "steps": 50, "eta": 0}))
    for key, label, sampler, shown, spec in specs:
        traj = twin_trajectory(train, sampler, s["n_points"])
        K = len(traj.xs) - 1
        out["runs"].append(_run(key, f"{label} ({K})", traj.xs.numpy(), traj.timesteps.numpy(),
                                s["pace"].states(K, min(shown, K)), spec, "eps", s["pace"]))
    out["ui"] = _ui(control="sampler", live="sampler")
    return []


def _guidance(out: dict, s: dict, train: TrainConfig) -> list[str]:
    """The conditional model's four guided DDPM runs (w = 0, 1, 3, 7) from one x_T."""
    train = twin_train(s["dataset"], model=MLPConfig(n_classes=2))
    out["models"]["eps"] = export_mlp(load_or_train(train).model)
    for w in s["weights"]:
        g = Guidance(s["label"], w)
        traj = twin_trajectory(train, DDPM(), s["n_points"], g)
        out["runs"].append(_run(f"w{w:g}", f"w = {w:g}", traj.xs.numpy(), traj.timesteps.numpy(),
                                s["pace"].states(T, 40), {"name": "ddpm", "variance": "beta"}, "eps", s["pace"],
                                {"label": s["label"], "w": w}, g.evaluations))
    out["guidance"] = {"label": s["label"], "weights": list(s["weights"]), "max": 7}
    out["extent"] = 2.6
    out["ui"] = _ui(control="w", live="guided")
    return [f"class_{s['dataset']}_{c}" for c in (0, 1)]


def _flow(out: dict, s: dict, train: TrainConfig) -> list[str]:
    """DDIM and the flow's Euler steps from one x_T, with 50 and with 5 evaluations."""
    flow_train = twin_train(s["dataset"], objective="velocity")
    out["models"]["eps"] = export_mlp(load_or_train(train).model)
    out["models"]["velocity"] = export_mlp(load_or_train(flow_train).model)
    out["extent"] = 2.2
    for k in (s["many"], s["few"]):
        pace = Pace(s["pace"].run_time * (0.5 if k < 10 else 1.0), "linear")  # scenes/flow.py: race
        for label, model, cfg, sampler in (("DDIM", "eps", train, DDIM(steps=k)),
                                           ("Flow", "velocity", flow_train, FlowEuler(steps=k))):
            traj = twin_trajectory(cfg, sampler, s["n_points"])
            spec = {"name": sampler.name, "steps": k, **({"eta": 0} if isinstance(sampler, DDIM) else {})}
            out["runs"].append(_run(f"{sampler.name}{k}", f"{label} ({k})", traj.xs.numpy(), traj.timesteps.numpy(),
                                    list(range(k + 1)), spec, model, pace))
    out["flow"] = {"many": s["many"], "few": s["few"]}
    out["ui"] = _ui(control="steps", live="pair", panels=[["flow_ddim", "ddim"], ["flow_flow", "flow"]])
    return ["flow_ddim", "flow_flow"]


_MAKERS = {"chain": _forward, "samplers": _reverse, "guided": _guidance, "pair": _flow}  # by Twin.runs


POSTER_PX = 320  # the side of each panel of the still a page without JavaScript shows


def _decode(frame: dict) -> np.ndarray:
    """A shipped frame back to (n, 2) float64 (as ui.js decodes it)."""
    if "f32" in frame:
        return np.frombuffer(base64.b64decode(frame["f32"]), "<f4").astype(np.float64).reshape(-1, 2)
    q = np.frombuffer(base64.b64decode(frame["u16"]), "<u2").astype(np.float64).reshape(-1, 2)
    return np.asarray(frame["lo"]) + q * (np.asarray(frame["span"]) / 65535)


def poster_runs(data: dict) -> list[dict]:
    """The runs the still shows: the video's last picture (the flow's two panels, else the first run)."""
    return data["runs"][:len(data["ui"]["panels"])]  # one panel each (the flow twin's two)


def poster_png(data: dict) -> bytes:
    """The still a page without JavaScript shows: each run's last recorded state as the
    page draws it (the same extent, colours and data cloud), one panel per run."""
    runs, side, ext = poster_runs(data), POSTER_PX, data["extent"]
    colours = [PALETTE[colour] for _, colour in data["ui"]["panels"]]
    img = Image.new("RGB", (side * len(runs) + 8 * (len(runs) - 1), side), "#FFFFFF")
    draw = ImageDraw.Draw(img)
    cloud = _decode(data["data"])

    def dots(xy, colour, r):
        px = (xy[:, 0] + ext) * side / (2 * ext)
        py = (ext - xy[:, 1]) * side / (2 * ext)
        for x, y in zip(px, py):
            draw.rectangle([left + x - r, y - r, left + x + r, y + r], fill=colour)

    for p, (run, colour) in enumerate(zip(runs, colours)):
        left = p * (side + 8)
        draw.rectangle([left, 0, left + side - 1, side - 1], outline="#D5DBE1")
        if data["ui"]["data_alpha"] > 0:
            dots(cloud, "#D9DDE1", 0.9)  # the data, faint (the page draws it at 28%)
        dots(_decode(run["frames"][-1]), colour, 1.1)
    buf = io.BytesIO()
    img.quantize(colors=16).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _page(data: dict) -> str:
    page = (ASSETS / "page.html").read_text(encoding="utf-8")
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    text = data["text"]
    poster = "data:image/png;base64," + base64.b64encode(poster_png(data)).decode("ascii")
    alt = tr("twin_poster", data["lang"]).format(label=" · ".join(r["label"] for r in poster_runs(data)))
    return (page.replace("{{LANG}}", data["lang"])
            .replace("{{TITLE}}", html.escape(text[data["title"]]))
            .replace("{{SUBTITLE}}", html.escape(text[data["subtitle"]]))
            .replace("{{ABOUT}}", html.escape(text["twin_about"]))
            .replace("{{NOJS}}", html.escape(text["twin_nojs"]))
            .replace("{{POSTER_ALT}}", html.escape(alt))
            .replace("{{POSTER}}", poster)
            .replace("/*{{CORE}}*/", (ASSETS / "core.js").read_text(encoding="utf-8"))
            .replace("/*{{UI}}*/", (ASSETS / "ui.js").read_text(encoding="utf-8"))
            .replace("/*{{DATA}}*/", f"const TWIN_DATA = {blob};"))


def write_twin(scene: str, lang: str, out_dir: Path) -> Path:
    """Write the twin of ``scene`` in ``lang`` into ``out_dir`` (made if missing), atomically.

    Raises:
        TwinError: an unknown scene or language, an output folder that is a file, a page
            over ``MAX_TWIN_BYTES``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise TwinError(f"--out {out_dir} is a file, not a folder")
    text = _page(twin_data(scene, lang))
    size = len(text.encode("utf-8"))
    if size > MAX_TWIN_BYTES:
        raise TwinError(f"the {scene} twin would be {size / 1e6:.2f} MB, over the {MAX_TWIN_BYTES / 1e6:.1f} MB limit")
    path = out_dir / twin_file_name(scene, lang)
    try:
        with atomic_write(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:  # named as the folder the user gave, not our hidden temporary file
        raise TwinError(f"cannot write into {out_dir}: {exc.strerror or exc}") from exc
    return path
