import XCTest
@testable import MTOps

final class DropoutTests: XCTestCase {
    func testEvalIsIdentity() {
        var rng = RNG(seed: 1)
        let x = OpTest.randomTensor([4, 8], &rng)
        let c = Dropout(0.3).forward(x, training: false, rng: &rng, arena: Arena(capacity: 64))
        XCTAssertNil(c.mask)
        XCTAssertEqual(c.y.array, x.array)
    }

    func testMaskRateAndScale() {
        var rng = RNG(seed: 2)
        let x = Tensor([Float](repeating: 1, count: 200 * 100), shape: [200, 100])
        let c = Dropout(0.25).forward(x, training: true, rng: &rng, arena: Arena(capacity: 1 << 16))
        let y = c.y.array
        let zeros = y.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / Double(y.count), 0.25, accuracy: 0.02)
        XCTAssertTrue(y.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        // same generator state → same mask; the next draw → a different one
        var r1 = RNG(seed: 9), r2 = RNG(seed: 9)
        let a = Dropout(0.25).forward(x, training: true, rng: &r1, arena: Arena(capacity: 0)).y.array
        let b = Dropout(0.25).forward(x, training: true, rng: &r2, arena: Arena(capacity: 0)).y.array
        let c2 = Dropout(0.25).forward(x, training: true, rng: &r2, arena: Arena(capacity: 0)).y.array
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c2)
    }

    func testGradients() {
        var rng = RNG(seed: 3)
        let x = OpTest.randomTensor([3, 5], &rng)
        OpTest.gradCheck(params: nil, inputs: [x]) { arena in
            var r = RNG(seed: 77)  // fixed mask for every evaluation
            let c = Dropout(0.4).forward(x, training: true, rng: &r, arena: arena)
            return (c.y, { dy, dIn, _ in Dropout(0.4).backward(c, dy: dy, dx: dIn[0]) })
        }
    }

    /// The forward draws its mask in the same pass as y = x ⊙ mask, split over threads: the mask
    /// is the one `DropoutMask.fill` draws alone, y is x times it, and backward adds dy ⊙ mask,
    /// whatever the thread count (sizes above the fan-out threshold).
    func testFusedMaskAndProductMatchTheMaskAloneOnAnyThreadCount() {
        let saved = GEMM.maxThreads
        defer { GEMM.setThreads(saved) }
        var rng = RNG(seed: 4)
        let rows = 301, cols = 515
        let x = OpTest.randomTensor([rows, cols], &rng)
        let dy = OpTest.randomTensor([rows, cols], &rng)
        let base = OpTest.randomTensor([rows, cols], &rng)
        var seeds = RNG(seed: 21)
        let seed = seeds.next()
        let mask = Tensor(zeros: [rows, cols])
        DropoutMask.fill(mask, rows: rows, cols: cols, probability: 0.3, seed: seed)
        let expected = zip(x.array, mask.array).map { $0 * $1 }
        var back = base.array
        for i in 0..<back.count { back[i] += dy[i] * mask[i] }
        for threads in 1...3 {
            GEMM.setThreads(threads)
            var r = RNG(seed: 21)
            let c = Dropout(0.3).forward(x, training: true, rng: &r, arena: Arena(capacity: 0))
            XCTAssertEqual(c.mask?.array, mask.array, "threads \(threads)")
            XCTAssertEqual(c.y.array, expected, "threads \(threads)")
            let dx = base.copy()
            Dropout(0.3).backward(c, dy: dy, dx: dx)
            XCTAssertEqual(dx.array, back, "threads \(threads)")
        }
    }

    /// The masks come from a C kernel that runs four rows' xoshiro256** streams side by side:
    /// every row equals `RNG(seed:stream: row).fillDropoutMask` (the Swift generator) bit for bit,
    /// with the SIMD path on and off, for row counts around the group of four and odd widths.
    func testMaskKernelMatchesTheSwiftGeneratorRowByRow() {
        let saved = DropoutMask.useSIMD
        defer { DropoutMask.useSIMD = saved }
        var seeds = RNG(seed: 77)
        for rows in [1, 3, 4, 5, 8, 11] {
            for cols in [1, 2, 3, 7, 64, 255] {
                for p: Float in [0.1, 0.5, 0.9] {
                    let seed = seeds.next()
                    let threshold = RNG.dropThreshold(p), keep = 1 / (1 - p)
                    var expected = [Float](repeating: .nan, count: rows * cols)
                    expected.withUnsafeMutableBufferPointer { e in
                        for r in 0..<rows {
                            var g = RNG(seed: seed, stream: UInt64(r))
                            g.fillDropoutMask(e.baseAddress! + r * cols, cols, threshold: threshold, keep: keep)
                        }
                    }
                    for simd in [true, false] {
                        DropoutMask.useSIMD = simd
                        let mask = Tensor(zeros: [rows, cols])
                        DropoutMask.fill(mask, rows: rows, cols: cols, probability: p, seed: seed)
                        XCTAssertEqual(mask.array.map(\.bitPattern), expected.map(\.bitPattern),
                                       "rows \(rows) cols \(cols) p \(p) simd \(simd)")
                    }
                    if rows * cols >= 64 { XCTAssertTrue(expected.contains(0) && expected.contains(keep), "both values drawn (p \(p))") }
                }
            }
        }
    }
}
