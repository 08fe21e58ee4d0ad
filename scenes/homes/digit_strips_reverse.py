"""The digits-reverse-strip scene's home (its class: scenes.digit_strips_reverse.DigitStripReverse); see scenes/home.py."""

from scenes.home import SceneSpec
from scenes.homes.digit_strips import HOME as STRIPS

HOME = SceneSpec(
    __name__, "digits-reverse-strip", "DigitStripReverse", video="DigitStripReverse", still="digits_reverse_strip",
    about="a strip of digits the shipped UNet generates from noise (its DDPM run)",
    models=("mnist",),
    seconds=45,
    beats=STRIPS.beats,  # its base class's (DigitStripForward)
    settings={"direction": "reverse"},
)
