"""One call on a lent GPU: benchmark, train the shipped MNIST model, compare samplers.

    MNIST_DIR=.mnist python3 benchmarks/mnist_gpu_run.py --out OUTDIR --budget 480

Everything runs through the project's own commands, so the checkpoint records the
exact training command:

1. ``mnist_benchmark`` on cuda: training throughput at two batch sizes, sampling time
   for 1,000 images with DDPM and DDIM, peak GPU memory (``bench_cuda.json``).
2. ``python cli.py train mnist --device cuda ...`` with FID probes (DDIM-50 on 2,000
   samples) along the way: the time to reach the FID goal. The number of steps is
   what fits the time left once step 3 is provisioned for, from step 1's rates.
3. ``python cli.py compare --device cuda -n 10000``: the slide's table on 10,000
   samples per row.

Each result lands in OUTDIR as soon as it exists, so a run cut short keeps what it made.
Step 2 writes the default checkpoint, models/mnist/ddpm_mnist.pt (where the scenes
look): `git checkout models/mnist/ddpm_mnist.pt` brings the shipped one back.
``--unet-base`` trains a wider UNet (e.g. 32) with the same plan.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--budget", type=float, default=480, help="seconds for the whole run")
    ap.add_argument("--compare-n", type=int, default=10_000)
    ap.add_argument("--probe-n", type=int, default=2000)
    ap.add_argument("--probes", type=int, default=12, help="FID probes along the training run")
    ap.add_argument("--bench-steps", type=int, default=150)
    ap.add_argument("--bench-batches", default="256,512", help="two training batch sizes")
    ap.add_argument("--bench-n", type=int, default=1000, help="images per sampler in the benchmark")
    ap.add_argument("--sample-batch", type=int, default=2000, help="images sampled at once by compare")
    ap.add_argument("--min-steps", type=int, default=1000)
    ap.add_argument("--min-train-s", type=float, default=150, help="fewer compare samples before less training")
    ap.add_argument("--max-steps", type=int, default=100_000)
    ap.add_argument("--unet-base", type=int, default=24, help="UNet width (train mnist --unet-base)")
    ap.add_argument("--device", default="cuda", help="cpu only to try this script out, with tiny numbers")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    left = lambda: args.budget - (time.perf_counter() - start)  # noqa: E731
    args.out.mkdir(parents=True, exist_ok=True)

    import mnist_benchmark as mb
    import torch

    dev = args.device
    unet = mb.UNetConfig(base=args.unet_base)
    print(f"torch {torch.__version__}, {mb.machine(dev)}", flush=True)
    bench = {"machine": mb.machine(dev), "device": dev, "train": [], "sampling": []}
    for b in (int(x) for x in args.bench_batches.split(",")):
        bench["train"].append(mb.bench_training(b, args.bench_steps, 20 if dev == "cuda" else 1, dev, unet))
        print(f"train batch {b}: {bench['train'][-1]}", flush=True)
    bench["sampling"] = mb.bench_sampling(args.bench_n, args.bench_n, [50, 100], dev, unet, etas=(0.0, 1.0))
    for r in bench["sampling"]:
        print(f"sampling: {r}", flush=True)
    (args.out / "bench_cuda.json").write_text(json.dumps(bench, indent=1))

    # The larger batch when a step costs at most 25% more: more images for the same steps.
    r256, r512 = bench["train"]
    train = r512 if r512["s_per_step"] <= 1.25 * r256["s_per_step"] else r256
    per1000 = {(r["sampler"], r["steps"], r["eta"]): r["s_per_1000"] for r in bench["sampling"]}
    per_image = 1.1 * sum(per1000.values()) / 1000  # compare samples with every sampler (and eta)
    probe_s = args.probe_n / 1000 * per1000[("ddim", 50, 0.0)] + 2.0
    fixed = 30 + 40 + args.probes * probe_s  # start-ups, data, features; the probes
    compare_n = args.compare_n
    if left() - fixed - per_image * compare_n < args.min_train_s:  # train first, then measure on fewer
        compare_n = max(2000, int((left() - fixed - args.min_train_s) / per_image) // 1000 * 1000)
    train_s = left() - fixed - per_image * compare_n
    steps = int(min(args.max_steps, train_s / train["s_per_step"]))
    steps = steps // 500 * 500 if steps >= 1000 else steps
    print(f"plan: batch {train['batch']}, {steps} steps (~{steps * train['s_per_step']:.0f} s), "
          f"compare n = {compare_n} (~{per_image * compare_n:.0f} s), {left():.0f} s left", flush=True)
    if steps < args.min_steps:
        print("not enough time left to train", flush=True)
        return 1
    every = max(500, steps // args.probes // 500 * 500) if steps >= 1000 else max(1, steps // args.probes)
    cmd = [sys.executable, "cli.py", "train", "mnist", "--device", dev, "--batch-size", str(train["batch"]),
           "--steps", str(steps), "--probe-every", str(every), "--probe-n", str(args.probe_n), "--quiet"]
    if args.unet_base != 24:
        cmd[-1:-1] = ["--unet-base", str(args.unet_base)]
    print("$ " + " ".join(cmd[1:]), flush=True)
    rc = subprocess.call(cmd, cwd=REPO)
    ckpt = REPO / "models" / "mnist" / "ddpm_mnist.pt"
    if rc != 0:
        return rc
    shutil.copyfile(ckpt, args.out / "ddpm_mnist.pt")
    print(f"trained; {left():.0f} s left", flush=True)

    cmd = [sys.executable, "cli.py", "compare", "--device", dev, "-n", str(compare_n), "--batch", str(args.sample_batch),
           "--out", str(args.out / "comparison.md")]
    print("$ " + " ".join(cmd[1:]), flush=True)
    rc = subprocess.call(cmd, cwd=REPO)
    print(f"done in {time.perf_counter() - start:.0f} s", flush=True)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
