"""The graphical-model scene's home (its class: scenes.graphical_model.GraphicalModel); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "graphical-model", "GraphicalModel", video="GraphicalModel", still="graphical_model",
    about="the DDPM as a graphical model (Ho et al. 2020, Fig. 2), one real digit at x_0, x_{t-1}, x_t, x_T",
    topics=("graphical model", "modelo gráfico"),
    models=("mnist",),
    seconds=8,
    beats=(
        Beat("graphical_chain", {"es": "Un dígito real x₀ y los estados que le da la cadena directa q(xₜ | xₜ₋₁).",
              "en": "A real digit x₀ and the states the forward chain q(xₜ | xₜ₋₁) gives it."}),
        Beat("graphical_reverse", {"es": "El modelo aprende el camino de vuelta, p_θ(xₜ₋₁ | xₜ), de x_T a x₀.",
              "en": "The model learns the way back, p_θ(xₜ₋₁ | xₜ), from x_T to x₀."}),
    ),
    settings={"t_middle": 300, "schedule": "linear", "digit": 0},
    strings={
        "graphical_title": {"es": "El modelo gráfico de un DDPM",
                            "en": "A DDPM as a graphical model"},
        "graphical_sub": {"es": "Un dígito real y los estados que le da la cadena",
                          "en": "A real digit and the states the chain gives it"},
        "graphical_note": {"es": "xₜ y xₜ₋₁ (t = {t}) casi no difieren: un paso añade muy poco ruido",
                           "en": "xₜ and xₜ₋₁ (t = {t}) barely differ: one step adds very little noise"},
    },
)
