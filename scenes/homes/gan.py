"""The gan scene's home (its class: scenes.gan.GanVsDiffusion); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "gan", "GanVsDiffusion", video="GanVsDiffusion", still="gan_vs_diffusion",
    about="a GAN's training run beside the DDPM on 8 Gaussians: modes covered, evaluations, time",
    topics=("gan", "gans", "adversarial", "adversariales"),
    models=("toy",),
    beats=(
        Beat("gan_setup", {"es": "Los mismos datos, ocho gaussianas, para una GAN y para nuestro DDPM.",
              "en": "The same data, eight Gaussians, for a GAN and for our DDPM."}),
        Beat("gan_training", {"es": "La GAN entrena: sus muestras saltan entre los modos; el DDPM va del ruido a los datos.",
              "en": "The GAN trains: its samples hop between the modes; the DDPM goes from noise to the data."}),
        Beat("gan_results", {"es": "Modos cubiertos, evaluaciones de la red por muestra y tiempo de cada uno.",
              "en": "Modes covered, network evaluations per sample and the time of each."}),
    ),
    settings={"dataset": "8gaussians", "n_points": 2000, "gan_seed": 0, "run_time": 9.0},
)
