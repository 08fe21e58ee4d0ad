"""Turn a Marp deck into a finished lecture in a folder of its own.

    python cli.py deck --deck slides.md --out lecture/        (see build_deck)

``build_deck`` runs four stages:

1. **plan** (``plan_deck``, a pure function of the deck's text, the options and which
   of its files lie beside it): which scene makes each asset the deck names (a mapping,
   a ``--slot``, a placeholder, or the file's own name), which pictures are the
   lecturer's, what is missing or refused, which videos get posters;
2. **render** (``render_assets``): the lecturer's pictures copied (they always win), our
   assets rendered only when missing or out of date, in parallel, the longest first, a
   video's poster from the video's own render, each recorded as it lands;
3. **rewrite** (``rewrite``): slots made live, posters, the table, the formulas; every
   other character as it was, presenter notes included (all through ``apply_edits``);
4. **outputs** (``OUTPUTS``): captions and notes on our videos (one slide per beat with
   ``--steps``), ``slides.md``, the HTML, the PDF: each a class with ``wanted`` and
   ``make``, so a new output is one class.

Nothing is written outside the output folder, and nothing beside the deck is ever
written (lecture.fence).
"""

from __future__ import annotations

import time

from lecture.fence import OutputFolder, check_out
from lecture.fit import Fit, FitAgain
from lecture.outputs import Built, Html, Markdown, Output, Pdf, Presentation, Twins
from lecture.plan import (
    Asset,
    DeckOptions,
    DeckPlan,
    DeckReport,
    mapping_origins,
    mapping_path,
    plan_deck,
    read_mapping,
    resolve,
)
from lecture.renders import render_assets
from lecture.rewrite import rewrite
from lecture.source import read_deck
from scenes.rendering import Workers

__all__ = ["DeckOptions", "DeckReport", "DeckPlan", "Asset", "build_deck", "plan_deck", "read_mapping", "mapping_path",
           "rewrite", "OUTPUTS", "Output"]


OUTPUTS: tuple[Output, ...] = (Twins(), Presentation(), FitAgain(), Markdown(), Html(), Fit(), Pdf())


# ---------------------------------------------------------------- build_deck
def build_deck(opts: DeckOptions, log=print) -> DeckReport:
    """Build the finished deck in ``opts.out``: plan, render, rewrite, write the outputs
    (see the module's docstring). Raises DeckError or FenceError (one line for the user)
    before anything is written."""
    started = time.perf_counter()
    source = read_deck(opts.deck)
    opts, notes = resolve(opts, source)  # the one place the language, frame, theme and background are worked out
    out = check_out(opts.out, opts.deck)
    mapping = {**read_mapping(opts.deck), **opts.slots}
    origins = {k: v for k, v in mapping_origins(opts.deck).items() if k not in opts.slots}
    folder = OutputFolder(out)
    deck_dir = opts.deck.resolve().parent
    plan = plan_deck(source, opts, mapping, beside=lambda rel: (deck_dir / rel).is_file(), fence=folder.target,
                     origins=origins)
    plan.report.notes[:0] = notes
    times = plan.report.times
    times["plan"], started = time.perf_counter() - started, time.perf_counter()
    folder.lock()
    try:
        with Workers() as workers:  # started once: the renders, then Fit's redraws
            render_assets(plan, folder, opts, log, workers)
            built = Built(rewrite(plan.deck, opts, plan.served, plan.posters, plan.report), folder, opts, plan, log,
                          workers=workers)
            times["renders"], started = time.perf_counter() - started, time.perf_counter()
            for output in OUTPUTS:
                if output.wanted(opts):
                    output.make(built)
                    name = type(output).__name__.lower()
                    times[name], started = times.get(name, 0.0) + time.perf_counter() - started, time.perf_counter()
        return plan.report
    finally:
        folder.unlock()
