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
)
