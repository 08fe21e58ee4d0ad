"""Every place the project reads or writes, in one module, honouring the environment.

    $DIFFUSION_MODELS_DIR   checkpoints (default: the repository's models/)
    $DIFFUSION_CACHE_DIR    derived files: trajectories, typeset formulas (default: .cache/)
    $MNIST_DIR              the MNIST IDX files (default: ~/.cache/difusion-manim/mnist)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["PathError", "ensure_writable", "REPO", "models_dir", "cache_dir", "mnist_models_dir", "mnist_checkpoint_path", "classifier_path",
           "sample_digits_path", "snapshots_path", "mnist_data_dir", "renders_dir"]

REPO = Path(__file__).resolve().parents[1]


class PathError(OSError):
    """A folder the project must write into cannot be written."""

def ensure_writable(directory: Path, env: str | None = None) -> Path:
    """Create ``directory`` if needed and check that a file can be written in it, before
    any long work whose result would go there.

    Raises:
        PathError: one line naming the folder (and the variable that chose it).
    """

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-"):
            pass
    except OSError as exc:
        how = f" (set ${env} to a writable folder)" if env else ""
        raise PathError(f"cannot write into {directory}: {exc.strerror or exc}{how}") from None
    return directory


def models_dir() -> Path:
    """Where checkpoints live: $DIFFUSION_MODELS_DIR, else the repository's models/."""
    env = os.environ.get("DIFFUSION_MODELS_DIR")
    return Path(env) if env else REPO / "models"


def cache_dir() -> Path:
    """Where derived files (sampled trajectories, typeset formulas) are kept:
    $DIFFUSION_CACHE_DIR, else the repository's .cache/ (never committed)."""
    env = os.environ.get("DIFFUSION_CACHE_DIR")
    return Path(env) if env else REPO / ".cache"


def mnist_models_dir() -> Path:
    """The MNIST files that ship: models_dir()/mnist."""
    return models_dir() / "mnist"


def mnist_checkpoint_path() -> Path:
    """The shipped MNIST DDPM (python cli.py train mnist)."""
    return mnist_models_dir() / "ddpm_mnist.pt"


def classifier_path() -> Path:
    """The classifier whose features the MNIST FID uses."""
    return mnist_models_dir() / "classifier.pt"


def sample_digits_path() -> Path:
    """16 test digits for the digit scenes (no data set needed to render)."""
    return mnist_models_dir() / "sample_digits.npz"


def snapshots_path() -> Path:
    """The shipped MNIST run's training snapshots."""
    return mnist_models_dir() / "training_snapshots.npz"


def mnist_data_dir(data_dir: str | Path | None = None) -> Path:
    """The folder of the MNIST IDX files: the argument, else $MNIST_DIR, else
    ~/.cache/difusion-manim/mnist."""
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get("MNIST_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "difusion-manim" / "mnist"


def renders_dir() -> Path:
    """Where `cli.py render` writes by default."""
    return REPO / "renders"
