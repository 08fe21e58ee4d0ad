"""Asset keys from what an asset depends on: the code its scene runs (found from its
imports), the model files it reads, its settings, the libraries' versions."""

import shutil
from pathlib import Path

import pytest

import scenes.rendering.cache as assets
from scenes.rendering.cache import asset_key, code_closure

ROOT = Path(__file__).resolve().parents[1]


def names(paths, root=ROOT):
    return {str(p.relative_to(root)) for p in paths}


def test_a_scenes_closure_is_what_it_imports():
    score = names(code_closure("scenes.score"))
    assert {"scenes/score.py", "scenes/kit/strings.py", "scenes/kit/theme.py", "scenes/kit/settings.py",
            "diffusion_core/schedule.py"} <= score
    assert not score & {"scenes/forward.py", "scenes/samplers.py", "scenes/deck.py", "lecture/build.py"}
    assert "scenes/samplers.py" in names(code_closure("scenes.samplers_digits"))  # a variant runs its base


def test_relative_and_package_imports(tmp_path):
    pkg = tmp_path / "scenes"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\nfrom .c import thing\nimport os\n")
    (pkg / "b.py").write_text("from scenes.d import x\n")
    (pkg / "c.py").write_text("thing = 1\n")
    (pkg / "d.py").write_text("x = 1\n")
    (pkg / "e.py").write_text("never imported = 1\n")
    assert names(code_closure("scenes.a", root=tmp_path), tmp_path) == {
        "scenes/__init__.py", "scenes/a.py", "scenes/b.py", "scenes/c.py", "scenes/d.py"}


@pytest.fixture()
def repo_copy(tmp_path, monkeypatch):
    """The scene and core code in a folder of their own, so that a test may edit it."""
    for folder in ("scenes", "diffusion_core"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "manim.cfg", tmp_path / "manim.cfg")
    monkeypatch.setattr(assets, "REPO", tmp_path)
    monkeypatch.setattr(assets, "code_closure", lambda module, root=tmp_path: code_closure(module, root))
    return tmp_path


def keys():
    return {k: asset_key(k, "mp4", "low", "es") for k in ("score", "forward", "samplers", "samplers-digits")}


def test_editing_one_scene_changes_only_its_keys(repo_copy):
    before = keys()
    (repo_copy / "scenes" / "score.py").write_text((repo_copy / "scenes" / "score.py").read_text() + "\n# a comment\n")
    after = keys()
    assert after["score"] != before["score"]
    assert {k: after[k] for k in ("forward", "samplers", "samplers-digits")} == \
           {k: before[k] for k in ("forward", "samplers", "samplers-digits")}
    (repo_copy / "scenes" / "samplers.py").write_text((repo_copy / "scenes" / "samplers.py").read_text() + "\n#\n")
    again = keys()
    assert again["samplers"] != after["samplers"] and again["samplers-digits"] != after["samplers-digits"]
    assert again["forward"] == after["forward"]
    for shared in ("strings.py", "theme.py"):  # every scene shows its words in its theme
        (repo_copy / "scenes" / "kit" / shared).write_text((repo_copy / "scenes" / "kit" / shared).read_text() + "\n#\n")
        new = keys()
        assert all(new[k] != again[k] for k in new), shared
        again = new


def test_a_model_file_changing_changes_the_keys_of_the_scenes_that_read_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DIFFUSION_MODELS_DIR", str(tmp_path / "models"))
    (tmp_path / "models" / "toy").mkdir(parents=True)
    model = tmp_path / "models" / "toy" / "moons-x.pt"
    model.write_bytes(b"weights 1")
    before = {k: asset_key(k, "mp4", "low", "es") for k in ("reverse", "schedule", "digits-reverse")}
    model.write_bytes(b"weights 2")  # the same size, new content
    after = {k: asset_key(k, "mp4", "low", "es") for k in ("reverse", "schedule", "digits-reverse")}
    assert after["reverse"] != before["reverse"]
    assert after["schedule"] == before["schedule"] and after["digits-reverse"] == before["digits-reverse"]


def test_settings_and_versions_are_in_the_key(monkeypatch):
    base = asset_key("schedule", "mp4", "low", "es")
    assert asset_key("schedule", "mp4", "low", "en") != base
    assert asset_key("schedule", "png", "low", "es") != base
    assert asset_key("schedule", "mp4", "high", "es") != base
    assert asset_key("schedule", "mp4", "low", "es", settings={"beats": True}) != base
    monkeypatch.setattr(assets, "_versions", lambda: "manim=9.9")
    assert asset_key("schedule", "mp4", "low", "es") != base
