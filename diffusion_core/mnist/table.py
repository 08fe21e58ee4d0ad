"""The deck's comparison table as a record (JSON): every row measured the same way, at one
n, against one reference, the real digits' own row first, with FID and KID; and the
table written out from it, in Spanish or English, for the deck and for the docs.

A record (``docs/mnist/comparison.json``) holds::

    {"checkpoint_sha256", "n", "reference", "features", "command",
     "time": {"kind": "cpu-thread" | "wall", "machine"},
     "training": {"minutes", "machine", "command"},
     "rows": [{"model": {"kind": "real" | "ddpm" | "ddim", "steps", "eta"}, "n", "fid", "kid", "kid_std",
               "confident_share", "class_share", "s_per_1000", "peak_mb"}, ...]}

A record whose rows were measured on different n is refused when it is written and again
when it is read: FID is biased upward at small n (the real digits' own FID is 26.8 at
n = 200 and 4.6 at n = 2,000), so such rows cannot be compared.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..io import atomic_write

__all__ = ["TableError", "check_record", "write_record", "read_record", "row_name", "table_markdown", "table_note",
           "KID_SCALE"]

# KID as measured: on the classifier's 128 ReLU features (not Inception's 2,048, scaled to
# about 1) its values are of order 1 to 10, so no factor of 10^3 is needed to read them
KID_SCALE = 1


class TableError(ValueError):
    """A comparison record that cannot be used: one line for the user."""


def check_record(record: dict, where: str = "the comparison") -> dict:
    """The record itself, or TableError naming what is wrong with it."""
    try:
        n, rows = int(record["n"]), record["rows"]
        record["checkpoint_sha256"], record["time"]["kind"], record["training"]["minutes"]  # noqa: B018
    except (KeyError, TypeError, ValueError) as exc:
        raise TableError(f"{where}: not a comparison record ({exc!r} missing or wrong)") from exc
    if not rows:
        raise TableError(f"{where}: no rows")
    ns = {int(r["n"]) for r in rows}
    if ns != {n}:
        each = ", ".join(f"{row_name(r['model'], 'en')}: {r['n']}" for r in rows)
        raise TableError(f"{where}: its rows were measured on different numbers of samples ({each}); FID is biased "
                         f"at small n, so a table compares only rows of one n")
    for r in rows:
        for key in ("fid", "kid", "kid_std"):
            v = r.get(key)
            if v is None or not math.isfinite(float(v)):
                raise TableError(f"{where}: {row_name(r['model'], 'en')}: {key} is {v!r}, not a number")
    if rows[0]["model"]["kind"] != "real":
        raise TableError(f"{where}: the first row must be the real digits' (the floor at this n)")
    return record


def write_record(path: str | Path, record: dict) -> Path:
    """Check the record, then write it as JSON (atomically)."""
    check_record(record, str(path))
    path = Path(path)
    with atomic_write(path) as tmp:
        Path(tmp).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_record(path: str | Path) -> dict:
    """The record at ``path``, checked; TableError if it is missing, unreadable or mixed."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TableError(f"{path}: no comparison record") from exc
    except (OSError, ValueError) as exc:
        raise TableError(f"{path}: not readable as a comparison record ({exc})") from exc
    if not isinstance(record, dict):
        raise TableError(f"{path}: not a comparison record")
    return check_record(record, str(path))


_WORDS = {
    "es": {"model": "Modelo", "time": "Tiempo de muestreo (1000 imágenes)", "train": "Entrenamiento",
           "real": "Dígitos reales (entrenamiento)", "steps": "pasos", "confident": "Seguras (p ≥ 0,9)",
           "shares": "Clases (mín. – máx.)", "memory": "Memoria máxima"},
    "en": {"model": "Model", "time": "Sampling time (1,000 images)", "train": "Training",
           "real": "Real digits (training set)", "steps": "steps", "confident": "Confident (p ≥ 0.9)",
           "shares": "Class shares (min – max)", "memory": "Peak memory"},
}


def _num(value: float, lang: str, digits: int = 2) -> str:
    """A number as the language writes it: 9,16 and 1234,5 in Spanish; 9.16 and 1,234.5 in English."""
    if lang == "es":
        return f"{value:.{digits}f}".replace(".", ",")
    return f"{value:,.{digits}f}"


def _count(n: int, lang: str) -> str:
    """A count as the language writes it: 1200 and 10\u00a0000 in Spanish (RAE: no separator
    in four digits, a space from five); 1,200 and 10,000 in English."""
    if lang == "es":
        return str(n) if n < 10_000 else f"{n:,}".replace(",", "\u00a0")
    return f"{n:,}"


def row_name(model: dict, lang: str) -> str:
    """'DDPM (1000 steps)', 'DDIM (50 pasos, η = 1)', 'Real digits (training set)'."""
    w = _WORDS.get(lang, _WORDS["en"])
    if model["kind"] == "real":
        return w["real"]
    eta = model.get("eta")
    extra = f", η = {eta:g}" if eta else ""  # DDIM's eta when not 0 (DDPM has none)
    return f"{model['kind'].upper()} ({model['steps']} {w['steps']}{extra})"


def _on(machine: str, lang: str) -> str:
    if lang == "es":
        return f"en una {machine}"
    return f"on {'an' if machine[:1].upper() in 'AEFHILMNORSX' else 'a'} {machine}"


def _kid(row: dict, lang: str) -> str:
    return f"{_num(row['kid'] * KID_SCALE, lang)}\u00a0±\u00a0{_num(row['kid_std'] * KID_SCALE, lang)}"  # kept on one line


def table_markdown(record: dict, lang: str, kid: bool = True, details: bool = False) -> str:
    """The table in ``lang``: model, FID, KID (mean ± std over subsets; ``kid``),
    sampling time per 1,000 images and training time ("2,6 min en una H200"); with
    ``details`` (the docs), the confident share, the class shares and the peak memory too."""
    w = _WORDS.get(lang, _WORDS["en"])
    memory = details and any(r.get("peak_mb") is not None for r in record["rows"])
    head = [w["model"], "FID", *(["KID"] if kid else []), w["time"], w["train"]]
    if details:
        head += [w["confident"], w["shares"], *([w["memory"]] if memory else [])]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    training = f"{_num(record['training']['minutes'], lang, 1)} min {_on(record['training']['machine'], lang)}"
    for r in record["rows"]:
        real = r["model"]["kind"] == "real"
        cells = [row_name(r["model"], lang), _num(r["fid"], lang), *([_kid(r, lang)] if kid else []),
                 "—" if real else f"{_num(r['s_per_1000'], lang, 1)} s", "—" if real else training]
        if details:
            shares = [100 * x for x in r["class_share"]]
            cells += [f"{_num(100 * r['confident_share'], lang, 1)} %" if lang == "es"
                      else f"{100 * r['confident_share']:.1f}%",
                      f"{_num(min(shares), lang, 1)} – {_num(max(shares), lang, 1)} %"]
            if memory:
                cells.append("—" if real or r.get("peak_mb") is None else f"{r['peak_mb']:.0f} MB")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_note(record: dict, lang: str, kid: bool = True) -> str:
    """One or two short lines under the table: what was measured, how many samples, on what
    (KID named only where the table has its column)."""
    n, t = record["n"], record["time"]
    if lang == "es":
        scores = "FID y KID (media ± desviación en 100 subconjuntos)" if kid else "FID"
        what = f"{_count(n, 'es')} muestras por fila frente a las 10\u00a0000 imágenes de prueba; {scores} con el clasificador del proyecto."
        when = (f"Muestreo: un hilo de CPU ({t['machine']})." if t["kind"] == "cpu-thread"
                else f"Muestreo: tiempo real {_on(t['machine'], 'es')}.")
        return f"{what} {when}"
    scores = "FID and KID (mean ± std over 100 subsets)" if kid else "FID"
    what = f"{_count(n, 'en')} samples per row against the 10,000 test images; {scores} on the project's classifier."
    when = (f"Sampling: one CPU thread ({t['machine']})." if t["kind"] == "cpu-thread"
            else f"Sampling: wall time {_on(t['machine'], 'en')}.")
    return f"{what} {when}"
