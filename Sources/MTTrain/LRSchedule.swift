/// fairseq's `inverse_sqrt` schedule: linear warmup from `warmupInitLR` to `peak` over
/// `warmupUpdates`, then peak · √(warmup / update).
public struct LRSchedule: Sendable, Equatable, Codable {
    public var peak: Float
    public var warmupUpdates: Int
    public var warmupInitLR: Float

    public init(peak: Float, warmupUpdates: Int, warmupInitLR: Float = 1e-7) {
        self.peak = peak; self.warmupUpdates = warmupUpdates; self.warmupInitLR = warmupInitLR
    }

    /// The learning rate for update number `update` (1-based).
    public func rate(at update: Int) -> Float {
        let u = max(update, 1)
        if warmupUpdates > 0 && u <= warmupUpdates {
            return warmupInitLR + (peak - warmupInitLR) * Float(u) / Float(warmupUpdates)
        }
        return peak * (Float(max(warmupUpdates, 1)) / Float(u)).squareRoot()
    }
}

/// Scales the gradient slab so its norm is at most `maxNorm` (0 disables); returns the norm
/// before clipping.
public enum GradClip {
    @discardableResult
    public static func clip(_ store: ParameterStore, maxNorm: Float) -> Double {
        let norm = store.gradNorm()
        if maxNorm > 0 && norm > Double(maxNorm), let g = store.grads {
            Kernels.scale(g.base, Float(Double(maxNorm) / (norm + 1e-6)), g.count)
        }
        return norm
    }
}

import MTTensor
