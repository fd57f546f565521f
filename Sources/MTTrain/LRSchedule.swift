import Foundation

/// The learning rate per update, as fairseq's `--lr-scheduler`:
/// - `inverse_sqrt`: linear warmup from `warmupInitLR` to `peak`, then peak·√(warmup/update);
/// - `polynomial_decay`: the same warmup, then (peak − end)·(1 − (u − warmup)/(total − warmup))^power
///   + end until update `total`, and `end` after it (power 1 is a linear decay).
/// Update k (1-based) runs at `rate(at: k)`: one step ahead of fairseq, which sets the rate for
/// update k+1 after update k. So the peak comes at update `warmupUpdates`, and with `total` equal
/// to max_updates the last update runs at `end`. The schedule is recomputed from the config on
/// resume: changing max_updates or total_num_update mid-run changes the decay from there on.
public struct LRSchedule: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case inverseSqrt = "inverse_sqrt", polynomialDecay = "polynomial_decay" }

    public var kind: Kind
    public var peak: Float
    public var warmupUpdates: Int
    public var warmupInitLR: Float
    /// polynomial_decay: the update at which the rate reaches `end`.
    public var totalUpdates: Int
    public var end: Float
    public var power: Float

    public init(peak: Float, warmupUpdates: Int, warmupInitLR: Float = 1e-7, kind: Kind = .inverseSqrt,
                totalUpdates: Int = 0, end: Float = 0, power: Float = 1) {
        self.kind = kind; self.peak = peak; self.warmupUpdates = warmupUpdates; self.warmupInitLR = warmupInitLR
        self.totalUpdates = totalUpdates; self.end = end; self.power = power
    }

    /// One line for logs: "polynomial_decay lr 0.001 warmup 200 total 900 end 0 power 1".
    public var summary: String {
        let head = "\(kind.rawValue) lr \(peak) warmup \(warmupUpdates)"
        return kind == .inverseSqrt ? head : head + " total \(totalUpdates) end \(end) power \(power)"
    }

    /// The learning rate for update number `update` (1-based).
    public func rate(at update: Int) -> Float {
        let u = max(update, 1)
        if warmupUpdates > 0 && u <= warmupUpdates {
            return warmupInitLR + (peak - warmupInitLR) * Float(u) / Float(warmupUpdates)
        }
        switch kind {
        case .inverseSqrt:
            return peak * (Float(max(warmupUpdates, 1)) / Float(u)).squareRoot()
        case .polynomialDecay:
            if u >= totalUpdates { return end }
            let left = 1 - Float(u - warmupUpdates) / Float(totalUpdates - warmupUpdates)
            return (peak - end) * pow(left, power) + end
        }
    }
}

/// Gradient-norm clipping to `maxNorm` (0 disables).
public enum GradClip {
    /// Scales the gradient slab so its norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ store: ParameterStore, maxNorm: Float) -> Double {
        let (norm, scale) = factor(store, maxNorm: maxNorm)
        if scale != 1, let g = store.grads { Kernels.scale(g.base, scale, g.count) }
        return norm
    }

    /// The gradient's norm and the factor `clip` would scale it by (1 when it is within
    /// `maxNorm`), leaving the gradients as they are: given to `Adam.update(gradScale:)`, which
    /// multiplies each gradient by it as it reads it (the same product `clip` stores), it saves
    /// a pass over the gradient slab.
    public static func factor(_ store: ParameterStore, maxNorm: Float) -> (norm: Double, scale: Float) {
        let profiled = OpProfile.begin(.gradClip); defer { OpProfile.end(profiled) }
        let norm = store.gradNorm()
        guard maxNorm > 0 && norm > Double(maxNorm) else { return (norm, 1) }
        return (norm, Float(Double(maxNorm) / (norm + 1e-6)))
    }
}

import MTTensor
