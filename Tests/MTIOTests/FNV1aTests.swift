import XCTest

@testable import MTIO

/// Stored cache keys and model hashes depend on these exact values.
final class FNV1aTests: XCTestCase {
    func testKnownValues() {
        XCTAssertEqual(FNV1a.hash(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(FNV1a.hash("a"), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(FNV1a.hash("foobar"), 0x8594_4171_F739_67E8)
        var h = FNV1a()
        h.add("foo")
        h.add("bar")
        XCTAssertEqual(h.value, FNV1a.hash("foobar"))
        var w = FNV1a()
        w.mix(1)
        XCTAssertEqual(w.value, (0xCBF2_9CE4_8422_2325 ^ 1) &* 0x0000_0100_0000_01B3)
    }
}
