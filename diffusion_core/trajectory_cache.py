"""One cache of sampled trajectories, for every model and sampler.

An entry is named by the model's key (a hash of what determines its weights), the
sampler's settings, the batch size and the seed:
``cache_dir()/trajectories/<model>-<sampler>-n<N>-s<seed>.npz``. An entry that cannot be
read is a miss: it is reported in one line, deleted and sampled again. So is one made
before trajectories recorded their sampling time (``meta["wall_s"]``). An entry of a model
named by its configuration records the model file it was sampled from (its size, time
and digest): a file changed since is a miss, read again (and refused, if damaged).

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

from .io import file_digest
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
                      seed: int, note: str | None = None, guidance: Guidance | None = None,
                      model_file: Path | None = None) -> Trajectory:
    """The trajectory of ``load()``'s model, sampled once from ``seed`` and then read back.

    Args:
        model_key: names the model (its configuration hash, or its checkpoint's digest).
        load: () -> (model, schedule), called only on a miss.
        shape: (N, *data_shape); T: the schedule's length (part of the name).
        note: printed on a miss before sampling (how long it takes).
        guidance: classifier-free guidance toward a class (part of the name), or None.
        model_file: the file ``load`` reads, when the key names a configuration and not
            the file's content: the entry records its size, time and digest, and a file
            changed since (a new training, a truncated copy) is a miss, so that ``load``
            reads it again and refuses a damaged one with its name.
    """
    path = trajectory_path(model_key, sampler, T, shape[0], seed, guidance)
    traj = _read(path, model_file)
    if traj is not None:
        return traj
    with _entry_lock(path):
        traj = _read(path, model_file)  # sampled by another process while this one waited
        if traj is not None:
            return traj
        model, schedule = load()
        if note:
            print(note, file=sys.stderr)
        traj = sample(model, schedule, shape, sampler, generator=torch.Generator().manual_seed(seed), guidance=guidance,
                      progress=note is not None)
        if model_file is not None:
            traj.meta["model_file"] = _fingerprint(Path(model_file), digest=True)
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


def _fingerprint(model_file: Path, digest: bool) -> dict | None:
    """{"size", "mtime_ns"[, "sha256"]} of the model file, or None where it cannot be read."""
    try:
        st = model_file.stat()
        out = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
        if digest:
            out["sha256"] = file_digest(model_file)
    except OSError:
        return None
    return out


def _same_model(recorded: dict | None, model_file: Path) -> bool:
    """True when the model file is the one the entry was sampled from: the same size and
    time, or (touched, copied) the same digest."""
    now = _fingerprint(model_file, digest=False)
    if not recorded or now is None:
        return False
    if (now["size"], now["mtime_ns"]) == (recorded.get("size"), recorded.get("mtime_ns")):
        return True
    return now["size"] == recorded.get("size") and file_digest(model_file) == recorded.get("sha256")


def _read(path: Path, model_file: Path | None = None) -> Trajectory | None:
    if not path.is_file():
        return None
    try:
        traj = Trajectory.load(path)
        if "wall_s" not in traj.meta:
            raise ValueError(f"{path.name}: made by an older version (no sampling time)")
    except ValueError as exc:
        print(f"cache: {exc}; deleted, sampling it again", file=sys.stderr)
        path.unlink(missing_ok=True)
        return None
    if model_file is not None and not _same_model(traj.meta.get("model_file"), Path(model_file)):
        print(f"cache: {Path(model_file).name} is not the file {path.name} was sampled from (changed, replaced or "
              "damaged since); reading the model again", file=sys.stderr)
        return None
    path.touch()  # recently used: pruned last
    return traj


def _prune(folder: Path, keep: int) -> None:
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except FileNotFoundError:  # pruned by a render running beside this one
            return 0.0

    files = sorted(folder.glob("*.npz"), key=mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
