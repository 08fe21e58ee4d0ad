"""MNIST benchmark: training throughput, sampling time DDPM against DDIM, peak memory.

    python benchmarks/mnist_benchmark.py                       # this machine's CPU
    python benchmarks/mnist_benchmark.py --device cuda --n 1000 --batch-sizes 64,256,512

Training: SmallUNet steps of the real loop (``fit``: loss, backward, AdamW, EMA) at
each batch size; the first ``--warmup`` steps are not timed. Sampling: ``--n`` images
with DDPM (all T steps) and DDIM at each ``--ddim-steps`` and ``--etas``, from a freshly initialised
UNet (the cost does not depend on the weights). Memory: the GPU allocator's peak on
cuda, the process's peak resident set on the CPU. Prints a Markdown table; --json
writes every number.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diffusion_core import (  # noqa: E402
    DDIM,
    DDPM,
    PeakMemory,
    ScheduleConfig,
    SmallUNet,
    UNetConfig,
    sample_images,
)
from diffusion_core.fast_fit import FastOptions, fit_fast
from diffusion_core.training import fit  # noqa: E402

SHIPPED = UNetConfig()  # the shipped model's size


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def bench_training(batch: int, steps: int, warmup: int, device: str, unet: UNetConfig = SHIPPED) -> dict:
    """Images per second of the real training loop at one batch size."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(2048, 1, 28, 28, generator=gen).mul(2).sub(1).to(device)  # shapes matter, not content
    schedule = ScheduleConfig().build()
    stamps: list[float] = []

    def draw(_step: int) -> torch.Tensor:
        _sync(device)
        stamps.append(time.perf_counter())
        idx = torch.randint(0, len(images), (batch,), generator=gen)
        return images[idx.to(device)]

    with PeakMemory(device) as mem:
        model = SmallUNet(unet).to(device)
        fit(model, draw, schedule, warmup + steps + 1, 1e-3, 0.999, gen, device=device, progress=False)
    timed = stamps[warmup:]  # stamp k is the start of step k: differences are whole steps
    seconds = timed[-1] - timed[0]
    per_step = seconds / (len(timed) - 1)
    return {"batch": batch, "steps_timed": len(timed) - 1, "s_per_step": per_step,
            "steps_per_s": 1 / per_step, "images_per_s": batch / per_step, "peak_mb": mem.peak_mb}


def bench_fast(batch: int, steps: int, device: str, unet: UNetConfig, options) -> dict:
    """Steps per second of the GPU loop (``fit_fast``) with ``options``, after its first
    loss read (compilation and CUDA-graph capture happen before it)."""

    torch.manual_seed(0)
    images = torch.rand(2048, 1, 28, 28, generator=torch.Generator().manual_seed(0)).mul(2).sub(1).to(device)
    every = 20
    options = FastOptions(options.amp, options.channels_last, options.compile_mode, check_every=every)
    warm = 2 * every if options.compile_mode != "none" else every
    stamps: list = []
    start = time.perf_counter()
    with PeakMemory(device) as mem:
        fit_fast(SmallUNet(unet).to(device), images, ScheduleConfig().build(), warm + steps, batch, 1e-3, 0.999, 0,
                 options, progress=False, step_times=stamps)
    first = [x for x in stamps if x[0] >= warm][0]
    (s0, t0), (s1, t1) = first, stamps[-1]
    per_step = (t1 - t0) / (s1 - s0)
    return {"batch": batch, "options": options.label, "steps_timed": s1 - s0, "s_per_step": per_step,
            "steps_per_s": 1 / per_step, "images_per_s": batch / per_step, "peak_mb": mem.peak_mb,
            "warmup_s": t0, "total_s": time.perf_counter() - start}


def bench_sampling_steps(batch: int, device: str, unet: UNetConfig, steps: int = 20) -> dict:
    """Seconds per DDPM step at ``batch`` images, the UNet in bf16 and in float32, and at 16 images."""
    model = SmallUNet(unet).eval()
    schedule = ScheduleConfig().build()
    out = {"batch": batch}
    for key, n, amp in (("s_per_step_amp", batch, True), ("s_per_step_fp32", batch, False),
                        ("s_per_step_small", 16, device == "cuda")):
        if amp and device != "cuda":
            out[key] = None
            continue
        sample_images(model, schedule, DDIM(steps=3), n, batch=n, device=device, amp=amp)  # warm-up
        _, secs = sample_images(model, schedule, DDIM(steps=steps), n, batch=n, device=device, amp=amp)
        out[key] = secs / steps
    return out


def bench_sampling(n: int, batch: int, ddim_steps: list[int], device: str, unet: UNetConfig = SHIPPED,
                   etas: tuple[float, ...] = (0.0,)) -> list[dict]:
    model = SmallUNet(unet).eval()
    schedule = ScheduleConfig().build()
    sample_images(model, schedule, DDIM(steps=2), min(n, batch), device=device)  # warm-up
    rows = []
    for sampler in [DDPM()] + [DDIM(steps=s, eta=e) for e in etas for s in ddim_steps]:
        with PeakMemory(device) as mem:
            _, secs = sample_images(model, schedule, sampler, n, batch=batch, device=device)
        rows.append({"sampler": sampler.name, "steps": sampler.n_steps(schedule.T), "eta": sampler.meta().get("eta", 0.0), "n": n, "batch": batch, "seconds": secs,
                     "s_per_1000": secs * 1000 / n, "peak_mb": mem.peak_mb})
    ddpm = rows[0]["seconds"]
    for r in rows:
        r["speedup_vs_ddpm"] = ddpm / r["seconds"]
    return rows


def machine(device: str) -> str:
    if device == "cuda":
        return f"{torch.cuda.get_device_name()}, torch {torch.__version__}"
    return f"{platform.machine()} CPU, {torch.get_num_threads()} threads, torch {torch.__version__}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--batch-sizes", default="64", help="comma-separated training batch sizes")
    ap.add_argument("--train-steps", type=int, default=30, help="timed training steps per batch size")
    ap.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
    ap.add_argument("--n", type=int, default=100, help="images sampled per sampler")
    ap.add_argument("--sample-batch", type=int, default=500)
    ap.add_argument("--ddim-steps", default="50,100")
    ap.add_argument("--etas", default="0,1", help="comma-separated DDIM eta values")
    ap.add_argument("--unet-base", type=int, default=UNetConfig.base, help="UNet channels at 28x28")
    ap.add_argument("--skip-sampling", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="write every number here")
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("no CUDA device is available here")

    result = {"machine": machine(args.device), "device": args.device, "unet_base": args.unet_base,
              "train": [], "sampling": []}
    for b in (int(x) for x in args.batch_sizes.split(",")):
        r = bench_training(b, args.train_steps, args.warmup, args.device, UNetConfig(base=args.unet_base))
        result["train"].append(r)
        print(f"train batch {b}: {r['images_per_s']:.0f} images/s ({r['steps_per_s']:.1f} steps/s), "
              f"peak {r['peak_mb']:.0f} MB", flush=True)
    if not args.skip_sampling:
        result["sampling"] = bench_sampling(args.n, args.sample_batch, [int(x) for x in args.ddim_steps.split(",")],
                                            args.device, UNetConfig(base=args.unet_base),
                                            tuple(float(x) for x in args.etas.split(",")))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))

    print(f"\n{result['machine']}\n")
    print("| Training batch | images/s | steps/s | peak memory |\n|---|---|---|---|")
    for r in result["train"]:
        print(f"| {r['batch']} | {r['images_per_s']:.0f} | {r['steps_per_s']:.1f} | {r['peak_mb']:.0f} MB |")
    if result["sampling"]:
        print(f"\n| Sampler | {result['sampling'][0]['n']} images | per 1,000 images | vs DDPM | peak memory |")
        print("|---|---|---|---|---|")
        for r in result["sampling"]:
            eta = f", eta = {r['eta']:g}" if r["eta"] else ""
            print(f"| {r['sampler'].upper()} ({r['steps']} steps{eta}) | {r['seconds']:.1f} s | {r['s_per_1000']:.1f} s | "
                  f"{r['speedup_vs_ddpm']:.1f}x faster | {r['peak_mb']:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
