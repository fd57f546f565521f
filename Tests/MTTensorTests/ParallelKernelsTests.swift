import XCTest
@testable import MTTensor

/// `ParallelKernels` against the serial kernels: bit-identical on 1, 2 and 3 threads, for counts
/// below and above the fan-out threshold (odd counts, so the parts and the SIMD tails vary).
final class ParallelKernelsTests: XCTestCase {
    private var savedThreads = 0
    override func setUp() { savedThreads = GEMM.maxThreads }
    override func tearDown() { GEMM.setThreads(savedThreads) }

    func random(_ n: Int, _ rng: inout RNG) -> Tensor {
        let t = Tensor(zeros: [n])
        rng.fillUniform(t, -2, 2)
        return t
    }

    func testElementwisePassesEqualTheSerialKernels() {
        var rng = RNG(seed: 12)
        for n in [1_001, ParallelKernels.minElements + 13, 3 * ParallelKernels.minElements + 7] {
            let a = random(n, &rng), b = random(n, &rng), m = random(n, &rng), y0 = random(n, &rng)
            // serial references
            let add = Tensor(zeros: [n]); Kernels.add(a.pointer, b.pointer, add.pointer, n)
            let axpy = y0.copy(); Kernels.axpy(0.37, a.pointer, axpy.pointer, n)
            var acc = y0.array
            for i in 0..<n { acc[i] += b[i] * m[i] }
            for threads in 1...3 {
                GEMM.setThreads(threads)
                let y = Tensor(zeros: [n])
                ParallelKernels.add(a.pointer, b.pointer, y.pointer, n)
                XCTAssertEqual(y.array, add.array, "add n \(n) threads \(threads)")
                let z = y0.copy()
                ParallelKernels.axpy(0.37, a.pointer, z.pointer, n)
                XCTAssertEqual(z.array, axpy.array, "axpy n \(n) threads \(threads)")
                let d = y0.copy()
                ParallelKernels.addProduct(b.pointer, m.pointer, into: d.pointer, n)
                XCTAssertEqual(d.array, acc, "addProduct n \(n) threads \(threads)")
                ParallelKernels.fill(d.pointer, -1.5, n)
                XCTAssertEqual(d.array, [Float](repeating: -1.5, count: n), "fill n \(n) threads \(threads)")
            }
        }
    }

    func testFillRowsWithAStride() {
        var rng = RNG(seed: 13)
        let cols = 257, ld = 300
        let v = random(cols, &rng)
        for rows in [3, ParallelKernels.minElements / cols + 5] {
            for threads in 1...2 {
                GEMM.setThreads(threads)
                let y = Tensor(zeros: [rows, ld])
                y.fill(7)
                ParallelKernels.fillRows(y.pointer, ldy: ld, rows: rows, with: v.pointer, cols: cols)
                for r in 0..<rows {
                    XCTAssertEqual(Array(y.array[(r * ld)..<(r * ld + cols)]), v.array, "row \(r)")
                    XCTAssertEqual(Array(y.array[(r * ld + cols)..<((r + 1) * ld)]), [Float](repeating: 7, count: ld - cols), "past the row \(r)")
                }
            }
        }
    }

    func testArenaZeroedTensorsAreZeroAfterReuse() {
        GEMM.setThreads(2)
        let arena = Arena(capacity: 0)
        let n = 2 * ParallelKernels.minElements + 3
        _ = arena.tensor([n])
        arena.reset()  // sizes the slab
        arena.tensor([n]).fill(9)
        arena.reset()
        let t = arena.tensor([n], zeroed: true)  // the same memory, zeroed in parts
        XCTAssertEqual(t.array, [Float](repeating: 0, count: n))
    }

    /// The parallel sum of squares is the serial kernel's, bit for bit: lengths a multiple of the
    /// 1,024-element block, with a partial last block, and with a tail of fewer than 8.
    func testSumOfSquaresIsTheSerialKernelsBitForBit() {
        var rng = RNG(seed: 14)
        for n in [1_000, 1024 * 200, 1024 * 200 + 8 * 37, 1024 * 333 + 5, 3 * ParallelKernels.minElements + 3] {
            let x = random(n, &rng)
            let serial = Kernels.sumOfSquares(x.pointer, n)
            for threads in 1...3 {
                GEMM.setThreads(threads)
                XCTAssertEqual(ParallelKernels.sumOfSquares(x.pointer, n).bitPattern, serial.bitPattern, "n \(n) threads \(threads)")
            }
        }
    }
}
