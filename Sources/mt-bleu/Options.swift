import ArgumentParser
import MTEval

/// The `mt-bleu` command line, mirroring sacreBLEU 2.x's options so scripts can swap
/// `sacrebleu` for `mt-bleu`. Single-dash multi-letter names (`-tok`, `-lc`, `-sl`, ...) are
/// sacreBLEU's. Test sets (`-t`), significance tests and TER are not provided.
struct MTBleu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-bleu",
        abstract: "BLEU and chrF exactly as sacreBLEU \(Signature.sacreBLEUVersion) computes them, faster.",
        discussion: """
            Usage mirrors sacreBLEU: reference files as arguments, the hypothesis on stdin or \
            with -i.  cat output.de | mt-bleu ref.de -m bleu chrf
            """,
        version: "mt-bleu (sacreBLEU \(Signature.sacreBLEUVersion) compatible)")

    @Argument(help: "Reference files (one per reference; give them before -i).")
    var refs: [String] = []

    @Option(
        name: [.customShort("i"), .customLong("input")], parsing: .upToNextOption,
        help: "Read hypotheses from file(s) instead of stdin.")
    var input: [String] = []

    @Option(
        name: [.customShort("m"), .customLong("metrics")], parsing: .upToNextOption,
        help: "Metrics to compute: bleu, chrf.")
    var metrics: [String] = ["bleu"]

    @Flag(name: [.customLong("sentence-level"), .customLong("sl", withSingleDash: true)],
          help: "Score each sentence.")
    var sentenceLevel = false

    @Option(name: [.customLong("smooth-method"), .customShort("s")],
            help: "BLEU smoothing: exp, floor, add-k or none.")
    var smoothMethod: String = "exp"

    @Option(name: [.customLong("smooth-value"), .customLong("sv", withSingleDash: true)],
            help: "Smoothing value for floor (default 0.1) and add-k (default 1).")
    var smoothValue: Double?

    @Option(name: [.customLong("tokenize"), .customLong("tok", withSingleDash: true)],
            help: "BLEU tokenizer: 13a (default), intl, zh, char, none.")
    var tokenize: String?

    @Flag(name: [.customLong("lowercase"), .customLong("lc", withSingleDash: true)],
          help: "Lowercase before computing BLEU.")
    var lowercase = false

    @Flag(name: .customLong("force"), help: "Do not warn about tokenized-looking input.")
    var force = false

    @Option(name: [.customLong("chrf-char-order"), .customLong("cc", withSingleDash: true)],
            help: "chrF character n-gram order.")
    var chrfCharOrder = 6

    @Option(name: [.customLong("chrf-word-order"), .customLong("cw", withSingleDash: true)],
            help: "chrF word n-gram order (2 = chrF++).")
    var chrfWordOrder = 0

    @Option(name: .customLong("chrf-beta"), help: "chrF beta.")
    var chrfBeta = 2

    @Flag(name: .customLong("chrf-whitespace"), help: "Keep whitespace in chrF character n-grams.")
    var chrfWhitespace = false

    @Flag(name: .customLong("chrf-lowercase"), help: "Lowercase before computing chrF.")
    var chrfLowercase = false

    @Flag(name: .customLong("chrf-eps-smoothing"), help: "chrF epsilon smoothing.")
    var chrfEpsSmoothing = false

    @Option(name: [.customLong("language-pair"), .customShort("l")],
            help: "Source-target language pair (picks the zh tokenizer for a Chinese target).")
    var languagePair: String?

    @Option(name: [.customLong("num-refs"), .customLong("nr", withSingleDash: true)],
            help: "Split the single reference file on tabs into this many references.")
    var numRefs = 1

    @Flag(name: [.customLong("score-only"), .customShort("b")], help: "Print only the score.")
    var scoreOnly = false

    @Option(name: [.customLong("width"), .customShort("w")], help: "Decimals of the score.")
    var width = 1

    @Option(name: [.customLong("format"), .customShort("f")], help: "Output format: json or text.")
    var format: String = "json"

    @Flag(name: [.customLong("short"), .customLong("sh", withSingleDash: true)],
          help: "Short signature.")
    var short = false

    @Flag(name: [.customLong("quiet"), .customShort("q")], help: "No messages on stderr.")
    var quiet = false

    @Flag(name: [.customLong("no-color"), .customLong("nc", withSingleDash: true)],
          help: "Accepted for sacreBLEU compatibility (mt-bleu never colours its output).")
    var noColor = false

    @Flag(name: .customLong("stats"),
          help: "JSON: also print counts, totals, precisions, bp, sys_len, ref_len (not in sacreBLEU).")
    var stats = false

    @Option(name: .customLong("threads"), help: "Worker threads (default: all cores).")
    var threads: Int?

    mutating func validate() throws {
        let known = ["bleu", "chrf"]
        for m in metrics where !known.contains(m) {
            throw ValidationError("unknown metric '\(m)' (choose from bleu, chrf)")
        }
        if metrics.isEmpty { throw ValidationError("-m needs at least one metric") }
        guard BLEUSmoothing(rawValue: smoothMethod) != nil else {
            throw ValidationError("invalid --smooth-method '\(smoothMethod)' (exp, floor, add-k, none)")
        }
        if let t = tokenize, BLEUTokenizer(rawValue: t) == nil,
           !["ja-mecab", "ko-mecab", "spm", "flores101", "flores200", "spBLEU-1K"].contains(t) {
            throw ValidationError("invalid -tok '\(t)' (13a, intl, zh, char, none)")
        }
        if let env = Self.environmentFormat { format = env }
        guard ["json", "text"].contains(format) else {
            throw ValidationError("invalid --format '\(format)' (json, text)")
        }
        if let lp = languagePair, lp.split(separator: "-", omittingEmptySubsequences: false).count < 2 {
            throw ValidationError("-l expects source-target, e.g. en-de (got '\(lp)')")
        }
        if sentenceLevel && metrics.count > 1 {
            throw ValidationError("Only one metric can be used in sentence-level mode.")
        }
        if refs.isEmpty { throw ValidationError("give at least one reference file (before -i)") }
        if numRefs != 1 && refs.count > 1 {
            throw ValidationError("--num-refs splits one tab-separated reference file; give only one")
        }
    }

    /// `SACREBLEU_FORMAT` overrides `--format`, as in sacreBLEU.
    static var environmentFormat: String? {
        guard let v = SystemIO.environment("SACREBLEU_FORMAT")?.lowercased(),
              ["json", "text"].contains(v) else { return nil }
        return v
    }
}
