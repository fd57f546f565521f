import Foundation
import Hummingbird
import HummingbirdTesting
import MTModel
import MTRuntime
import MTSearch
@testable import MTServe
import MTTensor
import MTText
import XCTest

/// A tiny random model directory written as training writes one (checkpoint with hashes,
/// vocabularies, no BPE), a service over it, and request helpers.
enum ServeTestSupport {
    static let words = ["a", "man", "dog", "runs", "is", "walking", "the", "cat", "sits", "on", "mat", "red", "ball",
                        "blue", "car", "big", "small", "house", "tree", "green"]

    static func makeDirectory(seed: UInt64 = 3) throws -> String {
        let dir = NSTemporaryDirectory() + "mt-serve-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let vocab = Vocabulary(lines: words)
        let vocabText = Data(vocab.fileBytes())
        try vocabText.write(to: URL(fileURLWithPath: dir + "/" + PipelineFiles.sourceVocabName))
        try vocabText.write(to: URL(fileURLWithPath: dir + "/" + PipelineFiles.targetVocabName))
        var c = ModelConfig.preset(.tiny, sourceVocabSize: vocab.count, targetVocabSize: vocab.count, decoderAttention: .t2r)
        c.dropout = 0
        let m = try Seq2Seq(config: c)
        let store = ParameterStore(layout: m.layout, training: false)
        m.initialize(store, seed: seed)
        let h = try PipelineFiles.hashes(bpeCodes: "", sourceVocab: vocab, targetVocab: vocab)
        try Checkpoint.save(store, config: c, extra: [PipelineFiles.bpeHashKey: h.bpe, PipelineFiles.sourceVocabHashKey: h.source,
                                                      PipelineFiles.targetVocabHashKey: h.target],
                            to: dir + "/" + Checkpoint.lastName)
        return dir
    }

    nonisolated(unsafe) static var cached: [UInt64: LoadedModel] = [:]
    static let lock = NSLock()

    /// The model for `seed`, loaded once per test run.
    static func model(seed: UInt64 = 3) throws -> LoadedModel {
        lock.lock()
        defer { lock.unlock() }
        if let m = cached[seed] { return m }
        let m = try LoadedModel(directory: try makeDirectory(seed: seed))
        cached[seed] = m
        return m
    }

    /// A config for tests: quiet, small limits, short batch wait.
    static func config(_ edit: (inout ServeConfig) -> Void = { _ in }) -> ServeConfig {
        var c = ServeConfig()
        c.models = [ModelSpec(pair: LanguagePair(source: "en", target: "de"), directory: "(in memory)")]
        c.logRequests = false
        c.batching.batchWaitMilliseconds = 1
        c.limits.maxCharacters = 200
        c.limits.maxLines = 8
        c.search.maxLenA = 1
        c.search.maxLenB = 4
        edit(&c)
        return c
    }

    static func service(_ config: ServeConfig, pairs: [LanguagePair] = [LanguagePair(source: "en", target: "de")],
                        keys: APIKeys = APIKeys()) throws -> TranslationService {
        var models: [LanguagePair: LoadedModel] = [:]
        for (k, p) in pairs.enumerated() { models[p] = try model(seed: 3 + UInt64(k)) }
        return TranslationService(config: config, models: models, keys: keys)
    }

    /// What mt-translate prints for `line` alone with `options` (a fresh translator).
    static func expected(_ line: String, options: SearchOptions, seed: UInt64 = 3) throws -> TranslatedLine {
        try LineTranslator(model: try model(seed: seed)).translate([.text(line)], options: options)[0]
    }
}

extension TestClientProtocol {
    /// POST with a JSON (or other) body; returns status, headers and the decoded JSON body.
    func post(_ uri: String, _ body: String, type: String? = "application/json", headers extra: HTTPFields = [:])
        async throws -> (status: HTTPResponse.Status, json: Any?, headers: HTTPFields) {
        try await post(uri, bytes: Array(body.utf8), type: type, headers: extra)
    }

    func post(_ uri: String, bytes: [UInt8], type: String?, headers extra: HTTPFields = [:])
        async throws -> (status: HTTPResponse.Status, json: Any?, headers: HTTPFields) {
        var headers = extra
        if let type { headers[.contentType] = type }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) { r in
            (r.status, try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView), options: [.fragmentsAllowed]), r.headers)
        }
    }

    func get(_ uri: String) async throws -> (status: HTTPResponse.Status, body: String) {
        try await execute(uri: uri, method: .get) { r in (r.status, String(buffer: r.body)) }
    }
}

/// The `error` message of a LibreTranslate-style error body.
func errorMessage(_ json: Any?) -> String {
    (json as? [String: Any])?["error"] as? String ?? "<no error field in \(String(describing: json))>"
}
