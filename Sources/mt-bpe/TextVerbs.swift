// The t2r-mt text verbs: pretokenize, detokenize, decode (undo BPE + detokenize), build-vocab.
import ArgumentParser
import Dispatch
import FoundationEssentials
import Glibc
import MTIO
import MTText

extension NormalizerOptions.Form: ExpressibleByArgument {}
extension SegmentationMode: ExpressibleByArgument {}

/// Applies `transform` to every line of the input (split on "\n"), in parallel, in order.
func mapLines(_ io: InputOptions, threads: Int, _ transform: @escaping @Sendable (String) -> String) throws {
    let reader = try io.reader(.newline)
    let writer = try io.writer()
    let checker = UTF8Checker(skip: io.skipInvalid)
    while let chunk = try reader.nextChunk() {
        let bad = try checker.check(chunk, source: reader.sourceName)
        let n = chunk.lineCount
        let workers = max(1, min(threads, n / 32 + 1))
        let slots = OutputSlots(workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var out: [UInt8] = []
            for l in (n * w / workers)..<(n * (w + 1) / workers) {
                if !bad.contains(l) {
                    var e = chunk.lineStarts[l + 1]
                    let s = chunk.lineStarts[l]
                    if e > s && chunk.bytes[e - 1] == 0x0A { e -= 1 }
                    if e > s && chunk.bytes[e - 1] == 0x0D { e -= 1 }
            out.append(contentsOf: transform(String(decoding: chunk.bytes[s..<e], as: UTF8.self)).utf8)
                }
                out.append(0x0A)
            }
            slots.set(w, out)
        }
        for w in 0..<workers { try writer.write(slots.get(w)) }
    }
    try writer.flush()
    checker.report(reader.sourceName)
}

final class OutputSlots: @unchecked Sendable {
    private let p: UnsafeMutablePointer<[UInt8]>
    private let n: Int
    init(_ n: Int) { self.n = n; p = .allocate(capacity: n); p.initialize(repeating: [], count: n) }
    deinit { p.deinitialize(count: n); p.deallocate() }
    func set(_ i: Int, _ v: [UInt8]) { p[i] = v }
    func get(_ i: Int) -> [UInt8] { p[i] }
}

struct Pretokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Normalise and split text into tokens, marking joins so that detokenize restores it.",
        discussion: """
            Normalisation: control characters removed, whitespace collapsed, Unicode form (NFKC by default, \
            through ICU). Tokens: letter runs, digit runs, single punctuation/symbol characters, and words \
            of Han/Kana/Thai text (ICU word break). A token glued to the previous one starts with '￭' \
            (U+FFED). detokenize(pretokenize(x)) equals the normalised x exactly. One output line per input \
            line.
            """)

    @OptionGroup var io: InputOptions

    @Option(help: "Unicode normal form: nfkc, nfc or none.")
    var form: NormalizerOptions.Form = .nfkc

    @Option(help: "Spaceless scripts (Han, Kana, Thai, ...): words (ICU word break), characters or none.")
    var segmentation: SegmentationMode = .words

    @Option(help: "ICU locale of the word break iterator.")
    var locale: String = "zh"

    @Flag(help: "Make every digit a separate token.")
    var splitDigits = false

    @Option(help: ArgumentHelp("Read all settings from this JSON file (as written by --write-options); the flags above are then ignored.", valueName: "path"))
    var options: String?

    @Option(help: ArgumentHelp("Write the settings used as JSON (store it with the model so translation pretokenizes the same way).", valueName: "path"))
    var writeOptions: String?

    @Option(help: "Threads (default: all cores).")
    var threads: Int = 0

    func run() throws {
        var settings = PretokenizerOptions(normalizer: NormalizerOptions(form: form), segmentation: segmentation,
                                           locale: locale, splitDigits: splitDigits)
        if let path = options {
            do {
                settings = try JSONDecoder().decode(PretokenizerOptions.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw ValidationError("cannot read pretokenizer options from \(path): \(error)")
            }
        }
        if let path = writeOptions {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(settings).write(to: URL(fileURLWithPath: path))
        }
        let p = Pretokenizer(settings)
        try runReportingErrors {
            try mapLines(io, threads: threads > 0 ? threads : defaultThreads()) { p.pretokenize($0) }
        }
    }
}

struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join pretokenized text: tokens starting with '￭' are glued to the previous token.")

    @OptionGroup var io: InputOptions

    func run() throws {
        let d = Detokenizer()
        try runReportingErrors { try mapLines(io, threads: defaultThreads()) { d.detokenize($0) } }
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn model output into text: remove BPE continuation markers ('@@ '), then detokenize.")

    @OptionGroup var io: InputOptions

    @Option(name: [.short, .long], help: "BPE separator.")
    var separator: String = "@@"

    func run() throws {
        let d = Detokenizer()
        let sep = separator
        try runReportingErrors { try mapLines(io, threads: defaultThreads()) { d.decode($0, separator: sep) } }
    }
}

struct BuildVocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-vocab",
        abstract: "Build the model vocabulary from segmented text: <pad> <s> </s> <unk>, then tokens by count.",
        discussion: """
            One token per line, UTF-8. Joint by default (one vocabulary over all inputs); with --separate, \
            one vocabulary per input, written to the matching --output path.
            """)

    @Option(name: [.short, .long], parsing: .upToNextOption, help: ArgumentHelp("Segmented input texts.", valueName: "path"))
    var input: [String]

    @Option(name: [.short, .long], parsing: .upToNextOption, help: ArgumentHelp("Vocabulary file(s) to write.", valueName: "path"))
    var output: [String]

    @Flag(help: "One vocabulary per input instead of a joint one.")
    var separate = false

    @Option(help: "Drop tokens seen fewer times.")
    var minCount: Int = 1

    @Option(help: "Maximum vocabulary size, special tokens included.")
    var maxSize: Int?

    @Flag(help: "Write 'token count' lines instead of bare tokens.")
    var withCounts = false

    @Flag(help: "Skip lines that are not valid UTF-8 and report how many.")
    var skipInvalid = false

    func validate() throws {
        if input.isEmpty { throw ValidationError("give at least one --input") }
        if separate ? output.count != input.count : output.count != 1 {
            throw ValidationError(separate ? "--separate needs one --output per --input" : "give exactly one --output")
        }
    }

    func run() throws {
        try runReportingErrors {
            var all = WordCounts()
            for (k, path) in input.enumerated() {
                let counts = try countWords(try LineReader(path: path, mode: .newline), checker: UTF8Checker(skip: skipInvalid))
                if separate {
                    let w = try ByteWriter(path: output[k])
                    try w.write(Vocabulary(counts: counts, minCount: minCount, maxSize: maxSize).fileBytes(withCounts: withCounts))
                    try w.flush()
                } else {
                    all.merge(counts)
                }
            }
            if !separate {
                let w = try ByteWriter(path: output[0])
                try w.write(Vocabulary(counts: all, minCount: minCount, maxSize: maxSize).fileBytes(withCounts: withCounts))
                try w.flush()
            }
        }
    }
}
