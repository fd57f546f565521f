import Foundation
import XCTest

@testable import MTIO

/// A failed replacement leaves the previous file and no temporary file behind.
final class AtomicFileTests: XCTestCase {
    func testAtomicWriteLeavesPreviousFileWhenTargetDirectoryVanishes() throws {
        let dir = try TempDir()
        let path = dir.path + "/keep.bin"
        try AtomicFile.write(Array("first".utf8), to: path)
        XCTAssertThrowsError(try AtomicFile.write(Array("second".utf8), to: dir.path + "/no-such-dir/x.bin")) {
            guard case IOError.replaceFailed(let p, let reason)? = $0 as? IOError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual(p, dir.path + "/no-such-dir/x.bin")
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertEqual(try dir.read("keep.bin"), Array("first".utf8))
        try AtomicFile.write(Array("second".utf8), to: path)
        XCTAssertEqual(try dir.read("keep.bin"), Array("second".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
    }

    func testFailingBodyLeavesPreviousFileIntact() throws {
        let dir = try TempDir()
        let path = dir.path + "/keep.ids"
        try AtomicFile.write(to: path) { w in
            try w.bytes([1, 2, 3])
            try w.raw(UInt32(7).littleEndian)
        }
        XCTAssertEqual(try dir.read("keep.ids"), [1, 2, 3, 7, 0, 0, 0])
        struct Stop: Error {}
        XCTAssertThrowsError(
            try AtomicFile.write(to: path) { w in
                try w.bytes(Array(repeating: 9, count: 5 << 20))  // past one buffer flush
                throw Stop()
            })
        XCTAssertEqual(try dir.read("keep.ids"), [1, 2, 3, 7, 0, 0, 0])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["keep.ids"])
    }

    func testRelativePathInCurrentDirectory() throws {
        let dir = try TempDir()
        let old = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(old) }
        try AtomicFile.write(Array("x".utf8), to: "plain.txt")
        XCTAssertEqual(try dir.read("plain.txt"), Array("x".utf8))
    }
}
