import ArgumentParser
import Foundation
import MTModel
import MTSearch
import MTTensor

/// `mt-bench decode`: target tokens/s of greedy and beam search for the softmax and T2R decoders
/// on random-weight models, with the output length forced (</s> banned until the length, then
/// forced), the time per step at given positions, and the peak resident memory of each case.
struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decoding tokens/s, time per step and peak memory for softmax and T2R decoders.",
        discussion: """
        Each case decodes --batches random sources of --src-len tokens with beam K (1 = greedy \
        search), every output forced to exactly LEN tokens. tok_per_s = batch · LEN / seconds, \
        the seconds covering the whole search (encoder, cross state, every step).

        step_ms_tN is the mean wall time of the steps at positions N-5 ..< N+5 (N ≤ LEN); \
        step_cpu_ms_tN is their process CPU time (all threads, including OpenBLAS threads \
        spinning while they wait). load_avg_1m is the load when the case ended: other jobs on \
        the machine make every timing noisy.

        Each case runs in a child process (unless --in-process), so peak_rss_mb (VmHWM) is that \
        case's own peak; rss_model_mb is the resident size after the model is built and a short \
        warm-up decode. Vocabularies: 8,000 for small, 32,000 for base (as mt-bench train). Cases \
        are the cross product of the lists; --max-tokens skips cases with batch·beam·len above it.
        """)

    @Option(help: "Comma-separated presets: small, base, tiny, big.")
    var configs: String = "small"

    @Option(help: "Comma-separated decoders: t2r, softmax.")
    var decoders: String = "t2r,softmax"

    @Option(help: "Comma-separated beam sizes (1 = greedy search).")
    var beams: String = "4"

    @Option(help: "Comma-separated batch sizes (sentences).")
    var batches: String = "32"

    @Option(help: "Comma-separated forced output lengths.")
    var lens: String = "25,100,400"

    @Option(help: "Source length of every sentence.")
    var srcLen: Int = 25

    @Option(help: "Threads (OpenBLAS and the toolkit's own).")
    var threads: Int = 2

    @Option(help: "Skip cases whose batch·beam·len exceeds this (0 = no limit).")
    var maxTokens: Int = 0

    @Flag(help: "Run every case in this process (peak_rss_mb is then the running maximum).")
    var inProcess = false

    @Option(help: "Model layout: fairseq (ours: ReLU, positions from 1, <pad> 0) or marian (an imported OPUS-MT model's: swish, Marian positions, output bias, </s> 0, <pad> last).")
    var layout: String = "fairseq"

    @Option(help: "float32 or int8 (the linear layers' weights quantized per row, as mt-translate --compute-type int8).")
    var computeType: String = "float32"

    @Option(help: "Timed runs of each case; the fastest is reported (seconds_median: their median). A sentence at batch 1 takes a few ms, so one run is noisy.")
    var repeats: Int = 1

    @Option(help: .hidden)
    var caseSpec: String?

    struct Case: Equatable {
        var preset: ModelConfig.Preset
        var decoder: ModelConfig.DecoderAttention
        var beam: Int, batch: Int, len: Int
        var spec: String { "\(preset.rawValue):\(decoder.rawValue):\(beam):\(batch):\(len)" }

        init(preset: ModelConfig.Preset, decoder: ModelConfig.DecoderAttention, beam: Int, batch: Int, len: Int) {
            self.preset = preset; self.decoder = decoder; self.beam = beam; self.batch = batch; self.len = len
        }

        init?(spec: String) {
            let f = spec.split(separator: ":").map(String.init)
            guard f.count == 5, let p = ModelConfig.Preset(rawValue: f[0]), let d = ModelConfig.DecoderAttention(rawValue: f[1]),
                  let k = Int(f[2]), let b = Int(f[3]), let l = Int(f[4]), k >= 1, b >= 1, l >= 1 else { return nil }
            self.init(preset: p, decoder: d, beam: k, batch: b, len: l)
        }
    }

    static func ints(_ s: String) -> [Int]? {
        let v = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return v.isEmpty || v.contains { $0 == nil || $0! < 1 } ? nil : v.map { $0! }
    }

    func cases() -> [Case] {
        var out: [Case] = []
        for c in configs.split(separator: ",") {
            for d in decoders.split(separator: ",") {
                for k in Self.ints(beams)! {
                    for b in Self.ints(batches)! {
                        for l in Self.ints(lens)! where maxTokens == 0 || b * k * l <= maxTokens {
                            out.append(Case(preset: ModelConfig.Preset(rawValue: String(c))!,
                                            decoder: ModelConfig.DecoderAttention(rawValue: String(d))!, beam: k, batch: b, len: l))
                        }
                    }
                }
            }
        }
        return out
    }

    func validate() throws {
        if let s = caseSpec, Case(spec: s) == nil { throw ValidationError("bad case spec '\(s)'") }
        guard layout == "fairseq" || layout == "marian" else { throw ValidationError("--layout is fairseq or marian, not \(layout)") }
        guard ComputeType(rawValue: computeType) != nil else { throw ValidationError("--compute-type is float32 or int8, not \(computeType)") }
        for c in configs.split(separator: ",") where ModelConfig.Preset(rawValue: String(c)) == nil {
            throw ValidationError("unknown preset '\(c)' (small, base, tiny, big)")
        }
        for d in decoders.split(separator: ",") where ModelConfig.DecoderAttention(rawValue: String(d)) == nil {
            throw ValidationError("unknown decoder '\(d)' (t2r, softmax)")
        }
        for (name, v) in [("beams", beams), ("batches", batches), ("lens", lens)] where Self.ints(v) == nil {
            throw ValidationError("--\(name) must be positive integers like 1,4; got \(v)")
        }
        guard srcLen >= 1, threads >= 1, maxTokens >= 0 else {
            throw ValidationError("need --src-len ≥ 1, --threads ≥ 1, --max-tokens ≥ 0")
        }
    }

    func run() throws {
        GEMM.setThreads(threads)
        if let s = caseSpec { try runCase(Case(spec: s)!); return }
        for c in cases() {
            if inProcess { try runCase(c) } else { try runChild(c) }
        }
    }

    /// Runs one case in a child process of this executable (its stdout is ours).
    func runChild(_ c: Case) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        p.arguments = ["decode", "--case-spec", c.spec, "--src-len", "\(srcLen)", "--threads", "\(threads)", "--layout", layout,
                       "--compute-type", computeType, "--repeats", "\(repeats)"]
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            FileHandle.standardError.write("[bench] case \(c.spec) failed with status \(p.terminationStatus)\n".data(using: .utf8)!)
        }
    }

    /// Per-step timestamps, written from the search's step callback.
    /// Wall-clock and process CPU time (all threads) after each step, so that per-step cost can
    /// be read even when other jobs share the cores (CPU time is then the steadier measure).
    final class StepClock: @unchecked Sendable {
        var stamps: [UInt64]
        var cpu: [UInt64]
        init(steps: Int) {
            stamps = [UInt64](repeating: 0, count: steps + 1)
            cpu = [UInt64](repeating: 0, count: steps + 1)
        }
        static func cpuNow() -> UInt64 {
            var ts = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
            return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        }
        func start() { stamps[0] = DispatchTime.now().uptimeNanoseconds; cpu[0] = Self.cpuNow() }
        func mark(_ step: Int) {
            if step + 1 < stamps.count { stamps[step + 1] = DispatchTime.now().uptimeNanoseconds; cpu[step + 1] = Self.cpuNow() }
        }
        /// Mean ms (wall, cpu) of the steps at positions [t-5, t+5) that exist.
        func meanMs(around t: Int) -> (wall: Double, cpu: Double) {
            let lo = max(1, t - 5), hi = min(stamps.count - 1, t + 5)
            guard hi > lo, stamps[lo] > 0, stamps[hi] > 0 else { return (.nan, .nan) }
            return (Double(stamps[hi] - stamps[lo]) / 1e6 / Double(hi - lo), Double(cpu[hi] - cpu[lo]) / 1e6 / Double(hi - lo))
        }
    }

    func runCase(_ c: Case) throws {
        let vocab = c.preset == .small || c.preset == .tiny ? 8000 : 32000
        var config = ModelConfig.preset(c.preset, sourceVocabSize: vocab, targetVocabSize: vocab, decoderAttention: c.decoder)
        config.dropout = 0
        if layout == "marian" {
            config.embeddingLayout = .marian
            config.ffnActivation = .swish
            config.outputBias = true
            config.tying = .all
            config.specialIDs = .init(pad: Int32(vocab - 1), bos: Int32(vocab - 1), eos: 0, unk: 1)
        }
        let model = try Seq2Seq(config: config).withPositions(atLeast: c.len + srcLen + 2)
        let store = ParameterStore(layout: model.layout, training: false)
        model.initialize(store, seed: 1)
        model.prepare(store, for: ComputeType(rawValue: computeType) ?? .float32)
        var rng = RNG(seed: 5)
        // real tokens: 4..<V (ours), 2..<V−1 (Marian: </s> 0, <unk> 1, <pad> V−1)
        let (lo, n) = layout == "marian" ? (2, vocab - 3) : (4, vocab - 4)
        let sources = (0..<c.batch).map { _ in (0..<srcLen).map { _ in Int32(lo + rng.below(n)) } }
        let arena = Arena(capacity: 0)
        // warm-up: a short run sizes the arena and touches the weights
        _ = search(c, model, store, sources: sources, len: min(c.len, 8), arena: arena, clock: nil)
        let rssModel = Self.rssMB(field: "VmRSS:")
        var clock = StepClock(steps: c.len + 1)
        var seconds = Double.infinity, cpuSeconds = 0.0
        var all: [Double] = []
        for _ in 0..<max(1, repeats) {
            let runClock = StepClock(steps: c.len + 1)
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = StepClock.cpuNow()
            runClock.start()
            let hyps = search(c, model, store, sources: sources, len: c.len, arena: arena, clock: runClock)
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(hyps.allSatisfy { $0.tokens.count == c.len }, "decode bench: an output is not \(c.len) tokens long")
            all.append(s)
            if s < seconds { seconds = s; cpuSeconds = Double(StepClock.cpuNow() - cpuStart) / 1e9; clock = runClock }
        }
        let median = all.sorted()[all.count / 2]
        let steps = [25, 100, 400, 1000].filter { $0 <= c.len }.map { (t: $0, ms: clock.meanMs(around: $0)) }
        let stepText = (steps.map { "\"step_ms_t\($0.t)\":\(String(format: "%.4g", $0.ms.wall))" }
            + steps.map { "\"step_cpu_ms_t\($0.t)\":\(String(format: "%.4g", $0.ms.cpu))" }).joined(separator: ",")
        let fields: KeyValuePairs<String, Any> = ["bench": "decode", "gemm_backend": GEMM.backend.rawValue, "layout": layout, "compute_type": computeType, "config": c.preset.rawValue, "decoder": c.decoder.rawValue, "beam": c.beam,
                  "batch": c.batch, "len": c.len, "src_len": srcLen, "threads": threads,
                  "tok_per_s": Double(c.batch * c.len) / seconds, "seconds": seconds, "cpu_seconds": cpuSeconds,
                  "repeats": all.count, "seconds_median": median,
                  "load_avg_1m": Self.loadAverage(),
                  "ms_per_step": seconds * 1000 / Double(c.len + 1),
                  "peak_rss_mb": Self.rssMB(field: "VmHWM:"), "rss_model_mb": rssModel,
                  "arena_mb": Double(arena.capacity) * 4 / 1e6]
        emit(fields, extra: stepText)
    }

    func search(_ c: Case, _ model: Seq2Seq, _ store: ParameterStore, sources: [[Int32]], len: Int, arena: Arena,
                clock: StepClock?) -> [Hypothesis] {
        let opts = SearchOptions.forcedLength(len, beam: c.beam)
        var onStep: (@Sendable (Int) -> Void)? = nil
        if let clock { onStep = { @Sendable step in clock.mark(step) } }
        if c.beam == 1 {
            return GreedySearch(model: model, params: store, options: opts, onStep: onStep).search(sources, arena: arena)
        }
        return BeamSearch(model: model, params: store, options: opts, onStep: onStep).search(sources, arena: arena).map { $0[0] }
    }

    /// The 1-minute load average (other jobs on the machine make timings noisy).
    static func loadAverage() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return .nan }
        return s.split(separator: " ").first.flatMap { Double($0) } ?? .nan
    }

    /// A memory line of /proc/self/status in MB (VmHWM: peak resident, VmRSS: current).
    static func rssMB(field: String) -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in s.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
            return (kb ?? .nan) / 1024
        }
        return .nan
    }
}
