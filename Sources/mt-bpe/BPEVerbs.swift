// The subword-nmt verbs: learn-bpe, apply-bpe, get-vocab, learn-joint-bpe-and-vocab.
import ArgumentParser
import MTIO
import MTText

#if canImport(Glibc)
import Glibc
#endif

struct LearnBPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn-bpe",
        abstract: "Learn BPE merge operations on input text (subword-nmt learn-bpe).",
        discussion: """
            Words are the space-separated tokens of each line (only the ASCII space separates words). Ties \
            between equally frequent pairs go to the lexicographically greatest pair, as in subword-nmt \
            0.3.8, whose codes this reproduces exactly. Output: '#version: 0.2' and one merge per line.
            """)

    @OptionGroup var io: InputOptions

    @Option(name: [.short, .long], help: "Create this many new symbols (each representing a character n-gram).")
    var symbols: Int = 10000

    @Option(name: .customLong("min-frequency"), help: ArgumentHelp("Stop if no symbol pair has frequency >= FREQ.", valueName: "FREQ"))
    var minFrequency: Int = 2

    @Flag(name: .customLong("dict-input"), help: "Input is a dictionary: one 'word count' pair per line.")
    var dictInput = false

    @Flag(name: [.short, .customLong("total-symbols")], help: "Subtract the number of characters from --symbols.")
    var totalSymbols = false

    @Option(name: .customLong("num-workers"), help: "Accepted for compatibility; counting is single-threaded.")
    var numWorkers: Int = 1

    @Flag(name: [.short, .long], help: "Log each merge to standard error.")
    var verbose = false

    func run() throws {
        try runReportingErrors {
            let reader = try io.reader(.python)
            let checker = UTF8Checker(skip: io.skipInvalid)
            var counts = WordCounts()
            if dictInput {
                while let chunk = try reader.nextChunk() {
                    let bad = try checker.check(chunk, source: reader.sourceName)
                    try counts.addDictionary(of: checker.dropping(bad, from: chunk), source: reader.sourceName)
                }
                checker.report(reader.sourceName)
            } else {
                counts = try countWords(reader, checker: checker)
            }
            let options = BPELearnOptions(symbols: symbols, minFrequency: minFrequency,
                                          totalSymbols: totalSymbols, verbose: verbose)
            let merges = BPELearner.learn(counts, options: options, log: logError)
            let w = try io.writer()
            try w.write(BPELearner.codesFileBytes(merges))
            try w.flush()
        }
    }
}

struct ApplyBPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply-bpe",
        abstract: "Apply BPE codes to input text (subword-nmt apply-bpe).",
        discussion: """
            Each space-separated word is segmented; all pieces but the last get the separator ('@@'). \
            Leading/trailing spaces and line ends are copied, runs of spaces collapse. Output is identical \
            to subword-nmt 0.3.8. Lines are processed in parallel and streamed.
            """)

    @OptionGroup var io: InputOptions

    @Option(name: [.short, .long], help: ArgumentHelp("File with BPE codes (created by learn-bpe).", valueName: "path"))
    var codes: String

    @Option(name: [.short, .long], parsing: .unconditional, help: ArgumentHelp("Use this many BPE operations (-1: all).", valueName: "n"))
    var merges: Int = -1

    @Option(name: [.short, .long], help: "Separator between non-final subword units.")
    var separator: String = "@@"

    @Option(name: .long, help: ArgumentHelp("Vocabulary file ('word count' lines, from get-vocab); merges producing an OOV are reverted.", valueName: "path"))
    var vocabulary: String?

    @Option(name: .customLong("vocabulary-threshold"), help: ArgumentHelp("Words with frequency < threshold count as OOV.", valueName: "n"))
    var vocabularyThreshold: Int?

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Words/regular expressions never split by BPE.", valueName: "str"))
    var glossaries: [String] = []

    @Option(name: .long, help: "BPE dropout probability (not supported; must be 0).")
    var dropout: Double = 0

    @Option(name: .long, help: "Random seed (accepted for compatibility).")
    var seed: Int?

    @Option(name: .customLong("num-workers"), help: "Threads (-1 or default: all cores).")
    var numWorkers: Int = -1

    func validate() throws {
        if dropout != 0 { throw ValidationError("--dropout is not supported by mt-bpe (use 0)") }
        if vocabularyThreshold != nil && vocabulary == nil {
            throw ValidationError("--vocabulary-threshold needs --vocabulary")
        }
    }

    func run() throws {
        try runReportingErrors {
            let codes = try BPECodes(path: self.codes, limit: merges)
            var options = BPEApplyOptions(separator: separator, glossaries: glossaries)
            if let v = vocabulary {
            options.vocabulary = try BPEApplyOptions.readVocabulary(path: v, threshold: vocabularyThreshold)
            }
            let bpe = try BPEApplier(codes: codes, options: options)
            let threads = numWorkers > 0 ? numWorkers : defaultThreads()
            let cache = WordCache()
            // 1 MB chunks: the first interns the frequent words; later ones mostly find them
            // with parallel read-only lookups.
            let reader = try io.reader(.python, blockSize: 1 << 20)
            let writer = try io.writer()
            let checker = UTF8Checker(skip: io.skipInvalid)
            while let chunk = try reader.nextChunk() {
                // UTF-8 is checked by the workers; invalid lines come out empty (or stop the run).
                let r = bpe.segmentChunk(chunk, cache: cache, threads: threads, checkUTF8: true)
                try checker.record(r.invalidLines, in: chunk, source: reader.sourceName)
                for part in r.parts { try writer.write(part) }
            }
            try writer.flush()
            checker.report(reader.sourceName)
        }
    }
}

struct GetVocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-vocab",
        abstract: "Extract words and their frequencies (subword-nmt get-vocab).",
        discussion: "Writes 'word count' lines by descending count; equal counts keep first-occurrence order.")

    @OptionGroup var io: InputOptions

    func run() throws {
        try runReportingErrors {
            let counts = try countWords(try io.reader(.python), checker: UTF8Checker(skip: io.skipInvalid))
            let w = try io.writer()
            try w.write(counts.vocabularyFileBytes())
            try w.flush()
        }
    }
}

struct LearnJointBPEAndVocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn-joint-bpe-and-vocab",
        abstract: "Learn BPE jointly on several texts and write each text's vocabulary (subword-nmt learn-joint-bpe-and-vocab).")

    @Option(name: [.short, .long], parsing: .upToNextOption, help: ArgumentHelp("Input texts (multiple allowed).", valueName: "path"))
    var input: [String]

    @Option(name: [.short, .long], help: ArgumentHelp("Output file for BPE codes.", valueName: "path"))
    var output: String

    @Option(name: [.short, .long], help: "Create this many new symbols.")
    var symbols: Int = 10000

    @Option(name: .long, help: "Separator between non-final subword units.")
    var separator: String = "@@"

    @Option(name: .customLong("write-vocabulary"), parsing: .upToNextOption,
            help: ArgumentHelp("Vocabulary files to write after applying BPE, one per input.", valueName: "path"))
    var vocab: [String]

    @Option(name: .customLong("min-frequency"), help: ArgumentHelp("Stop if no symbol pair has frequency >= FREQ.", valueName: "FREQ"))
    var minFrequency: Int = 2

    @Flag(name: [.short, .customLong("total-symbols")], help: "Subtract the number of characters from --symbols.")
    var totalSymbols = false

    @Option(name: .customLong("num-workers"), help: "Threads for applying BPE (-1 or default: all cores).")
    var numWorkers: Int = -1

    @Flag(name: [.short, .long], help: "Log each merge to standard error.")
    var verbose = false

    @Flag(name: .long, help: "Skip lines that are not valid UTF-8 and report how many.")
    var skipInvalid = false

    func validate() throws {
        if input.isEmpty { throw ValidationError("give at least one --input file") }
        if input.count != vocab.count {
            throw ValidationError("number of input files (\(input.count)) and vocabulary files (\(vocab.count)) must match")
        }
    }

    func run() throws {
        try runReportingErrors {
            var all = WordCounts()
            for path in input {
                let checker = UTF8Checker(skip: skipInvalid)
                all.merge(try countWords(try LineReader(path: path, mode: .python), checker: checker))
            }
            let options = BPELearnOptions(symbols: symbols, minFrequency: minFrequency,
                                          totalSymbols: totalSymbols, verbose: verbose)
            let merges = BPELearner.learn(all, options: options, log: logError)
            let codesBytes = BPELearner.codesFileBytes(merges)
            let w = try ByteWriter(path: output)
            try w.write(codesBytes)
            try w.flush()
            let bpe = try BPEApplier(codes: try BPECodes(bytes: codesBytes, source: output),
                                     options: BPEApplyOptions(separator: separator))
            let threads = numWorkers > 0 ? numWorkers : defaultThreads()
            let cache = WordCache()
            for (path, vocabPath) in zip(input, vocab) {
                // subword-nmt segments with open() (universal newlines), then re-reads the
                // segmented text with a codecs reader to count.
                let reader = try LineReader(path: path, mode: .universal)
                let checker = UTF8Checker(skip: skipInvalid)
                var counts = WordCounts()
                while let chunk = try reader.nextChunk() {
                    let bad = try checker.check(chunk, source: path)
                    let segmented = bpe.process(checker.dropping(bad, from: chunk), cache: cache, threads: threads)
                    counts.addWords(of: LineChunk(splitting: segmented, mode: .python))
                }
                let vw = try ByteWriter(path: vocabPath)
                try vw.write(counts.vocabularyFileBytes())
                try vw.flush()
            }
        }
    }
}
