"""The generative-model scene's home (its class: scenes.generative_model.GenerativeModel); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "generative-model", "GenerativeModel", video="GenerativeModel", still="generative_model",
    about="what a generative model is: p_data beside our p_theta as it trains, the distance D between them",
    topics=("modelo generativo", "generative model"),
    models=("toy",),
    seconds=12,
    figure_aspects=("16:9", "4:3"),
    text_scale_max=1.2,
    beats=(
        Beat("genmodel_data", {"es": "Los datos: muestras de una distribución p_datos que no conocemos.",
              "en": "The data: samples of a distribution p_data we do not know."}),
        Beat("genmodel_training", {"es": "Entrenar mueve p_θ hacia p_datos; D, la distancia entre sus muestras, baja.",
              "en": "Training moves p_θ onto p_data; D, the distance between their samples, falls."}),
        Beat("genmodel_fit", {"es": "Al final D queda cerca de su piso: el modelo genera muestras como las de los datos.",
              "en": "At the end D sits near its floor: the model makes samples like the data's."}),
    ),
    settings={"n_points": 2000, "run_time": 8.0},
    strings={
        "genmodel_title": {"es": "¿Qué es un modelo generativo?",
                           "en": "What is a generative model?"},
        "genmodel_sub": {"es": "Un modelo p_θ que aprende, de muestras, a parecerse a p_datos",
                         "en": "A model p_θ that learns, from samples, to look like p_data"},
        "genmodel_data": {"es": "p_datos: los datos",
                          "en": "p_data: the data"},
        "genmodel_model": {"es": "p_θ: nuestro modelo (DDPM)",
                           "en": "p_θ: our model (DDPM)"},
        "genmodel_distance": {"es": "D(p_datos, p_θ) = {d:.3f}\npiso, datos contra datos: {floor:.3f}",
                              "en": "D(p_data, p_θ) = {d:.3f}\nfloor, data against data: {floor:.3f}"},
        "genmodel_step": {"es": "paso de entrenamiento {step}",
                          "en": "training step {step}"},
        "genmodel_fit_close": {"es": "Tras {steps} pasos,\nD es {ratio:.2f} veces su piso:\np_θ ≈ p_datos.",
                               "en": "After {steps} steps,\nD is {ratio:.2f} times its floor:\np_θ ≈ p_data."},
        "genmodel_fit_far": {"es": "Tras {steps} pasos,\nD sigue a {ratio:.1f} veces su piso.",
                             "en": "After {steps} steps,\nD is still {ratio:.1f} times its floor."},
        "note_genmodel_start": {"es": "Antes de entrenar: D = {d:.3f}, con un piso de {floor:.3f} (dos muestras de los datos). D es la distancia de Wasserstein por cortes entre las muestras.",
                                "en": "Before training: D = {d:.3f}, against a floor of {floor:.3f} (two samples of the data). D is the sliced Wasserstein distance between the samples."},
        "note_genmodel_step": {"es": "Paso {step}: D = {d:.3f}, {ratio:.2f} veces el piso.",
                               "en": "Step {step}: D = {d:.3f}, {ratio:.2f} times the floor."},
    },
)
