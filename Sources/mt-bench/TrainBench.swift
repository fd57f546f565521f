import ArgumentParser
import COpenBLAS
import Foundation
import MTModel
import MTTensor
import MTTrain

/// `mt-bench train`: target tokens per second of a full training step (forward, backward,
/// gradient clipping, Adam) on synthetic batches of real shape, and the step's model FLOPs
/// against the same run's sgemm rate on the step's largest product.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Target tokens/s of a full training step for the small and base presets.",
        discussion: """
        Each batch has about --tokens target tokens: sentences of --length source and target \
        tokens with random ids (no padding), so B = tokens / length. The step is forward, loss with \
        label smoothing 0.1, backward, gradient clipping and Adam, with dropout 0.1 on. Vocabulary \
        sizes follow the peers' measurements (PLATFORM.md): 8,000 for small, 32,000 for base.

        model_gflop_per_step counts 2·m·n·k of every matrix product one step issues (forward and \
        backward, through the one GEMM wrapper); model_gflops is that over the measured step time. \
        sgemm_gflops_largest times the step's largest product (largest_product, m×n×k and its \
        transposes) alone through the same wrapper and threads for 0.3 s after every timed step \
        (median); ratio_to_sgemm is the median over the timed steps of that step's model GFLOP/s \
        over the round right after it: the share of the GEMM ceiling the whole step reaches (what \
        layer norm, softmax, dropout, gathers, Adam and small products cost).

        Where the rest goes, from one extra untimed step: top_level_products_share_of_step is \
        the wall time of the products issued outside parallel regions (each timed whole, however \
        it is split) over that step's time, top_level_products_gflops their rate (and \
        _ratio_to_sgemm against the ceiling); gflop_in_parallel_regions counts the products issued \
        from inside parallel regions (attention per sentence and head), whose time falls in the rest; \
        per_item_loops_share_of_step is the wall time of those per-sentence, per-head loops (their \
        products and everything else in them) over the step's.

        openblas_sgemm_gflops_largest is the same largest product as one direct cblas_sgemm call \
        on OpenBLAS's own threads (--threads of them), three 0.3 s rounds after the timed steps \
        (its threads spin after work, so it is kept out of them; median), and \
        ratio_to_openblas_sgemm the step's model GFLOP/s over it: the ratio against plain \
        OpenBLAS sgemm, which the wrapper's default backend (oneDNN) outruns on these shapes. \
        ratio_to_sgemm, against the wrapper's own rate, is the stricter of the two.

        --products adds a line per product shape of the counted step (bench train_products, \
        issued outside parallel regions): calls, its share of those products' time, its GFLOP/s \
        and that over the ceiling: which products run below the largest one's rate; then the \
        same shape alone (alone_gflops, alone_ratio_to_sgemm: 0.3 s of it by itself, after the \
        steps, warm caches). The train_products_bound line divides the step's model FLOPs by the \
        time its top-level products would take at those rates, over the ceiling: the ratio a step \
        would reach if nothing but those products took any time (per-head products and every \
        other kernel free): an upper bound on ratio_to_sgemm with this backend, up to the run's noise.

        --ops adds a line per operator (bench train_ops) from --ops-steps extra untimed steps, \
        profiled (OpProfile): its calls and own wall time per step outside the products issued \
        outside parallel regions (products inside the per-sentence, per-head loops stay in their \
        operator's time), in ms and as a share of the step; then the products' line and the \
        unmarked rest (the model's glue between operators). With --threads 1 and 2 in two runs it \
        shows which operators gain from the second thread.
        """)

    @Option(help: "Comma-separated presets: small, base, big, tiny.")
    var configs: String = "small,base"

    @Option(help: "Comma-separated decoders: softmax, t2r.")
    var decoders: String = "softmax,t2r"

    @Flag(help: "Also print each product shape's calls, share of the products' time and rate (one line per shape).")
    var products = false

    @Flag(help: "Also print each operator's own time outside the products (one line per operator; see the discussion).")
    var ops = false

    @Option(help: "Profiled steps for --ops (untimed, after the timed ones).")
    var opsSteps: Int = 3

    @Option(help: "Target tokens per batch.")
    var tokens: Int = 4096

    @Option(help: "Source and target length of every sentence.")
    var length: Int = 25

    @Option(help: "Timed steps per configuration (after two warm-up steps).")
    var steps: Int = 3

    @Option(help: "Threads (OpenBLAS and the toolkit's own).")
    var threads: Int = 2

    func validate() throws {
        for c in configs.split(separator: ",") where ModelConfig.Preset(rawValue: String(c)) == nil {
            throw ValidationError("unknown preset '\(c)' (small, base, big, tiny)")
        }
        for d in decoders.split(separator: ",") where ModelConfig.DecoderAttention(rawValue: String(d)) == nil {
            throw ValidationError("unknown decoder '\(d)' (softmax, t2r)")
        }
        guard tokens >= length, length >= 2, steps >= 1, threads >= 1, opsSteps >= 1 else {
            throw ValidationError("need tokens ≥ length ≥ 2, steps ≥ 1, threads ≥ 1, ops-steps ≥ 1; got \(tokens), \(length), \(steps), \(threads), \(opsSteps)")
        }
    }

    func run() throws {
        GEMM.setThreads(threads)
        for c in configs.split(separator: ",") {
            let preset = ModelConfig.Preset(rawValue: String(c))!
            let vocab = preset == .small || preset == .tiny ? 8000 : 32000
            for d in decoders.split(separator: ",") {
                var config = ModelConfig.preset(preset, sourceVocabSize: vocab, targetVocabSize: vocab,
                                                decoderAttention: ModelConfig.DecoderAttention(rawValue: String(d))!)
                config.dropout = 0.1
                try bench(config, preset: preset)
            }
        }
    }

    func bench(_ config: ModelConfig, preset: ModelConfig.Preset) throws {
        let model = try Seq2Seq(config: config)
        let store = ParameterStore(layout: model.layout, training: true)
        model.initialize(store, seed: 1)
        let b = tokens / length
        var rng = RNG(seed: 5)
        func ids(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(4 + rng.below(config.targetVocabSize - 4)) } }
        var tgtIn = ids(b * length), tgtOut = ids(b * length)
        for s in 0..<b { tgtIn[s * length] = Vocab.bos; tgtOut[s * length + length - 1] = Vocab.eos }
        let batch = TokenBatch(batch: b, sourceLength: length, targetLength: length, source: ids(b * length),
                               targetIn: tgtIn, targetOut: tgtOut)
        let arena = Arena(capacity: 0)
        var adam = Adam()
        var stepRNG = RNG(seed: 9)
        func step() {
            arena.reset()
            store.zeroGrads()
            let scale = 1 / Float(batch.targetTokens(pad: model.config.specialIDs.pad))
            let cache = model.forward(batch, smoothing: 0.1, training: true, rng: &stepRNG, params: store, arena: arena,
                                      lossGradientScale: scale)
            model.backward(cache, scale: scale, smoothing: 0.1, params: store, arena: arena)
            let clip = GradClip.factor(store, maxNorm: 1)
            adam.update(store, learningRate: 1e-4, gradScale: clip.scale)
        }
        step()  // warm-up: sizes the arena
        step()  // and runs once on the grown arena (its first touch of fresh pages is not timed)
        // The counted step (not among the timed ones): FLOPs, the largest product, and the wall
        // time of the products issued outside parallel regions, against the step's own time.
        let countedStart = DispatchTime.now().uptimeNanoseconds
        let counted = GEMM.countingProducts { step() }
        let countedSeconds = Double(DispatchTime.now().uptimeNanoseconds - countedStart) / 1e9
        let growsBefore = arena.grows
        // Each timed step is followed by a round of its largest product alone, so the ratio
        // compares neighbouring moments (this machine's speed drifts within a minute).
        let gemm = Self.ProductRate(counted.largest)
        var stepSeconds: [Double] = [], rates: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            step()
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let rate = gemm.measure()
            stepSeconds.append(s); rates.append(rate)
        }
        let ratios = zip(stepSeconds, rates).map { counted.flops / $0 / 1e9 / $1 }
        let seconds = stepSeconds.reduce(0, +) / Double(steps)
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        let ceiling = median(rates)
        // Plain OpenBLAS on the same product, after the timed steps (its threads spin once woken).
        let direct = Self.ProductRate(counted.largest, openBLASThreads: threads)
        let openBLASRate = median((0..<3).map { _ in direct.measure() })
        GEMM.setThreads(threads)  // the wrapper re-applies its OpenBLAS setting on its next product
        emit(["bench": "train", "gemm_backend": GEMM.backend.rawValue, "config": preset.rawValue, "decoder": config.decoderAttention.rawValue,
              "threads": threads, "batch": b, "length": length, "target_tokens": batch.targetTokens(pad: model.config.specialIDs.pad),
              "seconds_per_step": seconds, "tok_per_s": Double(batch.targetTokens(pad: model.config.specialIDs.pad)) / seconds,
              "arena_mb": Double(arena.capacity) * 4 / 1e6, "arena_grows_in_timed_steps": arena.grows - growsBefore,
              "parameters": model.layout.parameterCount,
              "model_gflop_per_step": counted.flops / 1e9, "model_gflops": counted.flops / seconds / 1e9,
              "largest_product": Self.describe(counted.largest), "sgemm_gflops_largest": ceiling,
              "ratio_to_sgemm": median(ratios),
              "top_level_products_share_of_step": counted.topLevelSeconds / countedSeconds,
              "top_level_products_gflops": counted.topLevelFlops / counted.topLevelSeconds / 1e9,
              "top_level_products_ratio_to_sgemm": counted.topLevelFlops / counted.topLevelSeconds / 1e9 / ceiling,
              "gflop_in_parallel_regions": (counted.flops - counted.topLevelFlops) / 1e9,
              "per_item_loops_share_of_step": GEMM.countedRegionSeconds / countedSeconds,
              "openblas_sgemm_gflops_largest": openBLASRate, "ratio_to_openblas_sgemm": counted.flops / seconds / 1e9 / openBLASRate])
        if ops { profileOperators(step, preset: preset, decoder: config.decoderAttention) }
        guard products else { return }
        // Each shape also alone (ProductRate, 0.3 s, after the steps): the rate the backend
        // reaches on it with warm caches and nothing else running. The step's FLOPs over the
        // time those products would take at those rates bound the step's ratio from above: what
        // it would reach if nothing but its top-level products took any time.
        var aloneSeconds = 0.0
        for s in counted.topLevelByShape.sorted(by: { $0.seconds > $1.seconds }) where s.seconds > 0 {
            let flop = 2 * Double(s.shape.m) * Double(s.shape.n) * Double(s.shape.k) * Double(s.calls)
            let gflops = flop / s.seconds / 1e9
            let alone = Self.ProductRate(s.shape).measure()
            aloneSeconds += flop / alone / 1e9
            emit(["bench": "train_products", "config": preset.rawValue, "decoder": config.decoderAttention.rawValue,
                  "product": Self.describe(s.shape), "calls": s.calls, "share_of_products_time": s.seconds / counted.topLevelSeconds,
                  "gflops": gflops, "ratio_to_sgemm": gflops / ceiling,
                  "alone_gflops": alone, "alone_ratio_to_sgemm": alone / ceiling])
        }
        emit(["bench": "train_products_bound", "config": preset.rawValue, "decoder": config.decoderAttention.rawValue,
              "top_level_products_alone_seconds": aloneSeconds,
              "bound_ratio_to_sgemm": counted.flops / aloneSeconds / 1e9 / ceiling])
    }

    /// --ops: `opsSteps` profiled steps; one line per operator, then the products and the rest.
    func profileOperators(_ step: () -> Void, preset: ModelConfig.Preset, decoder: ModelConfig.DecoderAttention) {
        OpProfile.reset()
        OpProfile.enabled = true
        var wall = 0.0, products = 0.0
        for _ in 0..<opsSteps {
            let start = DispatchTime.now().uptimeNanoseconds
            let c = GEMM.countingProducts { step() }
            wall += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            products += c.topLevelSeconds
        }
        OpProfile.enabled = false
        let n = Double(opsSteps)
        func line(_ op: String, calls: Int?, seconds: Double) {
            emit(["bench": "train_ops", "config": preset.rawValue, "decoder": decoder.rawValue, "threads": threads,
                  "op": op, "ms_per_step": seconds / n * 1000, "share_of_step": seconds / wall],
                 extra: calls.map { String(format: "\"calls_per_step\":%.4g", Double($0) / n) } ?? "")
        }
        var marked = 0.0
        for t in OpProfile.totals() {
            line(t.op.name, calls: t.calls, seconds: t.seconds)
            marked += t.seconds
        }
        line("(products outside parallel regions)", calls: nil, seconds: products)
        line("(unmarked)", calls: nil, seconds: wall - products - marked)
    }

    static func describe(_ p: GEMM.ProductShape) -> String {
        "\(p.m)x\(p.n)x\(p.k) \(p.transA == .none ? "N" : "T")\(p.transB == .none ? "N" : "T")"
    }

    /// GFLOP/s of `GEMM.sgemm` alone on one shape (same threads as the step): the ceiling the
    /// step's model FLOPs are compared with; or, given `openBLASThreads`, of one direct
    /// `cblas_sgemm` call on that many OpenBLAS threads. `measure()` runs it for at least 0.3 s.
    final class ProductRate {
        let p: GEMM.ProductShape
        let a: Tensor, b: Tensor, c: Tensor
        let lda: Int, ldb: Int
        let openBLASThreads: Int?
        init(_ p: GEMM.ProductShape, openBLASThreads: Int? = nil) {
            self.p = p
            self.openBLASThreads = openBLASThreads
            let (ar, ac) = p.transA == .none ? (p.m, p.k) : (p.k, p.m)
            let (br, bc) = p.transB == .none ? (p.k, p.n) : (p.n, p.k)
            a = Tensor(zeros: [ar, ac]); b = Tensor(zeros: [br, bc]); c = Tensor(zeros: [p.m, p.n])
            lda = ac; ldb = bc
            var rng = RNG(seed: 3)
            rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1)
            once()
        }
        func once() {
            if let t = openBLASThreads {
                openblas_set_num_threads(Int32(t))
                cblas_sgemm(CblasRowMajor, p.transA == .none ? CblasNoTrans : CblasTrans, p.transB == .none ? CblasNoTrans : CblasTrans,
                            Int32(p.m), Int32(p.n), Int32(p.k), 1, a.pointer, Int32(lda), b.pointer, Int32(ldb), 0, c.pointer, Int32(p.n))
                return
            }
            GEMM.sgemm(p.transA, p.transB, m: p.m, n: p.n, k: p.k, a: a.pointer, lda: lda, b: b.pointer, ldb: ldb,
                       c: c.pointer, ldc: p.n)
        }
        func measure() -> Double {
            var reps = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                once(); reps += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < 0.3
            return 2.0 * Double(p.m) * Double(p.n) * Double(p.k) * Double(reps) / elapsed / 1e9
        }
    }
}
