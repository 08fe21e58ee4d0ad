"""The lecture builder: a Marp deck in, a finished lecture out (its assets rendered and
in place, its slots filled, the HTML and PDF built, every slide checked in a browser).

The last layer of the one-way flow: diffusion_core -> scenes -> lecture. Nothing here
draws or computes a picture; it asks scenes.rendering.render for them.

    source   the deck read as Marp reads it (markdown-it, an HTML parser)
    fence    the output folder: nothing written outside it, never the lecturer's files
    jobs     renders in worker processes that stop when asked
    assets   which scene makes which file, its key, the record of what was written
    build    build_deck: the plan, the copies and renders, the rewritten deck
    marp     Marp CLI: HTML, PDF (videos as their posters)
    check    every slide laid out in Chromium: overflow, covered titles, broken media
"""

from lecture.build import DeckOptions, DeckReport, build_deck, mapping_path, read_mapping
from lecture.check import CheckError, DeckCheck, SlideFault, check_deck, contact_sheet
from lecture.fence import FenceError
from lecture.marp import MARP, build_html, build_pdf, find_browser, print_copy
from lecture.source import DeckError, parse_deck, read_deck
from scenes.rendering.workers import JobError, render_many

__all__ = ["DeckOptions", "DeckReport", "build_deck", "mapping_path", "read_mapping", "CheckError", "DeckCheck",
           "SlideFault", "check_deck", "contact_sheet", "FenceError", "JobError", "render_many", "MARP", "build_html",
           "build_pdf", "find_browser", "print_copy", "DeckError", "parse_deck", "read_deck"]
