"""Trained toy models, cached by configuration.

A scene asking for "moons, default settings" gets the same file every time. The
default models ship in ``models/toy/`` of the repository; anything else is trained on
first use (with a progress bar) and written there, or under ``$DIFFUSION_MODELS_DIR``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

from ..paths import ensure_writable, models_dir
from .train import TrainConfig, TrainResult, load_checkpoint, save_checkpoint, train_toy

__all__ = ["checkpoint_path", "load_or_train", "config_key"]


def config_key(config: TrainConfig) -> str:
    """A short hash of everything that determines the trained weights."""
    blob = json.dumps(config.to_dict(), sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def checkpoint_path(config: TrainConfig) -> Path:
    """models/toy/NAME-KEY.pt; a flow model's name says 'flow', a conditional one's 'classes'."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", config.data.key)[:40]
    kind = ("-flow" if config.objective == "velocity" else "") + ("-classes" if config.conditional else "")
    return models_dir() / "toy" / f"{safe}{kind}-{config_key(config)}.pt"


def load_or_train(
    config: TrainConfig, device: str = "cpu", progress: bool = True
) -> TrainResult:
    """The cached model for ``config``, training and caching it first if needed."""
    path = checkpoint_path(config)
    if path.is_file():
        return load_checkpoint(path, expected=config)
    ensure_writable(path.parent, "DIFFUSION_MODELS_DIR")  # before the training, not after it
    if progress:
        print(
            f"No cached model for {config.data.key} ({path.name}); training it now "
            f"({config.steps} steps, about 30-60 s on 2 CPU cores).",
            file=sys.stderr,
        )
    result = train_toy(config, device=device, progress=progress)
    save_checkpoint(result, path)
    return result
