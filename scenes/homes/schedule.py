"""The schedule scene's home (its class: scenes.schedule.NoiseSchedules); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "schedule", "NoiseSchedules", video="NoiseSchedules", still="noise_schedules",
    about="beta_t, alpha_bar_t, signal and noise: linear against cosine",
    topics=("schedule", "schedules", "scheduler", "planificador", "planificadores"),
    seconds=10,
    beats=(
        Beat("schedule_axes", {"es": "Dos ejes: βₜ en escala logarítmica, y los niveles de señal y ruido.",
              "en": "Two axes: βₜ on a log scale, and the levels of signal and noise."}),
        Beat("schedule_linear", {"es": "El planificador lineal de Ho et al.: la señal se pierde pronto.",
              "en": "Ho et al.'s linear schedule: the signal is lost early."}),
        Beat("schedule_cosine", {"es": "El planificador coseno de Nichol y Dhariwal: la señal dura más.",
              "en": "Nichol and Dhariwal's cosine schedule: the signal lasts longer."}),
    ),
    strings={
        "schedule_title": {"es": "Planificadores de ruido",
                           "en": "Noise schedules"},
    },
)
