import Foundation
import MTRuntime
import MTSearch
import MTTensor

/// Dynamic batching: the one decoding thread, which owns the GEMM threads and a
/// `LineTranslator` per model. Handlers queue a request's lines (`translate`); the thread takes
/// the oldest request, waits up to `batchWaitMilliseconds` (when idle) for others, gathers the
/// queued requests of the same pair and search options up to `maxBatchTokens` source tokens,
/// translates them in one `LineTranslator.translate` call (which sorts by length and splits by
/// the options' batch budget exactly as mt-translate does), and answers each request.
///
/// The queue holds at most `maxQueueLines` waiting lines (more: `ServeError.queueFull`, 503).
/// A request whose task is cancelled (its client disconnected) is removed while it waits; one
/// already decoding finishes and its answer is dropped. `drain()` refuses new work, finishes the
/// queue, and returns when the thread has stopped.
public final class DecodingWorker: @unchecked Sendable {
    public let config: BatchingConfig
    let translators: [LanguagePair: LineTranslator]
    let metrics: ServeMetrics?

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [TranslationJob] = []
    private var queuedLines = 0
    /// Requests given an id but not yet queued, and those of them cancelled before queueing.
    private var pending: Set<UInt64> = []
    private var cancelledEarly: Set<UInt64> = []
    private var nextID: UInt64 = 0
    private var accepting = true
    private var stopped = false
    private var started = false
    /// A batch is being decoded.
    private var decoding = false
    /// Recent decoding speed (lines per second), for Retry-After.
    private var linesPerSecond = 0.0
    /// Requests in the last batch: more than one means concurrent traffic, worth waiting for.
    private var lastBatchRequests = 0
    private let stoppedSignal = NSCondition()

    public init(models: [LanguagePair: LoadedModel], config: BatchingConfig, metrics: ServeMetrics? = nil) {
        self.config = config
        self.translators = models.mapValues { LineTranslator(model: $0) }
        self.metrics = metrics
    }

    public var pairs: [LanguagePair] { translators.keys.sorted() }

    /// Starts the decoding thread (once).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started else { return }
        started = true
        let thread = Thread { [self] in run() }
        thread.name = "mt-serve decoding"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Queues `lines` for `pair` and waits for their translations. Throws `ServeError.queueFull`,
    /// `.shuttingDown`, `.unknownPair`, `.invalidOptions`, or `CancellationError` when the task is
    /// cancelled while waiting.
    public func translate(_ lines: [InputLine], pair: LanguagePair, options: SearchOptions) async throws -> BatchResult {
        guard translators[pair] != nil else {
            throw ServeError.unknownPair(source: pair.source, target: pair.target, served: pairs.map(\.description))
        }
        do { try options.validate() } catch { throw ServeError.invalidOptions("\(error)") }
        let id = reserveID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<BatchResult, any Error>) in
                condition.lock()
                defer { condition.unlock() }
                pending.remove(id)
                if cancelledEarly.remove(id) != nil { return c.resume(throwing: CancellationError()) }
                guard accepting else { return c.resume(throwing: ServeError.shuttingDown) }
                if queuedLines + lines.count > config.maxQueueLines && !queue.isEmpty {
                    let after = max(1, Int((Double(queuedLines) / max(linesPerSecond, 1)).rounded(.up)))
                    return c.resume(throwing: ServeError.queueFull(queued: queuedLines, limit: config.maxQueueLines, retryAfter: after))
                }
                queue.append(TranslationJob(id: id, pair: pair, lines: lines, options: options, continuation: c))
                queuedLines += lines.count
                publishDepth()
                condition.signal()
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Removes a waiting request (its client went away); one already decoding is left to finish.
    func cancel(_ id: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        if let k = queue.firstIndex(where: { $0.id == id }) {
            let job = queue.remove(at: k)
            queuedLines -= job.lines.count
            publishDepth()
            metrics?.droppedRequests.increment()
            job.finish(.failure(CancellationError()))
        } else if pending.contains(id) {
            cancelledEarly.insert(id)
        }
    }

    /// Nothing queued, announced or decoding: a request arriving now starts decoding at once
    /// (it cannot wait in the queue, so there is nothing to drop if its client goes away).
    public var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.isEmpty && pending.isEmpty && !decoding
    }

    /// Lines waiting per pair.
    public var snapshot: QueueSnapshot {
        condition.lock()
        defer { condition.unlock() }
        var q: [LanguagePair: Int] = [:]
        for job in queue { q[job.pair, default: 0] += job.lines.count }
        return QueueSnapshot(queuedLines: q, limit: config.maxQueueLines, accepting: accepting)
    }

    /// Refuses new work, lets the thread finish what is queued, and returns once it has stopped.
    public func drain() async {
        guard stopAccepting() else { return }
        while !hasStopped { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// A new request id, pending until queued.
    private func reserveID() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        nextID += 1
        pending.insert(nextID)
        return nextID
    }

    /// Refuses new work and wakes the thread; whether it was started.
    private func stopAccepting() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        accepting = false
        condition.broadcast()
        return started
    }

    private var hasStopped: Bool {
        stoppedSignal.lock()
        defer { stoppedSignal.unlock() }
        return stopped
    }

    // MARK: the decoding thread

    private func run() {
        GEMM.setThreads(config.threads)
        while let batch = nextBatch() {
            decode(batch)
        }
        stoppedSignal.lock()
        stopped = true
        stoppedSignal.unlock()
    }

    /// Blocks until a batch is ready (nil once draining with nothing queued): the oldest job and
    /// the queued jobs of its pair and options, within the token budget.
    private func nextBatch() -> [TranslationJob]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while queue.isEmpty {
                if !accepting { return nil }
                condition.wait()
            }
            // Idle start: give concurrent requests `batchWait` to join, unless the budget is full
            // or (waitOnlyWhenConcurrent) this request is alone and the last batch was too.
            let concurrent = lastBatchRequests > 1 || queue.count > 1 || !pending.isEmpty
            let wait = config.waitOnlyWhenConcurrent && !concurrent ? 0 : config.batchWaitMilliseconds
            let deadline = queue[0].enqueued + .milliseconds(wait)
            while accepting, !queue.isEmpty, ContinuousClock.now < deadline,
                  queuedTokens(like: queue[0]) < config.maxBatchTokens {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(ContinuousClock.now.duration(to: deadline))))
            }
            if !queue.isEmpty { break }  // else every waiting request was cancelled: start over
        }
        let head = queue[0]
        var batch: [TranslationJob] = []
        var tokens = 0
        var k = 0
        while k < queue.count {
            let job = queue[k]
            if job.pair == head.pair && job.options == head.options {
                let t = count(job)
                if !batch.isEmpty && tokens + t > config.maxBatchTokens { break }
                batch.append(job)
                tokens += t
                queue.remove(at: k)
                queuedLines -= job.lines.count
            } else {
                k += 1
            }
        }
        publishDepth()
        decoding = true
        return batch
    }

    static func seconds(_ d: Duration) -> Double {
        max(0, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }

    /// Source tokens of the queued jobs that could join `head`'s batch (counted once per job).
    private func queuedTokens(like head: TranslationJob) -> Int {
        var total = 0
        for job in queue where job.pair == head.pair && job.options == head.options {
            total += count(job)
            if total >= config.maxBatchTokens { break }
        }
        return total
    }

    /// Source tokens of a job (+1 per line for </s>), encoded on this thread and remembered.
    private func count(_ job: TranslationJob) -> Int {
        if let t = job.sourceTokens { return t }
        let translator = translators[job.pair]!
        var t = 0
        for line in job.lines { if case .text(let s) = line { t += translator.encode(s).count + 1 } }
        job.sourceTokens = t
        return t
    }

    private func decode(_ batch: [TranslationJob]) {
        let start = ContinuousClock.now
        let translator = translators[batch[0].pair]!
        let lines = batch.flatMap(\.lines)
        let before = translator.targetTokens
        let result: Result<[TranslatedLine], any Error>
        do { result = .success(try translator.translate(lines, options: batch[0].options)) } catch {
            result = .failure(ServeError.invalidOptions("\(error)"))
        }
        let seconds = Self.seconds(start.duration(to: .now))
        metrics?.recordBatch(pair: batch[0].pair, requests: batch.count, lines: lines.count,
                             sourceTokens: batch.reduce(0) { $0 + (count($1)) },
                             targetTokens: translator.targetTokens - before, seconds: seconds)
        condition.lock()
        if seconds > 0 { linesPerSecond = 0.8 * linesPerSecond + 0.2 * Double(lines.count) / seconds }
        lastBatchRequests = batch.count
        decoding = false
        var offset = 0
        for job in batch {
            let queueSeconds = Self.seconds(job.enqueued.duration(to: start))
            let n = job.lines.count
            job.finish(result.map {
                BatchResult(lines: Array($0[offset..<offset + n]), batchRequests: batch.count, batchLines: lines.count,
                            queueSeconds: queueSeconds, decodeSeconds: seconds)
            })
            offset += n
        }
        condition.unlock()
    }

    /// Queue depth per pair into the metrics (caller holds the lock).
    private func publishDepth() {
        guard let metrics else { return }
        var q: [LanguagePair: Int] = [:]
        for pair in translators.keys { q[pair] = 0 }
        for job in queue { q[job.pair, default: 0] += job.lines.count }
        for (pair, n) in q { metrics.queueDepth(pair).set(to: Double(n)) }
    }
}
