"""The lecture builder: a Marp deck in, a finished lecture out (its assets rendered and
in place, its slots filled, the HTML and PDF built, every slide checked in a browser).

The last layer of the one-way flow: diffusion_core -> scenes -> lecture. Nothing here
draws or computes a picture; it asks scenes.rendering.render for them.

    source   the deck read as Marp reads it (markdown-it, an HTML parser)
    fence    the output folder: nothing written outside it, never the lecturer's files
    assets   which scene makes which file of the deck, by its name
    edits    every change to the deck's text, applied in one place
    build    build_deck: plan (pure), render, rewrite, outputs (one class each)
    present  captions, presenter notes and one slide per beat on our videos
    marp     Marp CLI: HTML, PDF (videos as their posters)
    check    every slide laid out in Chromium: overflow, covered titles, broken media
    twins    interactive twins of the 2D scenes: one HTML file each, the video's own
             trajectories and the model's weights, a JavaScript forward pass (twin/)

The renders themselves (jobs, workers, keys and records) are the render service's:
``scenes.rendering``.
"""

from lecture.build import DeckOptions, DeckReport, build_deck, mapping_path, plan_deck, read_mapping
from lecture.check import CheckError, DeckCheck, SlideFault, check_deck, contact_sheet
from lecture.fence import FenceError
from lecture.marp import MARP, build_html, build_pdf, find_browser, print_copy
from lecture.source import DeckError, parse_deck, read_deck
from lecture.twins import TWINS, TwinError, write_twin
from scenes.rendering.workers import JobError, render_many

__all__ = ["DeckOptions", "DeckReport", "build_deck", "plan_deck", "mapping_path", "read_mapping", "CheckError", "DeckCheck",
           "SlideFault", "check_deck", "contact_sheet", "FenceError", "JobError", "render_many", "MARP", "build_html",
           "build_pdf", "find_browser", "print_copy", "DeckError", "parse_deck", "read_deck", "TWINS", "TwinError", "write_twin"]
