import ArgumentParser
import Foundation
import MTModel
import MTRuntime
import MTSearch
import MTTensor

/// `mt-bench paragraphs`: where a recurrent decoder pays off, on real text. Consecutive lines of
/// a test set (newstest2014) are joined into paragraphs of `--min-tokens`–`--max-tokens` source
/// subword tokens and translated one paragraph at a time; the same lines are also translated one
/// sentence at a time. Each model runs in its own child process, so its peak memory is its own.
struct ParagraphBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paragraphs",
        abstract: "Long-output decoding: tok/s, time per token against position and peak memory per model.",
        discussion: """
        Paragraphs: consecutive --input lines joined (with a space) until the model's source \
        pipeline gives at least --min-tokens subword tokens; a paragraph that would pass \
        --max-tokens is closed before the line that would overflow it (a single longer line is \
        skipped). The first --paragraphs paragraphs are used.

        Output length: </s> is banned until the output is as long as its source (--min-ratio 1), \
        and the limit is a·S + b (--max-len-a, --max-len-b), so outputs are long even when a model \
        trained on short sentences would stop early (quality is not the point here). Mode \
        `sentences` translates the paragraphs' lines one at a time with the same rule.

        One JSON line per model and mode: tok_per_s (target tokens / wall seconds, encoder \
        included), step_ms_tN (mean wall time of the steps at positions N-5 ..< N+5, over the \
        outputs that reach them), peak_rss_mb (VmHWM of that model's process), \
        state_floats_per_layer (T2R: H·(R_c + R_x)·(Dh + 1) per row, constant; softmax: the \
        key/value caches 2·D·(t + S) at the mean final t and S).
        """)

    @Option(help: "Comma-separated model directories (mt-train save_dirs), e.g. work/demo/softmax,work/demo/t2r.")
    var models: String

    @Option(name: .shortAndLong, help: "Source text, one sentence per line (raw), e.g. newstest2014 English.")
    var input: String

    @Option(help: "Fewest source subword tokens in a paragraph.")
    var minTokens: Int = 150

    @Option(help: "Most source subword tokens in a paragraph.")
    var maxTokens: Int = 400

    @Option(help: "Paragraphs to translate.")
    var paragraphs: Int = 4

    @Option(help: "Beam size (1: greedy search).")
    var beam: Int = 1

    @Option(help: "</s> is banned until the output has this many tokens per source token.")
    var minRatio: Float = 1

    @Option(help: "a in the output limit a·S + b.")
    var maxLenA: Float = 2

    @Option(help: "b in the output limit a·S + b.")
    var maxLenB: Int = 10

    @Option(help: "Comma-separated modes: paragraphs, sentences.")
    var modes: String = "sentences,paragraphs"

    @Option(help: "Threads (OpenBLAS and the toolkit's own).")
    var threads: Int = 2

    @Flag(help: "Run every model in this process (peak_rss_mb is then the running maximum).")
    var inProcess = false

    @Option(help: .hidden)
    var single: String?

    func validate() throws {
        guard minTokens >= 1, maxTokens >= minTokens, paragraphs >= 1, beam >= 1, threads >= 1, minRatio >= 0,
              maxLenA >= 0, maxLenB >= 0 else {
            throw ValidationError("need 1 ≤ min-tokens ≤ max-tokens, paragraphs, beam, threads ≥ 1, min-ratio, max-len-a, max-len-b ≥ 0")
        }
        for m in modes.split(separator: ",") where !["paragraphs", "sentences"].contains(String(m)) {
            throw ValidationError("unknown mode '\(m)' (paragraphs, sentences)")
        }
    }

    func run() throws {
        GEMM.setThreads(threads)
        if let dir = single { try runModel(dir); return }
        for dir in models.split(separator: ",").map(String.init) {
            if inProcess { try runModel(dir); continue }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            p.arguments = ["paragraphs", "--models", models, "--single", dir, "--input", input,
                           "--min-tokens", "\(minTokens)", "--max-tokens", "\(maxTokens)", "--paragraphs", "\(paragraphs)",
                           "--beam", "\(beam)", "--min-ratio", "\(minRatio)", "--max-len-a", "\(maxLenA)",
                           "--max-len-b", "\(maxLenB)", "--modes", modes, "--threads", "\(threads)"]
            try p.run()
            p.waitUntilExit()
            if p.terminationStatus != 0 { throw ValidationError("paragraphs: \(dir) failed with status \(p.terminationStatus)") }
        }
    }

    /// Paragraphs as lists of line token ids: consecutive lines joined to [minTokens, maxTokens].
    static func paragraphs(_ lines: [[Int32]], min lo: Int, max hi: Int, count: Int) -> [[[Int32]]] {
        var out: [[[Int32]]] = [], cur: [[Int32]] = [], n = 0
        for ids in lines where !ids.isEmpty {
            if n + ids.count > hi {
                cur = []; n = 0
                if ids.count > hi { continue }
            }
            cur.append(ids); n += ids.count
            if n >= lo {
                out.append(cur); cur = []; n = 0
                if out.count == count { break }
            }
        }
        return out
    }

    func runModel(_ dir: String) throws {
        let loaded = try LoadedModel(directory: dir)
        guard let text = try? String(contentsOfFile: input, encoding: .utf8) else {
            throw ValidationError("\(input): cannot read it as UTF-8 text")
        }
        let translator = LineTranslator(model: loaded)
        let lines = text.split(separator: "\n").map { translator.encode(String($0)) }
        let paras = Self.paragraphs(lines, min: minTokens, max: maxTokens, count: paragraphs)
        guard paras.count == paragraphs else {
            throw ValidationError("\(input): only \(paras.count) paragraphs of \(minTokens)–\(maxTokens) tokens, asked for \(paragraphs)")
        }
        let longest = paras.map { $0.reduce(0) { $0 + $1.count } }.max()!
        let limit = Int(maxLenA * Float(longest + 1)) + maxLenB
        let model = loaded.model.withPositions(atLeast: limit + longest + 4)
        let c = model.config
        let arena = Arena(capacity: 0)
        // warm-up: one sentence, short
        _ = decode(model, loaded.store, [paras[0][0]], arena: arena, clock: nil)
        for mode in modes.split(separator: ",").map(String.init) {
            let inputs: [[Int32]] = mode == "paragraphs" ? paras.map { $0.flatMap { $0 } } : paras.flatMap { $0 }
            var tokens = 0, steps: [[Double]] = [], finalPositions = 0, sourceTokens = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for src in inputs {
                let clock = DecodeBench.StepClock(steps: limit + 2)
                clock.start()
                let h = decode(model, loaded.store, [src], arena: arena, clock: clock)
                tokens += h.tokens.count
                finalPositions += h.tokens.count + 1
                sourceTokens += src.count + 1
                var ms: [Double] = []  // ms[i]: wall time of step i (the first includes the encoder)
                let st = clock.stamps
                for i in 1..<st.count where st[i] > 0 && st[i - 1] > 0 {
                    let ns: UInt64 = st[i] - st[i - 1]
                    ms.append(Double(ns) / 1e6)
                }
                steps.append(ms)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let n = Double(inputs.count)
            let stepText = [25, 100, 200, 400].map { t -> String in
                var sum = 0.0, cnt = 0
                for s in steps where s.count > t - 5 {
                    for i in max(0, t - 5)..<min(s.count, t + 5) { sum += s[i]; cnt += 1 }
                }
                return "\"step_ms_t\(t)\":\(cnt > 0 ? String(format: "%.4g", sum / Double(cnt)) : "null")"
            }.joined(separator: ",")
            let state: Double
            if c.decoderAttention == .t2r {
                let layer = model.decoderLayers[0]
                var rc = 0, rx = 0
                if case .t2r(let a) = layer.selfAttention { rc = a.features }
                if case .t2r(let a) = layer.crossAttention { rx = a.features }
                state = Double(c.heads * (rc + rx) * (c.headDim + 1))
            } else {
                state = 2 * Double(c.modelDim) * (Double(finalPositions) + Double(sourceTokens)) / n
            }
            emit(["bench": "paragraphs", "mode": mode, "model": (dir as NSString).lastPathComponent,
                  "decoder": c.decoderAttention.rawValue,
                  "feature_map": c.decoderAttention == .softmax ? "-" : c.featureMap.rawValue, "beam": beam,
                  "threads": threads, "inputs": inputs.count, "mean_src_tokens": Double(sourceTokens) / n - 1,
                  "mean_out_tokens": Double(tokens) / n, "target_tokens": tokens, "seconds": seconds,
                  "tok_per_s": Double(tokens) / seconds, "peak_rss_mb": DecodeBench.rssMB(field: "VmHWM:"),
                  "state_floats_per_layer": state, "load_avg_1m": DecodeBench.loadAverage()], extra: stepText)
        }
    }

    /// One source: </s> banned until minRatio·S tokens, limit a·S + b (S counts the source's </s>).
    func decode(_ model: Seq2Seq, _ store: ParameterStore, _ sources: [[Int32]], arena: Arena,
                clock: DecodeBench.StepClock?) -> Hypothesis {
        let s = sources[0].count + 1
        let opts = SearchOptions(beam: beam, maxLenA: maxLenA, maxLenB: maxLenB,
                                 minLength: Int((minRatio * Float(s - 1)).rounded(.down)))
        var onStep: (@Sendable (Int) -> Void)? = nil
        if let clock { onStep = { @Sendable step in clock.mark(step) } }
        if beam == 1 { return GreedySearch(model: model, params: store, options: opts, onStep: onStep).search(sources, arena: arena)[0] }
        return BeamSearch(model: model, params: store, options: opts, onStep: onStep).search(sources, arena: arena)[0][0]
    }
}
