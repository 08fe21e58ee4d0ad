"""The forward scene's home (its class: scenes.forward.ForwardProcess); see scenes/home.py."""

from scenes.home import TEXT_SCALE_MAX, Beat, SceneSpec, Twin

HOME = SceneSpec(
    __name__, "forward", "ForwardProcess", video="DiffusionProcess", still="forward_process",
    about="forward process q(x_t|x_{t-1}) on a 2D cloud",
    figure_aspects=("16:9", "4:3"),
    text_scale_max=TEXT_SCALE_MAX,
    beats=(
        Beat("forward_data", {"es": "Los datos: miles de puntos de una distribución que queremos aprender.",
              "en": "The data: thousands of points from a distribution we want to learn."}),
        Beat("forward_noise", {"es": "Paso a paso, q(xₜ | xₜ₋₁) añade un poco de ruido gaussiano; tres puntos dejan su rastro.",
              "en": "Step by step, q(xₜ | xₜ₋₁) adds a little Gaussian noise; three points leave a trail."}),
        Beat("forward_gaussian", {"es": "Al final, en t = T, queda una gaussiana isótropa: la forma de los datos se perdió.",
              "en": "At the end, t = T, an isotropic Gaussian is left: the shape of the data is gone."}, twin=(0, -1)),
        Beat("forward_moments", {"es": "La misma cadena en cinco instantes, repartidos por la señal que queda.",
              "en": "The same chain at five moments, spread by the signal that is left."}, twin=(0, -1)),
    ),
    settings={"n_highlight": 3, "run_time": 9.0},
    strings={
        "forward_title": {"es": "Proceso directo: de los datos al ruido",
                          "en": "Forward process: from data to noise"},
        "forward_sub": {"es": "Cada paso añade un poco de ruido gaussiano",
                        "en": "Each step adds a little Gaussian noise"},
        "noise": {"es": "ruido",
                  "en": "noise"},
        "isotropic": {"es": "una gaussiana isótropa",
                      "en": "an isotropic Gaussian"},
    },
    twin=Twin("chain", "in"),
)
