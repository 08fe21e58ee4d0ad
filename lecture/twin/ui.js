// The twin's page: recorded runs replayed at the video's pace, live runs computed by
// the same network (core.js), and window.twin for the tests (tests/test_twin.py).
"use strict";
(() => {
  const D = TWIN_DATA, C = TwinCore, P = D.palette;
  // what this twin shows and lets a student change, from its data (lecture/twins.py), never from its name:
  // control (sampler | steps | w | none), live (what Resample runs: chain | sampler | guided | pair), x0, panels
  const U = D.ui;
  const $ = (id) => document.getElementById(id);
  document.querySelector("main").hidden = false;  // the controls, for a page that runs
  const txt = (k, vars) => (D.text[k] || k).replace(/\{(\w+)\}/g, (_, v) => (vars && v in vars ? vars[v] : `{${v}}`));
  if (new URLSearchParams(location.search).has("embed")) document.body.classList.add("embed");

  const erf = C.makeErf(D.erf);
  const nets = {};
  for (const [k, spec] of Object.entries(D.models)) nets[k] = C.makeMLP(spec, erf, D.wasm);
  // live runs in Web Workers, one per core (at most 8), each with its share of the points
  let pool = C.makePool(document.getElementById("twin-core").textContent,
                          { models: D.models, erf: D.erf, betas: D.betas, wasm: D.wasm },
                          Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8)));
  const sch = C.makeSchedule(D.betas);
  const N = D.points;

  function decode(f) {
    if (f.f32) return C.f32(f.f32);
    const q = new Uint16Array(C.b64(f.u16)), out = new Float64Array(q.length);
    for (let i = 0; i < q.length; i += 2) {
      out[i] = f.lo[0] + q[i] * (f.span[0] / 65535);
      out[i + 1] = f.lo[1] + q[i + 1] * (f.span[1] / 65535);
    }
    return out;
  }
  const dataCloud = decode(D.data);
  // a run: {key, label, sampler, model, guidance, K, states[j], times[j], frames[j] (Float64Array), live}
  const runs = D.runs.map((r) => ({ ...r, frames: r.frames.map(decode), live: false }));
  const byKey = (k) => runs.find((r) => r.key === k);

  const rates = { in: [(s) => s ** 1.6, (v) => v ** (1 / 1.6)], out: [(s) => 1 - (1 - s) ** 1.6, (v) => 1 - (1 - v) ** (1 / 1.6)],
                  linear: [(s) => s, (v) => v] };

  // ---------------------------------------------------------------- state
  const S = { panels: [], j: 0, playing: false, tau: 0, x0: false, follow: -1, seed: 0, w: null, steps: null, busy: null,
              beat: null };
  if (U.control === "steps") S.steps = D.flow.many;
  if (U.control === "w") S.w = D.guidance.weights[D.guidance.weights.length - 1];
  const x0Cache = new Map();

  function panelRuns() {
    if (U.live === "pair") {
      if (S.flowLive && S.flowLive.k === S.steps) return S.flowLive.runs;
      return [`ddim${S.steps}`, `flow${S.steps}`].map(byKey);
    }
    return [S.panels[0]];
  }
  const lead = () => panelRuns()[0];

  // ---------------------------------------------------------------- drawing
  const panelsEl = $("panels"), canvases = [];
  const heads = U.panels.map(([head, colour]) => [head, P[colour]]);
  for (const [head, colour] of heads) {
    const div = document.createElement("div");
    div.className = "panel";
    const h = document.createElement("div");
    h.className = "head";
    h.style.color = colour;
    h.textContent = head ? txt(head) : "";
    const cv = document.createElement("canvas");
    cv.tabIndex = 0;
    cv.setAttribute("role", "img");
    div.append(h, cv);
    panelsEl.append(div);
    canvases.push({ cv, colour });
  }
  function toPx(cv, x, y) {
    const s = cv.width / (2 * D.extent);
    return [(x + D.extent) * s, (D.extent - y) * s];
  }
  // square panels as large as the page allows, the controls keeping at least 38% of the width
  // (a page taller than wide: the panels take the whole width, the controls go below them)
  const upright = window.matchMedia("(max-aspect-ratio: 1/1)");
  function size() {
    const main = document.querySelector("main"), head = panelsEl.querySelector(".head");
    let css;
    if (upright.matches) {
      css = Math.floor((main.clientWidth - (canvases.length - 1) * 12) / canvases.length) - 2;
    } else {
      const free = main.clientHeight - (head ? head.offsetHeight : 0) - 4;
      const wide = (main.clientWidth * 0.6 - (canvases.length - 1) * 12) / canvases.length;
      css = Math.floor(Math.min(free, wide));
    }
    css = Math.max(60, css);
    const dpr = window.devicePixelRatio || 1, side = Math.round(css * dpr);
    for (const { cv } of canvases) {
      cv.style.width = `${css}px`;
      cv.style.height = `${css}px`;
      if (cv.width !== side) { cv.width = side; cv.height = side; }
    }
  }
  function x0Of(run, j) {
    const key = `${run.key}:${j}`;
    if (x0Cache.has(key)) return x0Cache.get(key);
    const x0 = run.model ? x0Slice(run, j, 0, run.frames[j].length / 2) : null;
    x0Cache.set(key, x0);
    return x0;
  }
  function dots(ctx, cv, xs, colour, r, alpha) {
    ctx.globalAlpha = alpha;
    ctx.fillStyle = colour;
    for (let i = 0; i < xs.length; i += 2) {
      const [px, py] = toPx(cv, xs[i], xs[i + 1]);
      ctx.fillRect(px - r, py - r, 2 * r, 2 * r);
    }
    ctx.globalAlpha = 1;
  }
  function draw() {
    size();
    const rs = panelRuns();
    rs.forEach((run, p) => {
      const { cv, colour } = canvases[p];
      const ctx = cv.getContext("2d"), r = Math.max(1.2, cv.width / 330);
      ctx.fillStyle = P.background;
      ctx.fillRect(0, 0, cv.width, cv.height);
      if (!run) return;
      const j = Math.min(S.j, run.frames.length - 1);
      dots(ctx, cv, dataCloud, P.muted, r * 0.9, U.data_alpha);
      if (S.x0 && run.model) { const g = x0Of(run, j); if (g) dots(ctx, cv, g, P.ghost, r * 0.9, 0.5); }
      dots(ctx, cv, run.frames[j], colour, r, 0.85);
      if (S.follow >= 0) {
        ctx.strokeStyle = P.trail;
        ctx.lineWidth = Math.max(2, cv.width / 220);
        ctx.beginPath();
        for (let q = 0; q <= j; q++) {
          const f = run.frames[q], [px, py] = toPx(cv, f[2 * S.follow], f[2 * S.follow + 1]);
          if (q === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
        }
        ctx.stroke();
        const f = run.frames[j], [px, py] = toPx(cv, f[2 * S.follow], f[2 * S.follow + 1]);
        ctx.fillStyle = P.trail;
        ctx.beginPath();
        ctx.arc(px, py, r * 2.6, 0, 2 * Math.PI);
        ctx.fill();
      }
      cv.setAttribute("aria-label", `${run.label}: ${txt("twin_t", { t: fmtT(run.times[j]) })}`);
    });
    readout();
  }
  const fmtT = (t) => (Number.isInteger(t) ? String(t) : t.toFixed(2));

  function readout() {
    const run = lead();
    if (!run) return;
    const j = Math.min(S.j, run.frames.length - 1), k = run.states[j];
    const nfe = run.model ? k * (run.nfe_per_step || 1) : null;
    $("readout").textContent = [txt("twin_t", { t: fmtT(run.times[j]) }), txt("twin_step", { k, K: run.K }),
      nfe === null ? null : txt("twin_nfe", { n: nfe })].filter(Boolean).join(" · ");
    $("t").max = String(run.frames.length - 1);
    $("t").value = String(j);
    $("t").setAttribute("aria-valuetext", txt("twin_t", { t: fmtT(run.times[j]) }));
    $("source").textContent = `${run.label} · ${txt(run.live ? "twin_live" : "twin_recorded")}`;
    // the beat last chosen while the picture is still its moment (two beats may share one), else the latest one passed
    const chosen = S.beat !== null && runs[D.beats[S.beat].run] === run && D.beats[S.beat].state === k ? D.beats[S.beat] : null;
    const beat = run.live ? null : chosen || D.beats.filter((b) => runs[b.run].K === run.K && b.state <= k).pop();
    const slow = S.busy && run.live && run.K >= 500 ? ` ${txt("twin_slow")}` : "";
    $("beat").textContent = S.busy ? txt("twin_working", { p: S.busy.pct }) + slow : beat ? beat.sentence : "";
    $("play").textContent = txt(S.playing ? "twin_pause" : "twin_play");
  }

  // ---------------------------------------------------------------- time
  function setFrame(j) {
    const run = lead();
    S.j = Math.max(0, Math.min(j, run.frames.length - 1));
    const [, inv] = rates[run.pace.rate];
    S.tau = inv(run.states[S.j] / run.K) * run.pace.run_time;
    draw();
  }
  function frameAtTau(run) {
    const v = rates[run.pace.rate][0](Math.min(S.tau / run.pace.run_time, 1)) * run.K;
    let j = 0;
    while (j + 1 < run.states.length && run.states[j + 1] <= v + 1e-9) j++;
    return j;
  }
  let last = null;
  function tick(now) {
    if (!S.playing) { last = null; return; }
    if (last !== null) S.tau += (now - last) / 1000;
    last = now;
    const run = lead();
    S.j = frameAtTau(run);
    if (S.tau >= run.pace.run_time) { S.j = run.frames.length - 1; S.playing = false; }
    draw();
    if (S.playing) requestAnimationFrame(tick);
  }
  function play(on) {
    const run = lead();
    S.playing = on === undefined ? !S.playing : on;
    if (S.playing && S.j >= run.frames.length - 1) { S.j = 0; S.tau = 0; }
    last = null;
    if (S.playing) requestAnimationFrame(tick);
    readout();
  }

  // ---------------------------------------------------------------- live runs
  // A live run, computed in the workers (or, where none can run, step by step on this
  // page between animation frames); with ``show``, the panel follows it as it is
  // computed (the student watches the network at work).
  async function live(key, label, sampler, model, xT, guidance, noise, show) {
    const token = {};
    S.busy = { token, pct: 0, started: performance.now() };
    const ts = C.timesFor(sampler, sch.T), total = ts.length;
    const run = { key, label, sampler, model, guidance, K: total, states: [0], times: [ts[0]],
                  frames: [xT], live: true, pace: lead() ? lead().pace : D.runs[0].pace,
                  nfe_per_step: guidance && ![0, 1].includes(guidance.w) ? 2 : 1 };
    for (const k of [...x0Cache.keys()]) if (k.startsWith(`${key}:`)) x0Cache.delete(k);
    const old = runs.findIndex((r) => r.key === key);
    if (old >= 0) runs.splice(old, 1, run); else runs.push(run);
    if (show) { S.panels = [run]; S.j = 0; }
    let shown = 0, drawnAt = performance.now();
    const progress = (force) => {  // about ten pictures a second while it computes
      if (!force && performance.now() - drawnAt < 90) return;
      drawnAt = performance.now();
      S.busy.pct = Math.round((100 * (run.frames.length - 1)) / total);
      // follows the computation unless the student has moved t meanwhile
      if (show && S.panels[0] === run && !S.playing && S.j === shown) { S.j = shown = run.frames.length - 1; draw(); }
      else readout();
    };
    const add = (x) => {
      const k = run.frames.length;
      run.frames.push(x); run.states.push(k); run.times.push(k < total ? ts[k] : 0);
    };
    const draws = pool && noise ? Array.from({ length: total }, () => noise()) : null;
    if (pool) {
      let ok;
      try {
        ok = await pool.run({ model, sampler, xT, guidance, noise: draws, K: total }, (from, frames) => {
          if (S.busy === null || S.busy.token !== token) { pool.cancel(); return; }
          frames.forEach(add);
          progress(false);
        });
      } catch (e) {  // a worker failed: this page computes it, from the same draws
        pool = null;
        run.frames.length = 1; run.states.length = 1; run.times.length = 1;
        ok = true;
      }
      if (!ok || S.busy === null || S.busy.token !== token) return null;
    }
    if (run.frames.length === 1) {
      let t0 = performance.now(), k = 0;
      const z = draws ? () => draws[k++] : noise;
      for (const s of C.run(sch, nets[model], sampler, xT, guidance, z)) {
        add(s.x);
        if (performance.now() - t0 > 90) {
          progress(true);
          await new Promise((r) => requestAnimationFrame(() => r()));
          if (S.busy === null || S.busy.token !== token) return null;
          t0 = performance.now();
        }
      }
    }
    S.lastLiveMs = performance.now() - S.busy.started;
    S.busy = null;
    return run;
  }
  function xTFor(seed) {
    const rnd = C.normals(seed);
    return C.fill(2 * N, rnd);
  }
  function noiseFor(seed) {
    const rnd = C.normals(seed * 7919 + 1);
    return () => C.fill(2 * N, rnd);
  }

  async function resample() {
    S.seed = Math.max(0, Math.floor(Number($("seed").value) || 0));
    S.follow = -1;
    play(false);
    if (U.live === "chain") {
      const base = byKey("forward"), rnd = C.normals(S.seed * 7919 + 1), keep = new Set(base.states);
      const frames = C.forwardChain(sch, base.frames[0], rnd, (t) => keep.has(t));
      const run = { ...base, key: "live-forward", label: base.label, frames, live: true };
      const old = runs.findIndex((r) => r.key === run.key);
      if (old >= 0) runs.splice(old, 1, run); else runs.push(run);
      S.panels = [run];
      setFrame(0);
      return;
    }
    if (U.live === "pair") return flowRuns(true);
    if (U.live === "guided") return guidanceRun(true);
    const cur = lead();
    const key = `live-${cur.sampler.name}`;
    const run = await live(key, cur.label, cur.sampler, cur.model, xTFor(S.seed), null, noiseFor(S.seed), true);
    if (run) setFrame(run.frames.length - 1);
  }

  async function guidanceRun(fresh) {
    const w = S.w;
    $("w-value").textContent = String(w);
    const recorded = byKey(`w${w}`);
    if (recorded && !fresh && S.seed === 0) { S.panels = [recorded]; setFrame(recorded.frames.length - 1); return; }
    const steps = 25, sampler = { name: "ddim", steps, eta: 0 };
    const xT = S.seed === 0 ? byKey(`w${D.guidance.weights[0]}`).frames[0] : xTFor(S.seed);
    const run = await live("live-guided", `w = ${w} · DDIM (${steps})`, sampler, "eps", xT,
                          { label: D.guidance.label, w }, null, true);
    if (run) { S.panels = [run]; setFrame(run.frames.length - 1); }
  }

  async function flowRuns(fresh) {
    const k = S.steps;
    S.flowLive = null;
    if (byKey(`ddim${k}`) && !fresh && S.seed === 0) { setFrame(0); play(true); return; }  // the video's own
    const xT = S.seed === 0 ? byKey(`ddim${D.flow.many}`).frames[0] : xTFor(S.seed);
    const a = await live("live-ddim", `DDIM (${k})`, { name: "ddim", steps: k, eta: 0 }, "eps", xT, null, null);
    if (!a) return;
    const b = await live("live-flow", `Flow (${k})`, { name: "flow", steps: k }, "velocity", xT, null, null);
    if (!b) return;
    S.flowLive = { k, runs: [a, b] };
    setFrame(0);
    play(true);
  }

  // ---------------------------------------------------------------- controls
  $("title").textContent = txt(D.title);
  $("subtitle").textContent = txt(D.subtitle);
  $("sampler-label").textContent = txt("twin_sampler");
  $("steps-label").textContent = txt("twin_steps");
  $("w-label").textContent = txt("twin_w");
  $("x0-label").textContent = txt("twin_x0");
  $("seed-label").textContent = txt("twin_seed");
  $("resample").textContent = txt("twin_resample");
  $("follow").textContent = txt("twin_follow");
  $("keys").textContent = txt(U.keys);
  $("points").textContent = txt("twin_points", { n: N, N: D.video_points, seed: D.seed });
  $("sampler-row").hidden = U.control !== "sampler";
  $("steps-row").hidden = U.control !== "steps";
  $("w-row").hidden = U.control !== "w";
  $("x0-row").hidden = !U.x0;
  if (U.control === "sampler") {
    for (const r of runs) { const o = document.createElement("option"); o.value = r.key; o.textContent = r.label; $("sampler").append(o); }
  }
  D.beats.forEach((b, i) => {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = String(i + 1);
    btn.title = b.sentence;
    btn.addEventListener("click", () => gotoBeat(i));
    $("beats").append(btn);
  });
  S.panels = [runs[0]];
  if (U.control === "w") { S.panels = [byKey(`w${S.w}`)]; $("w").value = String(S.w); $("w-value").textContent = String(S.w); }
  if (U.control === "steps") $("steps").value = String(S.steps);

  function gotoBeat(i) {
    const b = D.beats[i];
    play(false);
    const run = runs[b.run];
    if (U.live === "pair") { S.flowLive = null; S.steps = Number(run.key.replace(/\D+/g, "")); $("steps").value = String(S.steps); }
    else S.panels = [run];
    if (U.control === "sampler") $("sampler").value = run.key;
    if (U.control === "w") { S.w = run.guidance.w; $("w").value = String(S.w); $("w-value").textContent = String(S.w); }
    S.beat = i;
    setFrame(run.states.indexOf(b.state));
  }

  function stopLive() {
    S.busy = null;
    if (pool) pool.cancel();
  }
  $("play").addEventListener("click", () => play());
  // the slider's value is read before anything redraws (a redraw writes the shown frame back into it)
  $("t").addEventListener("input", () => { const j = Number($("t").value); play(false); setFrame(j); });
  $("sampler").addEventListener("change", () => {
    stopLive();  // a live run under way stops: the sampler asked for is the video's
    S.panels = [byKey($("sampler").value)];
    S.follow = -1;
    setFrame(0);
  });
  $("x0").addEventListener("change", () => { S.x0 = $("x0").checked; draw(); });
  $("resample").addEventListener("click", () => resample());
  $("seed").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); resample(); } });
  $("w").addEventListener("input", () => { $("w-value").textContent = $("w").value; });
  $("w").addEventListener("change", () => { S.w = Number($("w").value); guidanceRun(false); });
  $("steps").addEventListener("change", () => {
    const k = Math.max(1, Math.min(100, Math.round(Number($("steps").value) || 1)));
    $("steps").value = String(k);
    S.steps = k;
    flowRuns(false);
  });
  // On a panel, by mouse, pen or touch: a tap (or click) follows the nearest point; a
  // sideways drag scrubs t, the panel's width spanning the whole run.
  function follow(cv, clientX, clientY) {
    const run = lead(), rect = cv.getBoundingClientRect();
    const dpr = cv.width / rect.width, x = (clientX - rect.left - cv.clientLeft) * dpr, y = (clientY - rect.top - cv.clientTop) * dpr;
    const f = run.frames[Math.min(S.j, run.frames.length - 1)];
    let best = -1, bd = Infinity;
    for (let i = 0; i < N; i++) {
      const [px, py] = toPx(cv, f[2 * i], f[2 * i + 1]), d = (px - x) ** 2 + (py - y) ** 2;
      if (d < bd) { bd = d; best = i; }
    }
    S.follow = best;
    draw();
  }
  canvases.forEach(({ cv }) => {
    let drag = null;
    cv.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, j: S.j, scrubbing: false };
    });
    cv.addEventListener("pointermove", (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const dx = ev.clientX - drag.x;
      if (!drag.scrubbing && Math.abs(dx) > 8 && Math.abs(dx) > Math.abs(ev.clientY - drag.y)) {
        drag.scrubbing = true;
        try { cv.setPointerCapture(ev.pointerId); } catch (e) { /* the pointer is gone */ }
        play(false);
      }
      if (drag.scrubbing) {
        const last = lead().frames.length - 1;
        setFrame(Math.round(drag.j + (dx / cv.getBoundingClientRect().width) * last));
        ev.preventDefault();
      }
    });
    const end = (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const tap = !drag.scrubbing && ev.type === "pointerup";
      drag = null;
      if (tap) follow(cv, ev.clientX, ev.clientY);
    };
    cv.addEventListener("pointerup", end);
    cv.addEventListener("pointercancel", end);
  });
  document.addEventListener("keydown", (ev) => {
    const tag = ev.target && ev.target.tagName;
    if (ev.key === "Escape") {  // give the keys back to the deck around this page
      if (document.activeElement) document.activeElement.blur();
      try { window.parent.focus(); } catch (e) { /* a page of its own */ }
      ev.preventDefault();
      return;
    }
    // a control keeps its own keys: a button or the check box its space, a slider,
    // the drop-down or a number field its arrows; the page's keys act everywhere else
    const own = tag === "BUTTON" || tag === "SELECT" || (tag === "INPUT" && ev.target.type !== "range");
    if (tag === "INPUT" && ev.target.type === "number") return;
    if (ev.key === " " && !own) { play(); ev.preventDefault(); }
    else if ((ev.key === "ArrowRight" || ev.key === "ArrowLeft") && !own && tag !== "INPUT") {
      play(false); setFrame(S.j + (ev.key === "ArrowRight" ? 1 : -1)); ev.preventDefault();
    } else if (ev.key === "x" && U.x0) { $("x0").checked = !$("x0").checked; S.x0 = $("x0").checked; draw(); }
    else if (ev.key === "r") resample();
    if (["ArrowUp", "ArrowDown", "PageUp", "PageDown", " "].includes(ev.key)) ev.stopPropagation();
  });
  window.addEventListener("resize", draw);
  // x0-hat of every recorded frame, computed while the page is idle
  const idle = window.requestIdleCallback || ((f) => setTimeout(() => f({ timeRemaining: () => 20 }), 50));
  // a frame's x0-hat in slices of 100 points, so that no slice holds up an animation frame
  let pending = null;
  function fill(deadline) {
    if (S.busy) { setTimeout(() => idle(fill), 500); return; }  // a live run first
    while (deadline.timeRemaining() > 6) {
      if (pending === null) {
        const run = runs.find((r) => r.model && !r.live && r.frames.some((_, j) => !x0Cache.has(`${r.key}:${j}`)));
        if (!run) return;
        const j = run.frames.findIndex((_, q) => !x0Cache.has(`${run.key}:${q}`));
        pending = { run, j, at: 0, out: new Float64Array(2 * N) };
      }
      const { run, j, out } = pending, end = Math.min(pending.at + 100, N);
      const part = x0Slice(run, j, pending.at, end);
      out.set(part, 2 * pending.at);
      pending.at = end;
      if (end === N) { if (!x0Cache.has(`${run.key}:${j}`)) x0Cache.set(`${run.key}:${j}`, out); pending = null; }
    }
    idle(fill);
  }
  function x0Slice(run, j, a, b) {
    const k = run.states[j], t = run.times[j], x = run.frames[j].subarray(2 * a, 2 * b);
    if (k >= run.K) return x;
    const out = C.guided(nets[run.model], x, C.clockOf(run.sampler, t, sch.T), run.guidance).out;
    return run.sampler.name === "flow" ? x.map((v, i) => v - t * out[i]) : C.predictX0(sch, x, t, out);
  }
  setFrame(0);

  // ---------------------------------------------------------------- for the tests
  window.twin = {
    scene: D.scene, lang: D.lang, beats: D.beats.map((b) => ({ key: b.key, run: runs[b.run].key, state: b.state })),
    runs: () => runs.map((r) => ({ key: r.key, K: r.K, states: r.states, times: r.times, live: r.live })),
    state: () => {
      const rs = panelRuns();
      return rs.map((run) => { const j = Math.min(S.j, run.frames.length - 1);
        return { run: run.key, frame: j, state: run.states[j], t: run.times[j], points: Array.from(run.frames[j]) }; });
    },
    setFrame: (j) => setFrame(j), gotoBeat, play: (on) => play(on), playing: () => S.playing,
    forward: (model, xs, clocks, labels) => {
      const out = [];
      for (let i = 0; i < clocks.length; i++) out.push(...nets[model](Float64Array.from(xs.slice(2 * i, 2 * i + 2)), clocks[i],
        labels ? labels[i] : null));
      return out;
    },
    runSync: (model, sampler, xT, guidance, zs) => {
      const frames = [];
      let k = 0;
      for (const s of C.run(sch, nets[model], sampler, Float64Array.from(xT), guidance, () => Float64Array.from(zs[k++]))) frames.push(Array.from(s.x));
      return frames;
    },
    ddimTimesteps: C.ddimTimesteps,
    drawMs: (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) { S.j = (S.j + 1) % lead().frames.length; draw(); } return (performance.now() - t0) / n; },
    busy: () => S.busy !== null,
    lastLiveMs: () => (S.lastLiveMs === undefined ? null : S.lastLiveMs),  // the last live run's duration, for the benchmark
    workers: () => (pool ? pool.size : 0),
    setW: (w) => { S.w = w; $("w").value = String(w); return guidanceRun(false); },
    setSteps: (k) => { S.steps = k; $("steps").value = String(k); return flowRuns(false); },
    resample: (seed) => { $("seed").value = String(seed); return resample(); },
  };
  idle(fill);
  window.twin.ready = true;
})();
