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
    twin=Twin("pair", "linear"),
)
