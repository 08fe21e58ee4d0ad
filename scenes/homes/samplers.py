"""The samplers scene's home (its class: scenes.samplers.SamplerComparison); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "samplers", "SamplerComparison", video="DDPMvsDDIM", still="ddpm_vs_ddim",
    about="DDPM (1000 steps) against DDIM (50) from the same noise, on one clock",
    topics=("ddim", "sampler", "samplers", "muestreador", "muestreadores"),
    models=("toy",),
    seconds=22,
    beats=(
        Beat("samplers_start", {"es": "Dos paneles, el mismo modelo y el mismo ruido inicial: DDPM con 1000 pasos, DDIM con 50.",
              "en": "Two panels, the same model and the same initial noise: DDPM with 1000 steps, DDIM with 50."}),
        Beat("samplers_race", {"es": "Un reloj compartido: DDPM avanza en cada paso, DDIM cada 20.",
              "en": "One shared clock: DDPM moves at every step, DDIM every 20."}),
        Beat("samplers_results", {"es": "Los resultados: la distancia a los datos y el tiempo de cada uno.",
              "en": "The results: the distance to the data and the time of each."}),
    ),
    settings={"digits": False, "checkpoint": "ddpm_mnist.pt", "n_samples": 16, "sample_steps": 50, "run_time": 9.0},
)
