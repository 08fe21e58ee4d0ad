"""The flow scene's home (its class: scenes.flow.FlowMatchingVsDiffusion); see scenes/home.py."""

from scenes.home import Beat, SceneSpec, Twin

HOME = SceneSpec(
    __name__, "flow", "FlowMatchingVsDiffusion", video="FlowMatching", still="flow_matching",
    about="flow matching against DDIM from the same noise at 50 and 5 evaluations; distance against steps",
    topics=("flow matching", "flow", "rectified flow", "flujo"),
    models=("toy",),
    seconds=25,
    text_scale_max=1.4,
    beats=(
        Beat("flow_setup", {"es": "La misma red entrenada dos veces con los mismos datos: como DDPM y por flow matching; el mismo ruido en los dos paneles.",
              "en": "The same network trained twice on the same data: as a DDPM and by flow matching; the same noise in both panels."}),
        Beat("flow_many", {"es": "Cincuenta evaluaciones de la red cada uno: DDIM y los pasos de Euler del flujo.",
              "en": "Fifty network evaluations each: DDIM and the flow's Euler steps."}),
        Beat("flow_few", {"es": "Solo cinco evaluaciones: los caminos casi rectos del flujo todavía llegan.",
              "en": "Only five evaluations: the flow's nearly straight paths still arrive."}, twin=(2, 0)),
        Beat("flow_curve", {"es": "La distancia a los datos según el número de evaluaciones, medida para DDPM, DDIM y el flujo.",
              "en": "The distance to the data against the number of evaluations, measured for DDPM, DDIM and the flow."}, twin=(2, -1)),
    ),
    settings={"dataset": "8gaussians", "n_points": 2000, "many": 50, "few": 5, "n_paths": 6, "run_time": 5.0},
    strings={
        "flow_title": {"es": "Flow matching frente a difusión",
                       "en": "Flow matching against diffusion"},
        "flow_sub": {"es": "La misma red y el mismo ruido, con el mismo número de evaluaciones",
                     "en": "The same network and the same noise, with the same number of evaluations"},
        "flow_swd": {"es": "SWD {swd:.3f} (piso {floor:.3f})",
                     "en": "SWD {swd:.3f} (floor {floor:.3f})"},
        "flow_curve_head": {"es": "Distancia a los datos según las evaluaciones de la red",
                            "en": "Distance to the data against network evaluations"},
        "flow_axis_k": {"es": "evaluaciones de la red por muestra (k)",
                        "en": "network evaluations per sample (k)"},
        "flow_axis_ratio": {"es": "SWD / piso",
                            "en": "SWD / floor"},
        "flow_floor": {"es": "piso: dos muestras de los datos ({floor:.3f})",
                       "en": "floor: two samples of the data ({floor:.3f})"},
        "note_flow": {"es": "{name}, k = {k}: SWD {swd:.3f}, piso {floor:.3f}, razón {ratio:.2f}.",
                      "en": "{name}, k = {k}: SWD {swd:.3f}, floor {floor:.3f}, ratio {ratio:.2f}."},
        "note_flow_curve": {"es": "{name}, SWD / piso: {values}.",
                            "en": "{name}, SWD / floor: {values}."},
    },
    twin=Twin("pair", "linear"),
)
