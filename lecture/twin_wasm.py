"""The twin's matrix kernel as WebAssembly (SIMD, two float64 lanes), assembled here when
a twin is built and carried inside the page as base64: no toolchain, nothing loaded.

Two exported functions. ``dense(wt, b, x, y, n, inp, out)``, all byte offsets into the
imported memory ``env.mem``:

    y[p, o] = b[o] + sum_i wt[i, o] * x[p, i]     for p < n (n even), o < out (out % 8 == 0)

with ``wt`` the layer's weight transposed (inp x out), every array float64; and
``gelu(src, dst, n, add, tab)``, the GELU of core.js's ``geluArray`` (its erf table at
``tab``), two values at a time. Each sum
starts from the bias and adds the products in the order of i, one rounding per
multiplication and per addition (no fused multiply-add): the very operations of the
plain JavaScript loop it replaces (core.js: ``linear``), so its results are equal to
the last bit. Two points and eight outputs at a time: sixteen sums in eight registers.
"""

from __future__ import annotations

import base64
import math
import struct

__all__ = ["dense_module", "dense_module_b64"]


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        done = (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def _vec(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _section(sid: int, body: bytes) -> bytes:
    return bytes([sid]) + _uleb(len(body)) + body


# opcodes (the WebAssembly core and fixed-width SIMD specifications)
I32, V128 = 0x7F, 0x7B
BLOCK, LOOP, END, BR, BR_IF = 0x02, 0x03, 0x0B, 0x0C, 0x0D
GET, SET = 0x20, 0x21
I32_CONST, I32_GE_U, I32_ADD, I32_MUL = 0x41, 0x4F, 0x6A, 0x6C
F64_LOAD = 0x2B


def _simd(op: int) -> bytes:
    return b"\xfd" + _uleb(op)


V128_LOAD, V128_STORE, F64X2_SPLAT, F64X2_ADD, F64X2_MUL = 0x00, 0x0B, 0x14, 0xF0, 0xF2
F64X2_SUB, F64X2_DIV, F64X2_ABS, F64X2_MIN, V128_CONST = 0xF1, 0xF3, 0xEC, 0xF4, 0x0C
I32X4_TRUNC_SAT_F64X2_S_ZERO, F64X2_CONVERT_LOW_I32X4_S, I32X4_EXTRACT_LANE = 0xFC, 0xFE, 0x1B
V128_LOAD64_ZERO, V128_LOAD64_LANE = 0x5D, 0x57
IF, I32_EQZ = 0x04, 0x45


class _Body:
    """A function body written as calls: ``get(p)``, ``i32(8)``, ``op(I32_ADD)``..."""

    def __init__(self):
        self.code = bytearray()

    def op(self, *codes: int) -> "_Body":
        self.code += bytes(codes)
        return self

    def get(self, local: int) -> "_Body":
        return self.op(GET).raw(_uleb(local))

    def set(self, local: int) -> "_Body":
        return self.op(SET).raw(_uleb(local))

    def i32(self, value: int) -> "_Body":
        return self.op(I32_CONST).raw(_sleb(value))

    def raw(self, data: bytes) -> "_Body":
        self.code += data
        return self

    def simd(self, code: int, align: int | None = None, offset: int = 0) -> "_Body":
        self.code += _simd(code)
        if align is not None:
            self.code += _uleb(align) + _uleb(offset)
        return self

    def add_to(self, local: int, amount_local: int | None = None, const: int | None = None) -> "_Body":
        """local += another local, or += a constant (i32)."""
        self.get(local)
        self.get(amount_local) if amount_local is not None else self.i32(const)
        return self.op(I32_ADD).set(local)


def _dense_body() -> bytes:
    # params: 0 wt, 1 b, 2 x, 3 y, 4 n, 5 inp, 6 out
    WT, B, X, Y, N, INP, OUT = range(7)
    # i32 locals: p, o, i, xp, xq, wp, yp, yq, instep (inp * 8), ostep (out * 8)
    P, OUT_AT, IN_AT, XP, XQ, WP, YP, YQ, INSTEP, OSTEP = range(7, 17)
    ACC = list(range(17, 25))  # v128: point p's outputs o..o+7 (four pairs), then point p + 1's
    S0, S1 = 25, 26  # v128: x[p, i] and x[p + 1, i] in both lanes
    W = list(range(27, 31))  # v128: wt[i, o..o+7]
    b = _Body()
    b.get(INP).i32(8).op(I32_MUL).set(INSTEP)
    b.get(OUT).i32(8).op(I32_MUL).set(OSTEP)
    b.i32(0).set(P)
    b.op(BLOCK, 0x40).op(LOOP, 0x40)                      # for p in 0, 2, ... < n
    b.get(P).get(N).op(I32_GE_U).op(BR_IF).raw(_uleb(1))
    b.i32(0).set(OUT_AT)
    b.op(BLOCK, 0x40).op(LOOP, 0x40)                      # for o in 0, 8, ... < out
    b.get(OUT_AT).get(OUT).op(I32_GE_U).op(BR_IF).raw(_uleb(1))
    for k in range(4):                                    # the sums start from the bias
        b.get(B).get(OUT_AT).i32(8).op(I32_MUL).op(I32_ADD).simd(V128_LOAD, 3, 16 * k).set(ACC[k])
        b.get(ACC[k]).set(ACC[4 + k])
    b.get(X).get(P).get(INSTEP).op(I32_MUL).op(I32_ADD).set(XP)
    b.get(XP).get(INSTEP).op(I32_ADD).set(XQ)
    b.get(WT).get(OUT_AT).i32(8).op(I32_MUL).op(I32_ADD).set(WP)
    b.i32(0).set(IN_AT)
    b.op(BLOCK, 0x40).op(LOOP, 0x40)                      # for i < inp: add w[i, o..o+7] * x[., i]
    b.get(IN_AT).get(INP).op(I32_GE_U).op(BR_IF).raw(_uleb(1))
    b.get(XP).op(F64_LOAD).raw(_uleb(3) + _uleb(0)).simd(F64X2_SPLAT).set(S0)
    b.get(XQ).op(F64_LOAD).raw(_uleb(3) + _uleb(0)).simd(F64X2_SPLAT).set(S1)
    for k in range(4):
        b.get(WP).simd(V128_LOAD, 3, 16 * k).set(W[k])
    for k in range(8):
        b.get(ACC[k]).get(W[k % 4]).get(S0 if k < 4 else S1).simd(F64X2_MUL).simd(F64X2_ADD).set(ACC[k])
    b.add_to(XP, const=8).add_to(XQ, const=8).add_to(WP, OSTEP).add_to(IN_AT, const=1)
    b.op(BR).raw(_uleb(0)).op(END).op(END)
    b.get(Y).get(P).get(OSTEP).op(I32_MUL).op(I32_ADD).get(OUT_AT).i32(8).op(I32_MUL).op(I32_ADD).set(YP)
    b.get(YP).get(OSTEP).op(I32_ADD).set(YQ)
    for k in range(8):
        b.get(YP if k < 4 else YQ).get(ACC[k]).simd(V128_STORE, 3, 16 * (k % 4))
    b.add_to(OUT_AT, const=8)
    b.op(BR).raw(_uleb(0)).op(END).op(END)
    b.add_to(P, const=2)
    b.op(BR).raw(_uleb(0)).op(END).op(END)
    b.op(END)
    locals_ = _vec([_uleb(10) + bytes([I32]), _uleb(14) + bytes([V128])])
    body = locals_ + bytes(b.code)
    return _uleb(len(body)) + body


def _f64x2(value: float) -> bytes:
    return struct.pack("<dd", value, value)


def _gelu_body(grid: int, width: int) -> bytes:
    """gelu(src, dst, n, add, tab): dst[i] = g(src[i]) (add != 0: dst[i] + g(src[i])) for
    i < n (n even), two at a time, with core.js's erf table at ``tab`` (``width``
    coefficients a node, ``grid`` nodes a unit): g(v) = 0.5 v + (0.5 |v|) E(a), a = min(|v|
    / sqrt 2, 6), E read at the nearest node j (d = a - j / grid) as (c0 + d c1) + d^2
    ((c2 + d c3) + d^2 c4): core.js's ``geluArray``, operation for operation."""
    SRC, DST, N, ADD, TAB = range(5)
    AT, J0, J1 = range(5, 8)  # i32: the byte offset, the two lanes' table offsets
    V, A, JI, D, D2, C0, C1, C2, C3, C4, G = range(8, 19)  # v128
    b = _Body()
    b.i32(0).set(AT)
    b.op(BLOCK, 0x40).op(LOOP, 0x40)
    b.get(AT).get(N).i32(8).op(I32_MUL).op(I32_GE_U).op(BR_IF).raw(_uleb(1))
    b.get(SRC).get(AT).op(I32_ADD).simd(V128_LOAD, 3, 0).set(V)
    b.get(V).simd(F64X2_ABS).simd(V128_CONST).raw(_f64x2(math.sqrt(0.5))).simd(F64X2_MUL)
    b.simd(V128_CONST).raw(_f64x2(6.0)).simd(F64X2_MIN).set(A)
    b.get(A).simd(V128_CONST).raw(_f64x2(float(grid))).simd(F64X2_MUL).simd(V128_CONST).raw(_f64x2(0.5))
    b.simd(F64X2_ADD).simd(I32X4_TRUNC_SAT_F64X2_S_ZERO).set(JI)
    b.get(A).get(JI).simd(F64X2_CONVERT_LOW_I32X4_S).simd(V128_CONST).raw(_f64x2(float(grid)))
    b.simd(F64X2_DIV)
    b.simd(F64X2_SUB).set(D)
    for lane, local in ((0, J0), (1, J1)):
        b.get(TAB).get(JI).simd(I32X4_EXTRACT_LANE).raw(bytes([lane])).i32(8 * width).op(I32_MUL).op(I32_ADD).set(local)
    for k, c in enumerate((C0, C1, C2, C3, C4)):
        b.get(J0).simd(V128_LOAD64_ZERO, 3, 8 * k)
        b.set(c).get(J1).get(c).simd(V128_LOAD64_LANE, 3, 8 * k).raw(b"\x01").set(c)
    b.get(D).get(D).simd(F64X2_MUL).set(D2)
    # E = (c0 + d c1) + d2 ((c2 + d c3) + d2 c4)
    b.get(C0).get(D).get(C1).simd(F64X2_MUL).simd(F64X2_ADD)
    b.get(D2).get(C2).get(D).get(C3).simd(F64X2_MUL).simd(F64X2_ADD).get(D2).get(C4).simd(F64X2_MUL).simd(F64X2_ADD)
    b.simd(F64X2_MUL).simd(F64X2_ADD).set(G)
    # g = 0.5 v + (0.5 |v|) E
    b.simd(V128_CONST).raw(_f64x2(0.5)).get(V).simd(F64X2_MUL)
    b.simd(V128_CONST).raw(_f64x2(0.5)).get(V).simd(F64X2_ABS).simd(F64X2_MUL).get(G).simd(F64X2_MUL)
    b.simd(F64X2_ADD).set(G)
    b.get(ADD).op(IF, 0x40)
    b.get(DST).get(AT).op(I32_ADD).simd(V128_LOAD, 3, 0).get(G).simd(F64X2_ADD).set(G)
    b.op(END)
    b.get(DST).get(AT).op(I32_ADD).get(G).simd(V128_STORE, 3, 0)
    b.add_to(AT, const=16)
    b.op(BR).raw(_uleb(0)).op(END).op(END)
    b.op(END)
    locals_ = _vec([_uleb(3) + bytes([I32]), _uleb(11) + bytes([V128])])
    body = locals_ + bytes(b.code)
    return _uleb(len(body)) + body


GELU_GRID, GELU_WIDTH = 256, 5  # core.js: ERF_GRID, ERF_W


def dense_module() -> bytes:
    """The module's bytes: imports ``env.mem``, exports ``dense`` and ``gelu``."""
    dense_type = b"\x60" + _vec([bytes([I32])] * 7) + _vec([])
    gelu_type = b"\x60" + _vec([bytes([I32])] * 5) + _vec([])
    types = _section(1, _vec([dense_type, gelu_type]))
    mem_import = _vec([_uleb(3) + b"env" + _uleb(3) + b"mem" + b"\x02" + b"\x00" + _uleb(1)])
    imports = _section(2, mem_import)
    funcs = _section(3, _vec([_uleb(0), _uleb(1)]))
    exports = _section(7, _vec([_uleb(5) + b"dense" + b"\x00" + _uleb(0), _uleb(4) + b"gelu" + b"\x00" + _uleb(1)]))
    code = _section(10, _vec([_dense_body(), _gelu_body(GELU_GRID, GELU_WIDTH)]))
    return b"\x00asm" + b"\x01\x00\x00\x00" + types + imports + funcs + exports + code


def dense_module_b64() -> str:
    return base64.b64encode(dense_module()).decode("ascii")
