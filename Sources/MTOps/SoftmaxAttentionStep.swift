/// Incremental (one position per call) softmax attention for decoding.
///
/// Self-attention keeps a key/value cache per decoding row: K, V [N, maxLength, D], `length`
/// positions filled. Each step projects the new position, appends its k and v, and attends
/// over positions 0...length (the token sees itself, as the causal mask's diagonal).
/// Cross-attention projects the encoder output once (`crossMemory`) into K, V [B, S, D] shared
/// by all beams of a sentence: row n reads sentence n / beam.
extension SoftmaxAttention {
    /// Key/value cache of one self-attention layer. Owns its storage (it outlives the arena's step).
    public struct KVCache: Sendable {
        public let k: Tensor  // [N, maxLength, D]
        public let v: Tensor  // [N, maxLength, D]
        public private(set) var length: Int
        public var rows: Int { k.shape[0] }
        public var maxLength: Int { k.shape[1] }

        public init(rows: Int, maxLength: Int, dim: Int) {
            k = Tensor(zeros: [rows, maxLength, dim])
            v = Tensor(zeros: [rows, maxLength, dim])
            length = 0
        }

        init(k: Tensor, v: Tensor, length: Int) { self.k = k; self.v = v; self.length = length }

        mutating func advance() { length += 1 }

        /// A new cache whose row j is this cache's row parents[j] (new storage: two children may
        /// share a parent).
        public func gathered(_ parents: [Int]) -> KVCache {
            let l = maxLength, d = k.shape[2]
            let nk = Tensor(zeros: [parents.count, l, d]), nv = Tensor(zeros: [parents.count, l, d])
            for (j, p) in parents.enumerated() {
                precondition(p >= 0 && p < rows, "KVCache.gathered: parent \(p) of \(rows) rows")
                (nk.pointer + j * l * d).update(from: k.pointer + p * l * d, count: length * d)
                (nv.pointer + j * l * d).update(from: v.pointer + p * l * d, count: length * d)
            }
            return KVCache(k: nk, v: nv, length: length)
        }
    }

    /// Projected encoder memory for cross-attention, per sentence.
    public struct CrossMemory: Sendable {
        public let k: Tensor  // [B, S, D]
        public let v: Tensor  // [B, S, D]
        public let keyPadding: PaddingMask?

        public init(k: Tensor, v: Tensor, keyPadding: PaddingMask?) {
            self.k = k; self.v = v; self.keyPadding = keyPadding
        }

        /// A new memory keeping only sentences `keep` (in that order), in new storage.
        public func compacted(_ keep: [Int]) -> CrossMemory {
            let b = k.shape[0], s = k.shape[1], d = k.shape[2]
            let nk = Tensor(zeros: [keep.count, s, d]), nv = Tensor(zeros: [keep.count, s, d])
            var pads: [UInt8] = []
            for (j, i) in keep.enumerated() {
                precondition(i >= 0 && i < b, "CrossMemory.compacted: sentence \(i) of \(b)")
                (nk.pointer + j * s * d).update(from: k.pointer + i * s * d, count: s * d)
                (nv.pointer + j * s * d).update(from: v.pointer + i * s * d, count: s * d)
                if let m = keyPadding { pads += m.isPad[(i * s)..<((i + 1) * s)] }
            }
            return CrossMemory(k: nk, v: nv,
                               keyPadding: keyPadding.map { _ in PaddingMask(batch: keep.count, length: s, isPad: pads) })
        }
    }

    public func makeCache(rows: Int, maxLength: Int) -> KVCache {
        KVCache(rows: rows, maxLength: maxLength, dim: dim)
    }

    /// K, V of the encoder output [B, S, D] (own storage, computed once per source batch).
    public func crossMemory(_ encoderOut: Tensor, keyPadding: PaddingMask?, params: ParameterStore) -> CrossMemory {
        precondition(encoderOut.rank == 3 && encoderOut.shape[2] == dim, "crossMemory: \(encoderOut.shape)")
        let kt = Tensor(zeros: encoderOut.shape), vt = Tensor(zeros: encoderOut.shape)
        k.forward(encoderOut, into: kt, params: params)
        v.forward(encoderOut, into: vt, params: params)
        return CrossMemory(k: kt, v: vt, keyPadding: keyPadding)
    }

    /// One self-attention step: x [N, D] at position `cache.length` → y [N, D]; appends k, v.
    public func step(_ x: Tensor, cache: inout KVCache, params: ParameterStore, arena: Arena) -> Tensor {
        let n = cache.rows, d = dim, l = cache.maxLength, t = cache.length
        precondition(x.count == n * d, "SoftmaxAttention.step: x \(x.shape) for \(n) rows")
        precondition(t < l, "SoftmaxAttention.step: cache full (\(l) positions)")
        let qt = arena.tensor([n, d])
        q.forward(x, into: qt, params: params)
        // new k, v straight into the cache at position t (row stride maxLength·D)
        k.forward(x.pointer, rows: n, ldx: d, into: cache.k.pointer + t * d, ldy: l * d, params: params)
        v.forward(x.pointer, rows: n, ldx: d, into: cache.v.pointer + t * d, ldy: l * d, params: params)
        cache.advance()
        let ctx = attendRows(qt, k: cache.k.pointer, v: cache.v.pointer, rowStride: l * d,
                             keys: t + 1, rowOf: { $0 }, padding: nil, arena: arena)
        let y = arena.tensor([n, d])
        out.forward(ctx, into: y, params: params)
        return y
    }

    /// One cross-attention step: x [N, D] with N = B·beam rows; row n attends to sentence n / beam.
    public func crossStep(_ x: Tensor, memory: CrossMemory, beam: Int, params: ParameterStore, arena: Arena) -> Tensor {
        let bsz = memory.k.shape[0], s = memory.k.shape[1], d = dim
        let n = x.count / d
        precondition(n == bsz * beam, "SoftmaxAttention.crossStep: \(n) rows for \(bsz) sentences × beam \(beam)")
        let qt = arena.tensor([n, d])
        q.forward(x, into: qt, params: params)
        let ctx = attendRows(qt, k: memory.k.pointer, v: memory.v.pointer, rowStride: s * d, keys: s,
                             rowOf: { $0 / beam }, padding: memory.keyPadding, arena: arena)
        let y = arena.tensor([n, d])
        out.forward(ctx, into: y, params: params)
        return y
    }

    /// ctx[n, h] = softmax(q_nh · K_jhᵀ / √Dh) · V_jh with j = rowOf(n), over `keys` positions.
    /// Consecutive rows with the same j (the beam rows of one sentence in cross-attention) share
    /// one pair of products per head.
    func attendRows(_ qt: Tensor, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, rowStride: Int,
                    keys: Int, rowOf: (Int) -> Int, padding: PaddingMask?, arena: Arena) -> Tensor {
        let n = qt.shape[0], d = dim, dh = headDim
        let ctx = arena.tensor([n, d])
        let alpha = 1 / Float(dh).squareRoot()
        var maxGroup = 1, start = 0
        while start < n {  // size the score buffer for the largest group
            var end = start + 1
            while end < n && rowOf(end) == rowOf(start) { end += 1 }
            maxGroup = Swift.max(maxGroup, end - start)
            start = end
        }
        let scores = arena.tensor([maxGroup, keys])
        start = 0
        while start < n {
            let j = rowOf(start)
            var end = start + 1
            while end < n && rowOf(end) == j { end += 1 }
            let m = end - start
            for h in 0..<heads {
                let sp = scores.pointer
                // scores [m, L] = α · Q_rows,h [m, Dh] · K_jhᵀ [Dh, L]
                GEMM.sgemm(.none, .transposed, m: m, n: keys, k: dh, alpha: alpha,
                           a: qt.pointer + start * d + h * dh, lda: d,
                           b: k + j * rowStride + h * dh, ldb: d, c: sp, ldc: keys)
                for r in 0..<m {
                    let row = sp + r * keys
                    if let pad = padding {
                        for s in 0..<keys where pad.isPad[j * pad.length + s] != 0 { row[s] = -.infinity }
                    }
                    OpKernels.softmax(row, keys)
                }
                // ctx_rows,h [m, Dh] = P [m, L] · V_jh [L, Dh]
                GEMM.sgemm(.none, .none, m: m, n: dh, k: keys, a: sp, lda: keys,
                           b: v + j * rowStride + h * dh, ldb: d, c: ctx.pointer + start * d + h * dh, ldc: d)
            }
            start = end
        }
        return ctx
    }
}
