"""Every on-screen word, in each language (formulas are MathTex and need none): the words
written here (those several scenes or the twins share), and each scene's from its home (its beats' sentences, ``beat_<key>``, and
its ``strings``). `tests/test_scenes.py` checks that every key has every language of
scenes.registry.LANGS.
"""

from __future__ import annotations

from scenes.registry import LANGS, SCENES

__all__ = ["STRINGS", "tr"]

STRINGS: dict[str, dict[str, str]] = {
    "notes_head": {"es": "Notas de la escena (difusión-manim), momento a momento.", "en": "Notes on the scene (difusión-manim), moment by moment."},
    "notes_beat": {"es": "Momento {k} de {n}.", "en": "Moment {k} of {n}."},
    "data": {"es": "datos", "en": "data"},
    "step": {"es": "paso", "en": "step"},
    "snapshots": {"es": "El proceso directo en cinco instantes", "en": "The forward process at five moments"},
    "chain": {"es": "t pasos pequeños", "en": "t small steps"},
    "swd": {"es": "distancia (SWD)", "en": "distance (SWD)"},
    "floor": {"es": "piso de muestreo", "en": "sampling floor"},
    "pred_x0": {"es": "x̂₀ predicho", "en": "predicted x̂₀"},
    "linear": {"es": "lineal", "en": "linear"},
    "cosine": {"es": "coseno", "en": "cosine"},
    "signal": {"es": "señal", "en": "signal"},
    "strip_forward_title": {"es": "Dígitos reales convertidos en ruido", "en": "Real digits turned into noise"},
    "strip_forward_sub": {"es": "La cadena del proceso directo, instantes repartidos por la señal", "en": "The forward chain, at moments spread by signal"},
    "strip_reverse_title": {"es": "Dígitos generados desde el ruido", "en": "Digits generated from noise"},
    "strip_reverse_sub": {"es": "La trayectoria del UNet entrenado, del ruido a x₀", "en": "The trained UNet's own trajectory, from noise to x₀"},
    "log_scale": {"es": "(escala logarítmica)", "en": "(log scale)"},
    "steps": {"es": "pasos", "en": "steps"},
    "nfe": {"es": "evaluaciones de la red", "en": "network evaluations"},
    "wall_time": {"es": "tiempo de muestreo", "en": "sampling time"},
    "class_moons_0": {"es": "la luna superior", "en": "the upper moon"},
    "class_moons_1": {"es": "la luna inferior", "en": "the lower moon"},
    "class_circles_0": {"es": "el círculo exterior", "en": "the outer circle"},
    "class_circles_1": {"es": "el círculo interior", "en": "the inner circle"},
    "flow_ddim": {"es": "Difusión: DDIM (η = 0)", "en": "Diffusion: DDIM (η = 0)"},
    "flow_flow": {"es": "Flow matching: pasos de Euler", "en": "Flow matching: Euler steps"},
    "flow_legend_ddpm": {"es": "DDPM (k pasos, η = 1)", "en": "DDPM (k steps, η = 1)"},
    "flow_legend_ddim": {"es": "DDIM (η = 0)", "en": "DDIM (η = 0)"},
    "flow_legend_flow": {"es": "flow matching (Euler)", "en": "flow matching (Euler)"},
    # the interactive twins (lecture/twin/ui.js)
    "twin_play": {"es": "▶ Reproducir", "en": "▶ Play"},
    "twin_pause": {"es": "❚❚ Pausa", "en": "❚❚ Pause"},
    "twin_step": {"es": "paso {k} de {K}", "en": "step {k} of {K}"},
    "twin_nfe": {"es": "evaluaciones de la red: {n}", "en": "network evaluations: {n}"},
    "twin_x0": {"es": "mostrar x̂₀, la predicción de x₀", "en": "show x̂₀, the predicted x₀"},
    "twin_resample": {"es": "Nueva muestra", "en": "Resample"},
    "twin_seed": {"es": "semilla", "en": "seed"},
    "twin_sampler": {"es": "muestreador", "en": "sampler"},
    "twin_w": {"es": "escala de guía w", "en": "guidance scale w"},
    "twin_steps": {"es": "pasos de Euler (y de DDIM)", "en": "Euler steps (and DDIM's)"},
    "twin_follow": {"es": "Haz clic en un punto (o tócalo) para seguir su camino; arrastra de lado sobre la imagen para mover t.", "en": "Click (or tap) a point to follow its path; drag sideways across the picture to move t."},
    "twin_recorded": {"es": "grabado: los mismos estados que el vídeo", "en": "recorded: the video's own states"},
    "twin_live": {"es": "calculado aquí, en el navegador, con la misma red", "en": "computed here, in the browser, by the same network"},
    "twin_working": {"es": "calculando… {p} %", "en": "computing… {p}%"},
    "twin_slow": {"es": "DDPM evalúa la red 1000 veces: unos segundos; DDIM (50), menos de uno.", "en": "DDPM runs the network 1000 times: a few seconds; DDIM (50), under one."},
    "twin_about": {"es": "Un gemelo interactivo del vídeo: sus mismos datos, sus mismas trayectorias y la misma red, que se ejecuta aquí, en el navegador.", "en": "An interactive twin of the video: its own data, its own trajectories and the same network, run here, in the browser."},
    "twin_nojs": {"es": "Esta página necesita JavaScript; el vídeo muestra la misma ejecución.", "en": "This page needs JavaScript; the video shows the same run."},
    "twin_poster": {"es": "El último estado del vídeo: {label}", "en": "The video's last state: {label}"},
    "twin_keys": {"es": "Teclas: espacio reproduce o pausa, ← → mueven t, x muestra x̂₀, r da una nueva muestra, Esc devuelve las teclas a la presentación.", "en": "Keys: space plays or pauses, ← → move t, x shows x̂₀, r resamples, Esc gives the keys back to the slides."},
    "twin_keys_forward": {"es": "Teclas: espacio reproduce o pausa, ← → mueven t, r da una nueva muestra, Esc devuelve las teclas a la presentación.", "en": "Keys: space plays or pauses, ← → move t, r resamples, Esc gives the keys back to the slides."},
    "twin_points": {"es": "{n} de los {N} puntos del vídeo, la semilla {seed}", "en": "{n} of the video's {N} points, seed {seed}"},
    "twin_data": {"es": "datos", "en": "data"},
    "twin_t": {"es": "t = {t}", "en": "t = {t}"},
    "notes_twin_head": {"es": "Gemelo interactivo (clic para usarlo; Esc devuelve las teclas a la presentación). Qué probar:", "en": "Interactive twin (click to use it; Esc gives the keys back to the slides). What to try:"},
    "notes_twin_forward_1": {"es": "Arrastra t: los datos se disuelven pronto; con t ≈ 300 ya casi no queda forma.", "en": "Drag t: the data dissolves early; by t ≈ 300 little shape is left."},
    "notes_twin_forward_2": {"es": "Haz clic en un punto para ver su camino aleatorio; «Nueva muestra» da otro ruido a los mismos datos.", "en": "Click a point to see its random walk; Resample gives the same data new noise."},
    "notes_twin_reverse_1": {"es": "Cambia entre DDPM (1000 pasos) y DDIM (50) desde el mismo x_T, y compara las evaluaciones de la red.", "en": "Switch between DDPM (1000 steps) and DDIM (50) from the same x_T, and compare the network evaluations."},
    "notes_twin_reverse_2": {"es": "Activa x̂₀: la predicción ya tiene la forma de las lunas cuando x_t aún es ruido.", "en": "Turn on x̂₀: the prediction has the moons' shape while x_t is still noise."},
    "notes_twin_guidance_1": {"es": "Mueve w de 0 a 7: las muestras se concentran en la luna superior y pierden variedad.", "en": "Move w from 0 to 7: the samples crowd into the upper moon and lose variety."},
    "notes_twin_guidance_2": {"es": "Los w del vídeo (0, 1, 3, 7) son su propia ejecución; otro w se calcula en vivo con DDIM.", "en": "The video's w (0, 1, 3, 7) are its own run; any other w is computed live with DDIM."},
    "notes_twin_flow_1": {"es": "Baja los pasos a 2 o 3: el flujo de caminos rectos aún llega a los modos; DDIM no.", "en": "Lower the steps to 2 or 3: the flow's straight paths still reach the modes; DDIM's do not."},
    "notes_twin_flow_2": {"es": "Haz clic en un punto y compara su camino en los dos paneles.", "en": "Click a point and compare its path in the two panels."},
}

for _spec in SCENES.values():  # each scene's own words, from its home
    _words = {f"beat_{b.key}": b.text for b in _spec.beats} | _spec.strings
    _clash = sorted(k for k, text in _words.items() if STRINGS.get(k, text) != text)
    if _clash:
        raise ValueError(f"the {_spec.key} scene's home words {', '.join(_clash)} differently from another's")
    STRINGS.update(_words)


def tr(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    return STRINGS[key][lang]
