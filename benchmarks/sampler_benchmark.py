"""DDPM (all T steps) against DDIM-50 (eta = 0): wall time on this machine, and the
distance of each to the data: the numbers behind the samplers scene, measured again.

    python benchmarks/sampler_benchmark.py                  # toy model, 3,000 points
    python benchmarks/sampler_benchmark.py --digits         # and the shipped MNIST UNet, 16 digits

The two samplers run alternately, ``--repeats`` times each, from the same seed (the same
x_T), without recording their states; the table gives the median and the range, and the
ratio of the medians. The scene itself shows the time of the one run it recorded (kept
in the trajectory cache), which on this noisy 2-core machine can lie anywhere in that range.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diffusion_core import (  # noqa: E402
    CONFIDENT,
    DDIM,
    DDPM,
    DataConfig,
    TrainConfig,
    classifier_path,
    classify,
    distance_report,
    load_classifier,
    load_mnist_checkpoint,
    load_or_train,
    mnist_checkpoint_path,
    sample,
    sample_data,
)


def time_samplers(model, schedule, shape, configs, repeats: int, seed: int = 0) -> list[list]:
    """[[(seconds, trajectory) for each repeat] for each config], run alternately."""
    runs = [[] for _ in configs]
    for _ in range(repeats):
        for i, config in enumerate(configs):
            traj = sample(model, schedule, shape, config, generator=torch.Generator().manual_seed(seed), record=False)
            runs[i].append((traj.meta["wall_s"], traj))
    return runs


def rows(name: str, configs, runs, T: int, extra) -> list[str]:
    medians = [statistics.median(s for s, _ in r) for r in runs]
    out = []
    for config, r, med in zip(configs, runs, medians):
        secs = [s for s, _ in r]
        out.append(f"| {name} | {config.describe(T)} | {config.n_steps(T)} | {med:.3f} | {min(secs):.3f} - {max(secs):.3f} "
                   f"| {extra(r[-1][1])} |")
    out.append(f"| {name} | DDPM / DDIM | {configs[0].n_steps(T) / configs[1].n_steps(T):.0f}x | "
               f"{medians[0] / medians[1]:.1f}x | | |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=3000, help="toy points (the scene's 3,000)")
    parser.add_argument("--digits", action="store_true", help="also the shipped MNIST UNet on 16 digits")
    args = parser.parse_args()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, repeats {args.repeats}")
    print("| model | sampler | network evaluations | median (s) | range (s) | quality |")
    print("|---|---|---|---|---|---|")

    result = load_or_train(TrainConfig(data=DataConfig("moons")), progress=False)
    configs = [DDPM(), DDIM(steps=50)]
    data_a, data_b = sample_data(DataConfig("moons"), args.n, seed=1), sample_data(DataConfig("moons"), args.n, seed=2)
    runs = time_samplers(result.model, result.schedule, (args.n, 2), configs, args.repeats)

    def swd(traj):
        report = distance_report(traj.samples, data_a, data_b)
        return f"SWD {report.distance:.3f} (floor {report.floor:.3f})"

    print("\n".join(rows(f"toy moons, {args.n} points", configs, runs, result.schedule.T, swd)), flush=True)

    if args.digits:
        unet = load_mnist_checkpoint(mnist_checkpoint_path())
        classifier, _ = load_classifier(classifier_path())
        configs = [DDPM(clip=1.0), DDIM(steps=50, clip=1.0)]
        runs = time_samplers(unet.model, unet.schedule, (16, 1, 28, 28), configs, args.repeats)

        def confident(traj):
            _, conf = classify(classifier, traj.samples)
            return f"{int((conf >= CONFIDENT).sum())}/16 recognised (p >= {CONFIDENT})"

        print("\n".join(rows("MNIST UNet, 16 digits", configs, runs, unet.schedule.T, confident)), flush=True)


if __name__ == "__main__":
    main()
