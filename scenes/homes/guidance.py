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
    strings={
        "guidance_title": {"es": "Guía sin clasificador",
                           "en": "Classifier-free guidance"},
        "guidance_sub": {"es": "Un modelo condicional de las dos lunas, muestreado con cuatro escalas de guía",
                         "en": "A conditional model of the two moons, sampled at four guidance scales"},
        "guidance_uncond": {"es": "incondicional",
                            "en": "unconditional"},
        "guidance_cond": {"es": "condicional",
                          "en": "conditional"},
        "guidance_guided": {"es": "guiado",
                            "en": "guided"},
        "guidance_asked": {"es": "Clase pedida: {name}",
                           "en": "Class asked for: {name}"},
        "class_n": {"es": "la clase {label}",
                    "en": "class {label}"},
        "guidance_result": {"es": "en la clase: {share:.0f} %\ndispersión: {spread:.2f}",
                            "en": "in the class: {share:.0f}%\nspread: {spread:.2f}"},
        "guidance_end": {"es": "Más guía: más muestras en la clase y menos variedad dentro de ella\n(dispersión de la clase en los datos: {data:.2f}; distancia media a la mediana)",
                         "en": "More guidance: more samples in the class and less variety within it\n(the class's spread in the data: {data:.2f}; mean distance to the median)"},
        "note_guidance": {"es": "w = {w:g}: {text} (la clase en los datos: {data:.2f}).",
                          "en": "w = {w:g}: {text} (the class in the data: {data:.2f})."},
    },
    twin=Twin("guided", "out"),
)
