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
)
