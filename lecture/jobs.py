"""Renders in worker processes that stop when asked.

``render_many`` renders a list of tasks (``render_scene``'s keyword arguments) in up to
``jobs`` worker processes, each taking one task at a time over a pipe. On SIGINT or
SIGTERM (or any error) in the parent, nothing more is started, the workers are asked to
stop (SIGTERM: each unwinds, so its render's temporary folder is removed), any still alive
after ``STOP_GRACE_S`` are killed, and every worker's private temporary folder is
removed; the tasks that finished have already been reported to ``on_done``. Pipes, not
multiprocessing queues: nothing is left behind for the resource tracker to warn about.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from multiprocessing.connection import wait

__all__ = ["render_many", "JobError", "STOP_GRACE_S"]

STOP_GRACE_S = 1.5


class JobError(RuntimeError):
    """A render that failed in a worker: its message, for the user."""


def _render(task: dict) -> str:
    from scenes.render import render_scene

    return str(render_scene(progress=False, **{k: v for k, v in task.items() if k != "seconds"}))


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def _worker(conn, tmp: str, threads: int) -> None:
    """A worker's loop: a task in, ("ok", path, seconds, profile) or ("error", message, 0,
    profile) out (profile: the worker, when it started and ended, the CPU seconds it used).
    It uses ``threads`` cores (torch and the x264 encoder): jobs x threads = the cores."""
    os.environ["TMPDIR"] = tmp
    os.environ["DIFFUSION_ENCODER_THREADS"] = str(threads)
    tempfile.tempdir = tmp  # manim's media folders, formula copies: all in the worker's own folder
    import torch

    torch.set_num_threads(threads)
    signal.signal(signal.SIGTERM, _stop)  # unwind: every `finally` runs
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        start, cpu, began = time.perf_counter(), time.process_time(), time.time()
        try:
            reply = ("ok", _render(task), time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001  (the message goes to the user)
            reply = ("error", f"{exc}" or exc.__class__.__name__, 0.0)
        conn.send((*reply, {"worker": os.getpid(), "start": began, "end": time.time(),
                            "cpu": time.process_time() - cpu}))


def render_many(tasks: list[dict], jobs: int, on_done=None) -> list[str]:
    """Render ``tasks`` in up to ``jobs`` worker processes; the paths, in task order.

    ``on_done(task, path)`` is called in the parent as each one finishes, with the
    seconds it took in ``task["seconds"]`` (and in ``task["profile"]`` its worker, start,
    end and CPU seconds). Tasks start in the order given (put the
    longest first: the last ones to start set the pace). The first failure stops the
    rest and raises JobError with its message.
    """
    if jobs <= 1 or len(tasks) <= 1:
        out = []
        for task in tasks:
            start = time.perf_counter()
            out.append(_render(task))
            task["seconds"] = time.perf_counter() - start
            if on_done:
                on_done(task, out[-1])
        return out
    ctx = multiprocessing.get_context("spawn")
    workers: list[dict] = []
    results: dict[int, str] = {}
    queue = list(enumerate(tasks))
    n = min(jobs, len(tasks))
    threads = max(1, (os.cpu_count() or 1) // n)
    try:
        for _ in range(n):
            tmp = tempfile.mkdtemp(prefix="difusion-job-")
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, tmp, threads), daemon=True)
            proc.start()
            child.close()
            workers.append({"proc": proc, "conn": parent, "tmp": tmp, "task": None})
        for w in workers:
            _give(w, queue)
        while any(w["task"] is not None for w in workers):
            busy = [w for w in workers if w["task"] is not None]
            ready = wait([w["conn"] for w in busy] + [w["proc"].sentinel for w in busy])
            for w in busy:
                if w["conn"] in ready or w["conn"].poll():
                    try:
                        status, value, seconds, profile = w["conn"].recv()
                    except (EOFError, OSError):
                        status, value, seconds, profile = "died", None, 0.0, {}
                elif w["proc"].sentinel in ready:
                    status, value, seconds, profile = "died", None, 0.0, {}
                else:
                    continue
                index, task = w["task"]
                w["task"] = None
                if status == "died":
                    raise JobError(f"the render of {task['key']} stopped without a result "
                                   f"(worker exit code {w['proc'].exitcode})")
                if status == "error":
                    raise JobError(value)
                results[index] = value
                task["seconds"], task["profile"] = seconds, profile
                if on_done:
                    on_done(task, value)
                _give(w, queue)
        return [results[i] for i in range(len(tasks))]
    finally:
        _shut_down(workers)


def _give(worker: dict, queue: list) -> None:
    if queue:
        worker["task"] = queue.pop(0)
        worker["conn"].send(worker["task"][1])


def _shut_down(workers: list[dict]) -> None:
    """Stop every worker (a finished one reads None and leaves; a busy one is sent
    SIGTERM, then killed after the grace time) and remove their temporary folders."""
    for w in workers:
        if w["task"] is None:
            try:
                w["conn"].send(None)
            except OSError:
                pass
        elif w["proc"].is_alive():
            w["proc"].terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for w in workers:
        w["proc"].join(max(deadline - time.monotonic(), 0.05))
        if w["proc"].is_alive():
            w["proc"].kill()
            w["proc"].join(1.0)
        w["conn"].close()
        shutil.rmtree(w["tmp"], ignore_errors=True)
