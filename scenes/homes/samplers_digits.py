"""The samplers-digits scene's home (its class: scenes.samplers_digits.SamplerComparisonDigits); see scenes/home.py."""

from scenes.home import SceneSpec
from scenes.homes.samplers import HOME as SAMPLERS

HOME = SceneSpec(
    __name__, "samplers-digits", "SamplerComparisonDigits", video="DDPMvsDDIM_digits", still="ddpm_vs_ddim_digits",
    about="DDPM against DDIM-50 on 16 digits of the shipped MNIST UNet",
    models=("mnist",),
    seconds=55,
    beats=SAMPLERS.beats,  # its base class's (SamplerComparison)
    settings={"digits": True},
)
