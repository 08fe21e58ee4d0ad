"""The digits-reverse scene's home (its class: scenes.digits_reverse.DigitsReverse); see scenes/home.py."""

from diffusion_core import DDPM
from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "digits-reverse", "DigitsReverse", video="DigitsGeneration", still="generated_digits",
    about="digits emerging from noise under the trained UNet, with x0-hat",
    topics=("generation", "generated", "generación", "generadas", "generados", "generar", "samples", "muestras"),
    models=("mnist",),
    seconds=52,
    aspects=("16:9", "4:3"),
    beats=(
        Beat("digits_rev_noise", {"es": "Ruido inicial: 16 imágenes de ruido puro.",
              "en": "Initial noise: 16 images of pure noise."}),
        Beat("digits_rev_steps", {"es": "Pasos intermedios: el UNet quita el ruido; a la derecha, el x̂₀ que predice.",
              "en": "Intermediate steps: the UNet removes the noise; on the right, the x̂₀ it predicts."}),
        Beat("digits_rev_final", {"es": "Resultado final: dígitos generados desde ruido.",
              "en": "Final output: digits generated from noise."}),
    ),
    settings={"n_samples": 16, "run_time": 9.0, "checkpoint": "ddpm_mnist.pt", "sampler": DDPM(clip=1.0)},
    strings={
        "digits_rev_title": {"es": "Generando dígitos desde ruido",
                             "en": "Generating digits from noise"},
        "digits_rev_sub": {"es": "Un UNet entrenado en MNIST, paso a paso",
                           "en": "A UNet trained on MNIST, step by step"},
        "initial_noise": {"es": "ruido inicial",
                          "en": "initial noise"},
        "intermediate": {"es": "pasos intermedios",
                         "en": "intermediate steps"},
        "final_output": {"es": "resultado final",
                         "en": "final output"},
    },
)
