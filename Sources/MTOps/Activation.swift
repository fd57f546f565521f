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
            for i in 0..<n {
                let x = u[i]
                y[i] = x / (1 + Foundation.exp(-x))
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
                let s = 1 / (1 + Foundation.exp(-x))
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
