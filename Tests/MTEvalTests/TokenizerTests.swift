import XCTest

@testable import MTEval

/// Tokenizer behaviour checked against sacreBLEU 2.6 on the cases TEXT-REFERENCE.md calls out.
/// (Whole-score agreement on many more inputs is in GoldenTests.)
final class TokenizerTests: XCTestCase {
    func tok(_ t: BLEUTokenizer, _ s: String, lc: Bool = false) -> String {
        t.tokenize(s, lowercase: lc).joined(separator: " ")
    }

    func test13aRulesRunInSequence() {
        XCTAssertEqual(tok(.thirteenA, "5.-6"), "5 . -6")
        XCTAssertEqual(tok(.thirteenA, "5-6 a-b -5"), "5 - 6 a-b -5")
        XCTAssertEqual(tok(.thirteenA, "1,000.5 3.14 in 2019."), "1,000.5 3.14 in 2019 .")
        XCTAssertEqual(tok(.thirteenA, "don't"), "don't")
        XCTAssertEqual(tok(.thirteenA, "٣٤.٥"), "٣٤ . ٥")
        XCTAssertEqual(tok(.thirteenA, "“Hello” — said…"), "“Hello” — said…")
    }

    func test13aEntitiesAndSkipped() {
        XCTAssertEqual(tok(.thirteenA, "&amp;lt; &amp;quot; &apos;"), "< & quot ; & apos ;")
        XCTAssertEqual(tok(.thirteenA, "a<skipped>b"), "ab")
        XCTAssertEqual(tok(.thirteenA, "AT&amp;T"), "AT & T")
    }

    func testIntl() {
        XCTAssertEqual(tok(.intl, "don't stop-it 3.14 2019."), "don ' t stop - it 3.14 2019.")
        XCTAssertEqual(tok(.intl, "$5+3=8 ©"), "$ 5 + 3 = 8 ©")
        XCTAssertEqual(tok(.intl, "&quot;"), "& quot ;")
        XCTAssertEqual(tok(.intl, "“a” «b»"), "“ a ” « b »")
    }

    func testZhCopiesSacreBLEURanges() {
        XCTAssertEqual(tok(.zh, "我们2019年。"), "我 们 2019 年 。")
        XCTAssertEqual(tok(.zh, "10€—ok"), "10 € — ok")  // U+2001–U+2A6D are "Chinese"
        XCTAssertEqual(tok(.zh, "𠀀𠀁"), "𠀀𠀁")  // CJK Ext B is not split
        XCTAssertEqual(tok(.zh, "カタカナ한국"), "カタカナ한국")
        XCTAssertEqual(tok(.zh, "in 2019."), "in 2019.")
        XCTAssertEqual(tok(.zh, "a\u{200B}b"), "a \u{200B} b")
    }

    func testCharAndNone() {
        XCTAssertEqual(tok(.char, "ab c👍🏽"), "a b c 👍 🏽")
        XCTAssertEqual(tok(.char, "e\u{301}"), "e \u{301}")
        XCTAssertEqual(tok(.none, " a\u{1C}b\u{85}c\u{A0}d\u{200B}e "), "a b c d\u{200B}e")
    }

    func testLowercaseBeforeTokenizing() {
        XCTAssertEqual(tok(.thirteenA, "ΟΔΟΣ İ", lc: true), "οδος i\u{307}")
    }

    func testTokensCompareByCodePoints() throws {
        // NFC é and NFD é are different tokens, as in Python.
        let s = try CorpusScorer(threads: 1).bleu(
            BLEUOptions(tokenizer: .none), hypotheses: ["caf\u{E9} a b c"], references: [["cafe\u{301} a b c"]])
        XCTAssertEqual(s.counts[0], 3)
    }
}
