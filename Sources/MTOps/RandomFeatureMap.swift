import Foundation

/// The random Fourier feature map of the RFA baseline (T2R.md §1; Peng et al. 2021), as the
/// reference implements it (`random_project`, feature "rrf"):
///   v = scale · u_h,  û = v / (‖v‖ + 1e-3),  p = Ω_h û ∈ R^k,
///   φ(u_h) = 0.01 · [sin p_1 … sin p_k, cos p_1 … cos p_k]        (R = 2k, sines first)
/// with Ω_h ∈ R^{k×Dh} a Gaussian matrix. There are no parameters.
///
/// Ω comes from a fixed **bank** of `bankSize` = 400 Gaussian k×Dh matrices, generated from a
/// fixed seed for each (Dh, k), so every model with those sizes shares the same bank (the
/// reference loads one file per (Dh, k)). Training redraws Ω every update: L·H distinct bank
/// indices, layer ℓ taking the H matrices [ℓ·H, (ℓ+1)·H) (`select`, driven by the model's
/// `drawRandomFeatures(update:seed:)`). Evaluation and decoding use the first H bank
/// matrices, the same ones in every layer (`evalOmega`).
///
/// backward (Ω fixed): with F_s, F_c the sine and cosine halves,
///   dp = dF_s ⊙ F_c − dF_c ⊙ F_s,  G = dp Ω_h  [Dh],
///   dv = G/(‖v‖ + 1e-3) − v · (v·G) / (‖v‖ (‖v‖ + 1e-3)²),  du += scale · dv.
/// Padded rows have F = 0, so their dp and du are 0.
public final class RandomFeatures: @unchecked Sendable {
    public static let bankSize = 400
    /// The 0.01 output scale and the 1e-3 norm floor of the reference.
    public static let outputScale: Float = 0.01
    public static let normFloor: Double = 1e-3

    public let heads: Int
    public let headDim: Int
    /// k: frequencies per head (R = 2k).
    public let count: Int
    /// [bankSize, k, Dh], shared by every map of these sizes; never written.
    public let bank: Tensor
    /// [H, k, Dh]: the first H bank matrices (a view), used outside training.
    public let evalOmega: Tensor
    /// [H, k, Dh]: the current training draw (the evaluation Ω until the first `select`).
    public let omega: Tensor
    /// The bank indices currently in `omega`.
    public private(set) var selected: [Int]

    public init(heads: Int, headDim: Int, count: Int) {
        precondition(heads >= 1 && heads <= Self.bankSize && headDim >= 1 && count >= 1,
                     "RandomFeatures: H \(heads), Dh \(headDim), k \(count) (H ≤ \(Self.bankSize))")
        self.heads = heads
        self.headDim = headDim
        self.count = count
        bank = Self.bank(headDim: headDim, count: count)
        evalOmega = Tensor(storage: bank.storage, offset: bank.offset, shape: [heads, count, headDim])
        omega = Tensor(zeros: [heads, count, headDim])
        omega.assign(evalOmega)
        selected = Array(0..<heads)
    }

    /// Copies bank matrices `indices` (H of them) into the training Ω.
    public func select<C: Collection>(_ indices: C) where C.Element == Int {
        precondition(indices.count == heads, "RandomFeatures.select: \(indices.count) indices for \(heads) heads")
        let m = count * headDim
        for (h, i) in indices.enumerated() {
            precondition(i >= 0 && i < Self.bankSize, "RandomFeatures.select: index \(i) outside the bank")
            (omega.pointer + h * m).update(from: bank.pointer + i * m, count: m)
        }
        selected = Array(indices)
    }

    /// `n` distinct indices of the bank (a partial Fisher–Yates shuffle), drawn from `rng`.
    public static func drawIndices(_ n: Int, rng: inout RNG) -> [Int] {
        precondition(n >= 0 && n <= bankSize, "RandomFeatures.drawIndices: \(n) of \(bankSize)")
        var all = Array(0..<bankSize)
        for i in 0..<n { all.swapAt(i, i + rng.below(bankSize - i)) }
        return Array(all[0..<n])
    }

    nonisolated(unsafe) static var banks: [Int: Tensor] = [:]
    static let lock = NSLock()

    /// The bank for (Dh, k): standard normal entries from RNG(seed: 0x52464142414E4B, stream: Dh·2³² + k).
    public static func bank(headDim: Int, count: Int) -> Tensor {
        let key = headDim << 32 | count
        lock.lock(); defer { lock.unlock() }
        if let b = banks[key] { return b }
        let b = Tensor(zeros: [bankSize, count, headDim])
        var rng = RNG(seed: 0x52_4641_4241_4E4B, stream: UInt64(key))
        rng.fillNormal(b)
        banks[key] = b
        return b
    }

    func omega(training: Bool) -> UnsafeMutablePointer<Float> { training ? omega.pointer : evalOmega.pointer }

    /// F [N, H·2k] from u [N, H·Dh] (row stride `ldu`). No allocation.
    func forward(_ u: UnsafePointer<Float>, ldu: Int, rows n: Int, scale: Float, zeroRows: [UInt8]?, training: Bool,
                 into f: UnsafeMutablePointer<Float>) {
        let k = count, dh = headDim, hr = heads * 2 * k
        let om = omega(training: training)
        for h in 0..<heads {
            // P_h [N, k] = scale · U_h [N, Dh] · Ω_hᵀ [Dh, k], into the sine half of head h
            GEMM.sgemm(.none, .transposed, m: n, n: k, k: dh, alpha: scale, a: u + h * dh, lda: ldu,
                       b: om + h * k * dh, ldb: dh, beta: 0, c: f + h * 2 * k, ldc: hr)
        }
        let us = SendablePointer(UnsafeMutablePointer(mutating: u)), fs = SendablePointer(f)
        let hN = heads, s = Double(scale), c = Self.outputScale
        OpLoop.rows(n, work: n * hr * 20) { range in
            let up = us.p, fp = fs.p
            for row in range {
                let out = fp + row * hr
                if let z = zeroRows, z[row] != 0 { out.update(repeating: 0, count: hr); continue }
                for h in 0..<hN {
                    let v = up + row * ldu + h * dh, o = out + h * 2 * k
                    var sq = 0.0
                    for i in 0..<dh { sq += Double(v[i]) * Double(v[i]) }
                    let inv = 1 / (Swift.abs(s) * sq.squareRoot() + Self.normFloor)
                    for j in 0..<k {
                        let p = Double(o[j]) * inv
                        o[j] = c * Float(Foundation.sin(p))
                        o[k + j] = c * Float(Foundation.cos(p))
                    }
                }
            }
        }
    }

    /// Adds du [N, H·Dh] (row stride `lddu`); df [N, H·2k] is overwritten (its sine half with dp).
    func backward(u: UnsafePointer<Float>, ldu: Int, rows n: Int, scale: Float, f: UnsafePointer<Float>,
                  df: UnsafeMutablePointer<Float>, du: UnsafeMutablePointer<Float>, lddu: Int, training: Bool) {
        let k = count, dh = headDim, hr = heads * 2 * k
        let om = omega(training: training)
        let fs = SendablePointer(UnsafeMutablePointer(mutating: f)), gs = SendablePointer(df)
        OpLoop.rows(n, work: n * hr * 2) { range in
            let fp = fs.p, gp = gs.p
            for row in range {
                for h in 0..<(hr / (2 * k)) {
                    let fr = fp + row * hr + h * 2 * k, gr = gp + row * hr + h * 2 * k
                    for j in 0..<k { gr[j] = gr[j] * fr[k + j] - gr[k + j] * fr[j] }
                }
            }
        }
        let g = Tensor(zeros: [n, dh])  // training only: one scratch per call
        let us = SendablePointer(UnsafeMutablePointer(mutating: u)), ds = SendablePointer(du)
        let gt = SendablePointer(g.pointer)
        let s = Double(scale)
        for h in 0..<heads {
            // G [N, Dh] = dP_h [N, k] · Ω_h [k, Dh]
            GEMM.sgemm(.none, .none, m: n, n: dh, k: k, a: df + h * 2 * k, lda: hr, b: om + h * k * dh, ldb: dh,
                       beta: 0, c: g.pointer, ldc: dh)
            OpLoop.rows(n, work: n * dh * 6) { range in
                let up = us.p, dp = ds.p, gp = gt.p
                for row in range {
                    let x = up + row * ldu + h * dh, gr = gp + row * dh, out = dp + row * lddu + h * dh
                    var sq = 0.0, vg = 0.0
                    for i in 0..<dh {
                        let v = s * Double(x[i])
                        sq += v * v; vg += v * Double(gr[i])
                    }
                    let norm = sq.squareRoot(), den = norm + Self.normFloor
                    let coef = norm > 0 ? vg / (norm * den * den) : 0
                    for i in 0..<dh {
                        let v = s * Double(x[i])
                        out[i] += Float(s * (Double(gr[i]) / den - coef * v))
                    }
                }
            }
        }
    }
}
