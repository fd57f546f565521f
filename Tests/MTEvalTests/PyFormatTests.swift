import XCTest

@testable import MTEval

/// Python's `format(x, ".Nf")` and `repr(float)` as sacreBLEU's output uses them.
final class PyFormatTests: XCTestCase {
    func testFixedIsCorrectlyRounded() {
        XCTAssertEqual(PyFormat.fixed(34.55, 1), "34.5")  // 34.55 is 34.5499999...
        XCTAssertEqual(PyFormat.fixed(0.125, 2), "0.12")  // exact tie: half-even
        XCTAssertEqual(PyFormat.fixed(0.375, 2), "0.38")
        XCTAssertEqual(PyFormat.fixed(100, 1), "100.0")
        XCTAssertEqual(PyFormat.fixed(35.4, 0), "35")
    }

    func testRepr() {
        XCTAssertEqual(PyFormat.repr(34.6), "34.6")
        XCTAssertEqual(PyFormat.repr(0), "0.0")
        XCTAssertEqual(PyFormat.repr(100), "100.0")
        XCTAssertEqual(PyFormat.repr(0.0001), "0.0001")
        XCTAssertEqual(PyFormat.repr(0.00001), "1e-05")
        XCTAssertEqual(PyFormat.repr(1e16), "1e+16")
        XCTAssertEqual(PyFormat.repr(1e15), "1000000000000000.0")
        XCTAssertEqual(PyFormat.repr(100.00000000000004), "100.00000000000004")
        XCTAssertEqual(PyFormat.repr(1.5e-7), "1.5e-07")
        XCTAssertEqual(PyFormat.roundedRepr(34.549, 1), "34.5")
        XCTAssertEqual(PyFormat.roundedRepr(34.5, 0), "34.0")
    }
}
