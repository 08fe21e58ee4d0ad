#!/usr/bin/env bash
# One-command set-up and run, for a fresh Debian or Ubuntu machine.
#
#   ./run.sh render   install what is missing, then render renders/DiffusionProcess.mp4
#   ./run.sh test     install what is missing, then run the test suite, one worker per core;
#                     ./run.sh test --quick runs only the quick lane (the edit-test loop)
#   ./run.sh setup    only install
#   ./run.sh deck ... install also Node and Marp CLI (pinned in package.json), then
#                     python cli.py deck ...; ./run.sh deck-setup only installs them
#   ./run.sh browser  install also Debian's chromium and poppler-utils (deck --pdf) and Playwright
#                     for Python, pinned in pyproject.toml, which drives that chromium for the
#                     deck's browser check (check-deck, deck --check); no browser is downloaded
#
# It installs (each step only when needed, saying what it does): the system libraries
# Manim builds against, LaTeX for the formulas, a font, a virtual environment in .venv
# and the Python dependencies (CPU PyTorch among them). Extra arguments go to the
# command: ./run.sh render --quality low, ./run.sh test -x -k reverse.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  pkg-config libcairo2-dev libpango1.0-dev        # Manim's cairo and pango bindings build on these
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm  # MathTex
  fonts-dejavu-core                               # the on-screen font, the same on every machine
  python3-venv python3-dev gcc                    # a virtual environment and compiled wheels
)
VENV=.venv
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

install_system_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # pyenv or another non-Debian Python brings its own venv and headers
  if python3 -c 'import venv, sysconfig, os; assert os.path.exists(sysconfig.get_paths()["include"] + "/Python.h")' 2>/dev/null; then
    local keep=()
    for p in "${missing[@]}"; do [[ $p == python3-venv || $p == python3-dev ]] || keep+=("$p"); done
    missing=("${keep[@]+"${keep[@]}"}")
  fi
  [ ${#missing[@]} -eq 0 ] && { say "system packages: all present"; return; }
  say "installing system packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "run as root, or install: apt-get install --no-install-recommends ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

pick_python() {
  for py in python3.11 python3.12 python3.13 python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return
    fi
  done
  echo "Python 3.11 or newer is needed (apt-get install python3)" >&2; exit 1
}

install_python_packages() {
  if [ ! -x "$VENV/bin/python" ]; then
    local py; py=$(pick_python)
    say "creating the virtual environment $VENV with $($py --version)"
    "$py" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-12)"
  if [ -f "$stamp" ]; then say "Python packages: up to date"; return; fi
  say "installing the Python packages (manim, CPU PyTorch, ...) into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # torch first and pinned, so that pip never picks a multi-GB CUDA build
  "$VENV/bin/python" -m pip install -q "torch==2.13.*"
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
}

setup() {
  install_system_packages
  install_python_packages
}

apt_install() {  # apt_install PACKAGE...: only what is missing, saying what
  local missing=() sudo=""
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing system packages: ${missing[*]}"
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_marp() {  # Node (the system's, or Debian's nodejs) and Marp CLI as pinned in package.json
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  if [ -x node_modules/.bin/marp ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    say "Marp CLI: up to date"; return
  fi
  say "installing Marp CLI (package-lock.json) into node_modules/"
  npm ci --no-audit --no-fund --loglevel=error
}

install_browser() {  # Debian's chromium and poppler-utils; Playwright for Python (the [browser] extra)
  apt_install chromium poppler-utils
  setup
  local want
  want=$("$VENV/bin/python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["browser"][0].split("==")[1])')
  if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null)" = "$want" ]; then
    say "Playwright for Python: up to date ($want)"; return
  fi
  say "installing Playwright for Python $want into $VENV (it drives the system chromium; no browser download)"
  "$VENV/bin/python" -m pip install -q "playwright==$want"
}

cmd=${1:-render}
shift || true
case "$cmd" in
  setup) setup ;;
  render)
    setup
    say "rendering the forward process (1080p60) into renders/DiffusionProcess.mp4"
    exec "$VENV/bin/python" cli.py render forward "$@" ;;
  test)
    setup
    lane=()
    if [ "${1:-}" = "--quick" ]; then  # the edit-test loop: the tests under 1 s (tests/durations.json)
      shift; lane=(-m "not slow")
      say "running the quick lane of the tests, one worker per core (pytest-xdist)"
    else
      say "running the tests, one worker per core (pytest-xdist; add -n 0 for one process)"
    fi
    exec "$VENV/bin/python" -m pytest -n auto "${lane[@]}" "$@" ;;
  deck-setup) setup; install_marp ;;
  deck)
    setup
    install_marp
    exec "$VENV/bin/python" cli.py deck "$@" ;;
  browser) install_browser ;;
  *) echo "usage: ./run.sh [render|test|setup|deck|deck-setup|browser] [args...]" >&2; exit 2 ;;
esac
