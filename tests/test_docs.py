"""The README is a front door that cannot drift: at most 250 lines, every `python cli.py`
line of it and of docs/ parses (run with --help: click reads every option, and --help
answers before anything runs), the scene table of docs/scenes.md is the registry's, and
docs/testing.md's table names every test file."""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from scenes.registry import SCENES

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def fenced_commands(page: Path) -> list[str]:
    """Every `python cli.py ...` line inside a fenced code block, without its comment."""
    out, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced and line.lstrip().startswith("python cli.py "):
            command = line.strip()
            out.append(" ".join(shlex.split(command, comments=True)[2:]))
    return out


COMMANDS = [(page.relative_to(ROOT).as_posix(), c) for page in PAGES for c in fenced_commands(page)]


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    headings = [ln for ln in text.splitlines() if ln.startswith("## ")]
    assert headings == ["## Set-up (a fresh Debian or Ubuntu machine)", "## Everyday commands",
                        "## What the deck builder does", "## Where the rest lives"]
    for target in re.findall(r"\]\((?!https?:)([^)#]+)\)", text):  # every link and picture is there
        assert (ROOT / target).exists(), target
    assert {"render", "deck", "check-deck"} <= {c.split()[0] for c in fenced_commands(ROOT / "README.md")}


def test_every_page_has_commands_to_check():
    assert len(COMMANDS) > 30 and any(page == "README.md" for page, _ in COMMANDS)


@pytest.mark.parametrize("page,command", COMMANDS, ids=[f"{p}: {c}" for p, c in COMMANDS])
def test_each_documented_command_parses(page, command):
    args = shlex.split(command)
    result = CliRunner().invoke(cli.cli, [*args, "--help"])
    assert result.exit_code == 0, f"{page}: python cli.py {command}\n{result.output}"
    group = cli.cli.get_command(None, args[0])
    assert group is not None, f"{page}: no command {args[0]!r}"
    if args[0] == "render" and len(args) > 1 and not args[1].startswith("-"):
        assert args[1] in [*SCENES, "all"], f"{page}: no scene {args[1]!r}"


def test_the_scene_table_is_the_registry():
    rows = [ln for ln in (ROOT / "docs" / "scenes.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"\| `[\w-]+` \| `\w+` \(`scenes/", ln)]
    table = {}
    for row in rows:
        key, cls, video, still = re.match(
            r"\| `([\w-]+)` \| `(\w+)` \(`scenes/[\w/]+\.py`\) \| `([\w]+)\.mp4` / `([\w]+)\.png` \|", row).groups()
        table[key] = (cls, video, still)
    assert table == {k: (s.cls, s.video, s.still) for k, s in SCENES.items()}
    for row in rows:  # the file named is the scene's module
        key, path = re.match(r"\| `([\w-]+)` \| `\w+` \(`(scenes/[\w/]+\.py)`\)", row).groups()
        assert SCENES[key].module == path[:-3].replace("/", "."), row


def test_the_testing_table_names_every_test_file():
    """docs/testing.md's table has a row for every tests/test_*.py, and no row for a file
    that is gone."""
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(test_\w+\.py)` \|", text, re.MULTILINE))
    assert rows == {p.name for p in (ROOT / "tests").glob("test_*.py")}
