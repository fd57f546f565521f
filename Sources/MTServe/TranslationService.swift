import MTRuntime
import MTSearch

/// What every endpoint shares: the served pairs, the limits, the keys, the metrics and the one
/// decoding worker. Checks a request against the limits and turns its texts into lines for the
/// worker (a text with newlines is translated line by line and joined back).
public final class TranslationService: Sendable {
    public let config: ServeConfig
    public let worker: DecodingWorker
    public let keys: APIKeys
    public let metrics: ServeMetrics

    public init(config: ServeConfig, models: [LanguagePair: LoadedModel], keys: APIKeys, metrics: ServeMetrics = ServeMetrics()) {
        self.config = config
        self.keys = keys
        self.metrics = metrics
        self.worker = DecodingWorker(models: models, config: config.batching, metrics: metrics)
    }

    /// Loads every `--model` directory and the key file. Throws `ServeError.invalidConfig` or
    /// `.startup` naming the model or file.
    public static func load(_ config: ServeConfig) throws -> TranslationService {
        try config.validate()
        var models: [LanguagePair: LoadedModel] = [:]
        for spec in config.models {
            do { models[spec.pair] = try LoadedModel(directory: spec.directory, checkpoint: spec.checkpoint, computeType: config.computeType) } catch {
                throw ServeError.startup("--model \(spec.pair)=\(spec.directory): \(error)")
            }
        }
        let keys = try config.apiKeysFile.map { try APIKeys(file: $0, defaultLimit: config.defaultRateLimit) } ?? APIKeys()
        return TranslationService(config: config, models: models, keys: keys)
    }

    public var pairs: [LanguagePair] { worker.pairs }
    public var sourceLanguages: [String] { Array(Set(pairs.map(\.source))).sorted() }

    /// The pair for `source`→`target`; `auto` as source resolves only when the server has exactly
    /// one source language (no detection is invented). Throws `.unknownPair` or `.detectionUnavailable`.
    public func pair(source: String, target: String) throws -> LanguagePair {
        var src = source.lowercased()
        let tgt = target.lowercased()
        if src == "auto" {
            guard sourceLanguages.count == 1 else { throw ServeError.detectionUnavailable(sources: sourceLanguages) }
            src = sourceLanguages[0]
        }
        let pair = LanguagePair(source: src, target: tgt)
        guard pairs.contains(pair) else {
            throw ServeError.unknownPair(source: src, target: tgt, served: pairs.map(\.description))
        }
        return pair
    }

    /// 413 when `texts` have more characters than `--max-chars`, counted as code points, as
    /// LibreTranslate (Python's len) counts them.
    func checkCharacters(_ texts: [String]) throws {
        let characters = texts.reduce(0) { $0 + $1.unicodeScalars.count }
        if characters > config.limits.maxCharacters {
            throw ServeError.tooLarge(what: "characters", count: characters, limit: config.limits.maxCharacters)
        }
    }

    /// Texts → lines, checked against the per-request limits (413 with the numbers).
    func lines(of texts: [String], splitNewlines: Bool) throws -> (lines: [InputLine], perText: [Int]) {
        try checkCharacters(texts)
        var lines: [InputLine] = []
        var perText: [Int] = []
        for t in texts {
            let parts = splitNewlines ? t.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
            } : [t]
            perText.append(parts.count)
            lines.append(contentsOf: parts.map { .text($0) })
        }
        if lines.count > config.limits.maxLines {
            throw ServeError.tooLarge(what: "lines", count: lines.count, limit: config.limits.maxLines)
        }
        return (lines, perText)
    }

    /// Translates `texts` for `pair` through the worker: per text, its lines' results.
    public func translate(_ texts: [String], pair: LanguagePair, options: SearchOptions,
                          splitNewlines: Bool = true) async throws -> (texts: [[TranslatedLine]], batch: BatchResult) {
        let (lines, perText) = try lines(of: texts, splitNewlines: splitNewlines)
        let result = try await worker.translate(lines, pair: pair, options: options)
        var out: [[TranslatedLine]] = []
        var k = 0
        for n in perText {
            out.append(Array(result.lines[k..<k + n]))
            k += n
        }
        return (out, result)
    }
}
