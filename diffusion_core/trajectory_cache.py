"""One cache of sampled trajectories, for every model and sampler.

An entry is named by the model's key (a hash of what determines its weights), the
sampler's settings, the batch size and the seed:
``cache_dir()/trajectories/<model>-<sampler>-n<N>-s<seed>.npz``. An entry that cannot be
read is a miss: it is reported in one line, deleted and sampled again. So is one made
before trajectories recorded their sampling time (``meta["wall_s"]``).

An entry is sampled under a lock of its own (``<entry>.lock``, the ``filelock``
package): when two renders want the same trajectory at once, one samples it and the
other waits and reads it.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import torch
from filelock import FileLock

from .paths import cache_dir
from .samplers import Guidance, Sampler
from .sampling import Trajectory, sample

__all__ = ["TRAJECTORIES_KEPT", "trajectory_path", "cached_trajectory"]

TRAJECTORIES_KEPT = 24  # a DDPM trajectory of 3,000 points is ~45 MB; every scene of `render all` needs 16 (~300 MB)


def trajectory_path(model_key: str, sampler: Sampler, T: int, n: int, seed: int,
                    guidance: Guidance | None = None) -> Path:
    name = "-".join([model_key, sampler.key(T)] + ([guidance.key()] if guidance else []))
    return cache_dir() / "trajectories" / f"{name}-n{n}-s{seed}.npz"


def cached_trajectory(model_key: str, load: Callable, shape: tuple[int, ...], sampler: Sampler, T: int,
                      seed: int, note: str | None = None, guidance: Guidance | None = None) -> Trajectory:
    """The trajectory of ``load()``'s model, sampled once from ``seed`` and then read back.

    Args:
        model_key: names the model (its configuration hash, or its checkpoint's digest).
        load: () -> (model, schedule), called only on a miss.
        shape: (N, *data_shape); T: the schedule's length (part of the name).
        note: printed on a miss before sampling (how long it takes).
        guidance: classifier-free guidance toward a class (part of the name), or None.
    """
    path = trajectory_path(model_key, sampler, T, shape[0], seed, guidance)
    traj = _read(path)
    if traj is not None:
        return traj
    with _entry_lock(path):
        traj = _read(path)  # sampled by another process while this one waited
        if traj is not None:
            return traj
        model, schedule = load()
        if note:
            print(note, file=sys.stderr)
        traj = sample(model, schedule, shape, sampler, generator=torch.Generator().manual_seed(seed), guidance=guidance,
                      progress=note is not None)
        try:
            traj.save(path)
            _prune(path.parent, keep=TRAJECTORIES_KEPT)
        except OSError as exc:  # a cache that cannot be written costs time, not the render
            print(f"cache: could not keep {path} ({exc.strerror or exc}); going on without it", file=sys.stderr)
    return traj


@contextmanager
def _entry_lock(path: Path):
    """Hold ``<entry>.lock`` while sampling; a cache folder that cannot hold it costs
    only the lock (a render beside this one may then sample the same entry too)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path.with_name(path.name + ".lock")))
        lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _read(path: Path) -> Trajectory | None:
    if not path.is_file():
        return None
    try:
        traj = Trajectory.load(path)
        if "wall_s" not in traj.meta:
            raise ValueError(f"{path.name}: made by an older version (no sampling time)")
        path.touch()  # recently used: pruned last
        return traj
    except ValueError as exc:
        print(f"cache: {exc}; deleted, sampling it again", file=sys.stderr)
        path.unlink(missing_ok=True)
        return None


def _prune(folder: Path, keep: int) -> None:
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except FileNotFoundError:  # pruned by a render running beside this one
            return 0.0

    files = sorted(folder.glob("*.npz"), key=mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
