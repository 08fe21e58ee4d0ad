"""The reparam scene's home (its class: scenes.reparam.ReparametrizationShortcut); see scenes/home.py."""

from scenes.home import Beat, SceneSpec

HOME = SceneSpec(
    __name__, "reparam", "ReparametrizationShortcut", video="Reparametrization", still="ddpm_paper_nice_property",
    about="t small steps against one closed-form jump",
    seconds=28,
    figure_aspects=("16:9", "4:3"),
    beats=(
        Beat("reparam_ways", {"es": "Dos caminos hasta xₜ: t pasos pequeños, o un solo salto con ᾱₜ.",
              "en": "Two ways to reach xₜ: t small steps, or a single jump with ᾱₜ."}),
        Beat("reparam_jumps", {"es": "Para cada t, la cadena camina y la fórmula salta: las dos nubes coinciden.",
              "en": "For each t, the chain walks and the formula jumps: the two clouds agree."}),
        Beat("reparam_why", {"es": "Por qué: dos gaussianas se combinan en una, y ᾱₜ es el producto de los αₛ.",
              "en": "Why: two Gaussians merge into one, and ᾱₜ is the product of the αₛ."}),
    ),
    settings={"checkpoints": "10,50,150,400,1000", "seconds_per_stage": 2.0},
    strings={
        "note_reparam_stage": {"es": "t = {t}: distancia entre las nubes {d:.3f}, piso {floor:.3f}.",
                               "en": "t = {t}: distance between the clouds {d:.3f}, floor {floor:.3f}."},
        "reparam_title": {"es": "Truco de reparametrización",
                          "en": "The reparametrization trick"},
        "jump": {"es": "un solo salto",
                 "en": "a single jump"},
        "why": {"es": "¿Por qué? Dos gaussianas se combinan en una:",
                "en": "Why? Two Gaussians merge into one:"},
        "product": {"es": "y así sucesivamente, con",
                    "en": "and so on, with"},
        "agree": {"es": "Las dos nubes siguen la misma distribución",
                  "en": "Both clouds follow the same distribution"},
    },
)
