"""The digits-training scene's home (its class: scenes.digits_training.DigitsTraining); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "digits-training", "DigitsTraining", video="DigitsTraining", still="digits_training",
    about="the MNIST UNet learning: the same 16 noises' digits at steps 0 to 14,000 of its real run, the FID",
    topics=("training", "entrenamiento", "entrenar"),
    models=("mnist",),
    seconds=12,
    aspects=("16:9", "4:3"),
    beats=(
        Beat("dtrain_start", {"es": "Antes de entrenar: del ruido sale ruido.",
              "en": "Before training: noise in, noise out."}),
        Beat("dtrain_blobs", {"es": "Tras unos cientos de pasos: manchas, aún no dígitos.",
              "en": "After a few hundred steps: blobs, not yet digits."}),
        Beat("dtrain_digits", {"es": "Al final: dígitos, y un FID cerca del de los dígitos reales.",
              "en": "At the end: digits, and an FID near real digits'."}),
    ),
    settings={"snapshots": "training_snapshots.npz", "run_time": 10.0},
    strings={
        "dtrain_title": {"es": "Entrenamiento en MNIST",
                         "en": "Training on MNIST"},
        "dtrain_sub": {"es": "Los mismos 16 ruidos, muestreados a lo largo de un entrenamiento real",
                       "en": "The same 16 noises, sampled as one real training run goes on"},
        "dtrain_step": {"es": "paso {step}",
                        "en": "step {step}"},
        "dtrain_seen": {"es": "{images} imágenes vistas",
                        "en": "{images} images seen"},
        "dtrain_steps": {"es": "pasos de entrenamiento (escala logarítmica)",
                         "en": "training steps (log scale)"},
        "dtrain_floor": {"es": "piso: dígitos reales (FID {fid})",
                         "en": "floor: real digits (FID {fid})"},
        "note_dtrain_start": {"es": "Paso 0: los pesos sin entrenar convierten {n} ruidos en ruido.",
                              "en": "Step 0: the untrained weights turn {n} noises into noise."},
        "note_dtrain_at": {"es": "Paso {step}: manchas y trazos, aún no dígitos (FID {fid}).",
                           "en": "Step {step}: blobs and strokes, not yet digits (FID {fid})."},
        "note_dtrain_end": {"es": "Tras {step} pasos ({images} M imágenes): FID {fid} contra un piso de {floor}; el clasificador está seguro del {conf} % de las muestras.",
                            "en": "After {step} steps ({images} M images): FID {fid} against a floor of {floor}; the classifier is confident about {conf}% of the samples."},
    },
)
