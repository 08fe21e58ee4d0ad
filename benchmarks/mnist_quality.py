"""Old MNIST model against new, on the CPU, in one run: the same samplers, seeds and
protocol for both, scored with the project's classifier.

    python benchmarks/mnist_quality.py                      # old = the model before the H200 one (git history)
    python benchmarks/mnist_quality.py --old /path/old.pt --n 2000 --ddpm-n 200 \
        --table docs/mnist/comparison.md --json docs/mnist/quality_cpu.json

Rows: DDIM-50 with eta = 1 and eta = 0 on ``--n`` samples, DDPM (all T steps) on
``--ddpm-n`` (a CPU affords few). Every row samples from seed 0, so both models start
from the same noises. Each row reports FID against the 10,000 test images, the real-digit
floor at the same n (FID of n random training images: the best a model can score at that
n), the confident share (p >= 0.9) and the class shares.

``--table`` also writes the deck's comparison table for the new model from the same
samples (``python cli.py compare``'s format, its first line recording the checkpoint's
digest, the n of each row, this machine and this command). About an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from diffusion_core import (  # noqa: E402
    DDIM,
    DDPM,
    Evaluator,
    atomic_write,
    classifier_path,
    compare_samplers,
    comparison_table,
    load_classifier,
    load_mnist,
    load_mnist_checkpoint,
    mnist_checkpoint_path,
)
from diffusion_core.io import file_digest  # noqa: E402

OLD = "git:17a663a"  # the last commit whose models/mnist/ddpm_mnist.pt is the model before the H200 one


def checkpoint_file(spec: str, work: Path) -> Path:
    """A path, or git:REV for models/mnist/ddpm_mnist.pt as it was at REV."""
    if not spec.startswith("git:"):
        return Path(spec)
    out = work / f"ddpm_mnist-{spec[4:]}.pt"
    blob = subprocess.run(["git", "-C", str(REPO), "show", f"{spec[4:]}:models/mnist/ddpm_mnist.pt"],
                          capture_output=True, check=True).stdout
    out.write_bytes(blob)
    return out


def floor(evaluator: Evaluator, train: torch.Tensor, n: int) -> float:
    """FID of n random training images against the test set: the best score at that n."""
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(0))[:n]
    return evaluator(train[pick]).fid


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default=OLD, help="the old checkpoint: a path, or git:REV (default %(default)s)")
    ap.add_argument("--new", default=str(mnist_checkpoint_path()), help="the new checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=2000, help="samples per DDIM row")
    ap.add_argument("--ddpm-n", type=int, default=200, help="samples for DDPM's row")
    ap.add_argument("--steps", type=int, default=50, help="DDIM's steps")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--table", type=Path, help="write the new model's comparison table here")
    ap.add_argument("--json", type=Path, help="write every number here")
    args = ap.parse_args(argv)
    command = "python benchmarks/mnist_quality.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    clf, _ = load_classifier(classifier_path())
    test, train = load_mnist("test")[0], load_mnist("train")[0]
    evaluator = Evaluator(clf, test)
    samplers = [DDIM(steps=args.steps, eta=1.0), DDIM(steps=args.steps, eta=0.0), DDPM()]
    n_for = {s: (args.ddpm_n if isinstance(s, DDPM) else args.n) for s in samplers}
    floors = {n: floor(evaluator, train, n) for n in sorted(set(n_for.values()))}
    print("real-digit floor: " + ", ".join(f"FID {f:.2f} at n = {n}" for n, f in floors.items()), flush=True)

    results = {"command": command, "torch": torch.__version__, "threads": torch.get_num_threads(),
               "floors": {str(n): f for n, f in floors.items()}, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for label, spec in (("old", args.old), ("new", args.new)):
            path = checkpoint_file(spec, Path(tmp))
            result = load_mnist_checkpoint(path)
            start = time.perf_counter()
            rows = compare_samplers(result.model, result.schedule, evaluator, samplers, args.n, args.batch, "cpu",
                                    n_for=n_for.get,
                                    log=lambda r, lab=label: print(f"{lab}: {r.name}, n {r.report.n}: FID "
                                                                   f"{r.report.fid:.2f}, confident "
                                                                   f"{100 * r.report.confident_share:.1f}%",
                                                                   flush=True))
            results["models"][label] = {
                "checkpoint": spec, "sha256": file_digest(path), "wall_s": round(time.perf_counter() - start, 1),
                "rows": [{"sampler": r.name, **r.report.as_dict(), "floor": floors[r.report.n],
                          "cpu_s_per_1000": r.s_per_1000} for r in rows]}
            if label == "new" and args.table:
                order = [2, 1, 0]  # DDPM, DDIM eta 0, DDIM eta 1: the table's usual order
                table = comparison_table([rows[i] for i in order], args.n, args.batch, "cpu", False,
                                         result.wall_time_s / 60, result.command, checkpoint_sha256=file_digest(path),
                                         compare_command=command)
                with atomic_write(args.table) as t:
                    Path(t).write_text(table)
                print(f"table: {args.table}", flush=True)
    report = markdown(results)
    print(report)
    if args.json:
        with atomic_write(args.json) as t:
            Path(t).write_text(json.dumps({**results, "markdown": report}, indent=1))
    return 0


def markdown(results: dict) -> str:
    old, new = results["models"]["old"], results["models"]["new"]
    lines = [f"Old ({old['sha256'][:12]}) against new ({new['sha256'][:12]}) on {results['threads']} CPU threads, "
             f"torch {results['torch']}: `{results['command']}`", "",
             "| Sampler | n | FID old | FID new | floor | Confident old | Confident new | Class shares old | "
             "Class shares new |", "|---|---|---|---|---|---|---|---|---|"]
    for a, b in zip(old["rows"], new["rows"]):
        def shares(r):
            return f"{100 * min(r['class_share']):.1f}% - {100 * max(r['class_share']):.1f}%"
        lines.append(f"| {a['sampler']} | {a['n']} | {a['fid']:.2f} | {b['fid']:.2f} | {a['floor']:.2f} | "
                     f"{100 * a['confident_share']:.1f}% | {100 * b['confident_share']:.1f}% | {shares(a)} | "
                     f"{shares(b)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
