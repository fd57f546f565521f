import MTModel
import MTSearch

/// A language pair a model translates, written `en-de` (source, then target).
public struct LanguagePair: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let source: String
    public let target: String

    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }

    /// Parses `en-de`; nil unless both codes are non-empty letters, digits or `_`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } })
        else { return nil }
        self.init(source: String(parts[0]), target: String(parts[1]))
    }

    public var description: String { "\(source)-\(target)" }
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// One `--model en-de=DIR`: the pair and its model directory (optionally a checkpoint file).
public struct ModelSpec: Sendable, Equatable {
    public let pair: LanguagePair
    public let directory: String
    public var checkpoint: String?

    public init(pair: LanguagePair, directory: String, checkpoint: String? = nil) {
        self.pair = pair
        self.directory = directory
        self.checkpoint = checkpoint
    }

    /// Parses `en-de=DIR`; throws `ServeError.invalidConfig` naming the argument.
    public init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "="), let pair = LanguagePair(String(text[..<eq])),
              !text[text.index(after: eq)...].isEmpty else {
            throw ServeError.invalidConfig(problems: ["--model \(text): expected SOURCE-TARGET=DIR, e.g. en-de=work/model"])
        }
        self.init(pair: pair, directory: String(text[text.index(after: eq)...]))
    }
}

/// How the decoding worker forms batches and how much work it will hold.
public struct BatchingConfig: Sendable, Equatable {
    /// Source subword tokens per batch the worker collects from the queue (a single larger
    /// request still runs, alone).
    public var maxBatchTokens: Int = 4096
    /// How long the worker, when idle, waits after the first queued request for others to join
    /// its batch (milliseconds; 0 starts at once).
    public var batchWaitMilliseconds: Int = 2
    /// Wait only when traffic is concurrent: the previous batch served more than one request, or
    /// more than one is queued or arriving. A lone request (one client at a time) then starts at
    /// once instead of paying the wait; false waits before every idle start.
    public var waitOnlyWhenConcurrent = true
    /// Input lines the queue holds (waiting, not yet decoding); more gets 503.
    public var maxQueueLines: Int = 1024
    /// Threads for OpenBLAS and the toolkit, owned by the one decoding worker.
    public var threads: Int = 2

    public init() {}

    func problems() -> [String] {
        var p: [String] = []
        if maxBatchTokens < 1 { p.append("--max-batch-tokens \(maxBatchTokens) < 1") }
        if batchWaitMilliseconds < 0 || batchWaitMilliseconds > 10_000 { p.append("--batch-wait-ms \(batchWaitMilliseconds) not in 0...10000") }
        if maxQueueLines < 1 { p.append("--max-queue-lines \(maxQueueLines) < 1") }
        if threads < 1 { p.append("--threads \(threads) < 1") }
        return p
    }
}

/// What one request may ask for: over a limit is 413.
public struct RequestLimits: Sendable, Equatable {
    /// Characters over all texts, counted as Unicode code points (as LibreTranslate, Python's len):
    /// combining marks count, so the limit bounds the work a request brings.
    public var maxCharacters: Int = 5000
    /// Texts (lines) per request.
    public var maxLines: Int = 128
    /// Bytes of request body.
    public var maxBodyBytes: Int = 1 << 20
    /// The largest beam a request may ask for on /v1/translate.
    public var maxBeam: Int = 16

    public init() {}

    func problems() -> [String] {
        var p: [String] = []
        if maxCharacters < 1 { p.append("--max-chars \(maxCharacters) < 1") }
        if maxLines < 1 { p.append("--max-lines \(maxLines) < 1") }
        if maxBodyBytes < 64 { p.append("--max-body-bytes \(maxBodyBytes) < 64") }
        if maxBeam < 1 || maxBeam > 64 { p.append("--max-beam \(maxBeam) not in 1...64") }
        return p
    }
}

/// Everything mt-serve runs with, resolved from the command line once.
public struct ServeConfig: Sendable {
    public var models: [ModelSpec] = []
    public var host: String = "127.0.0.1"
    public var port: Int = 5000
    public var batching = BatchingConfig()
    public var limits = RequestLimits()
    /// Search defaults: mt-translate's (beam 4, lenpen 1, max length 2·S + 10).
    public var search = SearchOptions()
    /// A file of API keys (one a line, optionally followed by its requests-per-minute limit);
    /// nil: no keys needed.
    public var apiKeysFile: String?
    /// Requests per minute per key when the key file gives none (0: unlimited).
    public var defaultRateLimit: Int = 0
    /// Drop a request's queued work when its client disconnects (Hummingbird's inbound-close
    /// detection; it closes the connection after the answer, so keep-alive is off for it).
    public var dropOnDisconnect = true
    /// One line per request on stderr.
    public var logRequests = true
    /// float32, or int8 weights for the linear layers (as mt-translate --compute-type).
    public var computeType: ComputeType = .float32
    /// Which web origins browsers may let read the answers (CORS): `*` every origin, as
    /// LibreTranslate answers; one origin (`https://example.org`) only that one; nil none.
    public var corsOrigin: String? = "*"

    public init() {}

    /// Throws `ServeError.invalidConfig` listing every problem.
    public func validate() throws {
        var p = batching.problems() + limits.problems()
        if models.isEmpty { p.append("no --model given (e.g. --model en-de=work/model)") }
        let pairs = models.map(\.pair)
        for pair in Set(pairs) where pairs.filter({ $0 == pair }).count > 1 { p.append("--model \(pair) given twice") }
        if !(0...65535).contains(port) { p.append("--port \(port) not in 0...65535") }
        if host.isEmpty { p.append("--host is empty") }
        if defaultRateLimit < 0 { p.append("--rate-limit \(defaultRateLimit) < 0") }
        do { try search.validate() } catch { p.append("\(error)") }
        if let o = corsOrigin, o != "*" {
            // An origin is scheme://host[:port], nothing after: browsers send it so, and a path
            // or trailing slash would never match.
            let rest = o.hasPrefix("https://") ? o.dropFirst(8) : o.hasPrefix("http://") ? o.dropFirst(7) : nil
            if rest.map({ $0.isEmpty || $0.contains { c in c == "/" || c == "," || c == " " } }) ?? true {
                p.append("--cors-origin \(o): expected *, none, or one origin such as https://example.org (scheme, host and port only)")
            }
        }
        if search.beam > limits.maxBeam { p.append("--beam \(search.beam) > --max-beam \(limits.maxBeam)") }
        if !p.isEmpty { throw ServeError.invalidConfig(problems: p) }
    }
}
