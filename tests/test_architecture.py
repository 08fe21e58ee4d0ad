"""The structure stays what docs/ARCHITECTURE.md says: no import cycles, no function over
60 lines and no module over 500 outside tests and benchmarks, no private name imported across modules, the
sampler name compared with a string nowhere, imports inside functions only where
ARCHITECTURE.md names them, and the drawing kit and the render service apart."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import architecture_metrics as metrics  # noqa: E402

ALLOWED_LOCAL = {  # ARCHITECTURE.md, "Imports inside functions"
    ("cli.py", "scenes.kit.settings"),
    ("lecture/browser.py", "playwright.sync_api"),
    ("scenes/rendering/render.py", "manim"),
    ("benchmarks/mnist_gpu_run.py", None),
}


def test_no_cycles_no_long_functions_no_private_imports_no_sampler_strings():
    assert metrics.cycles(ROOT) == []
    assert metrics.long_functions(ROOT) == []
    assert metrics.long_modules(ROOT) == []
    assert metrics.private_imports(ROOT) == []
    assert metrics.sampler_branches(ROOT) == []


def test_the_scenes_the_deck_builder_and_the_cli_use_the_cores_public_surface_only():
    """diffusion_core's public surface is what ARCHITECTURE.md lists: nothing outside it is
    imported by scenes/, lecture/ or the CLI, and every module of it is named there."""
    assert metrics.core_reaches(ROOT) == []
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert all(f"`{module}`" in text for module in metrics.PUBLIC_CORE)


def test_imports_inside_functions_only_where_documented():
    for entry in metrics.local_imports(ROOT):
        where, what = entry.split(": ", 1)
        path = where.split(":")[0]
        assert (path, what) in ALLOWED_LOCAL or (path, None) in ALLOWED_LOCAL, entry


def test_the_layers_import_one_way():
    """The kit never imports a topic scene nor the render service, the render service
    never imports lecture, and the core imports neither; the colour arithmetic both the
    kit and the render service use is their shared ground (scenes/colour.py)."""
    topics = {p.stem for p in (ROOT / "scenes").glob("*.py")} - {"__init__", "registry", "colour", "home"}
    for path in metrics.python_files(ROOT):
        rel = path.relative_to(ROOT).as_posix()
        modules = {m for m, _ in metrics.imports_of(ROOT, path)}
        if rel.startswith("diffusion_core/"):
            assert not {m for m in modules if m.split(".")[0] in ("scenes", "lecture")}, rel
        if rel.startswith(("scenes/kit/", "scenes/rendering/")):
            assert not {m for m in modules if m.startswith("lecture")}, rel
            assert not {m for m in modules if m.startswith("scenes.") and m.split(".")[1] in topics}, rel
        if rel.startswith("scenes/kit/"):
            assert not {m for m in modules if m.startswith("scenes.rendering")}, rel
    luminance_defs = [p.relative_to(ROOT).as_posix() for p in metrics.python_files(ROOT)
                      if "def luminance(" in p.read_text(encoding="utf-8") or "0.2126 *" in p.read_text(encoding="utf-8")]
    assert luminance_defs == ["scenes/colour.py"]


def test_the_twin_page_takes_its_behaviour_from_its_data_not_from_the_scenes_name():
    """ui.js reads what a twin shows and lets a student change from D.ui (lecture/twins.py),
    never by comparing the scene's name: a new twin needs no branch there."""
    ui = (ROOT / "lecture" / "twin" / "ui.js").read_text(encoding="utf-8")
    assert "D.scene ===" not in ui and "D.scene !==" not in ui and "D.scene ==" not in ui


def test_the_deck_options_walk_forward_from_build_deck_to_marp():
    """Issue 42.2: the resolved options go through the build's stages in order, each stage
    a module, back to one only where Fit's stored heights (fit.py) come before slides.md."""
    walk = metrics.options_walk(ROOT)
    assert "error" not in walk, walk
    assert walk["given"]["stops"] == ["lecture/build.py", "lecture/plan.py", "lecture/renders.py", "lecture/rewrite.py",
                                      "lecture/outputs.py", "lecture/fit.py", "lecture/outputs.py"]
    assert walk["given"]["returns"] == 1
