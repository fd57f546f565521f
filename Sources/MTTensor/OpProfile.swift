import CKernels

/// Where a training step's time goes outside the matrix products: each operator's wall time with
/// the products it issues taken out (`mt-bench train --ops`).
///
/// An operator marks its body with a token, one line at its top:
///
///     let profiled = OpProfile.begin(.layerNormBackward); defer { OpProfile.end(profiled) }
///
/// When profiling is off (the default) `begin` returns an inert token after one load of a flag and
/// `end` does nothing. When it is on, `end` adds the body's wall time, minus the wall time of the
/// products issued outside parallel regions inside it (GEMM's product counting, which the caller
/// turns on with `GEMM.countingProducts`), minus the time of operators nested in it, to the
/// operator's total: each operator's own time, so the totals add up without double counting.
/// Products issued inside parallel regions (attention's per-sentence, per-head loops) are not
/// timed by the counting, so they stay in the time of the operator that runs the loop.
/// Only the calling thread of a step is profiled (regions opened inside parallel regions are inert).
public enum OpProfile {
    /// The operators that mark themselves.
    public enum Op: Int, CaseIterable, Sendable {
        case embeddingForward, embeddingBackward
        case layerNormForward, layerNormBackward
        case dropoutForward, dropoutBackward
        case residualAdd, residualAccumulate
        case linearForward, linearBackward
        case feedForwardForward, feedForwardBackward
        case softmaxAttentionForward, softmaxAttentionBackward
        case causalLinearAttentionForward, causalLinearAttentionBackward
        case crossLinearAttentionForward, crossLinearAttentionBackward
        case crossEntropyForward, crossEntropyBackward
        case arenaZeroed, zeroGrads, gradClip, adam

        /// The name `mt-bench train --ops` prints.
        public var name: String {
            switch self {
            case .embeddingForward: "embedding.forward"
            case .embeddingBackward: "embedding.backward"
            case .layerNormForward: "layer_norm.forward"
            case .layerNormBackward: "layer_norm.backward"
            case .dropoutForward: "dropout.forward"
            case .dropoutBackward: "dropout.backward"
            case .residualAdd: "residual.add"
            case .residualAccumulate: "residual.accumulate"
            case .linearForward: "linear.forward"
            case .linearBackward: "linear.backward"
            case .feedForwardForward: "feed_forward.forward"
            case .feedForwardBackward: "feed_forward.backward"
            case .softmaxAttentionForward: "softmax_attention.forward"
            case .softmaxAttentionBackward: "softmax_attention.backward"
            case .causalLinearAttentionForward: "causal_linear_attention.forward"
            case .causalLinearAttentionBackward: "causal_linear_attention.backward"
            case .crossLinearAttentionForward: "cross_linear_attention.forward"
            case .crossLinearAttentionBackward: "cross_linear_attention.backward"
            case .crossEntropyForward: "cross_entropy.forward"
            case .crossEntropyBackward: "cross_entropy.backward"
            case .arenaZeroed: "arena.zeroed"
            case .zeroGrads: "parameters.zero_grads"
            case .gradClip: "grad_clip.norm"
            case .adam: "adam.update"
            }
        }
    }

    /// An open region: the operator, its start, and the products' seconds at its start
    /// (`op` is nil when profiling was off or the region is nested in a parallel region).
    public struct Token {
        let op: Op?
        let start: Double
        let productSeconds: Double
    }

    /// Profiling on or off (mt-bench turns it on around the steps it profiles).
    nonisolated(unsafe) public static var enabled = false

    /// Per operator: own seconds and calls since the last `reset`.
    nonisolated(unsafe) private static var seconds = [Double](repeating: 0, count: Op.allCases.count)
    nonisolated(unsafe) private static var calls = [Int](repeating: 0, count: Op.allCases.count)
    /// For each open region, the own-time-excluded seconds of the regions nested in it so far.
    nonisolated(unsafe) private static var nested: [Double] = []

    @inline(__always)
    public static func begin(_ op: Op) -> Token {
        guard enabled else { return Token(op: nil, start: 0, productSeconds: 0) }
        return open(op)
    }

    @inline(__always)
    public static func end(_ token: Token) {
        guard let op = token.op else { return }
        close(op, token)
    }

    @inline(never)
    static func open(_ op: Op) -> Token {
        guard GEMM.parallelDepth == 0 else { return Token(op: nil, start: 0, productSeconds: 0) }
        nested.append(0)
        return Token(op: op, start: GEMM.monotonicSeconds(), productSeconds: topLevelProductSeconds())
    }

    @inline(never)
    static func close(_ op: Op, _ token: Token) {
        let wall = GEMM.monotonicSeconds() - token.start
        let outsideProducts = wall - (topLevelProductSeconds() - token.productSeconds)
        let inner = nested.removeLast()
        if !nested.isEmpty { nested[nested.count - 1] += outsideProducts }
        seconds[op.rawValue] += outsideProducts - inner
        calls[op.rawValue] += 1
    }

    static func topLevelProductSeconds() -> Double {
        var flops = 0.0, s = 0.0
        mt_counted_top_level(&flops, &s)
        return s
    }

    /// Clears the totals.
    public static func reset() {
        seconds = [Double](repeating: 0, count: Op.allCases.count)
        calls = [Int](repeating: 0, count: Op.allCases.count)
        nested = []
    }

    /// The operators that ran since the last `reset`: own seconds outside products and calls,
    /// largest first.
    public static func totals() -> [(op: Op, seconds: Double, calls: Int)] {
        Op.allCases.filter { calls[$0.rawValue] > 0 }
            .map { ($0, seconds[$0.rawValue], calls[$0.rawValue]) }
            .sorted { $0.seconds > $1.seconds }
    }
}
