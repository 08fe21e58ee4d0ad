"""The digits-forward scene's home (its class: scenes.digits.DigitsForward); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "digits-forward", "DigitsForward", video="DigitsForward", still="forward_process_digits",
    about="real MNIST digits noised step by step, beside the closed-form jump",
    models=("mnist",),
    seconds=15,
    beats=(
        Beat("digits_two_ways", {"es": "Dígitos reales, y dos maneras de añadirles ruido: la cadena y el salto.",
              "en": "Real digits, and two ways of noising them: the chain and the jump."}),
        Beat("digits_noise", {"es": "Paso a paso arriba, en un salto abajo: la misma distribución.",
              "en": "Step by step above, in one jump below: the same distribution."}),
        Beat("digits_moments", {"es": "La cadena en cinco instantes.",
              "en": "The chain at five moments."}),
    ),
    settings={"n_digits": 6, "schedule": "linear", "run_time": 8.0},
    strings={
        "digits_title": {"es": "Proceso directo sobre dígitos reales",
                         "en": "The forward process on real digits"},
        "digits_sub": {"es": "MNIST: el mismo ruido gaussiano, píxel a píxel",
                       "en": "MNIST: the same Gaussian noise, pixel by pixel"},
        "chain_digits": {"es": "paso a paso",
                         "en": "step by step"},
        "jump_digits": {"es": "un solo salto",
                        "en": "a single jump"},
    },
)
