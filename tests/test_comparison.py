"""The comparison slide's numbers: KID against the reference formula, a table's rows all
of one n (refused where it is written and where the deck reads it), and the table in the
deck's language."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from diffusion_core import (
    TableError,
    kernel_distance,
    read_record,
    table_markdown,
    table_note,
    write_record,
)
from diffusion_core.mnist.eval import mmd2_unbiased


def _torchmetrics_kid(f_real: torch.Tensor, f_fake: torch.Tensor) -> torch.Tensor:
    """torchmetrics' KernelInceptionDistance for one subset (torchmetrics/image/kid.py:
    poly_kernel with degree 3, gamma 1/D, coef 1, then maximum_mean_discrepancy), written out."""
    def poly_kernel(f1, f2, degree=3, gamma=None, coef=1.0):
        if gamma is None:
            gamma = 1.0 / f1.shape[1]
        return (f1 @ f2.T * gamma + coef) ** degree

    k_11, k_22, k_12 = poly_kernel(f_real, f_real), poly_kernel(f_fake, f_fake), poly_kernel(f_real, f_fake)
    m = k_11.shape[0]
    kt_xx_sum = (k_11.sum(dim=-1) - torch.diag(k_11)).sum()
    kt_yy_sum = (k_22.sum(dim=-1) - torch.diag(k_22)).sum()
    k_xy_sum = k_12.sum(dim=0).sum()
    value = (kt_xx_sum + kt_yy_sum) / (m * (m - 1))
    return value - 2 * k_xy_sum / (m**2)


def _features(n, seed, shift=0.0):
    g = np.random.default_rng(seed)
    return np.maximum(g.normal(shift, 1.0, (n, 128)), 0) * 2.0  # ReLU features, like the classifier's


def test_kid_is_the_reference_formula_within_1e_6():
    a, b = _features(700, 0), _features(900, 1, shift=0.1)
    # one subset: the same arrays through both
    x, y = a[:500], b[:500]
    want = float(_torchmetrics_kid(torch.from_numpy(x), torch.from_numpy(y)))
    assert abs(mmd2_unbiased(x, y) - want) <= 1e-6 * max(1.0, abs(want))
    # over subsets: the same draws (seed 0, without replacement, m = 500) give the same mean and std
    mean, std = kernel_distance(a, b, subsets=20, subset_size=500)
    rng = np.random.default_rng(0)
    values = []
    for _ in range(20):
        ia, ib = rng.choice(len(a), 500, replace=False), rng.choice(len(b), 500, replace=False)
        values.append(_torchmetrics_kid(torch.from_numpy(a[ia]), torch.from_numpy(b[ib])))
    values = torch.stack(values)
    assert abs(mean - float(values.mean())) <= 1e-6 * max(1.0, abs(mean))
    assert abs(std - float(values.std())) <= 1e-6 * max(1.0, std)  # torch's std: ddof 1, as torchmetrics reports


def test_kid_has_no_small_n_bias_where_fid_has():
    """Two samples of one distribution: FID grows as n shrinks, KID stays near 0."""
    from diffusion_core.mnist.eval import frechet_distance

    ref = _features(4000, 2)
    small, large = _features(200, 3), _features(2000, 4)
    assert frechet_distance(small, ref) > 3 * frechet_distance(large, ref)
    for s in (small, large):
        mean, std = kernel_distance(s, ref)
        assert abs(mean) < 3 * std + 1e-3


RECORD = {
    "checkpoint_sha256": "ab" * 32, "n": 500, "reference": "the 10,000 MNIST test images", "features": "f",
    "command": "python benchmarks/mnist_table.py --n 500", "time": {"kind": "cpu-thread", "machine": "AMD EPYC"},
    "training": {"minutes": 2.6, "machine": "H200", "command": "python cli.py train mnist"},
    "rows": [
        {"model": {"kind": "real"}, "n": 500, "fid": 11.2, "kid": 0.1, "kid_std": 0.4, "confident_share": 0.98,
         "class_share": [0.1] * 10, "s_per_1000": None, "peak_mb": None},
        {"model": {"kind": "ddpm", "steps": 1000, "eta": None}, "n": 500, "fid": 14.5, "kid": 2.1,
         "kid_std": 0.5, "confident_share": 0.91, "class_share": [0.1] * 10, "s_per_1000": 2345.6, "peak_mb": None},
        {"model": {"kind": "ddim", "steps": 50, "eta": 1.0}, "n": 500, "fid": 13.1, "kid": 1.8, "kid_std": 0.5,
         "confident_share": 0.9, "class_share": [0.1] * 10, "s_per_1000": 120.5, "peak_mb": None},
    ],
}


def test_a_table_with_rows_of_different_n_is_refused_where_it_is_written(tmp_path):
    mixed = copy.deepcopy(RECORD)
    mixed["rows"][1]["n"] = 200
    with pytest.raises(TableError, match="different numbers of samples .*DDPM \\(1000 steps\\): 200"):
        write_record(tmp_path / "t.json", mixed)
    assert not (tmp_path / "t.json").exists()
    path = write_record(tmp_path / "ok.json", RECORD)
    assert read_record(path) == RECORD


def test_a_table_with_rows_of_different_n_is_refused_where_it_is_read(tmp_path):
    mixed = copy.deepcopy(RECORD)
    mixed["rows"][2]["n"] = 2000
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(mixed), encoding="utf-8")  # written by hand, or by an older version
    with pytest.raises(TableError, match="different numbers of samples"):
        read_record(path)
    no_floor = copy.deepcopy(RECORD)
    no_floor["rows"] = no_floor["rows"][1:]
    path.write_text(json.dumps(no_floor), encoding="utf-8")
    with pytest.raises(TableError, match="first row must be the real digits"):
        read_record(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(TableError, match="not readable"):
        read_record(path)


def test_the_deck_keeps_its_own_table_when_the_record_mixes_n(tmp_path, monkeypatch):
    import lecture.outputs
    import lecture.renders
    import lecture.rewrite

    mixed = copy.deepcopy(RECORD)
    mixed["rows"][1]["n"] = 200
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(mixed), encoding="utf-8")
    monkeypatch.setattr(lecture.rewrite, "COMPARISON", path)
    monkeypatch.setattr(lecture.rewrite, "REPO", tmp_path)
    stale = lecture.rewrite.stale_comparison()
    assert "different numbers of samples" in stale and "the deck's own table is kept" in stale


def test_the_table_speaks_the_decks_language():
    es = table_markdown(RECORD, "es")
    assert es.splitlines()[0] == "| Modelo | FID | KID | Tiempo de muestreo (1000 imágenes) | Entrenamiento |"
    assert es.splitlines()[2].startswith("| Dígitos reales (entrenamiento) | 11,20 | 0,10\u00a0±\u00a00,40 | — | — |")
    assert "| DDPM (1000 pasos) | 14,50 | 2,10\u00a0±\u00a00,50 | 2345,6 s | 2,6 min en una H200 |" in es
    assert "DDIM (50 pasos, η = 1)" in es
    en = table_markdown(RECORD, "en", kid=False)
    assert "KID" not in en and "| DDPM (1000 steps) | 14.50 | 2,345.6 s | 2.6 min on an H200 |" in en
    note = table_note(RECORD, "es")
    assert "500 muestras por fila" in note and "un hilo de CPU (AMD EPYC)" in note
    assert not any(w in note for w in ("threads", "memory", "samples", "python"))  # one language, no command
    assert "one CPU thread (AMD EPYC)" in table_note(RECORD, "en")
    assert table_note({**RECORD, "n": 1200}, "en").startswith("1,200 samples per row")
    assert table_note({**RECORD, "n": 1200}, "es").startswith("1200 muestras")  # RAE: four digits together
    assert table_note({**RECORD, "n": 10000}, "es").startswith("10\u00a0000 muestras")
