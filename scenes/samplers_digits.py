"""DDPM against DDIM on digits: the shipped MNIST UNet, the same 16 noises, one clock.

    manim -pqh scenes/samplers_digits.py    (or: python cli.py render samplers-digits)

A variant of SamplerComparison in a file of its own, so that ``manim scenes/samplers.py``
renders one scene without asking which. DDPM's 1,000 UNet steps on 16 digits are
sampled once (about a minute on 2 CPU cores) and kept in the trajectory cache.
Video: DDPMvsDDIM_digits.mp4. Last frame: ddpm_vs_ddim_digits.png.
"""

from scenes.homes import samplers_digits as home
from scenes.samplers import SamplerComparison


class SamplerComparisonDigits(SamplerComparison):
    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/samplers_digits.py)
