"""The deck's comparison table, every row measured the same way: the shipped MNIST model's
DDPM, DDIM and DDIM (eta = 1) samples and real digits, all at one n, scored against the
10,000 test images with FID and KID on the project classifier's features.

    python benchmarks/mnist_table.py --n 1200 --batch 50 \
        --json docs/mnist/comparison.json --table docs/mnist/comparison.md

Rows (seed 0 each): real digits (n random training images: the floor, what "good" reads
as at this n), DDPM over all T steps, DDIM-50 (eta 0), DDIM-50 (eta 1). The samples of each
row are kept in ``--samples`` as they are made (one file per row, named by the checkpoint's
digest, the sampler, n, batch and seed), so a run that was stopped goes on where it was and
a second run only scores. On 2 CPU cores (both threads, batches of 50), n = 1,200 takes
about two hours from nothing, DDPM's 1.2 million image-steps nearly all of it; a kept row
of fewer samples is extended by the images after it.

The time column is the CPU time of one thread (the best of 5 steps at the batch, times
the steps: ``cpu_time_per_1000``), a figure that other work on the machine cannot
inflate; a GPU run (``--device cuda``) reports the wall time on that GPU instead.
"""

from __future__ import annotations

import argparse
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from diffusion_core import (  # noqa: E402
    DDIM,
    DDPM,
    Evaluator,
    atomic_write,
    classifier_path,
    load_classifier,
    load_mnist,
    load_mnist_checkpoint,
    mnist_checkpoint_path,
    table_markdown,
    table_note,
    write_record,
)
from diffusion_core.io import file_digest  # noqa: E402
from diffusion_core.mnist.eval import cpu_time_per_1000, sample_images  # noqa: E402


def row_samples(samples_dir: Path, digest: str, label: str, n: int, make) -> tuple[torch.Tensor, float]:
    """A row's n samples from ``samples_dir`` if an earlier run made them, else made now and
    kept there (atomically: a stopped run leaves no half file). A kept row of the same
    sampler, batch and seed with fewer samples is extended: ``make(start, count)`` makes
    the images after it, the same images a run from nothing would make."""
    path = samples_dir / f"{digest[:12]}-{label.format(n=n)}.npz"
    if path.exists():
        with np.load(path) as f:
            return torch.from_numpy(f["images"]), float(f["seconds"])
    if make is None:
        raise SystemExit(f"{path}: the samples of this row are missing (run without --sample-only first)")
    kept, kept_seconds = torch.zeros(0, 1, 28, 28), 0.0
    shorter = sorted((m for m in range(1, n) if (samples_dir / f"{digest[:12]}-{label.format(n=m)}.npz").exists()),
                     reverse=True)
    for m in shorter:
        with np.load(samples_dir / f"{digest[:12]}-{label.format(n=m)}.npz") as f:
            if len(f["images"]) == m:
                kept, kept_seconds = torch.from_numpy(f["images"]), float(f["seconds"])
                break
    start = time.perf_counter()
    images, seconds = make(len(kept), n - len(kept))
    print(f"  {label.format(n=n)}: {len(images)} images in {time.perf_counter() - start:.0f} s"
          + (f" (after the {len(kept)} kept)" if len(kept) else ""), flush=True)
    images, seconds = torch.cat([kept, images]), seconds + kept_seconds
    samples_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, images=images.numpy(), seconds=seconds)
    return images, seconds


def row_label(sampler, schedule, batch: int) -> str:
    """The name of a row's samples file, with ``{n}`` for its count."""
    return f"{sampler.name}{sampler.n_steps(schedule.T)}-eta{getattr(sampler, 'eta', 1):g}-n{{n}}-b{batch}-s0"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=str(mnist_checkpoint_path()))
    ap.add_argument("--n", type=int, default=1200, help="samples in every row (the same for all)")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--steps", type=int, default=50, help="DDIM's steps")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--samples", type=Path, default=REPO / ".mnist-table", help="where each row's samples are kept")
    ap.add_argument("--sample-only", action="store_true", help="make the samples, score nothing")
    ap.add_argument("--train-machine", default="H200", help="where the checkpoint was trained (the table says so)")
    ap.add_argument("--json", type=Path, default=None, help="write the record (the deck reads it) here")
    ap.add_argument("--table", type=Path, default=None, help="write the table (Markdown, English) here")
    args = ap.parse_args(argv)
    if args.n < 2:
        ap.error("--n must be at least 2")

    checkpoint = Path(args.checkpoint)
    digest = file_digest(checkpoint)
    result = load_mnist_checkpoint(checkpoint)
    model, schedule = result.model.eval(), result.schedule
    samplers = [DDPM(), DDIM(steps=args.steps, eta=0.0), DDIM(steps=args.steps, eta=1.0)]
    print(f"{torch.get_num_threads()} threads, {platform.machine()}; n = {args.n}, batch {args.batch}", flush=True)
    for sampler in sorted(samplers, key=lambda s: s.n_steps(schedule.T)):  # the quick rows first
        row_samples(args.samples, digest, row_label(sampler, schedule, args.batch), args.n,
                    lambda start, count, s=sampler: sample_images(model, schedule, s, count, seed=0, batch=args.batch,
                                                                  device=args.device, start=start))
    if args.sample_only:
        return 0

    clf, _ = load_classifier(classifier_path())
    test, train = load_mnist("test")[0], load_mnist("train")[0]
    evaluator = Evaluator(clf, test)
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))[: args.n]
    rows = [{"model": {"kind": "real"}, **evaluator(train[pick], kid=True).as_dict(), "s_per_1000": None,
             "peak_mb": None}]
    print(f"  real digits: FID {rows[0]['fid']:.2f}, KID {rows[0]['kid']:.2f}", flush=True)
    for sampler in samplers:
        images, seconds = row_samples(args.samples, digest, row_label(sampler, schedule, args.batch), args.n, None)
        report = evaluator(images, kid=True)
        if args.device == "cpu":  # one thread's CPU time (the best of 5 steps at the batch): load cannot inflate it
            per_1000 = cpu_time_per_1000(model, schedule, sampler, args.batch)
        else:
            per_1000 = seconds * 1000 / args.n
        model_spec = {"kind": sampler.name, "steps": sampler.n_steps(schedule.T), "eta": getattr(sampler, "eta", None)}
        rows.append({"model": model_spec, **report.as_dict(), "s_per_1000": per_1000, "peak_mb": None})
        print(f"  {sampler.describe(schedule.T)}: FID {report.fid:.2f}, KID {report.kid:.2f} ± {report.kid_std:.2f}, "
              f"{per_1000:.1f} s per 1,000", flush=True)
    command = "python benchmarks/mnist_table.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    machine = torch.cuda.get_device_name() if args.device == "cuda" else cpu
    record = {"checkpoint_sha256": digest, "n": args.n, "reference": "the 10,000 MNIST test images",
              "features": "the project classifier's 128 penultimate features", "command": command,
              "time": {"kind": "wall" if args.device == "cuda" else "cpu-thread", "machine": machine,
                       "batch": args.batch, "threads": torch.get_num_threads()},
              "training": {"minutes": round(result.wall_time_s / 60, 2), "machine": args.train_machine,
                           "command": result.command},
              "real_digits": f"{args.n} random training images (seed 0): the floor of FID and KID at this n",
              "rows": rows}
    if args.json:
        write_record(args.json, record)
        print(f"record: {args.json}", flush=True)
    table = table_markdown(record, "en", details=True) + "\n\n" + table_note(record, "en")
    print(table)
    if args.table:
        with atomic_write(args.table) as tmp:
            Path(tmp).write_text(
                f"<!-- measured on: checkpoint sha256 {digest}; n {args.n}; machine {machine}; command {command} -->\n"
                f"{table}\n\nTraining: `{result.command}`.\n", encoding="utf-8")
        print(f"table: {args.table}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
