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
  // the builder from Python's math.erf, degree 14, error below 1e-13); 1 beyond 6. The
  // network calls it 384 times a point, so it reads a table instead: at the nodes of a
  // 1/256 grid on [0, 6], erf's Taylor series to degree 4 (its value from the series
  // above, its derivatives 2/sqrt(pi) (-1)^(k-1) H_{k-1}(x) e^(-x^2) in closed form),
  // summed at the nearest node (|d| <= 1/512: a remainder below 1e-15), with no branch.
  // Within 3e-14 of the Chebyshev series (tests/test_twin.py).
  function chebErf(pieces) {
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
  const ERF_GRID = 256, ERF_DEG = 4, ERF_W = ERF_DEG + 1;
  function makeErf(pieces) {
    const cheb = chebErf(pieces), M = 6 * ERF_GRID;
    const tab = new Float64Array((M + 1) * ERF_W);
    for (let j = 0; j <= M; j++) {
      const x = j / ERF_GRID, e = (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
      tab[j * ERF_W] = cheb(x);
      let hPrev = 0, h = 1, fact = 1;  // H_{k-1}(x), physicists' Hermite: H_0 = 1, H_{n+1} = 2x H_n - 2n H_{n-1}
      for (let k = 1; k <= ERF_DEG; k++) {
        fact *= k;
        tab[j * ERF_W + k] = ((k % 2 ? 1 : -1) * h * e) / fact;
        const next = 2 * x * h - 2 * (k - 1) * hPrev;
        hPrev = h; h = next;
      }
    }
    // erf(|x|) for |x| clamped to 6 (erf(6) is 1 in float64), from the table
    const erfAbs = (a) => {
      const j = (a * ERF_GRID + 0.5) | 0, d = a - j / ERF_GRID, o = j * ERF_W, d2 = d * d;
      return (tab[o] + d * tab[o + 1]) + d2 * ((tab[o + 2] + d * tab[o + 3]) + d2 * tab[o + 4]);
    };
    const erf = (x) => Math.sign(x) * erfAbs(Math.min(Math.abs(x), 6));
    erf.cheb = cheb;
    erf.tab = tab;
    // GELU(v) = v/2 (1 + erf(v / sqrt 2)) = v/2 + |v|/2 erf(|v| / sqrt 2): the sign needs no branch
    erf.gelu = (v) => 0.5 * v + 0.5 * Math.abs(v) * erfAbs(Math.min(Math.abs(v) * Math.SQRT1_2, 6));
    // dst[i] = GELU(src[i]) (add: dst[i] += GELU(src[i])) for i < n, the table read inline
    erf.geluArray = (src, dst, n, add) => {
      for (let i = 0; i < n; i++) {
        const v = src[i], a = Math.min(Math.abs(v) * Math.SQRT1_2, 6);
        const j = (a * ERF_GRID + 0.5) | 0, d = a - j / ERF_GRID, o = j * ERF_W, d2 = d * d;
        const g = 0.5 * v + 0.5 * Math.abs(v) * ((tab[o] + d * tab[o + 1]) + d2 * ((tab[o + 2] + d * tab[o + 3]) + d2 * tab[o + 4]));
        dst[i] = add ? dst[i] + g : g;
      }
    };
    return erf;
  }

  // The toy denoiser (toy/model.py): sinusoidal features of x, y and t (and a class
  // embedding), a Linear, GELU, residual blocks x + GELU(W x + b), a Linear to 2.
  // With ``wasm`` (the bytes of lecture/twin_wasm.py's module) the hidden layers run in
  // WebAssembly, two points and eight outputs at a time in SIMD: the same float64 sums in
  // the same order as ``linear`` below, so the same results to the last bit, 3 to 4 times
  // sooner. Without it (or for a width that is not a multiple of 8), plain JavaScript.
  function makeMLP(spec, erf, wasm) {
    const freqs = Float64Array.from(new Float32Array(b64(spec.freqs)));
    const layers = spec.layers.map((l) => ({ W: f32(l.w), b: f32(l.b), out: l.shape[0], inp: l.shape[1] }));
    const cEmb = spec.c_emb ? f32(spec.c_emb) : null;
    const E = spec.emb_dim, H = spec.hidden, half = E / 2, fr = Math.fround;
    const last = layers[layers.length - 1];
    // The first layer as a layer of the point's own features (x's and y's sinusoids) whose
    // bias also holds t's and the class's part, the same for every point of a call
    // (computed once a call: a third of that layer's work)
    const L0 = layers[0], inDim = 2 * E, W0x = new Float64Array(H * inDim), bias0 = new Float64Array(H);
    for (let o = 0; o < H; o++) W0x.set(L0.W.subarray(o * L0.inp, o * L0.inp + inDim), o * inDim);
    const first = { W: W0x, b: bias0, out: H, inp: inDim };
    const hidden = [first, ...layers.slice(1, -1)];
    function firstBias(clock, y) {
      emb(clock, 1.0, tFeat, 0);
      for (let o = 0; o < H; o++) {
        const row = o * L0.inp;
        let acc = L0.b[o];
        for (let j = 0; j < E; j++) acc += L0.W[row + 2 * E + j] * tFeat[j];
        if (y !== null) for (let j = 0; j < E; j++) acc += L0.W[row + 3 * E + j] * cEmb[y * E + j];
        bias0[o] = acc;
      }
    }
    const gelu = erf.gelu;
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
    // point n's own features into feats[at ..]: x's and y's sinusoids
    function features(xs, n, feats, at) {
      emb(xs[2 * n], spec.input_scale, feats, at);
      emb(xs[2 * n + 1], spec.input_scale, feats, at + E);
    }
    function output(h, at, out, n) {
      let o0 = last.b[0], o1 = last.b[1];
      for (let i = 0; i < H; i++) { o0 += last.W[i] * h[at + i]; o1 += last.W[H + i] * h[at + i]; }
      out[2 * n] = fr(o0);
      out[2 * n + 1] = fr(o1);
    }
    const classOf = (label) => (spec.n_classes ? (label === null || label === undefined ? spec.n_classes : label) : null);

    const simd = wasm && H % 8 === 0 && typeof WebAssembly === "object" ? denseSIMD(wasm, hidden, inDim, H, erf.tab) : null;
    // xs: Float64Array (N * 2); clock: the network's t (a number); label: a class, or
    // null ("no class" for a conditional network). Returns Float64Array (N * 2).
    function forwardJS(xs, clock, label, out) {
      const N = xs.length / 2;
      out = out || new Float64Array(N * 2);
      firstBias(clock, classOf(label));
      const feats = new Float64Array(inDim), h = new Float64Array(H), tmp = new Float64Array(H);
      for (let n = 0; n < N; n++) {
        features(xs, n, feats, 0);
        linear(first, feats, h);
        for (let i = 0; i < H; i++) h[i] = gelu(h[i]);
        for (let k = 1; k < hidden.length; k++) {
          linear(hidden[k], h, tmp);
          for (let i = 0; i < H; i++) h[i] += gelu(tmp[i]);
        }
        output(h, 0, out, n);
      }
      return out;
    }
    function forwardSIMD(xs, clock, label, out) {
      const N = xs.length / 2, M = simd.reserve(N);
      out = out || new Float64Array(N * 2);
      firstBias(clock, classOf(label));
      simd.bias(0, bias0);
      const { feats, h } = simd.views();
      for (let n = 0; n < N; n++) features(xs, n, feats, n * inDim);
      // through every layer TILE points at a time: their activations stay in the core's cache
      for (let a = 0; a < M; a += TILE) {
        const m = Math.min(TILE, M - a);
        simd.layer(0, a, m, "feats", "h");
        simd.gelu("h", "h", a, m, false);
        for (let k = 1; k < hidden.length; k++) {
          simd.layer(k, a, m, "h", "tmp");
          simd.gelu("tmp", "h", a, m, true);
        }
      }
      for (let n = 0; n < N; n++) output(h, n * H, out, n);
      return out;
    }
    const forward = simd ? forwardSIMD : forwardJS;
    forward.simd = Boolean(simd);
    return forward;
  }

  // The hidden layers' weights, transposed, in a WebAssembly memory of their own, and the
  // feature and activation buffers for up to ``cap`` points (grown on demand).
  let denseModule = null;
  const TILE = 32;  // points a tile: 32 x 96 float64 activations, 24 kB
  function denseSIMD(wasm, hidden, inDim, H, erfTable) {
    try {
      denseModule = denseModule || new WebAssembly.Module(typeof wasm === "string" ? b64(wasm) : wasm);
    } catch (e) {
      return null;  // no SIMD in this browser, or a policy that forbids WebAssembly: plain JavaScript
    }
    const mem = new WebAssembly.Memory({ initial: 1 });
    const { dense, gelu } = new WebAssembly.Instance(denseModule, { env: { mem } }).exports;
    const at = { W: [], b: [] };
    let top = 0;
    const place = (n) => { const o = top; top += n * 8; return o; };
    for (const l of hidden) { at.W.push(place(l.inp * l.out)); at.b.push(place(l.out)); }
    at.erf = place(erfTable.length);
    const weightsEnd = top;
    let cap = 0, buf = {};
    function reserve(N) {
      const M = N + (N & 1);  // the kernel takes points two at a time
      if (M <= cap) return M;
      cap = Math.max(M, 2 * cap);
      top = weightsEnd;
      buf = { feats: place(cap * inDim), h: place(cap * H), tmp: place(cap * H) };
      const need = Math.ceil(top / 65536) - mem.buffer.byteLength / 65536;
      if (need > 0) mem.grow(need);
      if (!reserve.written) {
        const F = new Float64Array(mem.buffer);
        hidden.forEach((l, k) => {
          const wt = at.W[k] / 8;
          for (let o = 0; o < l.out; o++) for (let i = 0; i < l.inp; i++) F[wt + i * l.out + o] = l.W[o * l.inp + i];
          F.set(l.b, at.b[k] / 8);
        });
        F.set(erfTable, at.erf / 8);
        reserve.written = true;
      }
      return M;
    }
    const views = () => ({ feats: new Float64Array(mem.buffer, buf.feats, cap * inDim),
                           h: new Float64Array(mem.buffer, buf.h, cap * H), tmp: new Float64Array(mem.buffer, buf.tmp, cap * H) });
    const bias = (k, b) => new Float64Array(mem.buffer, at.b[k], b.length).set(b);
    // layer k for points a .. a + m (m even): from one buffer (its rows of width inp) into another
    const width = { feats: inDim, h: H, tmp: H };
    const layer = (k, a, m, from, to) => dense(at.W[k], at.b[k], buf[from] + a * width[from] * 8, buf[to] + a * H * 8, m,
                                               hidden[k].inp, hidden[k].out);
    // GELU in place (n even), the erf table read two values at a time: geluArray's very operations
    const geluOf = (from, to, a, m, add) => gelu(buf[from] + a * H * 8, buf[to] + a * H * 8, m * H, add ? 1 : 0, at.erf);
    return { reserve, views, layer, bias, gelu: geluOf };
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

  // ---------------------------------------------------------------- Web Workers
  // A live run's points shared among workers: each point's path depends on its own x_T
  // and its own noise only, so each worker runs ``run`` on its share, and the page joins
  // the shares state by state. A worker is this very file plus ``serve`` (a data: URL).
  function serve(scope) {
    let nets = null, sch = null;
    scope.onmessage = (ev) => {
      const m = ev.data;
      if (m.type === "init") {
        const erf = makeErf(m.erf);
        sch = makeSchedule(m.betas);
        nets = {};
        for (const [k, spec] of Object.entries(m.models)) nets[k] = makeMLP(spec, erf, m.wasm);
        return;
      }
      // {type: "run", id, model, sampler, xT (2n), guidance, noise (K x 2n, or null)}
      const n2 = m.xT.length, noise = m.noise ? (k) => m.noise.subarray(k * n2, (k + 1) * n2) : null;
      let from = 0, done = [], t0 = performance.now();
      const flush = (last) => {
        const xs = new Float64Array(done.length * n2);
        done.forEach((x, i) => xs.set(x, i * n2));
        scope.postMessage({ id: m.id, from, count: done.length, xs, last }, [xs.buffer]);
        from += done.length;
        done = [];
        t0 = performance.now();
      };
      for (const s of run(sch, nets[m.model], m.sampler, m.xT, m.guidance, noise)) {
        done.push(s.x);
        if (performance.now() - t0 > 40) flush(false);  // about 25 deliveries a second
      }
      flush(true);
    };
  }

  // A pool of ``size`` workers built from ``source`` (this file's text) and ``init`` (the
  // models, the erf series, the betas, the WebAssembly module). ``run(job, onStates)``
  // splits job.xT (and job.noise, a list of K draws of 2N) among them and calls
  // onStates(k, frames) as the joined states k.. arrive; it resolves true when the run is
  // complete, false when ``cancel`` ended it. null where workers cannot run (no Worker, or
  // a policy that forbids them): the page then computes on its own thread.
  function makePool(source, init, size) {
    if (typeof Worker === "undefined") return null;
    let url, workers = null, current = null, nextId = 1;
    try {
      // a data: URL, not a blob: one: the page still makes no request of any kind
      url = "data:text/javascript;charset=utf-8," + encodeURIComponent(`${source}\nTwinCore.serve(self);\n`);
      new Worker(url).terminate();  // a policy without worker-src data: refuses here, at once
    } catch (e) {
      return null;
    }
    const start = () => {
      workers = [];
      for (let i = 0; i < size; i++) {
        const w = new Worker(url);
        w.postMessage({ type: "init", ...init });
        workers.push(w);
      }
    };
    function cancel() {
      if (workers) workers.forEach((w) => w.terminate());
      workers = null;
      if (current) { const c = current; current = null; c.resolve(false); }
    }
    function run(job, onStates) {
      if (current) cancel();  // a run under way is dropped (its workers with it)
      if (!workers) start();
      const N = job.xT.length / 2, id = nextId++, K = job.K;
      const cut = (i) => Math.round((N * i) / workers.length);
      const parts = workers.map((w, i) => ({ a: cut(i), b: cut(i + 1), states: [] }));
      let joined = 0;
      return new Promise((resolve, reject) => {
        current = { resolve };
        workers.forEach((w, i) => {
          const { a, b } = parts[i], n2 = 2 * (b - a);
          let noise = null;
          if (job.noise) {
            noise = new Float64Array(K * n2);
            for (let k = 0; k < K; k++) noise.set(job.noise[k].subarray(2 * a, 2 * b), k * n2);
          }
          w.onerror = (ev) => { ev.preventDefault(); cancel(); reject(new Error(ev.message || "a worker failed")); };
          w.onmessage = (ev) => {
            const m = ev.data;
            if (!current || m.id !== id) return;
            for (let c = 0; c < m.count; c++) parts[i].states.push(m.xs.subarray(c * n2, (c + 1) * n2));
            const ready = Math.min(...parts.map((p) => p.states.length));
            if (ready > joined) {
              const frames = [];
              for (let k = joined; k < ready; k++) {
                const x = new Float64Array(2 * N);
                for (const p of parts) { x.set(p.states[k], 2 * p.a); p.states[k] = null; }
                frames.push(x);
              }
              const from = joined;
              joined = ready;
              onStates(from, frames);
            }
            if (joined === K) { current = null; resolve(true); }
          };
          const xT = job.xT.slice(2 * a, 2 * b);
          w.postMessage({ type: "run", id, model: job.model, sampler: job.sampler, xT, guidance: job.guidance, noise },
                        noise ? [xT.buffer, noise.buffer] : [xT.buffer]);
        });
      });
    }
    start();  // ready before the first run is asked for
    return { run, cancel: () => { if (current) cancel(); }, size };
  }

  return { b64, f32, f64, makeErf, makeMLP, makeSchedule, guided, predictX0, ddimTimesteps, timesFor, step, clockOf,
           normals, fill, run, forwardChain, serve, makePool };
})();
if (typeof module !== "undefined") module.exports = TwinCore;
