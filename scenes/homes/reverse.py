"""The reverse scene's home (its class: scenes.reverse.ReverseTrajectories); see scenes/home.py."""

from diffusion_core import DDPM
from scenes.home import TEXT_SCALE_MAX, Beat, SceneSpec, Twin

HOME = SceneSpec(
    __name__, "reverse", "ReverseTrajectories", video="ReverseProcess", still="reverse_process",
    about="a trained model's reverse process (DDPM)",
    models=("toy",),
    seconds=26,
    figure_aspects=("16:9", "4:3"),
    text_scale_max=TEXT_SCALE_MAX,
    beats=(
        Beat("reverse_noise", {"es": "Empezamos desde ruido puro, x_T ~ N(0, I).",
              "en": "We start from pure noise, x_T ~ N(0, I)."}),
        Beat("reverse_denoise", {"es": "El modelo entrenado quita el ruido paso a paso; en naranja, el x̂₀ que predice en cada paso.",
              "en": "The trained model removes the noise step by step; in orange, the x̂₀ it predicts at each step."}),
        Beat("reverse_data", {"es": "Las muestras sobre los datos reales: la forma volvió.",
              "en": "The samples over the real data: the shape is back."}, twin=(0, -1)),
        Beat("reverse_moments", {"es": "La misma trayectoria en cinco instantes, del ruido a los datos.",
              "en": "The same trajectory at five moments, from noise to data."}, twin=(0, -1)),
    ),
    settings={"sampler": DDPM(), "show_prediction": True, "n_highlight": 4, "run_time": 9.0},
    strings={
        "reverse_snapshots": {"es": "El proceso inverso en cinco instantes",
                              "en": "The reverse process at five moments"},
        "reverse_title": {"es": "Proceso inverso: del ruido a los datos",
                          "en": "Reverse process: from noise to data"},
        "reverse_sub": {"es": "Un modelo entrenado elimina el ruido paso a paso",
                        "en": "A trained model removes the noise step by step"},
        "reverse_sub_ddim": {"es": "DDIM: determinista, con menos pasos",
                             "en": "DDIM: deterministic, fewer steps"},
        "samples": {"es": "muestras",
                    "en": "samples"},
    },
    twin=Twin("samplers", "out"),
)
