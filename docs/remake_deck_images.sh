#!/usr/bin/env bash
# Remakes docs/img/deck_contact_sheet.png (every slide of the built course deck, screenshotted
# by Chromium at 1280x720) and the README's slide screenshots (docs/img/deck_slide_NN.png).
# Needs ./run.sh deck-setup and ./run.sh browser. The seven mapping lines of docs/lecture.md are
# given with --slot here (the lecturer's way is a slides.slots.toml beside the deck); only the
# GAN photographs (003.jpg, slide 7) are the lecturer's own, so they show as missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)/lecture
.venv/bin/python cli.py deck --deck ../shared/deck/slides.md --out "$out" --table --pdf --fix-formulas \
  --slot assets/images/001.png=graphical-model --slot assets/images/006.PNG=digits-forward-strip \
  --slot assets/images/007.PNG=digits-reverse-strip --slot image.png=generative-model \
  --slot assets/images/002.png=gan-diagram --slot assets/images/005.png=gan --slot assets/images/004.png=trilemma
.venv/bin/python cli.py check-deck "$out" --sheet docs/img/deck_contact_sheet.png \
  --shot 4 --shot 10 --shot 18 --shot 22 --shot 23 --shot 24 --shot 25 || true   # the lecturer's 003.jpg is missing
# The same deck beat by beat: a beat slide (22 of the stepped deck: the forward process's 2nd
# beat) and Marp's presenter view there, with our notes
steps=$(dirname "$out")/steps
.venv/bin/python cli.py deck --deck ../shared/deck/slides.md --out "$steps" --table --fix-formulas --steps \
  --slot assets/images/001.png=graphical-model --slot assets/images/006.PNG=digits-forward-strip \
  --slot assets/images/007.PNG=digits-reverse-strip --slot image.png=generative-model \
  --slot assets/images/002.png=gan-diagram --slot assets/images/005.png=gan --slot assets/images/004.png=trilemma
mkdir -p "$(dirname "$out")/steps-shots"
.venv/bin/python cli.py check-deck "$steps" --sheet "$(dirname "$out")/steps-shots/sheet.png" --shot 22 \
  --presenter 22 || true
cp "$(dirname "$out")/steps-shots/deck_slide_22.png" docs/img/deck_beat_slide.png
cp "$(dirname "$out")/steps-shots/deck_presenter_22.png" docs/img/deck_presenter_view.png
