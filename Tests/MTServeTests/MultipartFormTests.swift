@testable import MTServe
import XCTest

/// multipart/form-data as browsers and curl -F send it: fields in order, quoted boundaries and
/// names, file parts skipped, and every malformed body a 400 naming what was expected.
final class MultipartFormTests: XCTestCase {
    /// A body as a browser's FormData writes it (CRLF lines, a closing delimiter).
    static func body(_ boundary: String, _ parts: [(headers: String, value: String)], preamble: String = "") -> [UInt8] {
        var s = preamble
        for p in parts { s += "--\(boundary)\r\n\(p.headers)\r\n\r\n\(p.value)\r\n" }
        s += "--\(boundary)--\r\n"
        return Array(s.utf8)
    }

    func testFieldsInOrderAndFilesSkipped() throws {
        let b = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        let body = Self.body(b, [
            ("Content-Disposition: form-data; name=\"q\"", "A man is walking.\r\nA dog runs."),
            ("Content-Disposition: form-data; name=\"source\"", "en"),
            ("content-disposition: form-data; name=target", "de"),
            ("Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain", "ignored"),
            ("Content-Disposition: form-data; name=\"q\"", "Über"),
            ("Content-Disposition: form-data; name=\"empty\"", ""),
        ], preamble: "This is the preamble.\r\n")
        let boundary = try XCTUnwrap(try MultipartForm.boundary(contentType: "multipart/form-data; boundary=\(b)"))
        let f = try MultipartForm.fields(body, boundary: boundary)
        XCTAssertEqual(f["q"], ["A man is walking.\r\nA dog runs.", "Über"])
        XCTAssertEqual(f["source"], ["en"])
        XCTAssertEqual(f["target"], ["de"])
        XCTAssertEqual(f["empty"], [""])
        XCTAssertNil(f["file"])
        XCTAssertEqual(f.count, 4)
    }

    func testBoundaryParameter() throws {
        XCTAssertEqual(try MultipartForm.boundary(contentType: "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b:c\""), Array("a b:c".utf8))
        XCTAssertNil(try MultipartForm.boundary(contentType: "text/plain"))
        XCTAssertNil(try MultipartForm.boundary(contentType: "multipart/mixed; boundary=x"))
        XCTAssertThrowsError(try MultipartForm.boundary(contentType: "multipart/form-data")) {
            XCTAssertTrue("\($0)".contains("without a boundary parameter"), "\($0)")
        }
        XCTAssertThrowsError(try MultipartForm.boundary(contentType: "multipart/form-data; boundary=\(String(repeating: "x", count: 71))")) {
            XCTAssertTrue("\($0)".contains("71 bytes (1 to 70 allowed)"), "\($0)")
        }
    }

    func testMalformedBodiesNameTheProblem() throws {
        let b = Array("XyZ".utf8)
        func check(_ text: String, _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try MultipartForm.fields(Array(text.utf8), boundary: b), line: line) {
                guard case ServeError.invalidField(let name, let reason) = $0 else { return XCTFail("\($0)", line: line) }
                XCTAssertEqual(name, "multipart body", line: line)
                XCTAssertTrue(reason.contains(fragment), "\(reason) lacks '\(fragment)'", line: line)
            }
        }
        check("q=a&source=en", "has no boundary line (--XyZ)")
        check("--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nabc", "ends without the closing boundary (--XyZ--)")
        check("--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\nabc\r\n--XyZ--", "without the blank line after its headers")
        check("--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--", "without Content-Disposition")
        check("--XyZjunk\r\n\r\nabc\r\n--XyZ--", "not followed by CRLF at byte 5")
        // The blank line is looked for only within the part: here it comes after the next boundary.
        check("--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"s\"\r\n\r\nx\r\n--XyZ--",
              "without the blank line after its headers")
        check("--XyZ\r\n\r\n--XyZ--", "without the blank line after its headers")
        XCTAssertThrowsError(try MultipartForm.fields([UInt8]("--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n".utf8) + [0x41, 0xff] + Array("\r\n--XyZ--".utf8),
                                                      boundary: b)) {
            XCTAssertEqual($0 as? ServeError, .invalidUTF8(field: "form field q", offset: 1))
        }
        // No parts at all is an empty form, not an error.
        XCTAssertEqual(try MultipartForm.fields(Array("--XyZ--\r\n".utf8), boundary: b), [:])
    }
}
