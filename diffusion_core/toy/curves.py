"""Distance to the data against the number of network evaluations, for the samplers of
the flow scene: how many steps each needs to land on the data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from ..io import atomic_write
from ..paths import cache_dir
from ..samplers import DDIM, FlowEuler, Sampler
from ..sampling import sample
from .cache import config_key, load_or_train
from .data import sample_data
from .metrics import distance_report
from .train import TrainConfig

__all__ = ["CURVE_STEPS", "CURVE_SAMPLERS", "distance_by_steps"]

CURVE_STEPS = (1, 2, 3, 5, 10, 20, 50, 100)  # network evaluations a sample costs


def _ddpm(k: int) -> Sampler:
    # DDPM on k of the T timesteps: DDIM with eta = 1 (Song et al. 2021, sec. 4.1: eta = 1
    # makes each step DDPM's posterior on the sub-sequence; with k = T it is DDPM itself)
    return DDIM(steps=k, eta=1.0)


CURVE_SAMPLERS = {
    "ddpm": _ddpm,
    "ddim": lambda k: DDIM(steps=k),
    "flow": lambda k: FlowEuler(steps=k),
}


def distance_by_steps(diffusion: TrainConfig, flow: TrainConfig, steps=CURVE_STEPS, n: int = 2000,
                      seed: int = 0) -> dict:
    """SWD(samples, fresh data) / SWD(data, data') for each sampler at each number of
    network evaluations k: DDPM and DDIM on the diffusion model, Euler steps on the flow
    model (trained on the same data), every run from the same seed. Computed once, then
    read from cache_dir()/curves/ (a distance, not a time: no machine can change it).

    Returns:
        {"steps": [...], "ddpm": [...], "ddim": [...], "flow": [...], "floor": SWD(data, data'), "n": n}
    """
    if diffusion.data != flow.data or diffusion.objective != "eps" or flow.objective != "velocity":
        raise ValueError("need a diffusion model (eps) and a flow model (velocity) of the same data set")
    steps = [int(k) for k in steps]
    name = hashlib.sha256(json.dumps([config_key(diffusion), config_key(flow), steps, n, seed]).encode()).hexdigest()[:16]
    path = cache_dir() / "curves" / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    models = {"eps": load_or_train(diffusion), "velocity": load_or_train(flow)}
    data_a = sample_data(diffusion.data, n, seed=10_000 + seed)
    data_b = sample_data(diffusion.data, n, seed=20_000 + seed)
    out: dict = {"steps": steps, "n": n}
    for kind, make in CURVE_SAMPLERS.items():
        ratios = []
        for k in steps:
            config = make(k)
            result = models[config.objective]
            traj = sample(result.model, result.schedule, (n, 2), config, generator=torch.Generator().manual_seed(seed),
                          record=False)
            report = distance_report(traj.samples, data_a, data_b)
            ratios.append(report.ratio)
            out["floor"] = report.floor
        out[kind] = ratios
    try:
        with atomic_write(Path(path)) as tmp:
            Path(tmp).write_text(json.dumps(out))
    except OSError:
        pass  # a cache that cannot be written costs time, never the result
    return out
