"""The reverse-ddim scene's home (its class: scenes.reverse_ddim.ReverseTrajectoriesDDIM); see scenes/home.py."""

from diffusion_core import DDIM
from scenes.home import SceneSpec, Twin
from scenes.homes.reverse import HOME as REVERSE

HOME = SceneSpec(
    __name__, "reverse-ddim", "ReverseTrajectoriesDDIM", video="ReverseProcessDDIM", still="reverse_process_ddim",
    about="the reverse process with DDIM, 50 steps",
    models=("toy",),
    seconds=16,
    figure_aspects=("16:9", "4:3"),
    beats=REVERSE.beats,  # its base class's (ReverseTrajectories)
    settings={"sampler": DDIM(steps=50, eta=0.0)},
    twin=Twin("samplers", "out", page="reverse"),
)
