import Dispatch
import XCTest
@testable import MTText

/// detokenize(pretokenize(x)) == normalise(x), exactly (compared as UTF-8 bytes, never with
/// String ==, which identifies canonically equivalent strings).
final class PretokenizerTests: XCTestCase {
    func assertRoundTrip(_ p: Pretokenizer, _ x: String, file: StaticString = #filePath, line: UInt = #line) {
        let expected = p.normalizer.normalize(x)
        let got = Detokenizer().detokenize(p.pretokenize(x))
        XCTAssertEqual(Array(got.utf8), Array(expected.utf8), "round trip of \(x.debugDescription)", file: file, line: line)
    }

    func testExamples() {
        let p = Pretokenizer()
        XCTAssertEqual(p.pretokenize("Hello, world! Don't stop."), "Hello ￭, world ￭! Don ￭' ￭t stop ￭.")
        XCTAssertEqual(p.pretokenize("  two  spaces\t\there  "), "two spaces here")
        XCTAssertEqual(p.pretokenize("3.14 and 2019."), "3 ￭. ￭14 and 2019 ￭.")
        XCTAssertEqual(p.pretokenize("我们今天去北京大学。"), "我们 ￭今天 ￭去 ￭北京 ￭大学 ￭。")
    }

    func testEdgeCases() {
        let nfc = Pretokenizer(PretokenizerOptions(normalizer: NormalizerOptions(form: .nfc)))
        for p in [Pretokenizer(), nfc] {
            for x in ["", " ", "a\u{a0}b", "trailing   ", "e\u{301}te\u{301}", "\u{301}start mark",
                      "emoji 👍🏽 👨‍👩‍👧 🇩🇪!", "\u{FFED}", "a\u{FFED}b", "\u{FFED}\u{FFED} \u{FFED}\u{301}",
                      "ctrl\u{1}\u{7f}x", "zero\u{200b}width \u{feff}bom", "ภาษาไทยง่าย", "これはテストです",
                      "tab\tand\u{1c}fs", "\r\n", "x\u{2028}y"] {
                assertRoundTrip(p, x)
            }
        }
    }

    func testNormalizer() {
        let n = Normalizer()
        XCTAssertEqual(Array(n.normalize("ﬁ ① Ａ e\u{301}").utf8), Array("fi 1 A é".utf8))
        XCTAssertEqual(Normalizer(NormalizerOptions(form: .nfc)).normalize("ﬁ e\u{301}").unicodeScalars.count, 3)
        XCTAssertEqual(n.normalize(" a \u{a0} b\u{3000}c\u{1}\n"), "a b c")
        XCTAssertEqual(Array(Normalizer(NormalizerOptions(form: .none)).normalize("e\u{301}").unicodeScalars).count, 2)
    }

    func testSegmenter() {
        XCTAssertEqual(Segmenter().segment("我们今天去北京大学"), ["我们", "今天", "去", "北京", "大学"])
        XCTAssertEqual(Segmenter(mode: .characters).segment("北京"), ["北", "京"])
        XCTAssertEqual(Segmenter(mode: .none).segment("北京"), ["北京"])
        let chars = Pretokenizer(PretokenizerOptions(segmentation: .characters))
        XCTAssertEqual(chars.pretokenize("北京大学"), "北 ￭京 ￭大 ￭学")
    }

    func testOptionsAreCodable() throws {
        let o = PretokenizerOptions(normalizer: NormalizerOptions(form: .nfc), segmentation: .characters, splitDigits: true)
        let data = try JSONEncoder().encode(o)
        XCTAssertEqual(try JSONDecoder().decode(PretokenizerOptions.self, from: data), o)
    }

    func testRandomUnicodeStrings() {
        var rng = SystemRandomNumberGenerator()
        let ranges: [ClosedRange<UInt32>] = [0x00...0x7F, 0x80...0x2FF, 0x300...0x36F, 0x2000...0x206F, 0x3000...0x30FF,
                                             0x4E00...0x4F00, 0x0E00...0x0E7F, 0xFF00...0xFFEF, 0xFFED...0xFFED,
                                             0x1F300...0x1F6FF, 0x20000...0x20100, 0xE000...0xE0FF, 0x10000...0x10FFFF]
        let pretokenizers = [Pretokenizer(), Pretokenizer(PretokenizerOptions(normalizer: NormalizerOptions(form: .nfc))),
                             Pretokenizer(PretokenizerOptions(normalizer: NormalizerOptions(form: .none), segmentation: .characters,
                                                              splitDigits: true))]
        for _ in 0..<3000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                let r = ranges.randomElement(using: &rng)!
                var v = UInt32.random(in: r, using: &rng)
                if (0xD800...0xDFFF).contains(v) { v = 0x20 }
                s.append(Unicode.Scalar(v)!)
            }
            let x = String(s)
            for p in pretokenizers { assertRoundTrip(p, x) }
        }
    }

    /// The round trip on every line of every corpus under the data directory.
    func testRoundTripOnAllCorpora() throws {
        let files = try DataDir.corpusFiles()
        XCTAssertGreaterThan(files.count, 10, "expected the Multi30k, WMT14 and zh-en corpora under \(DataDir.path)")
        let p = Pretokenizer()
        var total = 0
        for file in files {
            let lines = try DataDir.lines(file)
            let failures = FailureBox()
            let workers = 4
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for k in stride(from: w, to: lines.count, by: workers) {
                    let x = lines[k]
                    if Array(Detokenizer().detokenize(p.pretokenize(x)).utf8) != Array(p.normalizer.normalize(x).utf8) {
                        failures.add("\(file):\(k + 1): \(x.debugDescription)")
                    }
                }
            }
            XCTAssertEqual(failures.items, [], "round trip failed in \(file)")
            total += lines.count
        }
        XCTAssertGreaterThan(total, 100_000)
        print("round trip exact on \(total) lines of \(files.count) files")
    }
}

final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [String] = []
    func add(_ s: String) { lock.lock(); if items.count < 20 { items.append(s) }; lock.unlock() }
}
