import Foundation
import XCTest
import MTModel
@testable import MTRuntime
import MTSearch
import MTTensor
import MTText

/// Model directories and the translate-these-lines core on a tiny random model written to disk
/// the way training writes it (checkpoint with hashes, vocabularies, no BPE).
final class LineTranslatorTests: XCTestCase {
    static let words = ["a", "man", "dog", "runs", "is", "walking", "the", "cat", "sits", "on", "mat", "red", "ball",
                        "blue", "car", "big", "small", "house", "tree", "green"]

    /// Writes a model directory of a tiny random model; returns its path.
    func makeDirectory(_ attention: ModelConfig.DecoderAttention = .t2r, seed: UInt64 = 3) throws -> String {
        let dir = NSTemporaryDirectory() + "mt-runtime-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let vocab = Vocabulary(lines: Self.words)
        let vocabText = Data(vocab.fileBytes())
        try vocabText.write(to: URL(fileURLWithPath: dir + "/" + PipelineFiles.sourceVocabName))
        try vocabText.write(to: URL(fileURLWithPath: dir + "/" + PipelineFiles.targetVocabName))
        var c = ModelConfig.preset(.tiny, sourceVocabSize: vocab.count, targetVocabSize: vocab.count, decoderAttention: attention)
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

    static let lines: [InputLine] = [.text("a man is walking"), .text(""), .invalid(bytes: 3), .text("the dog runs on the mat"),
                                     .text("red")]

    /// Each line's hypotheses are those of `Translator` on the pipeline's ids, in input order;
    /// empty and invalid lines get none (and the invalid one is flagged).
    func testMatchesTranslatorInInputOrder() throws {
        for attention in ModelConfig.DecoderAttention.allCases {
            let loaded = try LoadedModel(directory: try makeDirectory(attention))
            let options = SearchOptions(beam: 3, maxLenA: 1, maxLenB: 4, nbest: 2)
            let results = try LineTranslator(model: loaded).translate(Self.lines, options: options)
            XCTAssertEqual(results.count, Self.lines.count)
            let texts = ["a man is walking", "the dog runs on the mat", "red"]
            let expected = try Translator(model: loaded.model, params: loaded.store, options: options)
                .translate(texts.map { loaded.source.encode($0) })
            for (k, e) in zip([0, 3, 4], expected) {
                XCTAssertEqual(results[k].hypotheses.map(\.text), e.prefix(2).map { loaded.target.decode($0.tokens) }, "\(attention) line \(k)")
                XCTAssertEqual(results[k].hypotheses.map(\.score), e.prefix(2).map(\.score))
                XCTAssertEqual(results[k].sourceTokens, loaded.source.encode(texts[[0, 3, 4].firstIndex(of: k)!]).count)
            }
            XCTAssertTrue(results[1].hypotheses.isEmpty)
            XCTAssertTrue(results[2].hypotheses.isEmpty)
            XCTAssertEqual(results[2].invalidBytes, 3)
        }
    }

    /// One line per input line, n-best lines with 0-based indices, scores appended on request.
    func testOutputFormats() throws {
        let loaded = try LoadedModel(directory: try makeDirectory())
        let results = try LineTranslator(model: loaded).translate(Self.lines, options: SearchOptions(beam: 2, nbest: 2))
        let one = OutputFormat().format(results, firstLine: 10).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(one.count, Self.lines.count + 1)  // trailing newline
        XCTAssertEqual(one[1], "")
        XCTAssertEqual(String(one[0]), results[0].hypotheses[0].text)
        let nbest = OutputFormat(nbest: 2).format(results, firstLine: 10).split(separator: "\n").map(String.init)
        XCTAssertEqual(nbest.filter { $0.hasPrefix("11 |||") }, ["11 |||  ||| 0"])
        XCTAssertEqual(nbest.filter { $0.hasPrefix("10 |||") }.count, 2)
        XCTAssertEqual(nbest.first, "10 ||| \(results[0].hypotheses[0].text) ||| \(results[0].hypotheses[0].score)")
        let scored = OutputFormat(scores: true).format(results, firstLine: 0).split(separator: "\n").first.map(String.init)
        XCTAssertEqual(scored, "\(results[0].hypotheses[0].text) ||| \(results[0].hypotheses[0].score)")
        let warnings = OutputFormat.warnings(results, firstLine: 10)
        XCTAssertEqual(warnings.first, "line 13: invalid UTF-8 (3 bytes); writing an empty line")
    }

    /// Raw mode takes segmented tokens and returns them segmented; verify-recurrent reports a
    /// small difference for T2R.
    func testRawModeAndRecurrentCheck() throws {
        let loaded = try LoadedModel(directory: try makeDirectory())
        let t = LineTranslator(model: loaded, raw: true)
        let r = try t.translate([.text("a man")], options: SearchOptions(beam: 1, maxLenA: 0, maxLenB: 3), verifyRecurrent: true)
        let h = try Translator(model: loaded.model, params: loaded.store, options: SearchOptions(beam: 1, maxLenA: 0, maxLenB: 3))
            .translate([loaded.source.vocabulary.encode("a man")])[0][0]
        XCTAssertEqual(r[0].hypotheses[0].text, loaded.target.decodeSegmented(h.tokens))
        XCTAssertEqual(t.targetTokens, h.tokens.count)
        let check = try XCTUnwrap(r[0].recurrentCheck)
        XCTAssertLessThan(check.maxAbsDifference, 1e-3)
        XCTAssertEqual(check.positions, h.tokens.count + 1)
    }

    /// Bad options are refused before any work; a directory whose vocabulary is not the one the
    /// checkpoint was trained with, or that lacks one, is refused with the reason.
    func testRefusals() throws {
        let dir = try makeDirectory()
        let loaded = try LoadedModel(directory: dir)
        XCTAssertThrowsError(try LineTranslator(model: loaded).translate(Self.lines, options: SearchOptions(beam: 2, nbest: 3))) {
            guard case RuntimeError.invalidOptions = $0 else { return XCTFail("\($0)") }
        }
        var changed = Self.words
        changed[0] = "an"
        try Data(Vocabulary(lines: changed).fileBytes()).write(to: URL(fileURLWithPath: dir + "/" + PipelineFiles.targetVocabName))
        XCTAssertThrowsError(try LoadedModel(directory: dir)) {
            XCTAssertTrue("\($0)".contains("target_vocab_hash"), "\($0)")
        }
        try FileManager.default.removeItem(atPath: dir + "/" + PipelineFiles.sourceVocabName)
        XCTAssertThrowsError(try LoadedModel(directory: dir)) { XCTAssertTrue("\($0)".contains("vocab.src is missing"), "\($0)") }
        XCTAssertThrowsError(try LoadedModel(directory: dir + "/nope")) {
            XCTAssertEqual($0 as? RuntimeError, .modelDirectory(path: dir + "/nope", reason: "model directory does not exist"))
        }
    }
}
