"""The guidance scene's home (its class: scenes.guidance.ClassifierFreeGuidance); see scenes/home.py."""

from scenes.home import Beat, SceneSpec, Twin

HOME = SceneSpec(
    __name__, "guidance", "ClassifierFreeGuidance", video="Guidance", still="guidance",
    about="classifier-free guidance: one conditional model, the same noise at w = 0, 1, 3 and 7",
    topics=("guidance", "guía", "cfg", "classifier-free", "condicional", "conditional"),
    models=("toy",),
    seconds=25,
    beats=(
        Beat("guidance_setup", {"es": "Un solo modelo, entrenado con la clase de cada punto (y sin ella una vez de cada diez); el mismo ruido, cuatro veces.",
              "en": "One model, trained with each point's class (and without it one time in ten); the same noise, four times."}),
        Beat("guidance_sampling", {"es": "DDPM pide la luna superior con cuatro escalas de guía w, en un mismo reloj.",
              "en": "DDPM asks for the upper moon at four guidance scales w, on one clock."}),
        Beat("guidance_results", {"es": "Cuanto mayor w, más muestras en la clase y menos variedad dentro de ella.",
              "en": "The larger w, the more samples in the class and the less variety within it."}, twin=(0, -1)),
    ),
    settings={"dataset": "moons", "label": 0, "n_points": 1000, "weights": (0.0, 1.0, 3.0, 7.0), "run_time": 8.0},
    twin=Twin("guided", "out"),
)
