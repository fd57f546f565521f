import ArgumentParser
import Foundation
import MTModel
import MTRuntime
import MTSearch
import MTTensor

/// `mt-translate`: a stream filter. Raw text in on stdin, detokenised translations out on
/// stdout: exactly one line out per line in, in order, flushed per batch.
@main
struct MTTranslate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-translate",
        abstract: "Translate stdin to stdout, one line out per line in.",
        discussion: """
        The model directory is a training run's save_dir: checkpoints plus vocab.src, vocab.tgt and \
        bpe.codes. Text goes through the same normaliser, pretokenizer and BPE as in training, and \
        output is detokenised. An empty input line gives an empty output line; an invalid UTF-8 \
        line is reported on stderr and gives an empty line, so output lines always match input lines.

        --nbest N prints N lines per input line: "index ||| translation ||| score" (fairseq's \
        format: index is the 0-based input line, score the length-normalised log-probability). \
        --scores appends " ||| score" to each line instead (1-best).
        """)

    @Option(name: .shortAndLong, help: "Model directory (a mt-train save_dir).")
    var model: String

    @Option(help: "Checkpoint file (default: <model>/checkpoint_best.safetensors, else checkpoint_last).")
    var checkpoint: String?

    // Defaults: 4, 1, 2, 10 — or the model directory's search.json (an imported model's generate settings).
    @Option(help: "Beam size (1: greedy search; default 4 or the model's search.json).")
    var beam: Int?

    @Option(help: "Length penalty α: hypotheses rank by log p / length^α (fairseq's --lenpen; default 1).")
    var lenpen: Float?

    @Option(help: "a in the maximum output length a·S + b (S: source tokens incl. </s>; default 2).")
    var maxLenA: Float?

    @Option(help: "b in the maximum output length a·S + b (default 10).")
    var maxLenB: Int?

    @Option(help: "Hypotheses per input line (≤ beam); see the output format above.")
    var nbest: Int = 1

    @Flag(help: "Append ' ||| score' to each output line.")
    var scores = false

    @Option(help: "Source tokens per decoding batch (sentences of similar length are batched).")
    var batchTokens: Int = 4096

    @Option(help: "Input lines read before translating a batch (larger sorts better; smaller answers sooner in a pipe).")
    var bufferLines: Int = 256

    @Option(help: "Threads for OpenBLAS and the toolkit.")
    var threads: Int = 2

    @Option(help: "float32, or int8: the linear layers' weights quantized to int8 per output row when the model loads, inputs per row on every product (CTranslate2's compute_type int8).")
    var computeType: String = "float32"

    @Flag(help: "Input is already segmented (BPE tokens) and output stays segmented (no BPE removal or detokenisation).")
    var raw = false

    @Flag(help: "Teacher-force each input's translation through the parallel and the recurrent decoder and report the largest logit difference on stderr.")
    var verifyRecurrent = false

    func validate() throws {
        let o = searchOptions(defaults: nil)
        do { try o.validate() } catch { throw ValidationError("\(error)") }
        guard threads >= 1, bufferLines >= 1 else { throw ValidationError("--threads and --buffer-lines must be ≥ 1") }
        guard ComputeType(rawValue: computeType) != nil else {
            throw ValidationError("--compute-type \(computeType): expected one of \(ComputeType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The flags over the model's defaults (search.json) over the built-in ones.
    func searchOptions(defaults: SearchOptions?) -> SearchOptions {
        var o = defaults ?? SearchOptions()
        if let beam { o.beam = beam }
        if let lenpen { o.lengthPenalty = lenpen }
        if let maxLenA { o.maxLenA = maxLenA }
        if let maxLenB { o.maxLenB = maxLenB }
        o.nbest = nbest
        o.batchTokens = batchTokens
        if defaults != nil && beam == nil && o.nbest > o.beam { o.beam = o.nbest }
        return o
    }

    func run() throws {
        GEMM.setThreads(threads)
        let loaded: LoadedModel
        do {
            loaded = try LoadedModel(directory: model, checkpoint: checkpoint, computeType: ComputeType(rawValue: computeType) ?? .float32)
        } catch {
            throw ValidationError("\(error)")
        }
        let translator = LineTranslator(model: loaded, raw: raw)
        let searchOptions = self.searchOptions(defaults: loaded.searchDefaults)
        do { try searchOptions.validate() } catch { throw ValidationError("\(error)") }
        let format = OutputFormat(nbest: nbest, scores: scores)
        let input = LineInput()
        var lineNumber = 0
        let start = Date()
        while true {
            // The lines there now (waiting only for the first), so each is answered on arrival.
            let buffer = try input.available(max: bufferLines)
            if buffer.isEmpty { break }
            let results = try translator.translate(buffer, options: searchOptions,
                                                   verifyRecurrent: verifyRecurrent)
            for w in OutputFormat.warnings(results, firstLine: lineNumber) { warn(w) }
            let out = format.format(results, firstLine: lineNumber)
            lineNumber += buffer.count
            try writeOutput(out)  // unbuffered write(2): flushed per batch
        }
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data(String(
            format: "[translate] %d lines, %d target tokens in %.1f s: %.1f tok/s (beam %d, %@ decoder, %@)\n",
            lineNumber, translator.targetTokens, seconds, Double(translator.targetTokens) / max(seconds, 1e-9),
            searchOptions.beam, loaded.model.config.decoderAttention.rawValue, (loaded.checkpoint as NSString).lastPathComponent).utf8))
    }

    func warn(_ s: String) { FileHandle.standardError.write(Data(("[translate] " + s + "\n").utf8)) }

    /// Writes to standard output. When the reader has gone (`mt-translate … | head`: EPIPE, the
    /// Swift runtime ignores SIGPIPE) it stops quietly with status 141, as a process killed by
    /// SIGPIPE does, instead of translating the rest for nobody; other write errors name the cause.
    func writeOutput(_ text: String) throws {
        do { try FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) } catch {
            let posix = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { $0.domain == NSPOSIXErrorDomain ? $0.code : 0 }
            if posix == Int(EPIPE) || (error as? POSIXError)?.code == .EPIPE { throw ExitCode(141) }
            throw ValidationError("cannot write the translations to standard output: \(error)")
        }
    }
}

