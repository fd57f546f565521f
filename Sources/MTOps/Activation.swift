import Foundation

/// Pointwise FFN activations and their derivatives (ModelConfig.Activation names them).
///
/// relu(u) = max(u, 0)
/// swish(u) = u·σ(u) (SiLU; Marian/OPUS-MT's default), swish'(u) = σ(u)·(1 + u·(1 − σ(u)))
/// gelu(u) = u·Φ(u) = ½u(1 + erf(u/√2)) (PyTorch's exact GELU, Hugging Face's "gelu"),
/// gelu'(u) = Φ(u) + u·φ(u), φ(u) = exp(−u²/2)/√(2π)
public enum ActivationFunction: String, Sendable, CaseIterable {
    case relu, swish, gelu

    /// y[i] = f(u[i]) (in place allowed).
    @inline(__always)
    public func apply(_ u: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .relu:
            for i in 0..<n { y[i] = u[i] > 0 ? u[i] : 0 }
        case .swish:
            // FastMath's vectorised exp (relative error < 2e-7); −u is capped at 88 (its domain),
            // where u·σ(u) is already ≈ −1e−36.
            var i = 0
            let cap = SIMD8<Float>(repeating: 88), one = SIMD8<Float>(repeating: 1)
            while i + 8 <= n {
                let x = FastMath.load(u + i)
                let nx = (-x).replacing(with: cap, where: -x .> cap)
                FastMath.store(x / (one + FastMath.exp(nx)), y + i)
                i += 8
            }
            while i < n {
                let x = u[i]
                y[i] = x / (1 + FastMath.exp(Swift.min(-x, 88)))
                i += 1
            }
        case .gelu:
            for i in 0..<n {
                let x = Double(u[i])
                y[i] = Float(0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())))
            }
        }
    }

    /// g[i] *= f'(u[i]).
    @inline(__always)
    public func multiplyDerivative(_ u: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .relu:
            for i in 0..<n where !(u[i] > 0) { g[i] = 0 }
        case .swish:
            for i in 0..<n {
                let x = u[i]
                let s = 1 / (1 + FastMath.exp(Swift.min(-x, 88)))
                g[i] *= s * (1 + x * (1 - s))
            }
        case .gelu:
            for i in 0..<n {
                let x = Double(u[i])
                let cdf = 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
                let pdf = Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
                g[i] *= Float(cdf + x * pdf)
            }
        }
    }
}
