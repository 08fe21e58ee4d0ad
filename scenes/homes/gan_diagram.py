"""The gan-diagram scene's home (its class: scenes.gan_diagram.GanDiagram); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "gan-diagram", "GanDiagram", video="GanDiagram", still="gan_diagram",
    about="how a GAN works, with our GAN's own z, G(z), data and discriminator outputs",
    models=("toy",),
    seconds=10,
    figure_aspects=("16:9", "4:3"),
    beats=(
        Beat("gan_diagram_generator", {"es": "El generador G convierte ruido z en puntos falsos x̃ = G(z).",
              "en": "The generator G turns noise z into fake points x̃ = G(z)."}),
        Beat("gan_diagram_discriminator", {"es": "El discriminador D mira puntos reales y falsos: el sombreado es su salida en cada lugar.",
              "en": "The discriminator D looks at real and fake points: the shading is its output at each place."}),
        Beat("gan_diagram_game", {"es": "Lo que D dice de cada uno al final del entrenamiento, y las dos pérdidas.",
              "en": "What D says of each at the end of training, and the two losses."}),
    ),
    settings={"dataset": "8gaussians", "n_points": 2000, "gan_seed": 0},
)
