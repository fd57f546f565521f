import MTRuntime
import MTSearch

/// One request's lines waiting for (or in) a batch: what to translate, with which options, and
/// the continuation its handler awaits. Owned by `DecodingWorker` under its lock.
final class TranslationJob: @unchecked Sendable {
    let id: UInt64
    let pair: LanguagePair
    let lines: [InputLine]
    let options: SearchOptions
    let enqueued: ContinuousClock.Instant
    /// Source subword tokens of all lines, counted by the worker (nil until then).
    var sourceTokens: Int?
    var continuation: CheckedContinuation<BatchResult, any Error>?

    init(id: UInt64, pair: LanguagePair, lines: [InputLine], options: SearchOptions,
         continuation: CheckedContinuation<BatchResult, any Error>) {
        self.id = id
        self.pair = pair
        self.lines = lines
        self.options = options
        self.enqueued = .now
        self.continuation = continuation
    }

    /// Resumes the waiting handler once; later calls do nothing.
    func finish(_ result: Result<BatchResult, any Error>) {
        guard let c = continuation else { return }
        continuation = nil
        c.resume(with: result)
    }
}

/// What a request gets back from the worker: its lines' translations and how it was served.
public struct BatchResult: Sendable {
    public let lines: [TranslatedLine]
    /// Requests decoded together with this one (itself included).
    public let batchRequests: Int
    /// Lines in that batch.
    public let batchLines: Int
    /// Time from queueing to the batch's start, and the batch's decoding time.
    public let queueSeconds: Double
    public let decodeSeconds: Double
}

/// The worker's view of a queue: lines waiting per pair, and its limit.
public struct QueueSnapshot: Sendable, Equatable {
    public var queuedLines: [LanguagePair: Int]
    public var limit: Int
    public var accepting: Bool
    public var total: Int { queuedLines.values.reduce(0, +) }
}
