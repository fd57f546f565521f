import MTIO
import XCTest
@testable import MTText

/// Applying must reproduce subword-nmt 0.3.8 `apply-bpe` byte for byte.
final class BPEApplierTests: XCTestCase {
    func applier(_ codes: String, limit: Int = -1, options: BPEApplyOptions = BPEApplyOptions()) throws -> BPEApplier {
        try BPEApplier(codes: try BPECodes(path: Fixtures.path(codes), limit: limit), options: options)
    }

    func testGoldenCorpus() throws {
        let out = applyBPE(try applier("corpus.codes"), try Fixtures.bytes("corpus.txt"))
        XCTAssertEqual(text(out), text(try Fixtures.bytes("corpus.bpe")))
    }

    func testGoldenHeldout() throws {
        let out = applyBPE(try applier("corpus.codes"), try Fixtures.bytes("heldout.txt"))
        XCTAssertEqual(text(out), text(try Fixtures.bytes("heldout.bpe")))
    }

    func testGoldenAllMerges() throws {
        let out = applyBPE(try applier("corpus.all.codes"), try Fixtures.bytes("heldout.txt"), threads: 1)
        XCTAssertEqual(text(out), text(try Fixtures.bytes("heldout.all.bpe")))
    }

    func testGoldenMergesLimit() throws {
        let out = applyBPE(try applier("corpus.codes", limit: 200), try Fixtures.bytes("heldout.txt"))
        XCTAssertEqual(text(out), text(try Fixtures.bytes("heldout.m200.bpe")))
    }

    func testGoldenVocabularyThreshold() throws {
        var o = BPEApplyOptions()
        o.vocabulary = try BPEApplyOptions.readVocabulary(path: Fixtures.path("corpus.bpe.vocab"), threshold: 5)
        let out = applyBPE(try applier("corpus.codes", options: o), try Fixtures.bytes("heldout.txt"))
        XCTAssertEqual(text(out), text(try Fixtures.bytes("heldout.vocab5.bpe")))
    }

    func testGoldenGlossaries() throws {
        let o = BPEApplyOptions(glossaries: ["man", "wo[a-z]+", "[0-9]+"])
        let out = applyBPE(try applier("corpus.codes", options: o), try Fixtures.bytes("heldout.txt"))
        XCTAssertEqual(text(out), text(try Fixtures.bytes("heldout.gloss.bpe")))
    }

    func testGoldenGetVocab() throws {
        XCTAssertEqual(text(wordCounts(try Fixtures.lines("corpus.bpe", 1, 1500)).vocabularyFileBytes()),
                       text(try Fixtures.bytes("corpus.bpe.vocab")))
        XCTAssertEqual(text(wordCounts(try Fixtures.bytes("corpus.bpe")).vocabularyFileBytes()),
                       text(try Fixtures.bytes("corpus.bpe.fullvocab")))
    }

    func testGoldenJointLearning() throws {
        let a = try Fixtures.lines("corpus.txt", 1, 1500), b = try Fixtures.lines("corpus.txt", 1532, 3031)
        var all = wordCounts(a)
        all.merge(wordCounts(b))
        let merges = BPELearner.learn(all, options: BPELearnOptions(symbols: 500))
        let codes = BPELearner.codesFileBytes(merges)
        XCTAssertEqual(text(codes), text(try Fixtures.bytes("joint.codes")))
        let bpe = try BPEApplier(codes: try BPECodes(bytes: codes))
        XCTAssertEqual(text(wordCounts(applyBPE(bpe, a)).vocabularyFileBytes()), text(try Fixtures.bytes("joint.a.vocab")))
        XCTAssertEqual(text(wordCounts(applyBPE(bpe, b)).vocabularyFileBytes()), text(try Fixtures.bytes("joint.b.vocab")))
    }

    // MARK: edge cases (subword-nmt's own test list: empty line, trailing whitespace, NBSP)

    func testEdgeCases() throws {
        let bpe = try applier("corpus.codes")
        XCTAssertEqual(text(bpe.segmentLine([])), "")
        XCTAssertEqual(bpe.segment("\n"), "\n")
        XCTAssertEqual(bpe.segment("   \n"), "   \n")
        XCTAssertEqual(bpe.segment("a man \n"), "a man \n")                 // trailing space kept
        XCTAssertEqual(bpe.segment("  a  man\r\n"), "  a man\r\n")          // CRLF kept, spaces collapse
        // NBSP is not a word boundary: every space in the output is a piece boundary "@@ ".
        let nbsp = bpe.segment("a\u{a0}man")
        XCTAssertEqual(Detokenizer.removeBPE(nbsp), "a\u{a0}man")
        XCTAssertEqual(nbsp.components(separatedBy: " ").count, nbsp.components(separatedBy: "@@ ").count)
        XCTAssertEqual(bpe.segment("x"), "x")                                // one character
        XCTAssertEqual(bpe.segment("😀"), "😀")
        XCTAssertEqual(Detokenizer.removeBPE(bpe.segment("unbelievably photographers")), "unbelievably photographers")
    }

    func testLinesWithoutFinalNewline() throws {
        let bpe = try applier("corpus.codes")
        XCTAssertEqual(text(applyBPE(bpe, Array("a man\nthe dog".utf8))), bpe.segment("a man\n") + bpe.segment("the dog"))
    }

    func testHundredThousandCharacterLines() throws {
        let bpe = try applier("corpus.codes")
        var words: [String] = []
        var total = 0
        let vocab = ["photographers", "a", "man", "Straße", "北京", "walking", "ée\u{301}"]
        var k = 0
        while total < 100_000 { let w = vocab[k % vocab.count]; words.append(w); total += w.count + 1; k += 1 }
        let line = words.joined(separator: " ")
        XCTAssertGreaterThanOrEqual(line.count, 100_000)
        let out = bpe.segment(line)
        XCTAssertEqual(out, words.map { bpe.segment($0) }.joined(separator: " "))
        // One word of 100,000 characters: pieces must concatenate back to it.
        let long = String(repeating: "abcdefghij", count: 10_000)
        let seg = bpe.segment(long)
        XCTAssertEqual(Detokenizer.removeBPE(seg), long)
    }

    func testParallelEqualsSequential() throws {
        let bpe = try applier("corpus.codes")
        let input = try Fixtures.bytes("corpus.txt")
        XCTAssertEqual(applyBPE(bpe, input, threads: 1), applyBPE(bpe, input, threads: 4))
    }

    func testInvalidCodesLineIsReported() {
        XCTAssertThrowsError(try BPECodes(bytes: Array("#version: 0.2\na b\nc d e\n".utf8), source: "x.codes")) { e in
            XCTAssertEqual(e as? TextError, .invalidCodes(source: "x.codes", line: 3, text: "c d e"))
        }
    }

    func testInvalidUTF8LinesAreFound() {
        let chunk = LineChunk(splitting: [0x61, 0x0A, 0xFF, 0x62, 0x0A, 0xC3, 0xA9, 0x0A, 0xED, 0xA0, 0x80, 0x0A],
                              mode: .newline)
        XCTAssertEqual(chunk.invalidLines(), [1, 3])
        XCTAssertEqual(TextError.invalidUTF8(source: "in.txt", line: 2).description.hasPrefix("in.txt:2:"), true)
    }

    func testCodecsLineBreaks() {
        let chunk = LineChunk(splitting: Array("a\u{1c}b\rc\r\nd\u{85}e\u{2028}f\u{1f}g\n".utf8), mode: .python)
        XCTAssertEqual(chunk.lineCount, 6)
        let uni = LineChunk(splitting: Array("a\rb\r\nc\u{1c}d".utf8), mode: .universal)
        XCTAssertEqual(text(uni.bytes), "a\nb\nc\u{1c}d")
        XCTAssertEqual(uni.lineCount, 3)
    }

    func testVersion01Codes() throws {
        let codes = try BPECodes(bytes: Array("l o\nlo w\nlow </w>\n".utf8))
        XCTAssertTrue(codes.version == (0, 1))
        let bpe = try BPEApplier(codes: codes)
        XCTAssertEqual(bpe.segment("low lower"), "low low@@ e@@ r")
    }
}
