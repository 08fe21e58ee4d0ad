"""The trilemma scene's home (its class: scenes.trilemma.Trilemma); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "trilemma", "Trilemma", video="Trilemma", still="trilemma",
    about="the generative learning trilemma measured: a VAE, a GAN, DDPM, DDIM and flow matching on 8 Gaussians",
    topics=("trilema", "trilemma"),
    models=("toy",),
    seconds=15,
    beats=(
        Beat("trilemma_corners", {"es": "Tres deseos: muestras de calidad, todos los modos, y rapidez al muestrear.",
              "en": "Three wishes: high-quality samples, every mode, and fast sampling."}),
        Beat("trilemma_models", {"es": "Cinco modelos entrenados aquí con los mismos datos, cada uno colocado por lo que medimos.",
              "en": "Five models trained here on the same data, each placed by what we measured."}),
        Beat("trilemma_verdict", {"es": "Lo que muestra esta ejecución, afirmación por afirmación.",
              "en": "What this run shows, claim by claim."}),
    ),
    settings={"dataset": "8gaussians", "n_points": 2000, "gan_seed": 0, "vae_seed": 0},
)
