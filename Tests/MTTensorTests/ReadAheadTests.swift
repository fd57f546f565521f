import XCTest
@testable import MTTensor

/// The few-rows products' read-ahead (`SmallGEMM.readAhead`, `GEMM.noteStepWeights`): it only
/// changes when B's rows reach the caches, never the results.
final class ReadAheadTests: XCTestCase {
    override func tearDown() {
        SmallGEMM.readAhead = false
        super.tearDown()
    }

    /// Bit-identical outputs with and without read-ahead, on oneDNN (where it applies): several
    /// M ≤ 16, N not a multiple of the block's rows, padded leading dimensions, beta ≠ 0, and
    /// one and two threads (blocks inside each thread's part of N).
    func testReadAheadGivesTheSameBits() {
        let savedBackend = GEMM.backend, savedThreads = GEMM.maxThreads
        defer { GEMM.backend = savedBackend; GEMM.setThreads(savedThreads) }
        GEMM.backend = .onednn
        var rng = RNG(seed: 11)
        // (m, n, k, ldb): B of 1.2 MB to 8 MB, so blocks of 218 or 128 rows with tails.
        for (m, n, k, ldb) in [(4, 5_001, 300, 300), (1, 4_099, 512, 520), (16, 3_000, 700, 700), (7, 16_000, 128, 128)] {
            let lda = k + 3, ldc = n + 5
            let a = Tensor(zeros: [m * lda]), b = Tensor(zeros: [n * ldb]), c0 = Tensor(zeros: [m * ldc])
            rng.fillUniform(a, -1, 1)
            rng.fillUniform(b, -1, 1)
            rng.fillUniform(c0, -1, 1)
            XCTAssertGreaterThanOrEqual(n * ldb * 4, SmallGEMM.readAheadMinBytes)
            for threads in [1, 2] {
                GEMM.setThreads(threads)
                var outputs: [[Float]] = []
                for readAhead in [false, true] {
                    SmallGEMM.readAhead = readAhead
                    let c = Tensor(zeros: [m * ldc])
                    c.pointer.update(from: c0.pointer, count: m * ldc)
                    GEMM.sgemm(.none, .transposed, m: m, n: n, k: k, alpha: 0.75, a: a.pointer, lda: lda,
                               b: b.pointer, ldb: ldb, beta: 0.5, c: c.pointer, ldc: ldc)
                    outputs.append(c.array)
                }
                XCTAssertEqual(outputs[0], outputs[1], "m \(m) n \(n) k \(k) threads \(threads)")
            }
        }
    }

    /// A step that streams more than the last-level cache reads ahead; one that fits does not
    /// (unless MT_READ_AHEAD forces it, as a user may).
    func testStepWeightsDecideByTheCacheSize() throws {
        if GEMM.forcedReadAhead != nil { throw XCTSkip("MT_READ_AHEAD is set in this environment") }
        XCTAssertGreaterThan(GEMM.lastLevelCacheBytes, 0)
        GEMM.noteStepWeights(bytes: GEMM.lastLevelCacheBytes + 1)
        XCTAssertTrue(GEMM.readsAhead)
        GEMM.noteStepWeights(bytes: GEMM.lastLevelCacheBytes / 2)
        XCTAssertFalse(GEMM.readsAhead)
    }

    func testCacheSizeParsing() {
        XCTAssertEqual(GEMM.parseCacheSize("32768K\n"), 32 << 20)
        XCTAssertEqual(GEMM.parseCacheSize("1M"), 1 << 20)
        XCTAssertEqual(GEMM.parseCacheSize("2G"), 2 << 30)
        XCTAssertEqual(GEMM.parseCacheSize("49152"), 49_152)
        XCTAssertNil(GEMM.parseCacheSize(""))
        XCTAssertNil(GEMM.parseCacheSize("K"))
        XCTAssertNil(GEMM.parseCacheSize("abcK"))
    }
}
