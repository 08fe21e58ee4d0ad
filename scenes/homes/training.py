"""The training scene's home (its class: scenes.training.TrainingProcess); see scenes/home.py."""

from diffusion_core import TRAINING_STEPS
from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "training", "TrainingProcess", video="training", still="training_process",
    about="a toy model learning: samples of a real run's snapshots, the loss, the distance to the data",
    topics=("training", "entrenamiento", "entrenar"),
    models=("toy",),
    seconds=14,
    for_images="digits-training",
    beats=(
        Beat("training_start", {"es": "Antes de entrenar: las muestras del modelo caen fuera del cuadro.",
              "en": "Before training: the model's samples fall outside the picture."}),
        Beat("training_run", {"es": "Durante el entrenamiento, la pérdida baja y las muestras se acercan a los datos.",
              "en": "During training, the loss falls and the samples move onto the data."}),
        Beat("training_end", {"es": "El modelo entrenado: su distancia a los datos queda cerca del piso.",
              "en": "The trained model: its distance to the data ends near the floor."}),
    ),
    settings={"n_points": 2000, "snapshot_steps": ",".join(map(str, TRAINING_STEPS)), "run_time": 10.0},
    strings={
        "note_training_end": {"es": "Tras {steps} pasos: distancia a los datos / piso = {ratio:.2f}; la pérdida bajó de {first:.2f} a {last:.2f}.",
                              "en": "After {steps} steps: distance to the data / floor = {ratio:.2f}; the loss fell from {first:.2f} to {last:.2f}."},
        "training_title": {"es": "Entrenamiento",
                           "en": "Training"},
        "training_sub": {"es": "Muestras del mismo ruido en distintos pasos de un entrenamiento real",
                         "en": "Samples of the same noise at steps of one real training run"},
        "loss": {"es": "pérdida",
                 "en": "loss"},
        "distance_ratio": {"es": "distancia a los datos / piso",
                           "en": "distance to the data / floor"},
        "floor_one": {"es": "piso = 1",
                      "en": "floor = 1"},
        "trained_model": {"es": "el modelo entrenado",
                          "en": "the trained model"},
        "outside": {"es": "fuera del cuadro",
                    "en": "outside the frame"},
    },
)
