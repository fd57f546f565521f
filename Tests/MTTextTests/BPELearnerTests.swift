import MTIO
import XCTest
@testable import MTText

/// Learning must reproduce subword-nmt 0.3.8's codes byte for byte (golden files made by
/// tools/text/make_fixtures.sh), and the fast learner must agree with the naive one.
final class BPELearnerTests: XCTestCase {
    func learnCodes(_ corpus: String, _ options: BPELearnOptions) throws -> [UInt8] {
        BPELearner.codesFileBytes(BPELearner.learn(wordCounts(try Fixtures.bytes(corpus)), options: options))
    }

    func testGoldenCodes1000() throws {
        XCTAssertEqual(text(try learnCodes("corpus.txt", BPELearnOptions(symbols: 1000))),
                       text(try Fixtures.bytes("corpus.codes")))
    }

    func testGoldenCodesMinFrequency() throws {
        XCTAssertEqual(text(try learnCodes("corpus.txt", BPELearnOptions(symbols: 300, minFrequency: 5))),
                       text(try Fixtures.bytes("corpus.min5.codes")))
    }

    func testGoldenCodesUntilExhausted() throws {
        // 100,000 requested: stops at "no pair has frequency >= 2", through many reloads of the
        // pruned statistics.
        var messages: [String] = []
        let merges = BPELearner.learn(wordCounts(try Fixtures.bytes("corpus.txt")),
                                      options: BPELearnOptions(symbols: 100_000), log: { messages.append($0) })
        XCTAssertEqual(text(BPELearner.codesFileBytes(merges)), text(try Fixtures.bytes("corpus.all.codes")))
        XCTAssertEqual(messages, ["no pair has frequency >= 2. Stopping"])
    }

    func testGoldenCodesTotalSymbols() throws {
        XCTAssertEqual(text(try learnCodes("corpus.txt", BPELearnOptions(symbols: 500, totalSymbols: true))),
                       text(try Fixtures.bytes("corpus.total.codes")))
    }

    func testGoldenTieBreaking() throws {
        XCTAssertEqual(text(try learnCodes("ties.txt", BPELearnOptions(symbols: 50, minFrequency: 1))),
                       text(try Fixtures.bytes("ties.codes")))
    }

    /// Words holding a tab or NBSP: subword-nmt merges with a regex over the space-joined
    /// symbols, which treats those characters as boundaries too. A naive symbol-level learner
    /// gets different codes on these corpora; the fast learner reproduces subword-nmt.
    func testGoldenWhitespaceInsideWords() throws {
        for (name, symbols) in [("quirk_tab", 211), ("quirk_nbsp", 766)] {
            let options = BPELearnOptions(symbols: symbols, minFrequency: 1)
            let golden = text(try Fixtures.bytes(name + ".codes"))
            XCTAssertEqual(text(try learnCodes(name + ".txt", options)), golden, name)
            let naive = NaiveBPE.learn(wordCounts(try Fixtures.bytes(name + ".txt")), symbols: symbols, minFrequency: 1)
            XCTAssertNotEqual(text(BPELearner.codesFileBytes(naive)), golden, "\(name) no longer exercises the quirk")
        }
        let bpe = try BPEApplier(codes: try BPECodes(path: Fixtures.path("quirk_nbsp.codes")))
        XCTAssertEqual(text(applyBPE(bpe, try Fixtures.bytes("quirk_nbsp.txt"))), text(try Fixtures.bytes("quirk_nbsp.bpe")))
    }

    func testTiesGoToGreatestPairInCodePointOrder() {
        var wc = WordCounts()
        wc.add(Array("ab".utf8)); wc.add(Array("ba".utf8))
        // (b, a</w>) > (a, b</w>): 'b' > 'a'.
        XCTAssertEqual(BPELearner.learn(wc, options: BPELearnOptions(symbols: 1, minFrequency: 1)).first,
                       BPEMerge("b", "a</w>"))
        var wc2 = WordCounts()
        wc2.add(Array("éz".utf8)); wc2.add(Array("zz".utf8))
        // é (U+00E9) sorts after z in code-point order.
        XCTAssertEqual(BPELearner.learn(wc2, options: BPELearnOptions(symbols: 1, minFrequency: 1)).first,
                       BPEMerge("é", "z</w>"))
    }

    func testRepeatedSymbolsCountEveryPosition() {
        var wc = WordCounts()
        wc.add(Array("aaa".utf8), count: 1)
        // "a a a</w>": (a, a) once, (a, a</w>) once; tie -> (a, a</w>) is greater.
        let m = BPELearner.learn(wc, options: BPELearnOptions(symbols: 2, minFrequency: 1))
        XCTAssertEqual(m, [BPEMerge("a", "a</w>"), BPEMerge("a", "aa</w>")])
    }

    func testNaiveEqualsFastOnMulti30kPart() throws {
        // The Multi30k lines of the fixture (no exotic whitespace).
        let wc = wordCounts(try Fixtures.lines("corpus.txt", 1, 1500))
        let fast = BPELearner.learn(wc, options: BPELearnOptions(symbols: 400))
        let naive = NaiveBPE.learn(wc, symbols: 400)
        XCTAssertEqual(fast.count, 400)
        XCTAssertEqual(fast.map(\.text), naive.map(\.text))
    }

    func testNaiveEqualsFastOnRandomCorpora() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = ["a", "b", "c", "é", "e\u{301}", "ß", "中", "😀"]
        for _ in 0..<20 {
            var wc = WordCounts()
            for _ in 0..<60 {
                let len = Int.random(in: 1...7, using: &rng)
                let w = (0..<len).map { _ in alphabet.randomElement(using: &rng)! }.joined()
                wc.add(Array(w.utf8), count: Int.random(in: 1...4, using: &rng))
            }
            let fast = BPELearner.learn(wc, options: BPELearnOptions(symbols: 80, minFrequency: 1))
            let naive = NaiveBPE.learn(wc, symbols: 80, minFrequency: 1)
            XCTAssertEqual(fast.map(\.text), naive.map(\.text))
        }
    }

    func testEmptyInputGivesHeaderOnly() {
        let merges = BPELearner.learn(WordCounts(), options: BPELearnOptions())
        XCTAssertEqual(text(BPELearner.codesFileBytes(merges)), "#version: 0.2\n")
    }

    func testLearnOnMulti30kTrainMatchesNaiveForFirstMerges() throws {
        let files = try DataDir.corpusFiles().filter { $0.hasSuffix("multi30k/train.en.gz") }
        XCTAssertEqual(files.count, 1, "multi30k/train.en.gz not found under \(DataDir.path)")
        var wc = WordCounts()
        wc.addWords(of: LineChunk(splitting: try DataDir.read(files[0]), mode: .python))
        let fast = BPELearner.learn(wc, options: BPELearnOptions(symbols: 60))
        let naive = NaiveBPE.learn(wc, symbols: 60)
        XCTAssertEqual(fast.map(\.text), naive.map(\.text))
    }
}
