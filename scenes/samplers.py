"""DDPM against DDIM, side by side, from the same noise and on one clock.

    manim -pqh scenes/samplers.py           (or: python cli.py render samplers)
    manim -pqh scenes/samplers_digits.py    (or: python cli.py render samplers-digits)

Left, DDPM (Ho et al. 2020): every one of the T steps. Right, DDIM (Song et al. 2021,
eq. 12, eta = 0): 50 steps. Both start from the same x_T (one seed; x_T is each
sampler's first draw). The clock is t, running from T to 0; each panel shows the last
state it has reached by then, so DDIM's strides are T / 50 = 20 of DDPM's steps. Each
panel counts its steps and its network evaluations (calls of eps_theta).

At the end: both clouds over fresh data, with their sliced Wasserstein distance to it
(and the floor, the distance between two data sets of the same size), and the time each
sampling takes on this machine: one step timed as it is rendered (``step_seconds``: the
CPU time of one thread, the best of 15 runs of 3 steps, which other work on the machine cannot
inflate), times its number of steps; the screen says so. A time measured once and cached
would carry whatever load there was then into every later video. The digits variant (``digits = True``) runs the shipped MNIST
UNet on 16 noises and counts the samples the project's classifier is confident about.
Video: DDPMvsDDIM.mp4. Last frame: ddpm_vs_ddim.png.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import torch
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, MathTex, Square, Text, VGroup

from diffusion_core import (
    CONFIDENT,
    DDIM,
    DDPM,
    DigitFrames,
    Sampler,
    Trajectory,
    classifier_path,
    classify,
    load_classifier,
    load_mnist_checkpoint,
    load_or_train,
    sample_data,
    sliced_wasserstein,
    step_seconds,
)
from diffusion_core.mnist.frames import reverse_ease
from scenes.homes import samplers as home
from scenes.kit.cloud import CloudPanel
from scenes.kit.digits import DigitGrid
from scenes.kit.playback import (
    capped,
    digit_checkpoint,
    digit_trajectory,
    play_frames,
    toy_trajectory,
)
from scenes.kit.settings import ToyModelScene
from scenes.kit.theme import ACCENT, HIGHLIGHTS, INK, MUTED, fit_right
from scenes.kit.widgets import DigitCounter, TimeBar

__all__ = ["SamplerComparison", "state_at", "StepCounter"]

COLORS = (HIGHLIGHTS[0], HIGHLIGHTS[1])  # DDPM, DDIM
PANEL = 4.0  # a panel's side, scene units; the clock sits in the column between the two
CENTRES = (np.array([-3.65, -0.1, 0.0]), np.array([3.65, -0.1, 0.0]))
GAP = 2 * 3.65 - PANEL - 0.5  # the width text may take in that column


def replay(traj) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the states to draw, their t, their step numbers) of a sampled trajectory (every
    state) or of recorded digit frames (the kept states: see DigitFrames)."""
    if isinstance(traj, DigitFrames):
        return traj.xs, traj.timesteps, traj.kept
    return traj.xs.numpy(), traj.timesteps.numpy(), np.arange(len(traj.xs))


def first_state(traj) -> torch.Tensor:
    """x_T, as floats."""
    return traj.x_T if isinstance(traj, DigitFrames) else traj.xs[0]


def state_at(times: np.ndarray, t: int) -> int:
    """The last state a trajectory has reached when the clock shows t: the largest k
    with times[k] >= t (``times`` runs down from T to 0)."""
    reached = np.flatnonzero(np.asarray(times) >= t)
    return int(reached[-1])


class StepCounter(VGroup):
    """The numbers of 'paso 37 / 1000' and 'evaluaciones de la red 37' under a panel.

    Only the numbers change, so only they are redrawn frame by frame: the words and the
    '/ 1000' are a group of their own (``labels``, added to the scene beside it), the
    step number is right-aligned against that fixed '/ 1000'."""

    def __init__(self, total: int, step_word: str, nfe_word: str, color: str = INK):
        super().__init__()
        n_digits = len(str(total))
        self.step = DigitCounter(font_size=30, color=color, max_digits=n_digits)
        self.nfe = DigitCounter(font_size=30, color=color, max_digits=n_digits)
        word, nfe_word = Text(step_word, font_size=22, color=color), Text(nfe_word, font_size=22, color=color)
        VGroup(word, nfe_word).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        slash = MathTex(f"/\\,{total}", font_size=30, color=MUTED)
        self.step.set_value(total).next_to(word, RIGHT, buff=0.15).align_to(word, DOWN)  # its widest
        slash.next_to(self.step, RIGHT, buff=0.1)
        self.labels = VGroup(word, nfe_word, slash)
        self.add(self.step, self.nfe)
        self.set_value(0)

    def set_value(self, k: int) -> "StepCounter":
        """k steps taken, each one network evaluation (sample() calls eps_theta once a
        step). Call again after moving ``labels``: the numbers follow them."""
        word, nfe_word, slash = self.labels
        self.step.set_value(k)
        self.nfe.set_value(k)
        self.step.next_to(slash, LEFT, buff=0.1).align_to(word, DOWN)
        self.nfe.next_to(nfe_word, RIGHT, buff=0.15).align_to(nfe_word, DOWN)
        return self


class SamplerComparison(ToyModelScene):
    """Two panels from one x_T: DDPM's T steps and DDIM's 50, played on a shared clock."""

    HOME = home.HOME  # its key, outputs, beats, aspects and settings' defaults (scenes/homes/samplers.py)

    digits: bool  # the shipped MNIST UNet on n_samples digits instead of the toy model
    checkpoint: str  # digits: in models/mnist/, or an absolute path
    n_samples: int  # digits
    sample_steps: int  # DDIM's
    run_time: float

    def samplers(self) -> tuple[Sampler, Sampler]:
        clip = 1.0 if self.digits else None  # images live in [-1, 1]
        return DDPM(clip=clip), DDIM(steps=self.sample_steps, clip=clip)

    def trajectories(self) -> tuple[Trajectory, Trajectory]:
        """DDPM's and DDIM's trajectories from the same seed (so the same x_T), cached."""
        if self.digits:
            return tuple(digit_trajectory(self.checkpoint, c, self.n_samples, self.seed)[0] for c in self.samplers())
        return tuple(toy_trajectory(self.train_config(), c, self.n_points, self.seed) for c in self.samplers())

    def step_times(self, trajs) -> list[float]:
        """Seconds per step of each sampler on this batch, timed now (see the module)."""
        if self.digits:
            result = load_mnist_checkpoint(digit_checkpoint(self.checkpoint))
        else:
            result = load_or_train(self.train_config())
        T = result.schedule.T  # DDIM's steps capped at T, as the trajectory's were (a small test model)
        # a UNet step is long enough (~37 ms) to time alone; the toy's (~3 ms) is timed three at a time
        n_steps = 1 if self.digits else 3
        times = [step_seconds(result.model, result.schedule, first_state(traj), capped(sampler, T), n_steps=n_steps)
                 for traj, sampler in zip(trajs, self.samplers())]
        print(f"{type(self).__name__}: a step takes " + ", ".join(f"{1000 * s:.2f} ms ({t.meta['sampler'].upper()})"
              for s, t in zip(times, trajs)) + " (one thread's CPU time, best of 15)", file=sys.stderr)
        return times

    def construct(self):
        trajs = self.trajectories()
        self.beat("samplers_start")
        parts = self.layout(trajs)
        self.beat("samplers_race")
        self.race(parts, trajs)
        self.beat("samplers_results")
        self.results(parts, trajs)
        self.wait(1.5)

    # 1. Two panels from one x_T, the shared clock, the counters
    def layout(self, trajs) -> SimpleNamespace:
        title = self.title("samplers_title", "samplers_sub_digits" if self.digits else "samplers_sub")
        T = int(trajs[0].timesteps[0])
        clock = TimeBar(T, width=2.4).move_to(0.9 * UP)
        clock_label = Text(self.t("shared_clock"), font_size=20, color=MUTED).next_to(clock, UP, buff=0.25)

        views, frames, heads, counters = [], VGroup(), [], VGroup()
        for traj, sampler, centre, color in zip(trajs, self.samplers(), CENTRES, COLORS):
            states, _, steps = replay(traj)
            K, x_T = int(steps[-1]), states[0]
            if self.digits:
                view = DigitGrid(x_T, cols=int(np.ceil(np.sqrt(len(x_T)))), width=PANEL - 0.3).move_to(centre)
                frames.add(Square(PANEL, stroke_color=MUTED, stroke_width=1.5).move_to(centre))
            else:
                view = CloudPanel(x_T, side=PANEL, color=color, dot_radius=0.014).move_to(centre)
            slot = Square(PANEL).move_to(centre)  # headers and counters hang on the panel's square
            head = Text(self.sampler_name(sampler, traj), font_size=26, color=color, weight="BOLD")
            fit_right(head.next_to(slot, UP, buff=0.15).align_to(slot, LEFT))
            counter = StepCounter(K, self.t("step"), self.t("nfe"), color=INK)
            counter.labels.next_to(slot, DOWN, buff=0.22).align_to(slot, LEFT)
            counter.set_value(0)
            views.append(view)
            heads.append(head)
            counters.add(counter)
        self.play(FadeIn(title), FadeIn(frames), *[FadeIn(v) for v in views], *[FadeIn(h) for h in heads], run_time=1.0)
        labels = VGroup(clock_label, *[c.labels for c in counters])  # static: drawn once, beneath what moves
        self.play(FadeIn(labels), FadeIn(clock), FadeIn(counters), run_time=0.8)
        return SimpleNamespace(title=title, clock=clock, views=views, heads=heads, counters=counters)

    def sampler_name(self, sampler: Sampler, traj: Trajectory) -> str:
        if isinstance(sampler, DDPM):
            return f"DDPM · {traj.meta['steps']} {self.t('steps')}"
        return f"DDIM (η = {sampler.eta:g}) · {traj.meta['steps']} {self.t('steps')}"

    # 2. The clock runs from T to 0; each panel shows the last state it has reached
    def race(self, parts: SimpleNamespace, trajs, until: int | None = None) -> None:
        """Play the shared clock from T down to 0 (or down to t = ``until``)."""
        T = int(trajs[0].timesteps[0])
        states, times, steps = zip(*[replay(traj) for traj in trajs])
        shown = [None, None]

        def show(tick: int) -> None:
            t = T - tick
            parts.clock.set_t(t)
            for i, view in enumerate(parts.views):
                k = state_at(times[i], t)
                if k != shown[i]:  # DDIM moves once every ~20 ticks: redraw only then
                    shown[i] = k
                    self.draw(view, states[i][k])
                    parts.counters[i].set_value(int(steps[i][k]))

        ticks = T - (0 if until is None else until)
        # the same easing as the reverse scenes: the last steps, where the shape appears, get more time
        play_frames(self, ticks, show, [parts.clock, *parts.views, parts.counters], self.run_time,
                    rate_func=reverse_ease)

    def draw(self, view, state: np.ndarray) -> None:
        if self.digits:
            view.set_images(state)
        else:
            view.cloud.set_xy(state)

    # 3. Both results over the data, with their distance to it and their time
    def results(self, parts: SimpleNamespace, trajs) -> None:
        lines, fades = self.digit_verdicts(trajs) if self.digits else self.distances(parts, trajs)
        per_step = self.step_times(trajs)
        steps = [traj.meta["steps"] for traj in trajs]
        totals = [p * n for p, n in zip(per_step, steps)]
        notes = VGroup()
        for traj, line, p, n, total in zip(trajs, lines, per_step, steps, totals):
            self.note(self.t("note_samplers_results").format(name=traj.meta["sampler"].upper(), nfe=n, result=line,
                                                             total=f"{total:.3g}", per=f"{1000 * p:.3g}"))
        for counter, line, p, n, total in zip(parts.counters, lines, per_step, steps, totals):
            time = Text(self.t("step_time").format(total=f"{total:.3g}", n=n, per=f"{1000 * p:.3g}"),
                        font_size=20, color=INK)
            note = VGroup(Text(line, font_size=20, color=INK), time).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
            fit_right(note.next_to(counter.labels, DOWN, buff=0.18, aligned_edge=LEFT))
            notes.add(note)
        summary = Text(self.t("samplers_end").format(nfe=steps[0] / steps[1], time=totals[0] / max(totals[1], 1e-12),
                                                     device=trajs[0].meta.get("device", "cpu")),
                       font_size=20, color=ACCENT, line_spacing=0.9)
        if summary.width > GAP:  # the column between the panels
            summary.scale_to_fit_width(GAP)
        summary.next_to(parts.clock, DOWN, buff=0.6)
        self.play(FadeIn(notes), FadeIn(summary), *fades, run_time=1.0)

    def distances(self, parts: SimpleNamespace, trajs) -> tuple[list[str], list]:
        """Fresh data beneath each cloud; SWD(samples, data) and the floor SWD(data, data')."""
        n = self.n_points
        data_a = sample_data(self.data_config(), n, seed=self.seed + 1)
        floor = sliced_wasserstein(data_a, sample_data(self.data_config(), n, seed=self.seed + 2))
        lines, fades = [], []
        for traj, view in zip(trajs, parts.views):
            fades.append(FadeIn(view.add_cloud(data_a.numpy(), MUTED, dot_radius=0.024, opacity=0.5)))
            lines.append(f"SWD {sliced_wasserstein(traj.samples.float(), data_a):.3f} ({self.t('floor')} {floor:.3f})")
        return lines, fades

    def digit_verdicts(self, trajs) -> tuple[list[str], list]:
        """How many samples the project's classifier gives a class with p >= 0.9."""
        classifier, _ = load_classifier(classifier_path())
        lines = []
        for traj in trajs:
            _, conf = classify(classifier, traj.samples.float())
            lines.append(f"{self.t('confident')}: {int((conf >= CONFIDENT).sum())}/{len(conf)}")
        return lines, []
