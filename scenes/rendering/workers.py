"""Renders in worker processes that stop when asked.

``render_many`` renders a list of ``RenderJob``s in up to ``n_jobs`` worker processes,
each taking one job at a time over a pipe. On SIGINT or SIGTERM (or any error) in the
parent, nothing more is started, the workers are asked to stop (SIGTERM: each unwinds,
so its render's temporary folder is removed), any still alive after ``STOP_GRACE_S`` are
killed, and every worker's private temporary folder is removed; the jobs that finished
have already been reported to ``on_done``. Pipes, not multiprocessing queues: nothing is
left behind for the resource tracker to warn about.

Workers split the cores: each job is sent with ``encoder_threads`` set to the worker's
share, and the worker sets torch's threads to the same.

``Workers`` keeps the worker processes for more than one ``render_many`` (a deck build's
renders, then Fit's redraws): each is started once, and loads the models once; they are
stopped when its ``with`` block ends, or at once when a ``render_many`` using them stops
on a failure or a signal (as its own workers are).

Workers are forked from multiprocessing's fork server (``_context``), which imports
torch, manim and the scenes once per process: a worker starts in hundredths of a second
instead of importing them again (about 2 CPU s each), and gets the parent's environment
as it is when the worker starts.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

import torch

from scenes.registry import SCENES
from scenes.rendering.job import Rendered, RenderJob
from scenes.rendering.render import render_scene
from scenes.rendering.scratch import make_scratch

__all__ = ["render_many", "Workers", "JobError", "STOP_GRACE_S"]

STOP_GRACE_S = 1.5
PROGRESS_S = 2.0  # a worker tells the parent its frames at most this often
TICK_S = 4.0  # the parent's ``on_progress`` runs for each render at least this often, frames or not


class JobError(RuntimeError):
    """A render that failed in a worker: its message, for the user."""


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def _worker(conn, tmp: str, threads: int, env: dict[str, str]) -> None:
    """A worker's loop: a job in, ("ok", path, seconds, profile) or ("error", message, 0,
    profile) out (profile: the worker, when it started and ended, the CPU seconds it used).
    It uses ``threads`` cores (torch and the x264 encoder): jobs x threads = the cores.
    ``env`` is the parent's environment when it started the worker (a worker forked from
    the fork server would otherwise have the server's)."""
    os.environ.clear()
    os.environ.update(env)
    os.environ["TMPDIR"] = tmp
    tempfile.tempdir = tmp  # whatever else a render puts in a temporary folder: in the worker's own
    torch.set_num_threads(threads)  # until a job says its share (a kept worker's share changes with the batch)
    signal.signal(signal.SIGTERM, _stop)  # unwind: every `finally` runs
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        if job.encoder_threads:
            torch.set_num_threads(job.encoder_threads)
        start, cpu, began = time.perf_counter(), time.process_time(), time.time()
        frames, said = [0], [start]

        def progress(n: int, frames=frames, said=said, start=start) -> None:  # to the parent every PROGRESS_S at most
            frames[0] = n
            if time.perf_counter() - said[0] >= PROGRESS_S:
                said[0] = time.perf_counter()
                conn.send(("progress", n, time.perf_counter() - start, {}))

        try:
            reply = ("ok", str(render_scene(job, on_frames=progress)), time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001  (the message goes to the user)
            reply = ("error", f"{exc}" or exc.__class__.__name__, 0.0)
        conn.send((*reply, {"worker": os.getpid(), "start": began, "end": time.time(),
                            "cpu": time.process_time() - cpu, "frames": frames[0]}))


@dataclass
class _Worker:
    proc: multiprocessing.Process
    conn: object
    tmp: str
    current: tuple[int, RenderJob] | None = None
    started: float = 0.0  # when its current job was given
    told: float = 0.0  # when its current job's progress was last passed on
    frames: int | None = None  # its current job's frames written, as last told


class Workers:
    """Worker processes kept between ``render_many`` calls (``render_many(..., workers=w)``):
    started when first needed, stopped when the ``with`` block ends (or by a failed or
    stopped ``render_many``: a later one starts new ones)."""

    def __init__(self) -> None:
        self.started: list[_Worker] = []

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        workers, self.started = self.started, []
        _shut_down(workers)


def render_many(jobs: list[RenderJob], n_jobs: int,
                on_done: Callable[[RenderJob, Rendered], None] | None = None,
                on_progress: Callable[[RenderJob, int | None, float], None] | None = None,
                workers: Workers | None = None) -> list[Path]:
    """Render ``jobs`` in up to ``n_jobs`` worker processes; the paths, in job order.

    ``on_done(job, rendered)`` is called in the parent as each one finishes (the file,
    its seconds, its worker's profile). ``on_progress(job, frames, seconds)`` is called
    when a render starts (frames None, seconds 0) and then at least every ``TICK_S``
    while it runs (the frames manim has written, when known; the seconds since it
    started). Jobs start in the order given (put the longest first: the last ones to
    start set the pace). The first failure stops the rest and raises JobError with its
    message. ``workers``, given, are kept workers: those already started are used (even
    for one job: its render then needs no manim in this process), more are started as
    needed, and they are left running once every job has finished.
    """
    warm = workers is not None and bool(workers.started) and n_jobs > 1
    if not jobs or ((n_jobs <= 1 or len(jobs) <= 1) and not warm):
        return [_render_here(job, on_done, on_progress) for job in jobs]
    n = min(n_jobs, len(jobs))
    threads = max(1, (os.cpu_count() or 1) // n)
    queue = list(enumerate(jobs))
    given = workers is not None
    kept = workers if given else Workers()
    results: dict[int, Path] = {}
    progress = on_progress or (lambda job, frames, seconds: None)
    finished = False
    try:
        while len(kept.started) < n:
            kept.started.append(_start_worker(threads))
        busy = kept.started[:n]  # kept ones beyond n wait
        for w in busy:
            _give(w, queue, threads, progress)
        while any(w.current is not None for w in busy):
            for w, reply in _replies(busy):
                index, job = w.current
                if reply[0] == "progress":
                    w.frames, w.told = reply[1], time.perf_counter()
                    progress(job, reply[1], reply[2])
                    continue
                w.current = None
                results[index] = _result(job, w, reply, on_done)
                _give(w, queue, threads, progress)
            for w in busy:  # a render silent for TICK_S (typesetting, sampling, encoding): still said
                if w.current is not None and time.perf_counter() - w.told >= TICK_S:
                    w.told = time.perf_counter()
                    progress(w.current[1], w.frames, w.told - w.started)
        finished = True
        return [results[i] for i in range(len(jobs))]
    finally:
        if not finished or not given:
            kept.close()


def _render_here(job: RenderJob, on_done, on_progress=None) -> Path:
    start, said, count = time.perf_counter(), [time.perf_counter()], [0]

    def frames(n: int) -> None:
        count[0] = n
        if on_progress and time.perf_counter() - said[0] >= TICK_S:
            said[0] = time.perf_counter()
            on_progress(job, n, said[0] - start)

    if on_progress:
        on_progress(job, None, 0.0)
    path = render_scene(job.but(progress=False), on_frames=frames)
    if on_done:
        on_done(job, Rendered(path, time.perf_counter() - start, {"frames": count[0]}))
    return path


SOCKET_PATH_MAX = 107  # bytes in an AF_UNIX path: the fork server's is FOLDER/listener-XXXXXXXX
_server: list[bool] = []  # whether this process uses the fork server (decided once)


def _context():
    """Multiprocessing's fork server, which imports torch, manim and every scene once (the
    first time a worker is started in this process) and forks each worker from that: a
    worker starts in about 0.03 s instead of importing them again (about 2 CPU s each
    with "spawn"). The server is a fresh interpreter, so no thread or state of this
    process is forked; it ends when this process does. Its socket lives in a folder of
    ours (``make_scratch``: swept if this process is killed, removed when it ends);
    where that folder's path is too long for a socket, workers are spawned instead."""
    if not _server:
        _server.append(_socket_folder_fits())
    if not _server[0]:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "manim", *sorted({home.module for home in SCENES.values()})])
    return ctx


def _socket_folder_fits() -> bool:
    config = multiprocessing.current_process()._config  # where multiprocessing.util.get_temp_dir() looks
    if "tempdir" not in config:
        folder = str(make_scratch("difusion-fork"))
        config["tempdir"] = folder
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=-100)
    return len(os.fsencode(config["tempdir"])) + len("/listener-XXXXXXXX") < SOCKET_PATH_MAX


def _start_worker(threads: int) -> _Worker:
    ctx = _context()
    tmp = str(make_scratch("difusion-job"))
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_worker, args=(child, tmp, threads, dict(os.environ)), daemon=True)
    proc.start()
    child.close()
    return _Worker(proc, parent, tmp)


def _replies(workers: list[_Worker]):
    """(worker, reply) for each busy worker that answered or died; reply is
    (status, value, seconds, profile), status "died" for a worker that is gone."""
    busy = [w for w in workers if w.current is not None]
    ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=TICK_S)
    for w in busy:
        if w.conn in ready or w.conn.poll():
            try:
                yield w, w.conn.recv()
            except (EOFError, OSError):
                yield w, ("died", None, 0.0, {})
        elif w.proc.sentinel in ready:
            yield w, ("died", None, 0.0, {})


def _result(job: RenderJob, w: _Worker, reply, on_done) -> Path:
    status, value, seconds, profile = reply
    if status == "died":
        raise JobError(f"the render of {job.scene} stopped without a result (worker exit code {w.proc.exitcode})")
    if status == "error":
        raise JobError(value)
    if on_done:
        on_done(job, Rendered(Path(value), seconds, profile))
    return Path(value)


def _give(worker: _Worker, queue: list, threads: int, progress) -> None:
    """The next job to ``worker``, with its share of the cores (``on_done`` gets the job as given)."""
    if queue:
        worker.current = queue.pop(0)
        worker.started = worker.told = time.perf_counter()
        worker.frames = None
        worker.conn.send(worker.current[1].but(encoder_threads=threads, progress=False))
        progress(worker.current[1], None, 0.0)


def _shut_down(workers: list[_Worker]) -> None:
    """Stop every worker (a finished one reads None and leaves; a busy one is sent
    SIGTERM, then killed after the grace time) and remove their temporary folders."""
    for w in workers:
        if w.current is None:
            try:
                w.conn.send(None)
            except OSError:
                pass
        elif w.proc.is_alive():
            w.proc.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for w in workers:
        w.proc.join(max(deadline - time.monotonic(), 0.05))
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(1.0)
        w.conn.close()
        shutil.rmtree(w.tmp, ignore_errors=True)
