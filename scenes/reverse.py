"""The reverse (denoising) process p_theta(x_{t-1} | x_t) of a trained toy model.

    manim -pqh scenes/reverse.py            (or: python cli.py render reverse)

Samples start as Gaussian noise and follow the model's own reverse trajectory; the
faint orange cloud is the model's prediction of x_0 at each step. Last frame:
reverse_process.png. The DDIM variant lives in scenes/reverse_ddim.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Dot, FadeIn, FadeOut, MathTex, Text, VGroup, Write

from diffusion_core import DDPM, Sampler, Trajectory, sample_data
from scenes.homes import reverse as home
from scenes.kit.playback import play_states, toy_trajectory
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import CLOUD, GHOST, HIGHLIGHTS, MUTED
from scenes.kit.widgets import Trails, cloud_layout, informative_steps, show_snapshots

REVERSE_FORMULA = (
    r"p_\theta(x_{t-1} \mid x_t) = \mathcal{N}\!\left(x_{t-1};\ \mu_\theta(x_t, t),\ \Sigma_\theta(x_t, t)\right)"
)
# Song et al. 2021, eq. 12 with eta = 0: t' is the next, smaller, timestep
DDIM_FORMULA = (
    r"x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0(x_t) + \sqrt{1-\bar\alpha_{t'}}\,\epsilon_\theta(x_t, t)"
)
DDIM_NOISY_FORMULA = DDIM_FORMULA.replace(r"\sqrt{1-\bar\alpha_{t'}}", r"\sqrt{1-\bar\alpha_{t'}-\sigma_t^2}") + r" + \sigma_t z"


class ReverseTrajectories(ToyModelScene):
    """Noise becomes data under a trained model's reverse process."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/reverse.py)

    sampler: Sampler
    show_prediction: bool
    n_highlight: int
    run_time: float

    def formula(self) -> str:
        if isinstance(self.sampler, DDPM):
            return REVERSE_FORMULA
        return DDIM_FORMULA if self.sampler.eta == 0 else DDIM_NOISY_FORMULA

    def step_label(self) -> str:
        return r"p_\theta(x_{t-1} \mid x_t)" if isinstance(self.sampler, DDPM) else r"x_t \to x_{t'}"

    def subtitle_key(self) -> str:
        return "reverse_sub" if isinstance(self.sampler, DDPM) else "reverse_sub_ddim"

    def construct(self):
        self.beat("reverse_noise")
        traj, parts = self.start()  # 1. Start from pure noise
        self.beat("reverse_denoise")
        self.denoise(parts, traj)  # 2. Denoise step by step with the model
        self.beat("reverse_data")
        self.compare_with_data(parts)  # 3. Compare with the real data
        # 4. Five moments of the same trajectory: the still reverse_process.png
        self.beat("reverse_moments")
        self.play(*[FadeOut(m) for m in parts.__dict__.values()], run_time=0.6)
        self.show_strip(traj.xs.numpy(), traj.timesteps.numpy())
        self.wait(1.0)

    def start(self) -> tuple[Trajectory, SimpleNamespace]:
        """The model's trajectory (from the cache), and the layout at x_T."""
        traj = toy_trajectory(self.train_config(), self.sampler, self.n_points, self.seed)
        title = self.title("reverse_title", self.subtitle_key())
        layout = cloud_layout(traj.xs[0].numpy(), self.formula(), self.T)
        panel, eq, bar = layout.panel, layout.eq, layout.bar
        bar.set_t(int(traj.timesteps[0]))
        legend = self.legend().next_to(bar, DOWN, buff=0.8).align_to(bar, LEFT)
        self.play(FadeIn(title), FadeIn(panel), run_time=1.0)
        self.play(Write(eq), FadeIn(bar), FadeIn(legend), run_time=1.2)
        return traj, SimpleNamespace(title=title, panel=panel, eq=eq, bar=bar, legend=legend)

    def denoise(self, parts: SimpleNamespace, traj: Trajectory, until: int | None = None) -> None:
        """Play the recorded states x_T ... x_0 (or up to state ``until``), then fade the
        prediction out."""
        self.replay(parts, traj, until)
        if parts.ghost is not None:
            self.play(FadeOut(parts.ghost), run_time=0.4)
            parts.panel.remove(parts.ghost)
        del parts.ghost

    def replay(self, parts: SimpleNamespace, traj: Trajectory, until: int | None = None) -> None:
        """Play the recorded states x_T ... x_0 (or up to state ``until``); the faint
        orange cloud (``parts.ghost``) is the model's predicted x_0 at each step."""
        states = traj.xs.numpy()[: None if until is None else until + 1]  # (K+1, N, 2)
        preds = traj.x0_preds.numpy()  # (K, N, 2)
        parts.ghost = None
        if self.show_prediction:
            parts.ghost = parts.panel.add_cloud(preds[0], GHOST, dot_radius=0.02, opacity=0.45)
        rng = np.random.default_rng(self.seed)
        idx = rng.choice(states.shape[1], size=min(self.n_highlight, states.shape[1]), replace=False)
        parts.trails = Trails(parts.panel, states, idx, width=1.8)
        self.add(parts.trails)
        # pacing only: the last steps, where the shape appears, get more screen time
        play_states(self, parts.panel.cloud, states, traj.timesteps.numpy(), parts.bar, parts.trails,
                    run_time=self.run_time, rate_func=lambda s: 1 - (1 - s) ** 1.6,
                    ghost=parts.ghost, ghost_states=preds)

    def compare_with_data(self, parts: SimpleNamespace) -> None:
        data = sample_data(self.data_config(), self.n_points, seed=self.seed + 1).numpy()
        data_cloud = parts.panel.add_cloud(data, MUTED, dot_radius=0.02, opacity=0.5)
        note = VGroup(
            VGroup(Dot(color=MUTED, radius=0.08), Text(self.t("data"), font_size=24)).arrange(RIGHT, buff=0.15),
            VGroup(Dot(color=CLOUD, radius=0.08), Text(self.t("samples"), font_size=24)).arrange(RIGHT, buff=0.15),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15).move_to(parts.legend, aligned_edge=UP + LEFT)
        self.play(FadeIn(data_cloud), FadeOut(parts.legend), FadeIn(note), run_time=0.8)
        parts.legend = note
        self.wait(0.8)

    def legend(self) -> VGroup:
        rows = [VGroup(Dot(color=CLOUD, radius=0.08), MathTex("x_t", font_size=34)).arrange(RIGHT, buff=0.15)]
        if self.show_prediction:
            rows.append(VGroup(Dot(color=GHOST, radius=0.08), Text(self.t("pred_x0"), font_size=24)).arrange(RIGHT, buff=0.15))
        return VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.15)

    def show_strip(self, states: np.ndarray, times: np.ndarray) -> None:
        alpha_bar = self.train_config().schedule.build().alpha_bar.numpy()
        wanted = informative_steps(alpha_bar)[::-1]  # T ... 0
        ks = sorted({int(np.argmin(np.abs(times - t))) for t in wanted})
        show_snapshots(self, states, ks, [f"x_{{{int(times[k])}}}" for k in ks], self.t("reverse_snapshots"),
                       self.step_label(), HIGHLIGHTS[1])
