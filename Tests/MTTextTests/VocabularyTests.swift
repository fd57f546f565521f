import XCTest
@testable import MTText

final class VocabularyTests: XCTestCase {
    func testSpecialsFirstThenByCount() {
        let v = Vocabulary(lines: ["b a@@ c b", "b a@@ d"])
        XCTAssertEqual(v.tokens.prefix(4).map { String(decoding: $0, as: UTF8.self) }, ["<pad>", "<s>", "</s>", "<unk>"])
        XCTAssertEqual(v.tokens.dropFirst(4).map { String(decoding: $0, as: UTF8.self) }, ["b", "a@@", "c", "d"])
        XCTAssertEqual(v.counts.dropFirst(4).map { $0 }, [3, 2, 1, 1])
        XCTAssertEqual(v.encode("b zzz d"), [4, Vocabulary.unkID, 7])
        XCTAssertEqual(v.decode([1, 4, 5, 2, 6]), "b a@@")
    }

    func testFileRoundTripAndBytesIdentity() {
        // NFC and NFD forms are different tokens.
        let v = Vocabulary(lines: ["é e\u{301} é"])
        XCTAssertEqual(v.count, 6)
        XCTAssertEqual(Vocabulary(fileBytes: v.fileBytes()).tokens, v.tokens)
        XCTAssertEqual(Vocabulary(fileBytes: v.fileBytes(withCounts: true)), v)
    }

    func testMinCountAndMaxSize() {
        let v = Vocabulary(lines: ["a a a b b c"], minCount: 2)
        XCTAssertEqual(v.count, 6)
        XCTAssertEqual(Vocabulary(lines: ["a a a b b c"], maxSize: 5).count, 5)
    }
}
