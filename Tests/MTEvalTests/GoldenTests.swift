import Foundation
import MTEval
import XCTest

/// MTEval against sacreBLEU 2.x on the recorded golden cases (`Fixtures/golden.json`):
/// every tokenizer × smoothing with 1–4 references, many languages and scripts, edge cases,
/// chrF/chrF++ variants and sentence-level scores. Each case compares sacreBLEU's printed
/// text line at the CLI's default width (1), at width 2, and at width 17, which exposes even
/// a last-ulp difference in the score; some cases also compare the full JSON object.
final class GoldenTests: XCTestCase {
    nonisolated(unsafe) static let cases: [GoldenCase] = {
        let d = try! Fixtures.load("golden")
        return (d["cases"] as! [[String: Any]]).map(GoldenCase.init)
    }()

    func check(prefix: String, minimum: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let selected = Self.cases.filter { $0.id.hasPrefix(prefix) }
        XCTAssertGreaterThanOrEqual(selected.count, minimum, "too few \(prefix) cases", file: file, line: line)
        for c in selected {
            let reports = try c.reports()
            XCTAssertEqual(reports.map { $0.text(width: 1) }, c.expected("text"), c.id, file: file, line: line)
            XCTAssertEqual(reports.map { $0.text(width: 2) }, c.expected("text2"), c.id, file: file, line: line)
            XCTAssertEqual(reports.map { $0.text(width: 17) }, c.expected("text17"), c.id, file: file, line: line)
            if let json = c.raw["json"] as? String {
                XCTAssertEqual(reports[0].json(width: 1), json, c.id, file: file, line: line)
            }
        }
    }

    func testAtLeast200Cases() {
        XCTAssertGreaterThanOrEqual(Self.cases.count, 200)
    }

    /// Every tokenizer × smoothing method × 1–4 references.
    func testTokenizerSmoothingReferenceGrid() throws {
        try check(prefix: "grid-", minimum: 80)
        for tok in BLEUTokenizer.allCases {
            for smooth in BLEUSmoothing.allCases {
                for n in 1...4 {
                    XCTAssertTrue(
                        Self.cases.contains { $0.id.hasPrefix("grid-\(tok.rawValue)-\(smooth.rawValue)-\(n)ref") },
                        "grid lacks \(tok) \(smooth) \(n) refs")
                }
            }
        }
    }

    /// German, French, Czech, Chinese, Japanese, Korean, Greek, Turkish, Arabic, emoji,
    /// combining marks, numbers, URLs, entities, punctuation; each tokenizer, lowercase, chrF(++).
    func testLanguagesAndScripts() throws {
        try check(prefix: "lang-", minimum: 100)
    }

    /// chrF and chrF++ with 1–4 references, ε-smoothing, whitespace, lowercase, β and order.
    func testCHRFVariants() throws {
        try check(prefix: "chrf-", minimum: 20)
    }

    /// Sentence-level BLEU (effective order) and chrF.
    func testSentenceLevel() throws {
        try check(prefix: "sent-", minimum: 15)
    }

    /// The traps of TEXT-REFERENCE.md: empty lines, longer hypotheses, single lines, short
    /// corpora, 13a/intl/zh specifics, NFC vs NFD, BOM, Python whitespace, final sigma, ...
    func testEdgeCases() throws {
        try check(prefix: "edge-", minimum: 200)
    }

    /// Explicit `--smooth-value` for floor, add-k (and ignored for exp), with JSON output.
    func testSmoothingValues() throws {
        try check(prefix: "smooth-value-", minimum: 6)
    }

    /// 600-line corpora, scored through the multi-threaded path.
    func testLargeCorpora() throws {
        try check(prefix: "big-", minimum: 2)
    }

    /// The result must not depend on how many threads count the segments.
    func testThreadCountDoesNotChangeScores() throws {
        let big = Self.cases.filter { $0.id.hasPrefix("big-") }
        XCTAssertFalse(big.isEmpty)
        for c in big {
            let one = try c.reports(threads: 1).map { $0.text(width: 17) }
            for t in [2, 3, 8] {
                XCTAssertEqual(try c.reports(threads: t).map { $0.text(width: 17) }, one, c.id)
            }
        }
    }
}
