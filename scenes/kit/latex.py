"""MathTex needs LaTeX: one clear message, with the command that installs it, when it
is missing."""

from __future__ import annotations

import shutil
import subprocess

__all__ = ["LATEX_PACKAGES", "MissingLatex", "check_latex"]

LATEX_PACKAGES = "texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm"


class MissingLatex(RuntimeError):
    """LaTeX, dvisvgm or a needed LaTeX package is not installed."""


def check_latex() -> None:
    """Fail with one clear message when MathTex cannot work here."""
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if not missing and shutil.which("kpsewhich"):
        for sty in ("standalone.cls", "amsmath.sty", "babel.sty"):
            found = subprocess.run(["kpsewhich", sty], capture_output=True, text=True).stdout.strip()
            if not found:
                missing.append(sty)
    if missing:
        raise MissingLatex(
            f"MathTex needs LaTeX, and {', '.join(missing)} is missing. Install it with:\n"
            f"  sudo apt-get install --no-install-recommends {LATEX_PACKAGES}\n"
            "(or run ./run.sh setup, which does it for you)"
        )
