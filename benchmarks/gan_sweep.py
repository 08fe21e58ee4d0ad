"""The GAN against the DDPM on 8 Gaussians over a few seeds: modes covered (and the share
of samples near no mode) at the end of each GAN run and for the shipped DDPM's samples,
and the time each takes to make 2,000 samples (one thread's CPU time, best of 15).

    python benchmarks/gan_sweep.py [--seeds 0 1 2 3 4] [--dataset 8gaussians]

Each GAN run is the scene's configuration (GanConfig) with another seed; about 25 s each
on 2 CPU cores. The DDPM is the shipped default model of the data set, sampled (DDPM, all
1,000 steps) from the same seeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diffusion_core import (  # noqa: E402
    DDPM,
    DataConfig,
    GanConfig,
    TrainConfig,
    cpu_seconds,
    load_or_train,
    mode_centres,
    mode_coverage,
    sample,
    step_seconds,
    train_gan,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--dataset", default="8gaussians")
    ap.add_argument("-n", type=int, default=2000)
    args = ap.parse_args()
    data = DataConfig(args.dataset)
    centres, std = mode_centres(data)
    ddpm = load_or_train(TrainConfig(data=data), progress=False)
    print("| seed | GAN modes through training (steps 0 … 5000) | GAN at the end | DDPM |")
    print("|---|---|---|---|")
    for seed in args.seeds:
        start = time.perf_counter()
        run = train_gan(GanConfig(data=data, seed=seed))
        gan_s = time.perf_counter() - start
        path = " · ".join(f"{s}: {c.covered}" for s, c in zip(run.steps, run.coverage))
        traj = sample(ddpm.model, ddpm.schedule, (args.n, 2), DDPM(), record=False,
                      generator=torch.Generator().manual_seed(seed))
        d = mode_coverage(traj.samples, centres, std)
        g = run.coverage[-1]
        print(f"| {seed} | {path} | {g} | {d} |  <!-- GAN trained in {gan_s:.0f} s -->", flush=True)
    z = torch.randn(args.n, GanConfig().z_dim)
    gan_time = cpu_seconds(lambda: run.generator(z))
    x = torch.randn(args.n, 2)
    ddpm_time = step_seconds(ddpm.model, ddpm.schedule, x, DDPM()) * ddpm.schedule.T
    print(f"\n{args.n} samples: GAN {1000 * gan_time:.2f} ms (1 evaluation), DDPM {ddpm_time:.2f} s "
          f"({ddpm.schedule.T} evaluations): {ddpm_time / gan_time:.0f} times longer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
