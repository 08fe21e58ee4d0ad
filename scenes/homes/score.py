"""The score scene's home (its class: scenes.score.ScoreField); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "score", "ScoreField", video="ScoreField", still="score_field",
    about="the trained model's score field as t runs down, DDIM samples riding it",
    topics=("score",),
    models=("toy",),
    seconds=14,
    beats=(
        Beat("score_field", {"es": "El score del modelo, -ε_θ / √(1 - ᾱₜ): flechas que apuntan hacia los datos.",
              "en": "The model's score, -ε_θ / √(1 - ᾱₜ): arrows that point to the data."}),
        Beat("score_ride", {"es": "Mientras t baja, el campo se afina y las muestras de DDIM lo siguen.",
              "en": "As t runs down, the field sharpens and the DDIM samples ride it."}),
        Beat("score_data", {"es": "Las muestras sobre los datos.",
              "en": "The samples over the data."}),
    ),
    settings={"n_points": 1500, "grid": 15, "sample_steps": 50, "run_time": 9.0},
    strings={
        "score_title": {"es": "El campo de score",
                        "en": "The score field"},
        "score_sub": {"es": "Hacia dónde empuja el modelo cada punto, en cada t",
                      "en": "Where the model pushes each point, at each t"},
        "score_rule": {"es": "flecha: dirección del score\nopacidad: |score| / el máximo en este t",
                       "en": "arrow: the score's direction\nopacity: |score| / the largest at this t"},
        "score_end": {"es": "Las muestras bajan por el campo\nhasta los datos (DDIM, η = 0)",
                      "en": "The samples flow down the field\nonto the data (DDIM, η = 0)"},
    },
)
