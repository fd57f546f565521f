/// Label-smoothed cross-entropy over logits [N, V], fused with the log-softmax, ignoring
/// padding targets — fairseq's `label_smoothed_nll_loss` (criterions/label_smoothed_cross_entropy.py):
///
///   lp = log_softmax(x),  nll_n = −lp[n, y_n],  smooth_n = −Σ_v lp[n, v]
///   eps_i = ε / (V − 1)
///   loss = Σ_{n: y_n ≠ pad} (1 − ε − eps_i) · nll_n + eps_i · smooth_n
///
/// i.e. the target gets probability mass 1 − ε and every other class ε/(V − 1). Both sums are
/// returned summed (not averaged) with the non-pad token count, as fairseq reports them.
/// With lse_n = log Σ_v e^{x_nv}: nll_n = lse_n − x[n, y_n], smooth_n = V·lse_n − Σ_v x_nv.
///
/// backward (the coefficients sum to 1, because (1 − ε − eps_i) + V·eps_i = 1):
///   dx[n, v] = g · (softmax(x)[n, v] − eps_i − (1 − ε − eps_i)·1[v = y_n]),  0 for pad rows,
/// where g is the gradient of the final objective w.r.t. the summed loss (e.g. 1/ntokens).
public struct CrossEntropy: Sendable {
    public let smoothing: Float
    public let padID: Int32

    public init(smoothing: Float = 0, padID: Int32 = 0) {
        precondition(smoothing >= 0 && smoothing < 1, "CrossEntropy: smoothing \(smoothing)")
        self.smoothing = smoothing
        self.padID = padID
    }

    public struct Result: Sendable, Equatable {
        public let loss: Double  // summed label-smoothed loss (nats)
        public let nll: Double   // summed negative log-likelihood (nats)
        public let tokens: Int   // non-pad targets
    }

    public struct Cache: Sendable {
        public let logits: Tensor   // [N, V] (their gradient when the forward was given a scale)
        public let targets: [Int32] // [N]
        public let lse: Tensor      // [N] log-sum-exp per row (0 for pad rows, which are skipped)
        public let result: Result
        /// The scale of the gradient the forward already wrote over the logits, if it did.
        public let gradientScale: Float?
    }

    /// eps_i = ε/(V − 1) (0 when V = 1).
    func epsI(_ v: Int) -> Double { v > 1 ? Double(smoothing) / Double(v - 1) : 0 }

    /// One row of dLogits = g · (softmax(x) − eps_i − (1 − ε − eps_i)·1[v = y]) from the row's
    /// log-sum-exp, or zeros for a pad target; `d` may be `x` itself. Both the fused forward and
    /// `backward` write rows through this, so the two give the same bits.
    @inline(__always)
    func writeGradientRow(_ x: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, vocab: Int, target y: Int32,
                          lse: Float, g: Float) {
        if y == padID { d.update(repeating: 0, count: vocab); return }
        let ei = Float(epsI(vocab))
        Kernels.expShiftScale(x, d, vocab, lse: lse, g: g, minus: ei)
        d[Int(y)] -= g * (1 - smoothing - ei)
    }

    /// The loss over logits [N, V]. Given `gradientScale` g, it also overwrites the logits with
    /// their gradient g · ∂loss/∂logits (what `backward` would write), row by row while each row
    /// is still in cache: one pass over the [N, V] logits instead of two (the largest tensor of a
    /// training step). `backward` with the same scale then has nothing left to do.
    public func forward(logits: Tensor, targets: [Int32], arena: Arena, gradientScale: Float? = nil) -> Cache {
        let profiled = OpProfile.begin(.crossEntropyForward); defer { OpProfile.end(profiled) }
        let (n, vocab) = logits.matrixDims
        precondition(targets.count == n, "CrossEntropy: \(targets.count) targets for \(n) rows")
        let lse = arena.tensor([n])
        let chunks = max(1, min(GEMM.maxThreads, n))

        var sums = [Double](repeating: 0, count: 2 * chunks)
        let eps = Double(smoothing), ei = epsI(vocab), pad = padID
        let tgt = targets
        sums.withUnsafeMutableBufferPointer { sb in
            let sp = SendablePointer(sb.baseAddress!)
            Parallel.forRanges(chunks, work: n * vocab) { cr in
                for chunk in cr {
                    let lo = n * chunk / chunks, hi = n * (chunk + 1) / chunks
                    var loss = 0.0, nll = 0.0
                    for r in lo..<hi {
                        let y = tgt[r]
                        if y == pad {
                            lse.pointer[r] = 0
                            if let g = gradientScale {
                                writeGradientRow(logits.pointer + r * vocab, into: logits.pointer + r * vocab, vocab: vocab,
                                                 target: y, lse: 0, g: g)
                            }
                            continue
                        }
                        precondition(y >= 0 && Int(y) < vocab, "CrossEntropy: target \(y) outside vocabulary \(vocab)")
                        let xr = logits.pointer + r * vocab
                        let (m, sumX) = Kernels.maxAndSum(xr, vocab)
                        let lF = Kernels.logSumExp(xr, vocab, max: m)
                        lse.pointer[r] = lF
                        let l = Double(lF)
                        let nllR = l - Double(xr[Int(y)])
                        let smoothR = Double(vocab) * l - sumX
                        nll += nllR
                        loss += (1 - eps - ei) * nllR + ei * smoothR
                        if let g = gradientScale {  // in place: the row's reads above are done
                            writeGradientRow(xr, into: xr, vocab: vocab, target: y, lse: lF, g: g)
                        }
                    }
                    sp.p[2 * chunk] = loss
                    sp.p[2 * chunk + 1] = nll
                }
            }
        }

        var loss = 0.0, nll = 0.0
        for c in 0..<chunks { loss += sums[2 * c]; nll += sums[2 * c + 1] }
        let tokens = targets.reduce(0) { $0 + ($1 == padID ? 0 : 1) }
        return Cache(logits: logits, targets: targets, lse: lse, result: Result(loss: loss, nll: nll, tokens: tokens),
                     gradientScale: gradientScale)
    }

    /// Writes (does not add) dLogits = scale · ∂loss/∂logits. dLogits may be the logits tensor
    /// itself (in place), which then no longer holds the logits.
    /// After a forward given `gradientScale`, the gradient is already in the logits: dLogits must
    /// be the logits tensor and `scale` that scale.
    public func backward(_ c: Cache, scale g: Float, into dLogits: Tensor) {
        let profiled = OpProfile.begin(.crossEntropyBackward); defer { OpProfile.end(profiled) }
        let (n, vocab) = c.logits.matrixDims
        precondition(dLogits.count == n * vocab, "CrossEntropy.backward: dLogits \(dLogits.shape)")
        if let done = c.gradientScale {
            precondition(done == g && dLogits.pointer == c.logits.pointer,
                         "CrossEntropy.backward: the forward wrote the gradient in place with scale \(done); asked for \(g) into another tensor")
            return
        }
        let tgt = c.targets
        Parallel.forRanges(n, work: n * vocab) { range in
            for r in range {
                writeGradientRow(c.logits.pointer + r * vocab, into: dLogits.pointer + r * vocab, vocab: vocab,
                                 target: tgt[r], lse: c.lse.pointer[r], g: g)
            }
        }
    }
}
