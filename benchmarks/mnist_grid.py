"""A grid of digits the shipped MNIST UNet samples with DDPM (all T steps), for the docs.

    python benchmarks/mnist_grid.py                                  # 100 digits, seed 0
    python benchmarks/mnist_grid.py --n 100 --out docs/img/mnist_ddpm_100.png

Every digit is shown as sampled (x_0 clipped to [-1, 1]), none picked or left out; the
line printed says how many the project's classifier is confident about. About 15
minutes on one CPU core (100 x 1,000 UNet steps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from diffusion_core import (  # noqa: E402
    CONFIDENT,
    DDPM,
    atomic_write,
    classifier_path,
    classify,
    load_classifier,
    load_mnist_checkpoint,
    mnist_checkpoint_path,
    sample_images,
)
from diffusion_core.io import file_digest  # noqa: E402
from diffusion_core.mnist.frames import to_gray  # noqa: E402


def grid_image(images: np.ndarray, cols: int, scale: int = 3, gap: int = 2) -> Image.Image:
    """(N, 28, 28) uint8 -> one picture, nearest-neighbour pixels, white gaps."""
    rows = -(-len(images) // cols)
    cell = 28 * scale
    out = np.full((rows * cell + (rows - 1) * gap, cols * cell + (cols - 1) * gap), 255, np.uint8)
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        out[r * (cell + gap):r * (cell + gap) + cell, c * (cell + gap):c * (cell + gap) + cell] = \
            img.repeat(scale, 0).repeat(scale, 1)
    return Image.fromarray(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=str(mnist_checkpoint_path()))
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "mnist_ddpm_100.png")
    args = ap.parse_args(argv)
    result = load_mnist_checkpoint(args.checkpoint)
    start = time.perf_counter()
    images, _ = sample_images(result.model, result.schedule, DDPM(), args.n, seed=args.seed, batch=args.batch)
    seconds = time.perf_counter() - start
    clf, _ = load_classifier(classifier_path())
    _, conf = classify(clf, images)
    with atomic_write(args.out) as tmp:
        grid_image(to_gray(images.numpy()[:, 0]), cols=int(np.ceil(np.sqrt(args.n)))).save(tmp, format="PNG")
    print(f"{args.out}: {args.n} DDPM samples (seed {args.seed}) of checkpoint {file_digest(Path(args.checkpoint))[:12]} "
          f"in {seconds:.0f} s; the classifier is confident (p >= {CONFIDENT}) about "
          f"{int((conf >= CONFIDENT).sum())} of them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
