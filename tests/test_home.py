"""A scene has one home (scenes/homes/): its class, the registry, the CLI, the strings and
the twin builder all read it, and adding a scene with a twin is its home, its class and
one line of docs/scenes.md. The worked example of docs/new_scene.md is run here as written."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import scenes.homes
from cli import cli
from lecture import twins
from scenes.home import Beat, SceneSpec, Twin
from scenes.kit import strings
from scenes.kit.settings import SettingError
from scenes.registry import SCENES, discover
from scenes.rendering import RenderJob, render_scene

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "new_scene.md"


def test_every_scene_class_takes_its_facts_from_its_home():
    for key, spec in SCENES.items():
        cls = spec.load()
        assert cls.HOME is spec, key
        assert (cls.BEATS, cls.ASPECTS, cls.FIGURE_ASPECTS) == (spec.beat_keys, spec.aspects, spec.figure_aspects)
        assert all(getattr(cls, name) == value for name, value in spec.settings.items()), key
        for beat in spec.beats:
            assert strings.STRINGS[f"beat_{beat.key}"] == beat.text


def test_the_registry_finds_the_homes_and_refuses_two_of_one_key(tmp_path, monkeypatch):
    assert set(SCENES) == {discover()[k].key for k in discover()}
    assert len(SCENES) == len(list((ROOT / "scenes" / "homes").glob("[a-z]*.py")))
    package = tmp_path / "twice" / "homes"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    for name in ("a", "b"):
        (package / f"{name}.py").write_text("from scenes.home import SceneSpec\n"
                                            "HOME = SceneSpec(__name__, 'same', 'A', video='A', still='a', about='x')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import twice.homes

    with pytest.raises(ValueError, match="two homes declare the scene same"):
        discover(twice.homes)


def test_a_home_refuses_what_its_class_could_not_draw():
    with pytest.raises(ValueError, match="no sentence in en"):
        Beat("x", {"es": "una"})
    with pytest.raises(ValueError, match="a beat is declared twice"):
        SceneSpec("scenes.homes.x", "x", "X", "X", "x", "x", beats=(Beat("a", {"es": "a", "en": "a"}),) * 2)
    with pytest.raises(ValueError, match="twin runs 'live'; valid: chain, samplers, guided, pair"):
        Twin("live", "in")
    with pytest.raises(ValueError, match="its settings lack"):
        SceneSpec("scenes.homes.x", "x", "X", "X", "x", "x", twin=Twin("chain", "in"))
    from scenes.kit.settings import ToyModelScene

    home = SceneSpec("scenes.homes.x", "x", "X", "X", "x", "x", settings={"n_pointz": 3})
    with pytest.raises(SettingError, match="unknown setting 'n_pointz'"):
        type("X", (ToyModelScene,), {"HOME": home})


def _example_files() -> dict[str, str]:
    """The files docs/new_scene.md creates, by path, and the line it adds elsewhere."""
    text = EXAMPLE.read_text(encoding="utf-8")
    blocks = re.findall(r"^## \d\. .*?`([\w/.]+)`\n\n```\w*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    return dict(blocks)


@pytest.fixture
def spiral(tmp_path, monkeypatch):
    """The example's two files in a scratch package ``lesson`` (for ``scenes``), its scene
    registered as a new home is: in the registry, the strings and the twins."""
    files = _example_files()
    assert sorted(files) == ["docs/scenes.md", "scenes/homes/spiral.py", "scenes/spiral.py"]
    created = [p for p in files if p.endswith(".py")]
    assert len(created) == 2 and len(files["docs/scenes.md"].strip().splitlines()) == 1  # three files touched
    for path in created:
        target = tmp_path / path.replace("scenes/", "lesson/", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[path].replace("from scenes.homes import", "from lesson.homes import"), encoding="utf-8")
    for init in ("lesson/__init__.py", "lesson/homes/__init__.py"):
        (tmp_path / init).write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    import lesson.homes

    found = discover(lesson.homes)
    spec = found["spiral"]
    assert spec.module == "lesson.spiral"
    monkeypatch.setitem(SCENES, "spiral", spec)
    for beat in spec.beats:
        monkeypatch.setitem(strings.STRINGS, f"beat_{beat.key}", beat.text)
    for key, text in spec.strings.items():
        monkeypatch.setitem(strings.STRINGS, key, text)
    monkeypatch.setitem(twins.HOMES, "spiral", spec)
    yield spec
    for name in [m for m in sys.modules if m == "lesson" or m.startswith("lesson.")]:
        del sys.modules[name]


def test_the_worked_example_is_its_home_its_class_and_one_line(spiral, tmp_path):
    cls = spiral.load()
    assert cls.BEATS == ("spiral_data", "spiral_noise")
    assert (cls.dataset, cls.n_points, cls.run_time, cls.T) == ("spiral", 2000, 6.0, 1000)

    listed = CliRunner().invoke(cli, ["list"])
    assert listed.exit_code == 0 and "spiral" in listed.output and "SpiralNoise.mp4 / spiral_noise.png" in listed.output

    png = render_scene(RenderJob.of("spiral", fmt="png", out_dir=tmp_path / "out", settings={"n_points": 300},
                                    resolution=(256, 144), fps=5, progress=False))
    assert png.name == "spiral_noise.png" and Image.open(png).size == (256, 144)

    data = twins.twin_data("spiral", "en")
    assert [b["sentence"] for b in data["beats"]] == [b.text["en"] for b in spiral.beats]
    assert data["beats"][1]["state"] == data["runs"][0]["K"] == 1000  # (0, -1): the chain's last state
    assert data["ui"]["live"] == "chain" and data["text"]["spiral_title"] == "The spiral turns into noise"
    assert data["video_points"] == 2000 and data["runs"][0]["pace"] == {"run_time": 6.0, "rate": "in"}


def test_the_twins_are_the_homes_that_ask_for_one():
    assert set(twins.TWINS) == {k for k, s in SCENES.items() if s.twin and not s.twin.page}
    assert twins.VIDEOS["reverse-ddim"] == "reverse" and scenes.homes.__name__ == "scenes.homes"
