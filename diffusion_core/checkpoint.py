"""The checkpoint format every model shares: a torch.save'd dict with its kind, the
format version and torch's version, written atomically; read back with one clear error
per way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import torch

from .io import atomic_write

__all__ = ["CheckpointError", "CHECKPOINT_VERSION", "write_checkpoint", "read_checkpoint"]

CHECKPOINT_VERSION = 1


KIND_NAMES = {"toy": "toy-model", "toy-gan": "toy GAN", "toy-vae": "toy VAE", "mnist": "MNIST DDPM", "mnist-classifier": "MNIST classifier"}


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not match this code."""


def write_checkpoint(kind: str, payload: dict, path: str | Path) -> Path:
    """torch.save ``payload`` with its kind, the format version and torch's version,
    atomically (a temporary file, then a rename). Weights or tensors holding NaN or
    infinity are refused (CheckpointError): nothing is written."""
    bad = _non_finite(payload)
    if bad:
        raise CheckpointError(f"{path}: not written: {bad} holds NaN or infinite values (the run diverged)")
    payload = {"format_version": CHECKPOINT_VERSION, "kind": kind, **payload, "torch_version": str(torch.__version__)}
    path = Path(path)
    with atomic_write(path) as tmp:
        torch.save(payload, tmp)
    return path


def _non_finite(value, where: str = "the checkpoint") -> str | None:
    """The name of the first tensor in ``value`` (dicts and lists walked) that is not
    finite, or None. Integer tensors are always finite."""
    if isinstance(value, torch.Tensor):
        return where if value.is_floating_point() and not torch.isfinite(value).all() else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for key, item in items:
        found = _non_finite(item, f"{key}" if where == "the checkpoint" else f"{where}.{key}")
        if found:
            return found
    return None


def read_checkpoint(path: str | Path, kind: str, hint: str) -> dict:
    """The payload of a checkpoint of ``kind`` written by :func:`write_checkpoint`.

    Raises:
        CheckpointError: missing, unreadable, another format version or another kind;
            the message ends with ``hint`` (how to rebuild it).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint; {hint}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a corrupt file
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc.__class__.__name__}); {hint}") from exc
    if not isinstance(payload, dict) or payload.get("format_version") != CHECKPOINT_VERSION:
        found = payload.get("format_version") if isinstance(payload, dict) else None
        raise CheckpointError(f"{path}: checkpoint format {found!r}, this code reads {CHECKPOINT_VERSION}; {hint}")
    if payload.get("kind") != kind:
        # a good file of another kind: never suggest a command that would overwrite it
        found, wanted = (KIND_NAMES.get(k, repr(k)) for k in (payload.get("kind"), kind))
        raise CheckpointError(f"{path}: the wrong kind of checkpoint ({found}, expected {wanted}); give the "
                              "right file (this one is fine as it is)")
    return payload
