/// Incremental (one position per call) softmax attention for decoding: the recurrent side of
/// `SoftmaxAttention`, whose parallel form it reproduces (the tests check it step by step).
///
/// Self-attention keeps a key/value cache per decoding row, K, V [Ncap, capacity, D], grown by
/// doubling; each step projects the new position t, writes its k and v at slot t, and attends
/// over positions 0...t (the token sees itself, as the causal mask's diagonal). Cross-attention
/// projects the encoder output once (`crossMemory`) into K_x, V_x [B, S, D] shared by all beams
/// of a sentence: row n reads sentence n / beam. Both are reference types so that the decoder
/// state can grow, gather and compact them in place; this file does not reorder them.
extension SoftmaxAttention {
    /// Key/value cache of one self-attention layer: K, V [Ncap, capacity, D] (own storage: it
    /// outlives the arena's step). The caller tracks how many positions each row holds.
    public final class KVCache {
        public private(set) var k: Tensor  // [Ncap, capacity, D]
        public private(set) var v: Tensor  // [Ncap, capacity, D]
        public var capacity: Int { k.shape[1] }

        public init(rows: Int, capacity: Int, dim: Int) {
            k = Tensor(zeros: [rows, capacity, dim])
            v = Tensor(zeros: [rows, capacity, dim])
        }

        /// Grows to hold at least `positions` positions (doubling, at most `limit` unless more
        /// are asked for), keeping the first `valid` positions of rows 0..<rows.
        public func reserve(_ positions: Int, valid: Int, rows: Int, limit: Int) {
            if positions <= capacity { return }
            var cap = capacity
            while cap < positions { cap *= 2 }
            cap = Swift.min(Swift.max(cap, positions), Swift.max(limit, positions))
            let d = k.shape[2], old = capacity
            let nk = Tensor(zeros: [k.shape[0], cap, d]), nv = Tensor(zeros: [k.shape[0], cap, d])
            for r in 0..<rows {
                (nk.pointer + r * cap * d).update(from: k.pointer + r * old * d, count: valid * d)
                (nv.pointer + r * cap * d).update(from: v.pointer + r * old * d, count: valid * d)
            }
            k = nk
            v = nv
        }
    }

    /// Projected encoder memory for cross-attention, per sentence: K_x, V_x [Bcap, S, D] and
    /// padding flags [Bcap, S] (1 = padded key).
    public final class CrossMemory {
        public let k: Tensor  // [Bcap, S, D]
        public let v: Tensor  // [Bcap, S, D]
        public var isPad: [UInt8]  // [Bcap, S]
        public var sourceLength: Int { k.shape[1] }

        public init(k: Tensor, v: Tensor, isPad: [UInt8]) {
            precondition(isPad.count == k.shape[0] * k.shape[1], "CrossMemory: \(isPad.count) flags for \(k.shape)")
            self.k = k; self.v = v; self.isPad = isPad
        }
    }

    /// K_x, V_x of the encoder output [B, S, D] (own storage, computed once per source batch).
    public func crossMemory(_ encoderOut: Tensor, keyPadding: PaddingMask?, params: ParameterStore) -> CrossMemory {
        precondition(encoderOut.rank == 3 && encoderOut.shape[2] == dim, "crossMemory: \(encoderOut.shape)")
        let kt = Tensor(zeros: encoderOut.shape), vt = Tensor(zeros: encoderOut.shape)
        k.forward(encoderOut, into: kt, params: params)
        v.forward(encoderOut, into: vt, params: params)
        let pad = keyPadding?.isPad ?? [UInt8](repeating: 0, count: encoderOut.shape[0] * encoderOut.shape[1])
        return CrossMemory(k: kt, v: vt, isPad: pad)
    }

    /// One self-attention step at position t: x [N, D] → y [N, D]; writes k, v of rows 0..<N
    /// at slot t of the cache, then attends over positions 0...t.
    public func step(_ x: Tensor, cache: KVCache, position t: Int, params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        let cap = cache.capacity
        precondition(d == dim && n <= cache.k.shape[0], "SoftmaxAttention.step: x \(x.shape), cache \(cache.k.shape)")
        precondition(t < cap, "SoftmaxAttention.step: position \(t) beyond cache capacity \(cap)")
        let qt = arena.tensor([n, d])
        q.forward(x, into: qt, params: params)
        k.forward(x.pointer, rows: n, ldx: d, into: cache.k.pointer + t * d, ldy: cap * d, params: params)
        v.forward(x.pointer, rows: n, ldx: d, into: cache.v.pointer + t * d, ldy: cap * d, params: params)
        let ctx = arena.tensor([n, d])
        attend(q: qt, k: cache.k, v: cache.v, rowStride: cap * d, keys: t + 1, rowOf: 1, isPad: nil, into: ctx,
               arena: arena)
        let y = arena.tensor([n, d])
        out.forward(ctx, into: y, params: params)
        return y
    }

    /// One cross-attention step: x [N, D] with N = sentences · beam rows; row n attends to
    /// sentence n / beam's projected memory.
    public func crossStep(_ x: Tensor, memory m: CrossMemory, beam: Int, params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        precondition(d == dim && n <= m.k.shape[0] * beam,
                     "SoftmaxAttention.crossStep: \(n) rows for \(m.k.shape[0]) sentences × beam \(beam)")
        let qt = arena.tensor([n, d])
        q.forward(x, into: qt, params: params)
        let ctx = arena.tensor([n, d])
        let sl = m.sourceLength
        m.isPad.withUnsafeBufferPointer { pad in
            attend(q: qt, k: m.k, v: m.v, rowStride: sl * d, keys: sl, rowOf: beam, isPad: pad.baseAddress,
                   into: ctx, arena: arena)
        }
        let y = arena.tensor([n, d])
        out.forward(ctx, into: y, params: params)
        return y
    }

    /// ctx[n, h] = softmax(q_nh · K_jhᵀ / √Dh) · V_jh, j = n / rowOf, over `keys` positions;
    /// keys with isPad[j·keys + s] != 0 are masked. Positions are the outer loop and heads the
    /// inner one, so each cached K and V row is streamed once per query row (not once per head).
    /// Rows are split across threads by `Parallel.forRanges` when the work is large enough.
    func attend(q: Tensor, k: Tensor, v: Tensor, rowStride: Int, keys: Int, rowOf: Int,
                isPad: UnsafePointer<UInt8>?, into ctx: Tensor, arena: Arena) {
        let (n, d) = q.matrixDims
        let hN = heads, dh = headDim
        let alpha = 1 / Float(dh).squareRoot()
        let scores = arena.tensor([n, hN, keys])
        nonisolated(unsafe) let pad = isPad
        Parallel.forRanges(n, work: n * keys * d * 2) { range in
            for row in range {
                let j = row / rowOf, sc = scores.pointer + row * hN * keys
                let kj = k.pointer + j * rowStride, vj = v.pointer + j * rowStride
                let qr = q.pointer + row * d, o = ctx.pointer + row * d
                for s in 0..<keys {
                    let ks = kj + s * d
                    for h in 0..<hN { sc[h * keys + s] = alpha * Kernels.dot(qr + h * dh, ks + h * dh, dh) }
                }
                for h in 0..<hN {
                    if let pad { for s in 0..<keys where pad[j * keys + s] != 0 { sc[h * keys + s] = -.infinity } }
                    Kernels.softmax(sc + h * keys, keys)
                }
                o.update(repeating: 0, count: d)
                for s in 0..<keys {
                    let vs = vj + s * d
                    for h in 0..<hN {
                        let w = sc[h * keys + s]
                        if w != 0 { Kernels.axpy(w, vs + h * dh, o + h * dh, dh) }
                    }
                }
            }
        }
    }
}
