import MTOps

/// The one-step attention kernels of decoding, over the buffers of a `DecoderState`.
///
/// Projections are GEMMs over all N rows at once (the GEMM policy keeps small ones on one
/// thread); the per-row work (T2R state update and read, softmax attention over the cache) is
/// split across threads by row ranges with `Parallel.forRanges` when it is large enough.
/// Formulas are those of the training forms in MTOps (T2R.md §4; SoftmaxAttention), so that
/// the recurrent logits equal the parallel ones; the tests check that.
public enum DecodeKernels {
    // MARK: T2R

    /// Causal T2R step: S += f^K ⊗ v, z += f^K, then o = (f^Q)ᵀ S / max(⟨f^Q, z⟩, ε).
    /// x [N, D] → y [N, D]; s [Ncap, H, R, Dh], z [Ncap, H, R] updated in place for rows 0..<N.
    /// With `fused`, f^Q and f^K come straight from x through the folded maps (no q, k).
    static func t2rSelfStep(_ a: CausalLinearAttention, _ x: Tensor, s: Tensor, z: Tensor,
                            fused: DecoderState.FusedFeatures?, params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        let hN = a.heads, dh = a.headDim, r = a.features, hr = hN * r, eps = Double(a.epsilon)
        let vt = arena.tensor([n, d])
        a.v.forward(x, into: vt, params: params)
        let fq = arena.tensor([n, hr]), fk = arena.tensor([n, hr])
        if let f = fused {
            f.selfQuery.apply(x.pointer, rows: n, into: fq.pointer)
            f.selfKey.apply(x.pointer, rows: n, into: fk.pointer)
        } else {
            let qt = arena.tensor([n, d]), kt = arena.tensor([n, d])
            a.q.forward(x, into: qt, params: params)
            a.k.forward(x, into: kt, params: params)
            a.phi.forward(qt.pointer, ldu: d, rows: n, scale: 1 / Float(dh).squareRoot(), zeroRows: nil,
                          into: fq.pointer, params: params)
            a.phi.forward(kt.pointer, ldu: d, rows: n, scale: 1, zeroRows: nil, into: fk.pointer, params: params)
        }
        let ctx = arena.tensor([n, d])
        Parallel.forRanges(n, work: n * hr * dh * 2) { range in
            for row in range {
                for h in 0..<hN {
                    let sh = s.pointer + (row * hN + h) * r * dh, zh = z.pointer + (row * hN + h) * r
                    let fkh = fk.pointer + row * hr + h * r, fqh = fq.pointer + row * hr + h * r
                    let vh = vt.pointer + row * d + h * dh, o = ctx.pointer + row * d + h * dh
                    o.update(repeating: 0, count: dh)
                    var den = 0.0
                    for j in 0..<r {
                        let sj = sh + j * dh, kj = fkh[j], qj = fqh[j]
                        if kj != 0 { axpy(kj, vh, sj, dh); zh[j] += kj }
                        if qj != 0 { axpy(qj, sj, o, dh); den += Double(qj) * Double(zh[j]) }
                    }
                    scale(o, Float(1 / Swift.max(den, eps)), dh)
                }
            }
        }
        let y = arena.tensor([n, d])
        a.out.forward(ctx, into: y, params: params)
        return y
    }

    /// Cross T2R step: o = (g^Q)ᵀ S_x / max(|⟨g^Q, z_x⟩|, ε), row n reading sentence n / beam.
    static func t2rCrossStep(_ a: CrossLinearAttention, _ x: Tensor, s: Tensor, z: Tensor, beam: Int,
                             fused: DecoderState.FusedFeatures?, params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        let hN = a.heads, dh = a.headDim, r = a.features, hr = hN * r, eps = Double(a.epsilon)
        let fq = arena.tensor([n, hr])
        if let f = fused {
            f.crossQuery.apply(x.pointer, rows: n, into: fq.pointer)
        } else {
            let qt = arena.tensor([n, d])
            a.q.forward(x, into: qt, params: params)
            a.phi.forward(qt.pointer, ldu: d, rows: n, scale: 1 / Float(dh).squareRoot(), zeroRows: nil,
                          into: fq.pointer, params: params)
        }
        let ctx = arena.tensor([n, d])
        Parallel.forRanges(n, work: n * hr * dh) { range in
            for row in range {
                let sent = row / beam
                for h in 0..<hN {
                    let sh = s.pointer + (sent * hN + h) * r * dh, zh = z.pointer + (sent * hN + h) * r
                    let fqh = fq.pointer + row * hr + h * r, o = ctx.pointer + row * d + h * dh
                    o.update(repeating: 0, count: dh)
                    var den = 0.0
                    for j in 0..<r where fqh[j] != 0 {
                        axpy(fqh[j], sh + j * dh, o, dh)
                        den += Double(fqh[j]) * Double(zh[j])
                    }
                    scale(o, Float(1 / Swift.max(Swift.abs(den), eps)), dh)
                }
            }
        }
        let y = arena.tensor([n, d])
        a.out.forward(ctx, into: y, params: params)
        return y
    }

    // MARK: softmax

    /// Softmax self-attention step at position t: appends k, v to the cache, attends over 0...t.
    static func softmaxSelfStep(_ a: SoftmaxAttention, _ x: Tensor, cache: DecoderState.KVCache, position t: Int,
                                params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        let cap = cache.capacity
        precondition(t < cap, "softmaxSelfStep: position \(t) beyond cache capacity \(cap)")
        let qt = arena.tensor([n, d])
        a.q.forward(x, into: qt, params: params)
        a.k.forward(x.pointer, rows: n, ldx: d, into: cache.k.pointer + t * d, ldy: cap * d, params: params)
        a.v.forward(x.pointer, rows: n, ldx: d, into: cache.v.pointer + t * d, ldy: cap * d, params: params)
        let ctx = arena.tensor([n, d])
        attend(a, q: qt, k: cache.k, v: cache.v, rowStride: cap * d, keys: t + 1, rowOf: 1, isPad: nil,
               into: ctx, arena: arena)
        let y = arena.tensor([n, d])
        a.out.forward(ctx, into: y, params: params)
        return y
    }

    /// Softmax cross-attention step: row n attends to sentence n / beam's projected memory.
    static func softmaxCrossStep(_ a: SoftmaxAttention, _ x: Tensor, memory m: DecoderState.CrossMemory, beam: Int,
                                 params: ParameterStore, arena: Arena) -> Tensor {
        let (n, d) = x.matrixDims
        let qt = arena.tensor([n, d])
        a.q.forward(x, into: qt, params: params)
        let ctx = arena.tensor([n, d])
        let sl = m.sourceLength
        m.isPad.withUnsafeBufferPointer { pad in
            attend(a, q: qt, k: m.k, v: m.v, rowStride: sl * d, keys: sl, rowOf: beam, isPad: pad.baseAddress,
                   into: ctx, arena: arena)
        }
        let y = arena.tensor([n, d])
        a.out.forward(ctx, into: y, params: params)
        return y
    }

    /// ctx[n, h] = softmax(q_nh · K_jhᵀ / √Dh) · V_jh, j = n / rowOf, over `keys` positions;
    /// keys with isPad[j·keys + s] != 0 are masked. Positions are the outer loop and heads the
    /// inner one, so each cached K and V row is streamed once per query row (not once per head).
    static func attend(_ a: SoftmaxAttention, q: Tensor, k: Tensor, v: Tensor, rowStride: Int, keys: Int, rowOf: Int,
                       isPad: UnsafePointer<UInt8>?, into ctx: Tensor, arena: Arena) {
        let (n, d) = q.matrixDims
        let hN = a.heads, dh = a.headDim
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
                    for h in 0..<hN { sc[h * keys + s] = alpha * dot(qr + h * dh, ks + h * dh, dh) }
                }
                for h in 0..<hN {
                    if let pad { for s in 0..<keys where pad[j * keys + s] != 0 { sc[h * keys + s] = -.infinity } }
                    OpMath.softmaxInPlace(sc + h * keys, keys)
                }
                o.update(repeating: 0, count: d)
                for s in 0..<keys {
                    let vs = vj + s * d
                    for h in 0..<hN {
                        let w = sc[h * keys + s]
                        if w != 0 { axpy(w, vs + h * dh, o + h * dh, dh) }
                    }
                }
            }
        }
    }

    // MARK: row helpers

    @inline(__always) static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let av = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + av * xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += a * x[i]; i += 1 }
    }

    @inline(__always) static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    @inline(__always) static func scale(_ x: UnsafeMutablePointer<Float>, _ a: Float, _ n: Int) {
        for i in 0..<n { x[i] *= a }
    }

    /// Maximum of x[0..<n] (−∞ for n = 0).
    @inline(__always) public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        // Eight running maxima compared lane by lane with plain selects (the generic
        // pointwiseMax is not inlined and showed up in profiles).
        var mv = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            mv.replace(with: v, where: v .> mv)
            i += 8
        }
        var m = -Float.infinity
        for l in 0..<8 where mv[l] > m { m = mv[l] }
        while i < n { if x[i] > m { m = x[i] }; i += 1 }
        return m
    }

    /// log Σ_i exp(x[i]) over one row (−∞ for an all −∞ row); sum in Double.
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let m = max(x, n)
        if m == -.infinity { return -.infinity }
        var acc = SIMD8<Float>(repeating: 0)
        let mv = SIMD8<Float>(repeating: m)
        var i = 0
        while i + 8 <= n { acc += OpMath.exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - mv); i += 8 }
        var total = 0.0
        for l in 0..<8 { total += Double(acc[l]) }
        while i < n { total += Double(OpMath.exp(x[i] - m)); i += 1 }
        return m + Float(logDouble(total))
    }

    /// out[r] = log Σ_v exp(x[r, v]) for x [N, V], rows split across threads.
    public static func logSumExpRows(_ x: Tensor, into out: UnsafeMutablePointer<Float>) {
        let (n, v) = x.matrixDims
        let o = SendablePointer(out)
        Parallel.forRanges(n, work: n * v * 4) { range in
            for r in range { o.p[r] = logSumExp(x.pointer + r * v, v) }
        }
    }

    /// x[r, :] −= logsumexp(x[r, :]) in place for x [N, V].
    public static func logSoftmaxRows(_ x: Tensor) {
        let (n, v) = x.matrixDims
        Parallel.forRanges(n, work: n * v * 4) { range in
            for r in range {
                let row = x.pointer + r * v
                let lse = logSumExp(row, v)
                for i in 0..<v { row[i] -= lse }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func logDouble(_ x: Double) -> Double { Glibc.log(x) }
#else
import Darwin
@inline(__always) func logDouble(_ x: Double) -> Double { Darwin.log(x) }
#endif
