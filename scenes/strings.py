"""Every on-screen word, in each language (formulas are MathTex and need none).

A new scene adds its keys here; `tests/test_scenes.py` checks that every key has every
language of scenes.registry.LANGS.
"""

from __future__ import annotations

from scenes.registry import LANGS

__all__ = ["STRINGS", "tr"]

STRINGS: dict[str, dict[str, str]] = {
    "forward_title": {"es": "Proceso directo: de los datos al ruido", "en": "Forward process: from data to noise"},
    "forward_sub": {"es": "Cada paso añade un poco de ruido gaussiano", "en": "Each step adds a little Gaussian noise"},
    "data": {"es": "datos", "en": "data"},
    "noise": {"es": "ruido", "en": "noise"},
    "isotropic": {"es": "una gaussiana isótropa", "en": "an isotropic Gaussian"},
    "step": {"es": "paso", "en": "step"},
    "snapshots": {"es": "El proceso directo en cinco instantes", "en": "The forward process at five moments"},
    "reverse_snapshots": {"es": "El proceso inverso en cinco instantes", "en": "The reverse process at five moments"},
    "reparam_title": {"es": "Truco de reparametrización", "en": "The reparametrization trick"},
    "chain": {"es": "t pasos pequeños", "en": "t small steps"},
    "jump": {"es": "un solo salto", "en": "a single jump"},
    "why": {"es": "¿Por qué? Dos gaussianas se combinan en una:", "en": "Why? Two Gaussians merge into one:"},
    "product": {"es": "y así sucesivamente, con", "en": "and so on, with"},
    "agree": {"es": "Las dos nubes siguen la misma distribución", "en": "Both clouds follow the same distribution"},
    "swd": {"es": "distancia (SWD)", "en": "distance (SWD)"},
    "floor": {"es": "piso de muestreo", "en": "sampling floor"},
    "reverse_title": {"es": "Proceso inverso: del ruido a los datos", "en": "Reverse process: from noise to data"},
    "reverse_sub": {"es": "Un modelo entrenado elimina el ruido paso a paso", "en": "A trained model removes the noise step by step"},
    "reverse_sub_ddim": {"es": "DDIM: determinista, con menos pasos", "en": "DDIM: deterministic, fewer steps"},
    "pred_x0": {"es": "x̂₀ predicho", "en": "predicted x̂₀"},
    "samples": {"es": "muestras", "en": "samples"},
    "schedule_title": {"es": "Planificadores de ruido", "en": "Noise schedules"},
    "linear": {"es": "lineal", "en": "linear"},
    "cosine": {"es": "coseno", "en": "cosine"},
    "signal": {"es": "señal", "en": "signal"},
    "digits_title": {"es": "Proceso directo sobre dígitos reales", "en": "The forward process on real digits"},
    "digits_sub": {"es": "MNIST: el mismo ruido gaussiano, píxel a píxel", "en": "MNIST: the same Gaussian noise, pixel by pixel"},
    "chain_digits": {"es": "paso a paso", "en": "step by step"},
    "jump_digits": {"es": "un solo salto", "en": "a single jump"},
    "digits_rev_title": {"es": "Generando dígitos desde ruido", "en": "Generating digits from noise"},
    "digits_rev_sub": {"es": "Un UNet entrenado en MNIST, paso a paso desde el ruido", "en": "A UNet trained on MNIST, step by step from noise"},
    "initial_noise": {"es": "ruido inicial", "en": "initial noise"},
    "graphical_title": {"es": "El modelo gráfico de un DDPM", "en": "A DDPM as a graphical model"},
    "graphical_sub": {"es": "Un dígito real y los estados que le da la cadena", "en": "A real digit and the states the chain gives it"},
    "graphical_note": {"es": "xₜ y xₜ₋₁ (t = {t}) casi no difieren: un paso añade muy poco ruido", "en": "xₜ and xₜ₋₁ (t = {t}) barely differ: one step adds very little noise"},
    "strip_forward_title": {"es": "Dígitos reales convertidos en ruido", "en": "Real digits turned into noise"},
    "strip_forward_sub": {"es": "La cadena del proceso directo, instantes repartidos por la señal", "en": "The forward chain, at moments spread by signal"},
    "strip_reverse_title": {"es": "Dígitos generados desde el ruido", "en": "Digits generated from noise"},
    "strip_reverse_sub": {"es": "La trayectoria del UNet entrenado, del ruido a x₀", "en": "The trained UNet's own trajectory, from noise to x₀"},
    "intermediate": {"es": "pasos intermedios", "en": "intermediate steps"},
    "final_output": {"es": "resultado final", "en": "final output"},
    "training_title": {"es": "Entrenamiento", "en": "Training"},
    "training_sub": {"es": "Muestras del mismo ruido en distintos pasos de un entrenamiento real", "en": "Samples of the same noise at steps of one real training run"},
    "loss": {"es": "pérdida", "en": "loss"},
    "log_scale": {"es": "(escala logarítmica)", "en": "(log scale)"},
    "distance_ratio": {"es": "distancia a los datos / piso", "en": "distance to the data / floor"},
    "floor_one": {"es": "piso = 1", "en": "floor = 1"},
    "trained_model": {"es": "el modelo entrenado", "en": "the trained model"},
    "outside": {"es": "fuera del cuadro", "en": "outside the frame"},
    "score_title": {"es": "El campo de score", "en": "The score field"},
    "score_sub": {"es": "Hacia dónde empuja el modelo cada punto, en cada t", "en": "Where the model pushes each point, at each t"},
    "score_rule": {"es": "flecha: dirección del score\nopacidad: |score| / el máximo en este t", "en": "arrow: the score's direction\nopacity: |score| / the largest at this t"},
    "score_end": {"es": "Las muestras bajan por el campo\nhasta los datos (DDIM, η = 0)", "en": "The samples flow down the field\nonto the data (DDIM, η = 0)"},
    "samplers_title": {"es": "DDPM frente a DDIM", "en": "DDPM against DDIM"},
    "samplers_sub": {"es": "El mismo modelo y el mismo ruido inicial, en un mismo reloj", "en": "The same model and the same initial noise, on one clock"},
    "samplers_sub_digits": {"es": "El mismo UNet y los mismos 16 ruidos iniciales, en un mismo reloj", "en": "The same UNet and the same 16 initial noises, on one clock"},
    "steps": {"es": "pasos", "en": "steps"},
    "nfe": {"es": "evaluaciones de la red", "en": "network evaluations"},
    "wall_time": {"es": "tiempo de muestreo", "en": "sampling time"},
    "step_time": {"es": "tiempo: {total} s ({n} × {per} ms)", "en": "time: {total} s ({n} × {per} ms)"},
    "confident": {"es": "reconocidos (p ≥ 0.9)", "en": "recognised (p ≥ 0.9)"},
    "shared_clock": {"es": "reloj compartido", "en": "shared clock"},
    "samplers_end": {"es": "DDIM:\n{nfe:.0f}× menos evaluaciones\n{time:.0f}× menos tiempo\nen esta máquina ({device});\nun paso: tiempo de CPU\nde un hilo, el mejor de 15", "en": "DDIM:\n{nfe:.0f}× fewer evaluations\n{time:.0f}× less time\non this machine ({device});\na step: one thread's\nCPU time, best of 15"},
}


def tr(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    return STRINGS[key][lang]
