import ArgumentParser
import Foundation
import MTRuntime
import MTSearch
import MTTensor

/// `mt-bench translate`: end-to-end speed of a trained model directory on real text, through
/// the same runtime mt-translate uses (text pipeline, length-sorted batches, search, detokenising).
struct TranslateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translation speed of a model directory on a text file (one JSON line per batch mode).",
        discussion: """
        Translates every line of --input with the model: once with --batch-tokens (sentences of \
        similar length decoded together, as mt-translate does) and once a line at a time (batch 1, \
        the latency an interactive user or a server request sees). tok_per_s counts the best \
        hypotheses' subword tokens; ms_per_line is wall time per input line. The first line is \
        translated once before timing (warm-up).
        """)

    @Option(name: .shortAndLong, help: "Model directory (a mt-train save_dir).")
    var model: String

    @Option(name: .shortAndLong, help: "Input text, one sentence per line (raw, as mt-translate reads it).")
    var input: String

    @Option(help: "Beam size (1: greedy search).")
    var beam: Int = 4

    @Option(help: "Source tokens per decoding batch.")
    var batchTokens: Int = 4096

    @Option(help: "Lines to translate (0: all).")
    var lines: Int = 0

    @Option(help: "Threads (OpenBLAS and the toolkit's own).")
    var threads: Int = 2

    func validate() throws {
        guard beam >= 1, batchTokens >= 1, lines >= 0, threads >= 1 else {
            throw ValidationError("need beam, batch-tokens, threads ≥ 1 and lines ≥ 0; got \(beam), \(batchTokens), \(threads), \(lines)")
        }
    }

    func run() throws {
        GEMM.setThreads(threads)
        let loaded = try LoadedModel(directory: model)
        guard let text = try? String(contentsOfFile: input, encoding: .utf8) else {
            throw ValidationError("\(input): cannot read it as UTF-8 text")
        }
        var all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if all.last == "" { all.removeLast() }
        if lines > 0 { all = Array(all.prefix(lines)) }
        guard !all.isEmpty else { throw ValidationError("\(input) has no lines") }
        let inputs = all.map { InputLine.text($0) }
        let translator = LineTranslator(model: loaded)
        let options = SearchOptions(beam: beam, batchTokens: batchTokens)
        _ = try translator.translate([inputs[0]], options: options)  // warm-up
        for mode in ["batched", "batch1"] {
            let before = translator.targetTokens
            let start = DispatchTime.now().uptimeNanoseconds
            if mode == "batched" {
                _ = try translator.translate(inputs, options: options)
            } else {
                for line in inputs { _ = try translator.translate([line], options: options) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let tokens = translator.targetTokens - before
            emit(["bench": "translate", "mode": mode, "decoder": loaded.model.config.decoderAttention.rawValue,
                  "beam": beam, "threads": threads, "lines": inputs.count, "target_tokens": tokens,
                  "seconds": seconds, "tok_per_s": Double(tokens) / seconds,
                  "ms_per_line": seconds * 1000 / Double(inputs.count),
                  "checkpoint": (loaded.checkpoint as NSString).lastPathComponent])
        }
    }
}
