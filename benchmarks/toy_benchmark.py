"""Train every toy dataset with the default settings and report the quality.

    python benchmarks/toy_benchmark.py                 # print a Markdown table
    python benchmarks/toy_benchmark.py --write-cache   # also store the models in models/toy/

For each dataset: wall time of training, steps, and the sliced Wasserstein distance
between 2,000 DDPM samples and 2,000 fresh data points, next to the same distance
between two independent data sets of that size (the floor), and their ratio.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diffusion_core import (  # noqa: E402
    DataConfig,
    TrainConfig,
    checkpoint_path,
    dataset_names,
    save_checkpoint,
    train_toy,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="*", default=dataset_names())
    parser.add_argument("--write-cache", action="store_true", help="save each model where the scenes look")
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}")
    print()
    print("| dataset | steps | train wall (s) | SWD(gen, data) | SWD(data, data') | ratio |")
    print("|---|---|---|---|---|---|")
    for name in args.datasets:
        config = TrainConfig(data=DataConfig(name))
        result = train_toy(config, progress=False)
        m = result.metrics
        print(f"| {config.data.key} | {config.steps} | {result.wall_time_s:.1f} | {m['swd']:.4f} | "
              f"{m['swd_floor']:.4f} | {m['ratio']:.2f} |", flush=True)
        if args.write_cache:
            save_checkpoint(result, checkpoint_path(config))


if __name__ == "__main__":
    main()
