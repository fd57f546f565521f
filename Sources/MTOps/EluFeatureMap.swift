import Foundation

/// The ELU feature map of the paper's ELU baseline (T2R.md §1; Katharopoulos et al. 2020):
///   φ(u) = elu(u) + 1 = { u + 1 if u > 0;  exp(u) if u ≤ 0 }   per coordinate of a head vector,
/// so R = Dh and there are no parameters. Used through `FeatureMap` (family `.elu`), which passes
/// the query pre-scale: F = φ(scale · u).
///
/// forward:  F[n, c] = φ(scale · u[n, c]) for the H·Dh head-major columns; rows flagged in
///           `zeroRows` (padding) are 0.
/// backward: φ'(x) = 1 for x > 0 and exp(x) = φ(x) for x ≤ 0, i.e. φ'(x) = min(φ(x), 1), so
///           du += scale · dF ⊙ min(F, 1), which is 0 on padded rows (F = 0) as it must be.
enum EluFeatures {
    static func forward(_ u: UnsafePointer<Float>, ldu: Int, rows n: Int, heads: Int, headDim: Int, scale: Float,
                        zeroRows: [UInt8]?, into f: UnsafeMutablePointer<Float>) {
        let c = heads * headDim
        let us = SendablePointer(UnsafeMutablePointer(mutating: u)), fs = SendablePointer(f)
        OpLoop.rows(n, work: n * c * 8) { range in
            let up = us.p, fp = fs.p
            for row in range {
                let out = fp + row * c
                if let z = zeroRows, z[row] != 0 { out.update(repeating: 0, count: c); continue }
                let inp = up + row * ldu
                for i in 0..<c {
                    let x = scale * inp[i]
                    out[i] = x > 0 ? x + 1 : Foundation.expf(x)
                }
            }
        }
    }

    /// df [N, H·Dh] (dense) → du [N, H·Dh] with row stride `lddu` (added).
    static func backward(rows n: Int, heads: Int, headDim: Int, scale: Float, f: UnsafePointer<Float>,
                         df: UnsafeMutablePointer<Float>, du: UnsafeMutablePointer<Float>, lddu: Int) {
        let c = heads * headDim
        let fs = SendablePointer(UnsafeMutablePointer(mutating: f)), gs = SendablePointer(df), ds = SendablePointer(du)
        OpLoop.rows(n, work: n * c * 2) { range in
            let fp = fs.p, gp = gs.p, dp = ds.p
            for row in range {
                let fr = fp + row * c, gr = gp + row * c, dr = dp + row * lddu
                for i in 0..<c { dr[i] += scale * gr[i] * Swift.min(fr[i], 1) }
            }
        }
    }
}
