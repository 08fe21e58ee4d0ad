"""The scenes and the file names their outputs take (those of the deck).

Kept free of manim so that the command line's training and evaluation commands run
where manim is not installed (a headless GPU machine, say).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from scenes.colour import LIGHT_COLOURS

__all__ = ["LANGS", "ASPECTS_ALL", "QUALITIES", "THEME_BACKGROUNDS", "LIGHT_COLOURS", "FORMATS", "TEXT_SCALE_MAX", "SceneSpec", "SCENES", "scene_for"]

LANGS = ("es", "en")  # the first is the default; others get a _LANG suffix
QUALITIES = {  # name -> manim quality (resolution, frame rate)
    "low": "low_quality",  # 854x480, 15 fps
    "medium": "medium_quality",  # 1280x720, 30 fps
    "high": "high_quality",  # 1920x1080, 60 fps
    "4k": "fourk_quality",  # 3840x2160, 60 fps
}
TEXT_SCALE_MAX = 1.6  # a figure's type drawn at most this much larger (for a slide that shows it narrow)
ASPECTS_ALL = ("16:9", "4:3")  # Marp's built-in slide sizes: a scene's frame, where it has a layout for it
# Marp's built-in themes and the background of their slides: a deck in one of them gets
# our pictures on its own background (the palette is for light backgrounds: an `invert`
# deck, dark, gets them on white, as cards)
THEME_BACKGROUNDS = {"default": "#FFFFFF", "gaia": "#FFF8E1", "uncover": "#FDFCFF"}


FORMATS = ("mp4", "gif", "png", "figure")  # png: the last frame (a poster); figure: it trimmed, without the title


@dataclass(frozen=True)
class SceneSpec:
    """A scene and the names its outputs take (those of the deck)."""

    key: str
    module: str
    cls: str
    video: str
    still: str
    about: str
    topics: tuple[str, ...] = ()  # words (es, en) of a slide this scene shows: fills a placeholder there
    models: tuple[str, ...] = ()  # the folders of models/ it reads ("toy", "mnist"): part of its assets' key
    seconds: float = 20.0  # its video's render at 1080p60 on 2 cores from an empty cache (the order of a first run)
    for_images: str = ""  # the scene that shows the same topic on images: a deck about images gets that one
    aspects: tuple[str, ...] = ("16:9",)  # the slides its video and stills have a layout for (its class's ASPECTS)
    figure_aspects: tuple[str, ...] = ("16:9",)  # ... and its figure (FIGURE_ASPECTS): a 4:3 deck gets them in 4:3
    # its figure's type drawn at most this much larger for a slide that shows it narrow: what its layout was seen
    # to hold (figures drawn at x1.2 to x1.6 and looked at: forward and reverse hold x1.6, flow x1.4,
    # generative-model x1.2; the strips, the graphical model, the GAN's two and the trilemma overlap or cut at x1.2)
    text_scale_max: float = 1.0

    def has_layout(self, aspect: str, fmt: str) -> bool:
        """Whether its ``fmt`` output has a layout for a slide of ``aspect``."""
        return aspect in (self.figure_aspects if fmt == "figure" else self.aspects)

    def load(self) -> type:
        return getattr(importlib.import_module(self.module), self.cls)

    def output_name(self, fmt: str, lang: str) -> str:
        base = self.still if fmt in ("png", "figure") else self.video
        suffix = "" if lang == LANGS[0] else f"_{lang}"
        return f"{base}{suffix}.{'png' if fmt == 'figure' else fmt}"

    def deck_names(self, lang: str = LANGS[0]) -> dict[str, str]:
        """The deck file names this scene serves, each with its format: the video
        (DiffusionProcess.mp4, or .gif) and the still (forward_process.png)."""
        return {self.output_name(fmt, lang): fmt for fmt in FORMATS if fmt != "figure"}


def scene_for(file_name: str, lang: str = LANGS[0]) -> tuple[SceneSpec, str] | None:
    """The scene (and format) that makes a deck file of this name, or None."""
    for spec in SCENES.values():
        fmt = spec.deck_names(lang).get(file_name)
        if fmt:
            return spec, fmt
    return None


SCENES: dict[str, SceneSpec] = {
    s.key: s
    for s in (
        SceneSpec("forward", "scenes.forward", "ForwardProcess", "DiffusionProcess", "forward_process",
                  "forward process q(x_t|x_{t-1}) on a 2D cloud", seconds=20, figure_aspects=("16:9", "4:3"),
                  text_scale_max=TEXT_SCALE_MAX),
        SceneSpec("reparam", "scenes.reparam", "ReparametrizationShortcut", "Reparametrization",
                  "ddpm_paper_nice_property", "t small steps against one closed-form jump", seconds=28,
                  figure_aspects=("16:9", "4:3")),
        SceneSpec("reverse", "scenes.reverse", "ReverseTrajectories", "ReverseProcess", "reverse_process",
                  "a trained model's reverse process (DDPM)", models=("toy",), seconds=26,
                  figure_aspects=("16:9", "4:3"), text_scale_max=TEXT_SCALE_MAX),
        SceneSpec("reverse-ddim", "scenes.reverse_ddim", "ReverseTrajectoriesDDIM", "ReverseProcessDDIM",
                  "reverse_process_ddim", "the reverse process with DDIM, 50 steps", models=("toy",), seconds=16,
                  figure_aspects=("16:9", "4:3")),
        SceneSpec("schedule", "scenes.schedule", "NoiseSchedules", "NoiseSchedules", "noise_schedules",
                  "beta_t, alpha_bar_t, signal and noise: linear against cosine",
                  topics=("schedule", "schedules", "scheduler", "planificador", "planificadores"), seconds=10),
        SceneSpec("training", "scenes.training", "TrainingProcess", "training", "training_process",
                  "a toy model learning: samples of a real run's snapshots, the loss, the distance to the data",
                  topics=("training", "entrenamiento", "entrenar"), models=("toy",), seconds=14,
                  for_images="digits-training"),
        SceneSpec("score", "scenes.score", "ScoreField", "ScoreField", "score_field",
                  "the trained model's score field as t runs down, DDIM samples riding it", topics=("score",), models=("toy",), seconds=14),
        SceneSpec("samplers", "scenes.samplers", "SamplerComparison", "DDPMvsDDIM", "ddpm_vs_ddim",
                  "DDPM (1000 steps) against DDIM (50) from the same noise, on one clock",
                  topics=("ddim", "sampler", "samplers", "muestreador", "muestreadores"), models=("toy",), seconds=22),
        SceneSpec("samplers-digits", "scenes.samplers_digits", "SamplerComparisonDigits", "DDPMvsDDIM_digits",
                  "ddpm_vs_ddim_digits", "DDPM against DDIM-50 on 16 digits of the shipped MNIST UNet", models=("mnist",), seconds=55),
        SceneSpec("digits-forward", "scenes.digits", "DigitsForward", "DigitsForward", "forward_process_digits",
                  "real MNIST digits noised step by step, beside the closed-form jump", models=("mnist",), seconds=15),
        SceneSpec("digits-reverse", "scenes.digits_reverse", "DigitsReverse", "DigitsGeneration",
                  "generated_digits", "digits emerging from noise under the trained UNet, with x0-hat",
                  topics=("generation", "generated", "generación", "generadas", "generados", "generar", "samples",
                          "muestras"), models=("mnist",), seconds=52, aspects=("16:9", "4:3")),
        SceneSpec("graphical-model", "scenes.graphical_model", "GraphicalModel", "GraphicalModel", "graphical_model",
                  "the DDPM as a graphical model (Ho et al. 2020, Fig. 2), one real digit at x_0, x_{t-1}, x_t, x_T",
                  topics=("graphical model", "modelo gráfico"), models=("mnist",), seconds=8),
        SceneSpec("gan", "scenes.gan", "GanVsDiffusion", "GanVsDiffusion", "gan_vs_diffusion",
                  "a GAN's training run beside the DDPM on 8 Gaussians: modes covered, evaluations, time",
                  topics=("gan", "gans", "adversarial", "adversariales"), models=("toy",), seconds=20),
        SceneSpec("generative-model", "scenes.generative_model", "GenerativeModel", "GenerativeModel",
                  "generative_model", "what a generative model is: p_data beside our p_theta as it trains, the distance D between them",
                  topics=("modelo generativo", "generative model"), models=("toy",), seconds=12,
                  figure_aspects=("16:9", "4:3"), text_scale_max=1.2),
        SceneSpec("gan-diagram", "scenes.gan_diagram", "GanDiagram", "GanDiagram", "gan_diagram",
                  "how a GAN works, with our GAN's own z, G(z), data and discriminator outputs", models=("toy",),
                  seconds=10, figure_aspects=("16:9", "4:3")),
        SceneSpec("trilemma", "scenes.trilemma", "Trilemma", "Trilemma", "trilemma",
                  "the generative learning trilemma measured: a VAE, a GAN, DDPM, DDIM and flow matching on 8 Gaussians",
                  topics=("trilema", "trilemma"), models=("toy",), seconds=15),
        SceneSpec("guidance", "scenes.guidance", "ClassifierFreeGuidance", "Guidance", "guidance",
                  "classifier-free guidance: one conditional model, the same noise at w = 0, 1, 3 and 7",
                  topics=("guidance", "guía", "cfg", "classifier-free", "condicional", "conditional"), models=("toy",),
                  seconds=25),
        SceneSpec("flow", "scenes.flow", "FlowMatchingVsDiffusion", "FlowMatching", "flow_matching",
                  "flow matching against DDIM from the same noise at 50 and 5 evaluations; distance against steps",
                  topics=("flow matching", "flow", "rectified flow", "flujo"), models=("toy",), seconds=25,
                  text_scale_max=1.4),
        SceneSpec("digits-training", "scenes.digits_training", "DigitsTraining", "DigitsTraining", "digits_training",
                  "the MNIST UNet learning: the same 16 noises' digits at steps 0 to 14,000 of its real run, the FID",
                  topics=("training", "entrenamiento", "entrenar"), models=("mnist",), seconds=12,
                  aspects=("16:9", "4:3")),
        SceneSpec("digits-forward-strip", "scenes.digit_strips", "DigitStripForward", "DigitStripForward",
                  "digits_forward_strip", "a strip of real digits turned into noise by the forward chain", models=("mnist",), seconds=9),
        SceneSpec("digits-reverse-strip", "scenes.digit_strips_reverse", "DigitStripReverse", "DigitStripReverse",
                  "digits_reverse_strip", "a strip of digits the shipped UNet generates from noise (its DDPM run)", models=("mnist",), seconds=45),
    )
}
