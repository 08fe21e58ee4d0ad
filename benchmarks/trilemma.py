"""The generative learning trilemma on our own models, as the trilemma scene measures it:
a VAE, the GAN, DDPM (1,000 steps), DDIM (50) and flow matching (10) on one toy data set,
one seeded run (diffusion_core.measure_trilemma).

    python benchmarks/trilemma.py [--n 2000] [--seed 0] [--dataset 8gaussians] [--json FILE]

Quality: the share of samples within 3 std of a mode. Diversity: the modes those samples
cover. Speed: network evaluations per sample and the CPU time of 1,000 samples (one
thread's CPU time, the best of 5 runs: other load cannot inflate it). The shipped models
are read from models/toy/ (a missing one is trained once, and kept).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diffusion_core import MODES, DataConfig, TrilemmaConfig, measure_trilemma  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="samples of each model (at most 2000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dataset", default="8gaussians", choices=sorted(MODES))
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args()
    cfg = TrilemmaConfig(data=DataConfig(args.dataset), n=args.n, seed=args.seed)
    rows = measure_trilemma(cfg)
    print(f"The trilemma on {args.dataset}, n = {args.n}, seed {args.seed} ({platform.processor() or platform.machine()},"
          f" one thread's CPU time):\n")
    print("| model | near a mode | modes covered | evaluations per sample | CPU ms per 1,000 samples | "
          "scores (quality, diversity, speed) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        q, d, s = r.scores()
        print(f"| {r.label} | {100 * r.quality:.1f}% | {r.near.covered} of {r.near.modes} | {r.nfe:,} | "
              f"{r.ms_per_1000:,.2f} | {q:.2f}, {d:.2f}, {s:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"dataset": args.dataset, "n": args.n, "seed": args.seed,
                                         "rows": [r.as_dict() for r in rows]}, indent=1) + "\n")


if __name__ == "__main__":
    main()
