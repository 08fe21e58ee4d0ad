"""How good is an MNIST model: a small classifier trained by the project provides the
features of an FID on MNIST, the share of confidently classified samples, and the class
histogram of the samples.

FID (Heusel et al. 2017): ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between
Gaussians fitted to the classifier's penultimate-layer features. It is comparable
between models evaluated with the same classifier, not with Inception-based FIDs.
"""

from __future__ import annotations

import os
import platform
import re
import threading
import time
import warnings
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from ..checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from ..samplers import DDIM, DDPM, Sampler
from ..sampling import sample, step_seconds

__all__ = ["MnistClassifier", "CONFIDENT", "classify", "train_classifier", "save_classifier", "load_classifier", "frechet_distance",
           "mmd2_unbiased", "kernel_distance",
           "SampleReport", "Evaluator", "evaluate_images", "sample_images", "make_probe", "PeakMemory",
           "CompareRow", "CompiledNet", "compare_samplers", "comparison_table"]


class MnistClassifier(nn.Module):
    """A small CNN: 28x28 -> 128 features -> 10 logits."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 7x7
        )
        self.fc = nn.Linear(64 * 7 * 7, 128)
        self.head = nn.Linear(128, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x).flatten(1)  # (B, 64*7*7)
        return F.relu(self.fc(h))  # (B, 128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def train_classifier(images, labels, test_images, test_labels, epochs: int = 2, seed: int = 0,
                     batch_size: int = 128, progress: bool = True, max_shift: int = 2):
    """Train the classifier (random shifts of up to ``max_shift`` pixels make its
    features robust to where a sample sits); returns (model, test accuracy, wall s)."""

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = MnistClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps = epochs * (len(images) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    start = time.perf_counter()
    model.train()
    with tqdm(total=steps, disable=not progress, desc="train classifier", leave=False) as bar:
        for _ in range(epochs):
            perm = torch.randperm(len(images), generator=gen)
            for i in range(len(images) // batch_size):
                idx = perm[i * batch_size : (i + 1) * batch_size]
                x = images[idx]
                dx, dy = torch.randint(-max_shift, max_shift + 1, (2,), generator=gen).tolist()
                x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
                loss = F.cross_entropy(model(x), labels[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                bar.update(1)
                if i % 50 == 0:
                    bar.set_postfix(loss=f"{loss.item():.3f}")
    wall = time.perf_counter() - start
    model.eval()
    acc = accuracy(model, test_images, test_labels)
    return model, acc, wall


@torch.no_grad()
def accuracy(model: MnistClassifier, images, labels, batch: int = 1000) -> float:
    correct = 0
    for i in range(0, len(images), batch):
        correct += (model(images[i : i + batch]).argmax(1) == labels[i : i + batch]).sum().item()
    return correct / len(images)


def save_classifier(model: MnistClassifier, acc: float, wall: float, path: str | Path) -> Path:
    return write_checkpoint("mnist-classifier", {"state_dict": model.state_dict(), "test_accuracy": acc,
                                                 "wall_time_s": wall}, path)


def load_classifier(path: str | Path) -> tuple[MnistClassifier, float]:
    path = Path(path)
    hint = f"rebuild it with: python cli.py mnist train-classifier --out {path}"
    payload = read_checkpoint(path, "mnist-classifier", hint)
    model = MnistClassifier()
    try:
        model.load_state_dict(payload["state_dict"])
        acc = float(payload["test_accuracy"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: weights do not match this code ({exc}); {hint}") from exc
    return model.eval(), acc


CONFIDENT = 0.9  # a sample is "confident" when the classifier gives its class at least this


def _stats(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return feats.mean(0), np.cov(feats, rowvar=False)


def _frechet(mu_a, cov_a, mu_b, cov_b) -> float:
    def sqrtm(m):
        with warnings.catch_warnings():  # tiny sample sets give singular covariances
            warnings.simplefilter("ignore")
            return linalg.sqrtm(m)

    covmean = sqrtm(cov_a @ cov_b)
    if not np.isfinite(covmean).all():  # nearly singular product: regularise (as pytorch-fid does)
        eps = 1e-6 * np.eye(len(cov_a))
        covmean = sqrtm((cov_a + eps) @ (cov_b + eps))
    covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two (N, D) feature sets."""
    return _frechet(*_stats(feats_a), *_stats(feats_b))


KID_SUBSETS, KID_SUBSET_SIZE = 100, 1000  # clean-fid's and torchmetrics' defaults


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """The unbiased estimate of the squared MMD between two equal-size (m, D) feature sets
    with the cubic polynomial kernel k(a, b) = (a.b / D + 1)^3 (Binkowski et al. 2018):
    the kernel's mean over pairs within each set, its diagonal left out, minus twice its
    mean across the sets."""
    m, d = x.shape
    kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
    within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2 * kxy.sum() / m**2)


def kernel_distance(feats_a: np.ndarray, feats_b: np.ndarray, subsets: int = KID_SUBSETS,
                    subset_size: int = KID_SUBSET_SIZE, seed: int = 0) -> tuple[float, float]:
    """KID: ``mmd2_unbiased`` over ``subsets`` random subsets of min(subset_size, |a|, |b|)
    features of each set (drawn without replacement, seeded); its mean and standard
    deviation (ddof 1) over the subsets, as torchmetrics' KernelInceptionDistance reports
    it. Unlike FID it has no bias at small n: its expectation is the same at any n, so
    rows of different n would compare; this project keeps one n a table all the same."""
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError("KID needs at least 2 features in each set")
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values, ddof=1)) if subsets > 1 else 0.0


@dataclass
class SampleReport:
    fid: float
    confident_share: float
    class_share: list[float]
    n: int
    kid: float | None = None  # KID's mean over subsets (kernel_distance), and its standard deviation
    kid_std: float | None = None

    def as_dict(self) -> dict:
        return {"fid": self.fid, "kid": self.kid, "kid_std": self.kid_std, "confident_share": self.confident_share,
                "class_share": self.class_share, "n": self.n}


@torch.no_grad()
def _features_and_probs(model: MnistClassifier, images: torch.Tensor, batch: int = 1000):
    feats, probs = [], []
    for i in range(0, len(images), batch):
        f = model.features(images[i : i + batch].clamp(-1, 1))
        feats.append(f)
        probs.append(F.softmax(model.head(f), dim=1))
    return torch.cat(feats).double().numpy(), torch.cat(probs)


def classify(classifier: MnistClassifier, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each image's most likely class and the classifier's probability for it."""
    _, probs = _features_and_probs(classifier.eval(), images)
    conf, cls = probs.max(dim=1)
    return cls, conf


class Evaluator:
    """Scores sample batches against one reference set, whose feature statistics are
    computed once (the 10,000 test images, usually)."""

    def __init__(self, classifier: MnistClassifier, reference: torch.Tensor):
        self.classifier = classifier.eval()
        feats, _ = _features_and_probs(classifier, reference)
        self._ref = _stats(feats)
        self._ref_feats = feats

    def __call__(self, samples: torch.Tensor, kid: bool = False) -> SampleReport:
        """FID against the reference, the share classified with confidence >= 0.9,
        and the share of each class among the samples; with ``kid``, KID too
        (``kernel_distance``: 100 subsets, seed 0)."""
        fs, ps = _features_and_probs(self.classifier, samples)
        conf, cls = ps.max(dim=1)
        hist = torch.bincount(cls, minlength=10).double() / len(cls)
        fid = _frechet(*_stats(fs), *self._ref)
        k = kernel_distance(fs, self._ref_feats) if kid else (None, None)
        return SampleReport(fid, float((conf >= CONFIDENT).double().mean()), hist.tolist(), len(samples), *k)


def evaluate_images(samples: torch.Tensor, reference: torch.Tensor, classifier: MnistClassifier) -> SampleReport:
    """FID between samples and reference images, the share classified with confidence
    >= 0.9, and the share of each class among the samples."""
    return Evaluator(classifier, reference)(samples)


def sample_images(model, schedule, sampler: Sampler, n: int, seed: int = 0, batch: int = 500, device: str = "cpu",
                  amp: bool | None = None, x_T: torch.Tensor | None = None,
                  compile_mode: str = "none", start: int = 0) -> tuple[torch.Tensor, float]:
    """n images (n, 1, 28, 28) from ``model`` with ``sampler`` (DDPM() over all T steps, or
    DDIM(steps, eta): eta 0 deterministic, 1 a DDPM-like stochastic step over each
    stride), its predicted x_0 clipped to [-1, 1], in batches; returns them on the CPU
    with the sampling wall time in seconds (compilation included).

    ``amp`` runs the network under bf16 autocast (default: on a GPU only); the sampler's
    own arithmetic stays float32. ``x_T`` (n, 1, 28, 28) replaces the first noise.
    ``compile_mode`` runs the network through ``torch.compile`` as training's GPU loop
    does ("reduce-overhead" adds CUDA graphs; see ``CompiledNet``)."""
    config = replace(sampler, clip=1.0) if isinstance(sampler, (DDPM, DDIM)) else sampler
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model = model.to(device)
    net = model if compile_mode == "none" else CompiledNet.of(model.eval(), compile_mode)
    amp = (str(device).startswith("cuda")) if amp is None else amp
    dev_type = torch.device(device).type
    if start:
        if start % batch:
            raise ValueError(f"start ({start}) must be a multiple of the batch ({batch})")
        if x_T is not None:
            raise ValueError("start replays the drawn noise: it cannot be given with x_T")
        still = _Still(getattr(model, "objective", "eps"))
        for _ in range(0, start, batch):  # the same draws, in the same order, as the first start images took
            sample(still, schedule, (batch, 1, 28, 28), config, generator=gen, record=False)
    out, began = [], time.perf_counter()
    for i in range(0, n, batch):
        shape = (min(batch, n - i), 1, 28, 28)
        start_x = None if x_T is None else x_T[i : i + shape[0]]
        with torch.autocast(dev_type, dtype=torch.bfloat16, enabled=amp):
            traj = sample(net, schedule, shape, config, generator=gen, device=device, record=False, x_T=start_x)
        out.append(traj.samples)  # on the CPU: the copy waits for the device to finish
    seconds = time.perf_counter() - began
    model.train(was_training)
    return torch.cat(out), seconds


class _Still(nn.Module):
    """A network that predicts zeros: replays a sampler's random draws at no cost."""

    def __init__(self, objective: str):
        super().__init__()
        self.objective = objective

    def forward(self, x, clock, y=None):
        return torch.zeros_like(x)


_COMPILED: "weakref.WeakKeyDictionary[nn.Module, dict]" = weakref.WeakKeyDictionary()


class CompiledNet(nn.Module):
    """The network through ``torch.compile(mode)``, called as the network is.

    With "reduce-overhead" (CUDA graphs) each call starts a new graph step and its output
    is copied out before the next replay overwrites it, as training's loop does. The
    sampler's own arithmetic stays outside the compiled graph, so a compiled run draws
    the same noise in the same order as an eager one."""

    def __init__(self, model: nn.Module, mode: str):
        super().__init__()
        self.model = model
        self.objective = getattr(model, "objective", "eps")
        self.config = getattr(model, "config", None)
        self.graphs = mode == "reduce-overhead"
        self.fn = torch.compile(model, mode=mode, dynamic=False)

    @classmethod
    def of(cls, model: nn.Module, mode: str) -> "CompiledNet":
        """One compiled network per model and mode: a second call compiles nothing anew."""
        per_model = _COMPILED.setdefault(model, {})
        if mode not in per_model:
            per_model[mode] = cls(model, mode)
        return per_model[mode]

    def forward(self, x, t, *args):
        if self.graphs:
            torch.compiler.cudagraph_mark_step_begin()
            return self.fn(x, t, *args).clone()
        return self.fn(x, t, *args)


class PeakMemory:
    """Peak memory while a block runs: the GPU's allocator peak on cuda, else the
    process's resident set, polled every 5 ms by a thread."""

    def __init__(self, device: str):
        self.device, self.peak_mb = device, 0.0

    @staticmethod
    def _rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def __enter__(self):
        if self.device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return self
        self._stop = threading.Event()

        def poll():
            while not self._stop.is_set():
                self.peak_mb = max(self.peak_mb, self._rss_mb())
                self._stop.wait(0.005)

        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.device == "cuda":
            self.peak_mb = torch.cuda.max_memory_allocated() / 2**20
        else:
            self._stop.set()
            self._thread.join()
            self.peak_mb = max(self.peak_mb, self._rss_mb())
        return False


@dataclass
class CompareRow:
    """One sampler's line of the comparison table."""
    name: str
    report: SampleReport
    s_per_1000: float
    peak_mb: float


def compare_samplers(model, schedule, evaluator: Evaluator, configs: list[Sampler], n: int, batch: int,
                     device: str = "cpu", amp: bool | None = None, log=None, n_for=None,
                     compile_mode: str = "none", kid: bool = False) -> list[CompareRow]:
    """Sample n images with each sampler (``n_for(sampler)`` of them where given: DDPM's
    row on fewer samples on a CPU), score them, time them, measure their memory.

    On a GPU the time is the sampling's wall time. On a CPU it is measured so that other
    work on the machine cannot inflate it (``step_seconds``: one thread's CPU time of a
    step at this batch, best of 5, times the sampler's steps): a figure a quiet machine
    reproduces, whatever ran beside the comparison."""
    sample_images(model, schedule, DDIM(steps=2), min(n, batch), device=device, amp=amp,
                  compile_mode=compile_mode)  # warm-up (and compilation)
    rows = []
    for config in configs:
        rows_n = n_for(config) if n_for else n
        with PeakMemory(device) as mem:
            samples, secs = sample_images(model, schedule, config, rows_n, batch=batch, device=device, amp=amp,
                                          compile_mode=compile_mode)
        per_1000 = secs * 1000 / rows_n
        if not str(device).startswith("cuda"):
            per_1000 = cpu_time_per_1000(model, schedule, config, min(batch, rows_n))
        rows.append(CompareRow(config.describe(schedule.T), evaluator(samples, kid=kid), per_1000, mem.peak_mb))
        if log:
            log(rows[-1])
    return rows


def cpu_time_per_1000(model, schedule, sampler: Sampler, batch: int) -> float:
    """Seconds for 1,000 images on one CPU thread, from the best of 5 timed steps at ``batch``."""
    x = torch.randn(batch, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    per_step = step_seconds(model.cpu(), schedule, x, sampler, n_steps=1, repeats=5)
    return per_step * sampler.n_steps(schedule.T) * 1000 / batch


def comparison_table(rows: list[CompareRow], n: int, batch: int, device: str, amp: bool, train_minutes: float,
                     command: str, checkpoint_sha256: str = "", compare_command: str = "") -> str:
    """The deck's "Comparison with Other Models" table, as Markdown, with what was measured;
    its first line records the checkpoint it was measured on (``measured_on`` reads it)."""
    if device == "cuda":
        machine = f"{torch.cuda.get_device_name()} (GPU memory: allocator peak)"
        timing = f"sampling time for 1,000 images (batches of {batch}) on {device}: {machine}"
    else:
        machine = (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} CPU threads "
                   "(memory: peak resident set)")
        timing = (f"sampling time for 1,000 images on {device}: {machine}; the time is one thread's CPU time "
                  f"(the best of 5 steps at a batch of up to {batch}, times the steps), which other work cannot inflate")
    shares = [[100 * x for x in r.report.class_share] for r in rows]
    counts = per_row_n(rows, n)
    return "\n".join([
        f"<!-- measured on: checkpoint sha256 {checkpoint_sha256 or '-'}; n {counts}; machine {machine}; "
        f"command {compare_command or '-'} -->",
        f"FID on the project classifier's features, {counts} samples per row against the 10,000 test images; "
        f"{timing}{'; the UNet in bf16 autocast' if amp else ''}.",
        f"Training: `{command or '(command not recorded)'}`.",
        "",
        "| Model | FID | Sampling time (1,000 images) | Peak memory | Training time |",
        "|---|---|---|---|---|",
        *[table_row(r, train_minutes) for r in rows],
        "",
        "| Model | Confident (p >= 0.9) | Class shares (min - max) |",
        "|---|---|---|",
        *[f"| {r.name} | {100 * r.report.confident_share:.1f}% | {min(s):.1f}% - {max(s):.1f}% |"
          for r, s in zip(rows, shares)],
        "",
    ])


def per_row_n(rows: list[CompareRow], n: int) -> str:
    """'10000', or '2000 (DDPM (1000 steps): 200)' when some rows were measured on fewer."""
    others = [f"{r.name}: {r.report.n}" for r in rows if r.report.n != n]
    return f"{n}" + (f" ({'; '.join(others)})" if others else "")


def measured_on(table: str) -> dict[str, str]:
    """What a comparison table records of its measurement: {"sha256", "n", "machine",
    "command"} from its first line ({} for a table without the record)."""
    m = re.match(r"<!-- measured on: checkpoint sha256 (\S+); n (\d+(?: \(.*?\))?); machine (.*?); "
                 r"command (.*?) -->", table)
    return dict(zip(("sha256", "n", "machine", "command"), m.groups())) if m else {}


def table_row(row: CompareRow, train_minutes: float) -> str:
    return (f"| {row.name} | {row.report.fid:.2f} | {row.s_per_1000:.1f} s | {row.peak_mb:.0f} MB | "
            f"{train_minutes:.1f} min |")


def make_probe(evaluator: Evaluator, n: int, device: str = "cpu", steps: int = 50, eta: float = 0.0, seed: int = 1,
               log=None):
    """The FID probe run during training: ``probe(ema_model, schedule) -> dict``.

    It samples ``n`` images with DDIM (``steps``, ``eta``) from a fixed seed and scores
    them with ``evaluator``. A failed probe returns ``{"probe_error": ...}`` instead of
    raising: it must not end a long training run.
    """

    def probe(model, schedule) -> dict:
        s = min(steps, schedule.T)
        try:
            images, secs = sample_images(model, schedule, DDIM(steps=s, eta=eta), n, seed=seed, device=device,
                                         batch=n if str(device).startswith("cuda") else 500)
            report = evaluator(images)
        except Exception as exc:  # noqa: BLE001 - reported, then training goes on
            if log:
                log(f"  probe failed: {exc!r}")
            return {"probe_error": repr(exc)}
        if log:
            log(f"  probe: FID {report.fid:.2f} (DDIM-{s}, eta = {eta:g}, n = {n}), "
                f"confident {100 * report.confident_share:.1f}%, {secs:.1f} s")
        return {"fid_ddim50": round(report.fid, 3), "confident": round(report.confident_share, 4), "probe_n": n,
                "probe_eta": eta}

    return probe
