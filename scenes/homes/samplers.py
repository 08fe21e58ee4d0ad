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
    strings={
        "note_samplers_results": {"es": "{name}: {nfe} evaluaciones de la red, {result}, tiempo {total} s ({per} ms por paso, tiempo de CPU de un hilo).",
                                  "en": "{name}: {nfe} network evaluations, {result}, time {total} s ({per} ms a step, one thread's CPU time)."},
        "samplers_title": {"es": "DDPM frente a DDIM",
                           "en": "DDPM against DDIM"},
        "samplers_sub": {"es": "El mismo modelo y el mismo ruido inicial, en un mismo reloj",
                         "en": "The same model and the same initial noise, on one clock"},
        "samplers_sub_digits": {"es": "El mismo UNet y los mismos 16 ruidos iniciales, en un mismo reloj",
                                "en": "The same UNet and the same 16 initial noises, on one clock"},
        "step_time": {"es": "tiempo: {total} s ({n} × {per} ms)",
                      "en": "time: {total} s ({n} × {per} ms)"},
        "confident": {"es": "reconocidos (p ≥ 0.9)",
                      "en": "recognised (p ≥ 0.9)"},
        "shared_clock": {"es": "reloj compartido",
                         "en": "shared clock"},
        "samplers_end": {"es": "DDIM:\n{nfe:.0f}× menos evaluaciones\n{time:.0f}× menos tiempo\nen esta máquina ({device});\nun paso: tiempo de CPU\nde un hilo, el mejor de 15",
                         "en": "DDIM:\n{nfe:.0f}× fewer evaluations\n{time:.0f}× less time\non this machine ({device});\na step: one thread's\nCPU time, best of 15"},
    },
)
