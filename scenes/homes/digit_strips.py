"""The digits-forward-strip scene's home (its class: scenes.digit_strips.DigitStripForward); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "digits-forward-strip", "DigitStripForward", video="DigitStripForward", still="digits_forward_strip",
    about="a strip of real digits turned into noise by the forward chain",
    models=("mnist",),
    seconds=9,
    beats=(
        Beat("strip_build", {"es": "Los mismos dígitos en diez instantes, uno por columna.",
              "en": "The same digits at ten moments, one per column."}),
        Beat("strip_direction", {"es": "La flecha dice qué proceso los une.",
              "en": "The arrow says which process links them."}),
    ),
    settings={"direction": "forward", "n_rows": 2, "checkpoint": "ddpm_mnist.pt"},
)
