"""Numbers on screen that the load cannot falsify: a step's time measured in a way other
work on the machine cannot inflate, and a trajectory two renders want sampled once."""

import multiprocessing
import subprocess
import sys
import time

import pytest
import torch

from diffusion_core import DDIM, DDPM, cached_trajectory, step_seconds


def _toy():
    from diffusion_core import MLPConfig, MLPDenoiser, NoiseSchedule

    torch.manual_seed(0)
    return MLPDenoiser(MLPConfig(hidden=256, layers=4)), NoiseSchedule.linear(1000)


def test_a_step_is_timed_as_one_thread_and_restores_the_threads():
    model, schedule = _toy()
    threads = torch.get_num_threads()
    x = torch.randn(3000, 2)
    per_step = step_seconds(model, schedule, x, DDPM(), n_steps=4, repeats=3)
    assert 1e-6 < per_step < 1.0 and torch.get_num_threads() == threads
    assert step_seconds(model, schedule, x, DDIM(steps=50), n_steps=4, repeats=3) > 0


@pytest.mark.slow
def test_a_busy_core_does_not_inflate_the_measured_time():
    """Measured quiet, then while another process keeps a core busy: within 1.5 times.
    (The measure is the CPU time of the one thread that samples, the best of 5 runs.)"""
    model, schedule = _toy()
    x = torch.randn(3000, 2)
    config = DDPM()
    quiet = min(step_seconds(model, schedule, x, config, n_steps=10) for _ in range(2))
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        loaded = step_seconds(model, schedule, x, config, n_steps=10)
    finally:
        busy.kill()
        busy.wait()
    assert loaded < 1.5 * quiet, (quiet, loaded)


def _ask(args):
    cache, marker, delay = args
    import os

    os.environ["DIFFUSION_CACHE_DIR"] = cache
    from pathlib import Path

    from diffusion_core import MLPConfig, MLPDenoiser, NoiseSchedule

    def load():
        with open(marker, "a") as fh:  # one line per sampling
            fh.write("sampled\n")
        time.sleep(delay)  # sampling takes a while: the other process must wait, not sample too
        torch.manual_seed(0)
        return MLPDenoiser(MLPConfig(hidden=32, layers=2)), NoiseSchedule.linear(50)

    traj = cached_trajectory("lock-test", load, (64, 2), DDPM(), 50, seed=3)
    return Path(marker).exists(), traj.samples.sum().item()


def test_two_processes_asking_for_one_trajectory_sample_it_once(tmp_path):
    marker = tmp_path / "sampled.txt"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.map(_ask, [(str(tmp_path / "cache"), str(marker), 1.5)] * 2)
    assert marker.read_text().count("sampled") == 1
    assert results[0][1] == results[1][1]  # both read the same trajectory
