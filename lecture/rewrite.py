"""Stage 3 of a deck build, the rewrite: slots made live, posters, the measured comparison
table, the formulas; every other character as it was, presenter notes included (all
through ``apply_edits``)."""

from __future__ import annotations

import html
import re

from diffusion_core import (
    REPO,
    TableError,
    mnist_checkpoint_path,
    read_record,
    table_markdown,
    table_note,
)
from lecture.edits import Edit, apply_edits
from lecture.fence import file_digest
from lecture.plan import DeckOptions, DeckReport
from lecture.source import (
    DeckSource,
)

__all__ = ["rewrite", "stale_comparison", "COMPARISON"]


# the deck's reparametrization with alpha_t where alpha_bar_t is meant
_WRONG = re.compile(r"\\sqrt\{\\alpha_t\}\s*x_0\s*\+\s*\\sqrt\{1\s*-\s*\\alpha_t\}\s*\\epsilon")
_RIGHT = r"\sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon"
COMPARISON = REPO / "docs" / "mnist" / "comparison.json"  # the measured comparison's record (the deck's table)




# ---------------------------------------------------------------- 3. rewrite
def stale_comparison() -> str:
    """'' when the measured comparison can go on a slide: a record with one n for every row
    (diffusion_core.read_record) that belongs to the shipped MNIST model (the digest it
    records is the checkpoint's); else one line saying why not and how to remake it."""
    remake = ("the deck's own table is kept; remake it with `python benchmarks/mnist_table.py --json "
              f"{COMPARISON.relative_to(REPO)}` (about two hours on 2 CPU cores at its n = 1,200; on a GPU add "
              "`--device cuda --n 10000`)")
    try:
        record = read_record(COMPARISON)
    except TableError as exc:
        return f"{exc}: {remake}"
    shipped = mnist_checkpoint_path()
    if not shipped.is_file():
        return f"no shipped MNIST model at {shipped} to compare the table's with: {remake}"
    digest = file_digest(shipped)
    if digest != record["checkpoint_sha256"]:
        return (f"{COMPARISON.relative_to(REPO)} is stale: measured on checkpoint {record['checkpoint_sha256'][:12]}, "
                f"the shipped model is {digest[:12]}: {remake}")
    return ""


NOTES_TABLE = {
    "es": "Tabla medida por este proyecto con: {cmd} (checkpoint sha256 {sha}). Dígitos reales: {n} imágenes de "
          "entrenamiento al azar, el suelo de FID y KID con {n} muestras. KID no tiene sesgo con n pequeño; FID sí.",
    "en": "Table measured by this project with: {cmd} (checkpoint sha256 {sha}). Real digits: {n} random training "
          "images, the floor of FID and KID at {n} samples. KID has no bias at small n; FID has.",
}


def _comparison_table(lang: str, narrow: bool = False) -> str:
    """The project's measured comparison (docs/mnist/comparison.json), in the deck's
    language: the table (its KID column only where it fits legibly: not on a 4:3 slide,
    ``narrow``), one or two lines under it saying what was measured, and the command and
    the checkpoint's digest in the slide's presenter notes."""
    record = read_record(COMPARISON)
    lang = lang if lang in NOTES_TABLE else "en"
    notes = NOTES_TABLE[lang].format(cmd=record["command"], sha=record["checkpoint_sha256"], n=record["n"])
    # at TABLE_PX whatever the theme's own type: every text of it 20 px or more at 1280x720, and the table with
    # its lines under it inside the slide (default's 29 px type, gaia's 35 and uncover's 40 would push them out;
    # uncover's letter spacing wraps every cell)
    return (f'<div class="comparison" style="{TABLE_STYLE}">\n\n{table_markdown(record, lang, kid=not narrow)}'
            f"\n\n{html.escape(table_note(record, lang, kid=not narrow))}\n\n</div>\n\n<!--\n{notes.replace('-->', '->')}\n-->\n")


TABLE_PX = 21  # CSS px of Marp's 720-high slide
TABLE_STYLE = f"font-size: {TABLE_PX}px; letter-spacing: normal; line-height: 1.3"


def rewrite(deck: DeckSource, opts: DeckOptions, served: set[str], posters: dict[int, str],
            report: DeckReport) -> str:
    """The deck with our slots live, posters on our videos, the table and formulas;
    every other character as it was (presenter notes included)."""
    text, name = deck.text, opts.deck.name
    edits: list[Edit] = []
    for c in deck.comments:  # 1. commented-out slots holding what we serve: live
        if c.slot and any(r.slot and r.path in served and c.start < r.at < c.end for r in deck.refs):
            inner_start = c.start + 4 + (len(c.inner) - len(c.inner.lstrip(" ")))
            inner_end = c.end - 3 - (len(c.inner) - len(c.inner.rstrip(" ")))
            edits += [Edit(c.start, inner_start, ""), Edit(inner_end, c.end, "")]
    for start, url in posters.items():  # 2. posters
        edits.append(Edit(start, start + 6, text[start:start + 6] + f' poster="{html.escape(url, quote=True)}"'))
    if opts.table:  # 3. the measured comparison
        table = next(((a, b) for a, b, head in deck.tables if head[:1] == ["Model"] and len(head) > 1
                      and head[1].startswith("FID")), None)
        stale = stale_comparison()
        if table is None:
            report.warnings.append(f"{name}: --table: no table whose header starts with '| Model | FID'")
        elif stale:
            report.warnings.append(f"{name}: --table: {stale}")
        else:
            edits.append(Edit(table[0], table[1], _comparison_table(opts.lang, opts.aspect == "4:3")))
    for m in _WRONG.finditer(text):  # 4. the formula, outside code
        line = text.count("\n", 0, m.start()) + 1
        if line - 1 in deck.code_lines:
            continue
        report.warnings.append(f"{name}:{line}: x_t = sqrt(alpha_t) x_0 + sqrt(1 - alpha_t) eps: alpha_bar_t is "
                               f"meant (Ho et al. 2020, eq. 4){'; fixed' if opts.fix_formulas else '; --fix-formulas rewrites it'}")
        if opts.fix_formulas:
            edits.append(Edit(m.start(), m.end(), _RIGHT))
    return apply_edits(text, edits)


