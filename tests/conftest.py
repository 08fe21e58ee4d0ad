import json
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Under pytest-xdist (./run.sh test) each worker has one thread: two workers of two
# threads each on 2 cores are slower than either alone.
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else min(2, os.cpu_count() or 1))

from diffusion_core import DataConfig, MLPConfig, ScheduleConfig, TrainConfig, train_toy  # noqa: E402

SMALL = TrainConfig(
    data=DataConfig("8gaussians"),
    schedule=ScheduleConfig("linear", 100),
    model=MLPConfig(hidden=64, layers=2, emb_dim=32),
    steps=1500,
    batch_size=256,
    lr=3e-3,
    pool_size=20_000,
)


@pytest.fixture(scope="session")
def small_config():
    return SMALL


@pytest.fixture(scope="session")
def trained_small():
    """A real (short) training run, shared by the tests that need a trained model."""
    return train_toy(SMALL, progress=False, eval_n=1000)


def made_once(tmp_path_factory, name: str, make):
    """What ``make(folder)`` returns (JSON), made once for the whole test run: the first of
    pytest-xdist's workers to ask makes it in a folder they share, under a file lock; the
    others wait, then read its record. Without xdist, once for the process."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's, never an earlier run's
    folder, record = root / name, root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if record.is_file():
            return json.loads(record.read_text())
        folder.mkdir(exist_ok=True)
        value = make(folder)
        record.write_text(json.dumps(value))
        return value


@pytest.fixture(scope="session")
def twin_pages(tmp_path_factory):
    """The four twins' pages in Spanish, written once for the run (``made_once``): {scene: page}."""

    def make(folder: Path) -> dict[str, str]:
        from lecture.twins import TWINS, write_twin

        return {key: str(write_twin(key, "es", folder)) for key in TWINS}

    return {key: Path(page) for key, page in made_once(tmp_path_factory, "twins-es", make).items()}


@pytest.fixture(scope="session")
def tiny_mnist_checkpoint(tmp_path_factory):
    """A UNet trained for a few steps (T = 20): the digit scene's code path, fast. One file
    for the whole run (``made_once``): the renders the workers share were made with it."""

    def make(folder: Path) -> str:
        from diffusion_core.mnist import (
            MnistTrainConfig,
            UNetConfig,
            save_mnist_checkpoint,
            train_mnist,
        )
        from diffusion_core.schedule import ScheduleConfig
        from scenes.kit.digits import load_sample_digits

        config = MnistTrainConfig(schedule=ScheduleConfig("linear", 20),
                                  unet=UNetConfig(base=8, mults=(1, 2), emb_dim=32), steps=20, batch_size=8, warmup=2)
        result = train_mnist(config, images=load_sample_digits(16).float(), progress=False)
        return str(save_mnist_checkpoint(result, folder / "tiny.pt"))

    return Path(made_once(tmp_path_factory, "mnist", make))


@pytest.fixture()
def models_tmp(tmp_path, monkeypatch):
    """An empty model cache, so tests never touch the shipped models."""
    monkeypatch.setenv("DIFFUSION_MODELS_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


# ---------------------------------------------------------------- scene testing
import tempfile  # noqa: E402

# Trajectories and typeset formulas go to a throwaway cache, never into the checkout.
os.environ.setdefault("DIFFUSION_CACHE_DIR", tempfile.mkdtemp(prefix="difusion-test-cache-"))

# manim's frames_comparison skips every test where the system cairo is older than
# 1.18 (Debian 12 ships 1.16). Our control data is made with this cairo, so lower
# the bar instead of silently skipping: a skipped test is not a pass.
import cairo  # noqa: E402
import manim.utils.testing.frames_comparison as _frames_comparison  # noqa: E402

_frames_comparison.MIN_CAIRO_VERSION = min(_frames_comparison.MIN_CAIRO_VERSION, cairo.cairo_version())


def pytest_addoption(parser):
    parser.addoption("--record-durations", metavar="PATH", default=None,
                     help="write each test's seconds (setup, call and teardown) to PATH as JSON "
                          "(tests/durations.json decides which tests the quick lane leaves out)")
    # manim does not ship its pytest options: add them (see manim's own conftest)
    parser.addoption("--set_test", action="store_true", default=False,
                     help="write the control frames of the frames_comparison tests")
    parser.addoption("--show_diff", action="store_true", default=False,
                     help="show a diff image when a frames_comparison test fails")


# ------------------------------------------------------------------ tiny MNIST
def fake_digits(n, seed=0):
    """Bars at a position set by the label: learnable, and unlike noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = np.zeros((n, 28, 28), np.uint8)
    for i, d in enumerate(labels):
        images[i, 4:24, 2 + 2 * d : 5 + 2 * d] = 255
    return images, labels


@pytest.fixture()
def tiny_mnist_dir(tmp_path, monkeypatch):
    """Small IDX files in the standard names, whose MD5 sums count as the standard ones."""
    from diffusion_core.mnist import data as mnist_module

    for prefix, n in (("train", 256), ("t10k", 128)):
        images, labels = fake_digits(n, seed=len(prefix))
        mnist_module.write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        mnist_module.write_idx(tmp_path / f"{prefix}-labels.idx1-ubyte", labels)
    sums = {name: mnist_module._md5(mnist_module._find(tmp_path, name)) for name in mnist_module.MNIST_FILES}
    monkeypatch.setattr(mnist_module, "MNIST_FILES", sums)
    return tmp_path


# ------------------------------------------------------------------ the quick lane
DURATIONS = Path(__file__).with_name("durations.json")  # a recorded run's seconds per test
QUICK_S = 1.0  # a test that took longer there is `slow`: `./run.sh test --quick` leaves it out


def pytest_collection_modifyitems(config, items):
    """Mark `slow` every test that took over QUICK_S in the recorded run (tests/durations.json,
    remade with `./run.sh test --record-durations tests/durations.json`); a test the record
    does not know yet runs in the quick lane until the record is remade."""
    try:
        seconds = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return
    for item in items:
        if seconds.get(item.nodeid, 0.0) > QUICK_S:
            item.add_marker(pytest.mark.slow)


_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("--record-durations")
    if path and not os.environ.get("PYTEST_XDIST_WORKER"):  # the controller hears every worker's reports
        Path(path).write_text(json.dumps({k: round(v, 3) for k, v in sorted(_seconds.items())}, indent=0) + "\n")
