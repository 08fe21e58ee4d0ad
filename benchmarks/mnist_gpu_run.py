"""One call on a lent GPU: measure the fast training loop, train the shipped MNIST model
with its training snapshots, and measure it.

    MNIST_DIR=.mnist python3 benchmarks/mnist_gpu_run.py --out OUTDIR --budget 540

Everything that ships runs through the project's own commands, so the checkpoint and
the snapshot file record the exact training command:

1. Training throughput at one batch size, before and after, on the same GPU in the same
   process (``bench_train.json``): today's CPU-style loop (``fit``: float32, noise drawn
   on the CPU, the loss read every step), then the GPU loop (``fit_fast``) in bf16,
   with channels-last, with ``torch.compile`` and with CUDA graphs. The fastest variant
   trains the model. Sampling speed with and without bf16 (``bench_sampling.json``).
2. ``python cli.py train mnist --device cuda ... --snapshots ...``: the number of steps
   is what fits the time left once step 3 is provisioned for, from step 1's rates.
   It writes models/mnist/ddpm_mnist.pt and models/mnist/training_snapshots.npz.
3. ``python cli.py compare --device cuda -n 10000``: the slide's table on 10,000
   samples per row; then 100 DDPM samples for the README's grid and a check of bf16
   against float32 sampling on 2,000 DDIM samples (``extra.json``).

With ``--train-seconds S`` the order is the other way round, so that what ships comes
first: the model is trained for about S seconds (S x ``--steps-per-s`` steps, with
compilation and CUDA graphs on a GPU) and written; then, only as time allows, the
comparison table, the grid and the bf16 check, and last the benchmarks. ``--dry-run``
prints the plan (each stage and its command) without running anything.

Each result lands in OUTDIR as soon as it exists, so a run cut short keeps what it made.
``git checkout models/mnist`` brings the shipped files back.
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

LOG_STEPS = (0, 100, 250, 500, 1000, 2500, 5000, 10_000, 20_000, 40_000)


def snapshot_steps(total: int, count: int = 9) -> list[int]:
    """About ``count`` log-spaced steps from 0 to ``total`` (which is always the last)."""
    steps = [s for s in LOG_STEPS if s < 0.7 * total][: count - 1]
    return steps + [total]


def planned_steps(seconds: float, steps_per_s: float, min_steps: int, max_steps: int) -> int:
    """Training steps for about ``seconds`` at ``steps_per_s``: a multiple of 500 from 1,000 on."""
    steps = int(min(max_steps, max(min_steps, seconds * steps_per_s)))
    return steps // 500 * 500 if steps >= 1000 else steps


def train_command(args, steps: int, mode: str) -> list[str]:
    """``cli.py train mnist`` for the shipped model: its snapshots and probes, compiled on a GPU."""
    snaps = snapshot_steps(steps)
    every = max(1, steps // args.probes // 500 * 500) if steps >= 5000 else max(1, steps // args.probes)
    cmd = [sys.executable, "cli.py", "train", "mnist", "--device", args.device, "--unet-base", str(args.unet_base),
           "--batch-size", str(args.batch), "--steps", str(steps), "--lr", f"{args.lr:g}",
           "--probe-every", str(every), "--probe-n", str(args.probe_n),
           "--snapshots", ",".join(str(s) for s in snaps), "--quiet"]
    if args.device == "cuda":
        cmd[-1:-1] = ["--compile", mode]
    return cmd


def compare_command(args) -> list[str]:
    cmd = [sys.executable, "cli.py", "compare", "--device", args.device, "-n", str(args.compare_n), "--batch",
           str(args.compare_batch), "--sample-steps", "50", "--eta", "0", "--eta", "1", "--train-machine", "H200",
           "--out", str(args.out / "comparison.md")]  # and comparison.json, the record the deck reads
    return cmd + (["--compile", "reduce-overhead"] if args.device == "cuda" else [])


def run_stage(cmd: list[str]) -> int:
    print("$ " + " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, cwd=REPO)


COMPARE_S = 200.0  # the table on 10,000 digits a row on an H200 (DDPM ~160 s, DDIM ~10 s, start-up)
EXTRA_S = 30.0  # the grid and the bf16 check
BENCH_S = 45.0  # one training variant, its compilation included


def train_first(args) -> int:
    """What ships first: the model, trained for about --train-seconds and written; then
    the table, the grid and the benchmarks, each only while time is left for it."""
    start = time.perf_counter()
    left = lambda: args.budget - (time.perf_counter() - start)  # noqa: E731
    steps = planned_steps(args.train_seconds, args.steps_per_s, args.min_steps, args.max_steps)
    mode = "reduce-overhead" if args.device == "cuda" else "none"
    plan = [("train", f"{steps} steps (~{args.train_seconds:.0f} s)", train_command(args, steps, mode)),
            ("compare", f"if {COMPARE_S:.0f} s are left", compare_command(args)),
            ("extra", f"if {EXTRA_S:.0f} s are left: the grid, bf16 against float32", None),
            ("benchmarks", f"each variant if {BENCH_S:.0f} s are left: {args.variants}", None)]
    for stage, when, cmd in plan:
        print(f"plan: {stage}: {when}" + (f": {' '.join(cmd[1:])}" if cmd else ""), flush=True)
    if args.dry_run:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    rc = run_stage(plan[0][2])
    if rc != 0:
        return rc
    for name in ("ddpm_mnist.pt", "training_snapshots.npz"):
        shutil.copyfile(REPO / "models" / "mnist" / name, args.out / name)
    print(f"trained; {left():.0f} s left", flush=True)
    if left() > COMPARE_S:
        run_stage(plan[1][2])
    if left() > EXTRA_S:
        extra(args, args.device)
    benchmarks_as_time_allows(args, left)
    print(f"done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


def benchmarks_as_time_allows(args, left) -> None:
    import mnist_benchmark as mb

    from diffusion_core.fast_fit import FastOptions

    unet, dev, results = mb.UNetConfig(base=args.unet_base), args.device, []
    cuda = dev == "cuda"
    runs = {"fit": lambda: mb.bench_training(args.batch, args.bench_steps, 10, dev, unet),
            "bf16": lambda: mb.bench_fast(args.batch, args.bench_steps, dev, unet,
                                          FastOptions(channels_last=False, compile_mode="none")),
            "bf16-cl": lambda: mb.bench_fast(args.batch, args.bench_steps, dev, unet, FastOptions(compile_mode="none")),
            "compile-ro": lambda: mb.bench_fast(args.batch, args.bench_steps, dev, unet,
                                                FastOptions(compile_mode="reduce-overhead" if cuda else "none")),
            "compile": lambda: mb.bench_fast(args.batch, args.bench_steps, dev, unet,
                                             FastOptions(compile_mode="default" if cuda else "none"))}
    for key in args.variants.split(","):
        if left() < BENCH_S:
            print(f"benchmark {key}: skipped for time", flush=True)
            continue
        bench_variant(key, runs[key], args.out / "bench_train.json", results)


def bench_variant(label, run, out, results) -> dict | None:
    try:
        r = run()
    except Exception as exc:  # a variant that fails (say, compilation) is reported, not fatal
        r = {"variant": label, "error": repr(exc)[:500]}
    print(f"train {label}: {r}", flush=True)
    results.append(r)
    out.write_text(json.dumps(results, indent=1))
    return r if "error" not in r else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--budget", type=float, default=540, help="seconds for the whole run")
    ap.add_argument("--unet-base", type=int, default=48)
    ap.add_argument("--batch", type=int, default=512, help="training batch")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--compare-n", type=int, default=10_000)
    ap.add_argument("--compare-batch", type=int, default=5000)
    ap.add_argument("--probe-n", type=int, default=2000)
    ap.add_argument("--probes", type=int, default=10, help="FID probes besides those at the snapshots")
    ap.add_argument("--bench-steps", type=int, default=100, help="timed steps per variant")
    ap.add_argument("--min-steps", type=int, default=1000)
    ap.add_argument("--max-steps", type=int, default=200_000)
    ap.add_argument("--device", default="cuda", help="cpu only to try this script out, with tiny numbers")
    ap.add_argument("--variants", default="fit,bf16,bf16-cl,compile-ro,compile",
                    help="training variants to measure, in order")
    ap.add_argument("--train-seconds", type=float, default=None,
                    help="train first, for about this long; then the table and the benchmarks as time allows")
    ap.add_argument("--steps-per-s", type=float, default=85.0,
                    help="the training rate --train-seconds assumes (H200, batch 512, base 48, compile + CUDA graphs: "
                         "90.5 measured on 2026-12-04)")
    ap.add_argument("--dry-run", action="store_true", help="print the plan with --train-seconds; run nothing")
    args = ap.parse_args(argv)
    if args.train_seconds is not None:
        return train_first(args)
    start = time.perf_counter()
    left = lambda: args.budget - (time.perf_counter() - start)  # noqa: E731
    args.out.mkdir(parents=True, exist_ok=True)

    import mnist_benchmark as mb
    import torch

    from diffusion_core.fast_fit import FastOptions

    dev = args.device
    unet = mb.UNetConfig(base=args.unet_base)
    print(f"torch {torch.__version__}, {mb.machine(dev)}", flush=True)

    # 1. Training throughput, before and after.
    cuda = dev == "cuda"
    variants = {
        "fit": ("fit (today: fp32, CPU noise, loss read every step)",
                lambda: mb.bench_training(args.batch, args.bench_steps, 10, dev, unet)),
        "bf16": ("fit_fast bf16 eager", lambda: mb.bench_fast(
            args.batch, args.bench_steps, dev, unet, FastOptions(channels_last=False, compile_mode="none"))),
        "bf16-cl": ("fit_fast bf16 channels-last eager", lambda: mb.bench_fast(
            args.batch, args.bench_steps, dev, unet, FastOptions(compile_mode="none"))),
        "compile-ro": ("fit_fast bf16 channels-last compile + CUDA graphs", lambda: mb.bench_fast(
            args.batch, args.bench_steps, dev, unet, FastOptions(compile_mode="reduce-overhead" if cuda else "none"))),
        "compile": ("fit_fast bf16 channels-last compile (no graphs)", lambda: mb.bench_fast(
            args.batch, args.bench_steps, dev, unet, FastOptions(compile_mode="default" if cuda else "none"))),
    }
    results: list[dict] = []
    best, best_mode = None, "none"
    for key in args.variants.split(","):
        if key == "compile" and left() < 0.75 * args.budget:  # optional: only when time is plentiful
            print("train compile (no graphs): skipped for time", flush=True)
            continue
        label, run = variants[key]
        r = bench_variant(label, run, args.out / "bench_train.json", results)
        if r is None:
            continue
        r["variant"] = label
        if key != "fit" and (best is None or r["steps_per_s"] > best["steps_per_s"]):
            best = r
            best_mode = {"compile-ro": "reduce-overhead", "compile": "default"}.get(key, "none")
    (args.out / "bench_train.json").write_text(json.dumps(results, indent=1))
    if best is None:
        print("no fast variant ran", flush=True)
        return 1
    print(f"fastest: {best['variant']}, {best['steps_per_s']:.1f} steps/s; {left():.0f} s left", flush=True)

    # Sampling speed (a fresh UNet of this size: the cost does not depend on the weights).
    samp = mb.bench_sampling_steps(args.compare_batch, dev, unet)
    (args.out / "bench_sampling.json").write_text(json.dumps(samp, indent=1))
    print(f"sampling: {samp}", flush=True)
    per_step = samp["s_per_step_amp"] if cuda else samp["s_per_step_fp32"]
    batches = -(-args.compare_n // args.compare_batch)
    compare_s = 1.15 * batches * per_step * (1000 + 50 + 50) + 25  # DDPM, DDIM-50 eta 0 and 1; start-up
    snaps_s = 9 * (1000 * samp["s_per_step_small"] + 2) + 12 * 3  # snapshot digits; probes
    extra_s = 30  # grid, bf16 check
    train_s = left() - compare_s - snaps_s - extra_s - 45  # 45: start-up, data, compilation of step 2
    steps = int(min(args.max_steps, train_s * best["steps_per_s"]))
    steps = steps // 500 * 500 if steps >= 1000 else steps
    print(f"plan: {steps} steps of {args.batch} (~{steps / best['steps_per_s']:.0f} s), compare ~{compare_s:.0f} s, "
          f"snapshots ~{snaps_s:.0f} s, {left():.0f} s left", flush=True)
    if steps < args.min_steps:
        print("not enough time left to train", flush=True)
        return 1

    # 2. Train the shipped model, with snapshots.
    rc = run_stage(train_command(args, steps, best_mode))
    if rc != 0:
        return rc
    for name in ("ddpm_mnist.pt", "training_snapshots.npz"):
        shutil.copyfile(REPO / "models" / "mnist" / name, args.out / name)
    print(f"trained; {left():.0f} s left", flush=True)

    # 3. The comparison table on 10,000 samples per row.
    rc = run_stage(compare_command(args))
    print(f"compared; {left():.0f} s left", flush=True)
    extra(args, dev)
    print(f"done in {time.perf_counter() - start:.0f} s", flush=True)
    return rc


def extra(args, dev: str) -> None:
    """100 DDPM samples for the README grid; bf16 against float32 sampling."""
    import numpy as np

    from diffusion_core import DDIM, DDPM
    from diffusion_core.mnist import (
        Evaluator,
        load_classifier,
        load_mnist,
        load_mnist_checkpoint,
        sample_images,
    )

    res = load_mnist_checkpoint(REPO / "models" / "mnist" / "ddpm_mnist.pt")
    out = {}
    imgs, secs = sample_images(res.model, res.schedule, DDPM(), 100, seed=0, batch=100, device=dev)
    np.save(args.out / "grid100.npy", ((imgs.clamp(-1, 1) + 1) * 127.5).round().byte().numpy())
    out["grid_s"] = secs
    clf, _ = load_classifier(REPO / "models" / "mnist" / "classifier.pt")
    test, _ = load_mnist("test")
    ev = Evaluator(clf, test)
    for amp in (True, False):
        s, secs = sample_images(res.model, res.schedule, DDIM(steps=50, eta=1.0), 2000, seed=3, batch=2000,
                                device=dev, amp=amp)
        r = ev(s)
        out[f"ddim50_eta1_n2000_{'bf16' if amp else 'fp32'}"] = {"fid": r.fid, "confident": r.confident_share,
                                                                  "seconds": secs}
    # sampling eager against compiled (+ CUDA graphs on a GPU), one run: seconds per UNet step at
    # batch 5,000, and what 10,000 DDPM samples (2 x 1,000 steps) would take (the goal: <= 30 s on an H200)
    for mode in ("none", "reduce-overhead" if dev == "cuda" else "default"):
        sample_images(res.model, res.schedule, DDIM(steps=2), 5000, batch=5000, device=dev, compile_mode=mode)  # compile
        _, secs = sample_images(res.model, res.schedule, DDIM(steps=50), 5000, batch=5000, device=dev, compile_mode=mode)
        out[f"sampling_{mode}"] = {"s_per_step_b5000": secs / 50, "ddpm_10000_s": secs / 50 * 2000}
        (args.out / "extra.json").write_text(json.dumps(out, indent=1))
    (args.out / "extra.json").write_text(json.dumps(out, indent=1))
    print(f"extra: {out}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
