// The twin's arithmetic: the toy MLP's forward pass, the schedule, and DDPM, DDIM and
// the flow's Euler steps, as diffusion_core computes them (schedule.py, samplers.py,
// flow.py, toy/model.py). Plain JavaScript, no dependency. The network's sums are taken
// in float64 and its outputs rounded to float32; the steps round every operation to
// float32 (Math.fround) in torch's order, as torch computes on float32 tensors, so that
// a run of 1,000 steps stays on the recorded one. Works in a page and in Node alike.
"use strict";
const TwinCore = (() => {
  const b64 = (s) => {
    const bin = atob(s);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  };
  const f32 = (s) => Float64Array.from(new Float32Array(b64(s)));
  const f64 = (s) => new Float64Array(b64(s));

  // erf from Chebyshev series on [0,1], [1,2], [2,3], [3,4], [4,6] (coefficients made by
  // the builder from Python's math.erf, degree 14, error below 1e-13); 1 beyond 6.
  function makeErf(pieces) {
    return (x) => {
      const s = x < 0 ? -1 : 1;
      const a = Math.abs(x);
      if (a >= 6) return s;
      for (const p of pieces) {
        if (a <= p.b) {
          const u = (2 * a - p.a - p.b) / (p.b - p.a);
          let b1 = 0, b2 = 0;
          const c = p.c;
          for (let k = c.length - 1; k >= 1; k--) { const t = 2 * u * b1 - b2 + c[k]; b2 = b1; b1 = t; }
          return s * (u * b1 - b2 + c[0]);
        }
      }
      return s;
    };
  }

  // The toy denoiser (toy/model.py): sinusoidal features of x, y and t (and a class
  // embedding), a Linear, GELU, residual blocks x + GELU(W x + b), a Linear to 2.
  function makeMLP(spec, erf) {
    const freqs = Float64Array.from(new Float32Array(b64(spec.freqs)));
    const layers = spec.layers.map((l) => ({ W: f32(l.w), b: f32(l.b), out: l.shape[0], inp: l.shape[1] }));
    const cEmb = spec.c_emb ? f32(spec.c_emb) : null;
    const E = spec.emb_dim, H = spec.hidden, half = E / 2, fr = Math.fround;
    const inDim = layers[0].inp;
    const gelu = (v) => 0.5 * v * (1 + erf(v * Math.SQRT1_2));
    const feats = new Float64Array(inDim), h = new Float64Array(H), tmp = new Float64Array(H);
    const tFeat = new Float64Array(E);
    function emb(v, scale, into, at) {
      const vs = fr(fr(v) * scale);
      for (let j = 0; j < half; j++) {
        const a = fr(vs * freqs[j]);
        into[at + j] = Math.sin(a);
        into[at + half + j] = Math.cos(a);
      }
    }
    // y = W x + b; four rows at a time (four independent sums keep the CPU busy)
    function linear(l, x, y) {
      const W = l.W, b = l.b, n = l.inp;
      let o = 0;
      for (; o + 3 < l.out; o += 4) {
        let a0 = b[o], a1 = b[o + 1], a2 = b[o + 2], a3 = b[o + 3];
        const r0 = o * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
        for (let i = 0; i < n; i++) {
          const v = x[i];
          a0 += W[r0 + i] * v; a1 += W[r1 + i] * v; a2 += W[r2 + i] * v; a3 += W[r3 + i] * v;
        }
        y[o] = a0; y[o + 1] = a1; y[o + 2] = a2; y[o + 3] = a3;
      }
      for (; o < l.out; o++) {
        let acc = b[o];
        const row = o * n;
        for (let i = 0; i < n; i++) acc += W[row + i] * x[i];
        y[o] = acc;
      }
    }
    // xs: Float64Array (N * 2); clock: the network's t (a number); label: a class, or
    // null ("no class" for a conditional network). Returns Float64Array (N * 2).
    return function forward(xs, clock, label, out) {
      const N = xs.length / 2;
      out = out || new Float64Array(N * 2);
      emb(clock, 1.0, tFeat, 0);
      const y = spec.n_classes ? (label === null || label === undefined ? spec.n_classes : label) : null;
      const last = layers[layers.length - 1];
      for (let n = 0; n < N; n++) {
        emb(xs[2 * n], spec.input_scale, feats, 0);
        emb(xs[2 * n + 1], spec.input_scale, feats, E);
        feats.set(tFeat, 2 * E);
        if (y !== null) for (let j = 0; j < E; j++) feats[3 * E + j] = cEmb[y * E + j];
        linear(layers[0], feats, h);
        for (let i = 0; i < H; i++) h[i] = gelu(h[i]);
        for (let k = 1; k < layers.length - 1; k++) {
          linear(layers[k], h, tmp);
          for (let i = 0; i < H; i++) h[i] += gelu(tmp[i]);
        }
        let o0 = last.b[0], o1 = last.b[1];
        for (let i = 0; i < H; i++) { o0 += last.W[i] * h[i]; o1 += last.W[H + i] * h[i]; }
        out[2 * n] = fr(o0);
        out[2 * n + 1] = fr(o1);
      }
      return out;
    };
  }

  // The schedule (schedule.py): betas[0] = 0, alpha_bar[0] = 1, 1-based.
  function makeSchedule(betasB64) {
    const betas = f64(betasB64);
    const T = betas.length - 1;
    const abar = new Float64Array(T + 1);
    abar[0] = 1;
    for (let t = 1; t <= T; t++) abar[t] = abar[t - 1] * (1 - betas[t]);
    return { T, betas, abar };
  }

  // Network evaluation with classifier-free guidance (samplers.py, Guidance):
  // eps = eps(x, null) + w (eps(x, c) - eps(x, null)); w 0 and 1 take one evaluation.
  function guided(net, xs, clock, guidance) {
    if (!guidance) return { out: net(xs, clock, null), nfe: 1 };
    const { label, w } = guidance;
    if (w === 0) return { out: net(xs, clock, null), nfe: 1 };
    const cond = net(xs, clock, label);
    if (w === 1) return { out: cond, nfe: 1 };
    const unc = net(xs, clock, null);
    const fw = Math.fround(w), F = Math.fround;
    for (let i = 0; i < cond.length; i++) cond[i] = F(unc[i] + F(fw * F(cond[i] - unc[i])));
    return { out: cond, nfe: 2 };
  }

  const F = Math.fround;
  // schedule.py: predict_x0, (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t), in float32
  function predictX0(sch, x, t, eps) {
    const a = F(sch.abar[t]), s1 = F(Math.sqrt(F(1 - a))), s = F(Math.sqrt(a));
    const x0 = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) x0[i] = F(F(x[i] - F(s1 * eps[i])) / s);
    return x0;
  }

  function ddimTimesteps(T, steps) {
    if (steps === 1) return [T];
    const seen = new Set();
    const step = (T - 1) / (steps - 1);  // numpy's linspace(1, T, steps), then its round (half to even)
    for (let i = 0; i < steps; i++) seen.add(npRound(i === steps - 1 ? T : i * step + 1));
    return [...seen].sort((a, b) => b - a);
  }
  // numpy's round: half to even
  function npRound(v) {
    const r = Math.round(v);
    return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  // The times a sampler visits (samplers.py: timesteps), and what it records: every state.
  function timesFor(sampler, T) {
    if (sampler.name === "ddpm") { const ts = []; for (let t = T; t >= 1; t--) ts.push(t); return ts; }
    if (sampler.name === "ddim") return ddimTimesteps(T, sampler.steps);
    const ts = []; for (let i = 0; i < sampler.steps; i++) ts.push(1 - i / sampler.steps); return ts;  // flow.py: times
  }

  // One reverse step. x: Float64Array; returns {x, x0}. z: Float64Array (DDPM, DDIM eta > 0).
  function step(sch, sampler, out, t, tNext, x, z) {
    const n = x.length;
    const xn = new Float64Array(n);
    if (sampler.name === "flow") {  // flow.py: euler_step, predict_x0
      const x0 = new Float64Array(n), dt = F(tNext - t), ft = F(t);
      for (let i = 0; i < n; i++) { xn[i] = F(x[i] + F(dt * out[i])); x0[i] = F(x[i] - F(ft * out[i])); }
      return { x: xn, x0 };
    }
    const x0 = predictX0(sch, x, t, out);
    if (sampler.name === "ddpm") {  // schedule.py: posterior, ddpm_step, ddpm_sigma
      const beta64 = sch.betas[t], abar64 = sch.abar[t], prev64 = sch.abar[t - 1];
      const beta = F(beta64), alpha = F(1 - beta64), abar = F(abar64), abarPrev = F(prev64);
      const cx0 = F(F(F(Math.sqrt(abarPrev)) * beta) / F(1 - abar));
      const cxt = F(F(F(Math.sqrt(alpha)) * F(1 - abarPrev)) / F(1 - abar));
      const v = sampler.variance === "posterior" ? (1 - prev64) / (1 - abar64) * beta64 : beta64;
      const sigma = F(t > 1 ? Math.sqrt(v) : 0);
      for (let i = 0; i < n; i++) xn[i] = F(F(F(cx0 * x0[i]) + F(cxt * x[i])) + F(sigma * z[i]));
      return { x: xn, x0 };
    }
    const aT = sch.abar[t], aN = sch.abar[tNext], eta = sampler.eta || 0;  // schedule.py: ddim_step
    const sigma = eta * Math.sqrt((1 - aN) / (1 - aT) * (1 - aT / aN));
    const dir = F(Math.sqrt(Math.max(1 - aN - sigma * sigma, 0))), sa = F(Math.sqrt(aN)), fs = F(sigma);
    for (let i = 0; i < n; i++) {
      const v = F(F(sa * x0[i]) + F(dir * out[i]));
      xn[i] = eta > 0 ? F(v + F(fs * z[i])) : v;
    }
    return { x: xn, x0 };
  }

  // The network's clock for time t (samplers.py: clock): the integer t, or a flow's t T in float32.
  const clockOf = (sampler, t, T) => (sampler.name === "flow" ? Math.fround(t * T) : t);

  // A seeded normal stream (the twin's own: a new seed is a new sample, not torch's).
  function normals(seed) {
    let s = seed >>> 0 || 1;
    const u = () => { s = (s + 0x6D2B79F5) >>> 0; let r = Math.imul(s ^ (s >>> 15), 1 | s);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r; return (((r ^ (r >>> 14)) >>> 0) + 0.5) / 4294967296; };
    let spare = null;
    return () => {
      if (spare !== null) { const v = spare; spare = null; return v; }
      const r = Math.sqrt(-2 * Math.log(u())), a = 2 * Math.PI * u();
      spare = r * Math.sin(a);
      return r * Math.cos(a);
    };
  }
  const fill = (n, rnd) => { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = rnd(); return a; };

  // A whole run from xT, step by step (a generator, so that a page can draw as it goes):
  // yields {k, t, x, x0, nfe}. noise(k) gives step k's z (DDPM, DDIM eta > 0).
  function* run(sch, net, sampler, xT, guidance, noise) {
    const ts = timesFor(sampler, sch.T);
    let x = xT, nfe = 0;
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k], tNext = k + 1 < ts.length ? ts[k + 1] : 0;
      const g = guided(net, x, clockOf(sampler, t, sch.T), guidance);
      nfe += g.nfe;
      const needZ = sampler.name === "ddpm" || (sampler.name === "ddim" && sampler.eta > 0);
      const r = step(sch, sampler, g.out, t, tNext, x, needZ ? noise(k) : null);
      x = r.x;
      yield { k: k + 1, t: tNext, x, x0: r.x0, nfe };
    }
  }

  // The forward chain (schedule.py: forward_chain): x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps.
  function forwardChain(sch, x0, rnd, keep) {
    const states = [x0];
    let x = x0;
    for (let t = 1; t <= sch.T; t++) {
      const a = Math.sqrt(1 - sch.betas[t]), b = Math.sqrt(sch.betas[t]);
      const xn = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) xn[i] = a * x[i] + b * rnd();
      x = xn;
      if (keep(t)) states.push(x);
    }
    return states;
  }

  return { b64, f32, f64, makeErf, makeMLP, makeSchedule, guided, predictX0, ddimTimesteps, timesFor, step, clockOf,
           normals, fill, run, forwardChain };
})();
if (typeof module !== "undefined") module.exports = TwinCore;
