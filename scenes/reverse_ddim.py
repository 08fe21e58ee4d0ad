"""The reverse process with DDIM (Song et al. 2021): deterministic (eta = 0), 50 steps.

    manim -pqh scenes/reverse_ddim.py       (or: python cli.py render reverse-ddim)

A variant of ReverseTrajectories in a file of its own, so that
``manim scenes/reverse.py`` renders one scene without asking which.
"""

from scenes.homes import reverse_ddim as home
from scenes.reverse import ReverseTrajectories


class ReverseTrajectoriesDDIM(ReverseTrajectories):
    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/reverse_ddim.py)
