import CKernels
import XCTest
@testable import MTTensor

/// The AVX-512 VNNI body over B packed in panels (CKernels/gemm_q8_packed.c): the same bits as
/// the portable body of mt_gemm_q8_nt for M across the 4-row block, N across the 16-row panels,
/// K with and without a 4-tail, output ranges that start and end inside panels, beta 0 and 0.5.
final class Int8PackedGEMMTests: XCTestCase {
    func testPackedBodyEqualsThePortableBodyBitForBit() throws {
        try XCTSkipUnless(mt_gemm_q8_packed_available() != 0, "this CPU has no AVX-512 VNNI")
        var rng = RNG(seed: 21)
        for (m, n, k) in [(1, 1, 1), (4, 16, 64), (5, 17, 7), (3, 33, 130), (9, 50, 512), (128, 40, 65), (2, 100, 2048)] {
            let a = (0..<(m * k)).map { _ in rng.uniform(-3, 3) }, b = (0..<(n * k)).map { _ in rng.uniform(-0.2, 0.2) }
            var qb = [Int8](repeating: 0, count: n * k), sb = [Float](repeating: 0, count: n)
            mt_quantize_rows_s8(Int32(n), Int32(k), b, Int32(k), &qb, Int32(k), &sb)
            var packed = [Int8](repeating: 0, count: mt_q8_packed_bytes(Int32(n), Int32(k)))
            var colsum = [Int32](repeating: 0, count: (n + 15) / 16 * 16)
            mt_q8_pack(Int32(n), Int32(k), qb, Int32(k), &packed, &colsum)
            for (j0, j1) in [(0, n), (n / 3, n), (n / 5, (4 * n + 4) / 5)] where j1 > j0 {
                for beta: Float in [0, 0.5] {
                    let c0 = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
                    var ref = c0, got = c0
                    XCTAssertEqual(mt_gemm_q8_nt_body(1, Int32(m), Int32(j0), Int32(j1), Int32(k), a, Int32(k), qb, Int32(k),
                                                      sb, beta, &ref, Int32(n)), 1)
                    XCTAssertEqual(mt_gemm_q8_nt_packed(Int32(m), Int32(j0), Int32(j1), Int32(k), a, Int32(k), packed, colsum,
                                                        sb, beta, &got, Int32(n)), 1)
                    XCTAssertEqual(got.map(\.bitPattern), ref.map(\.bitPattern), "m \(m) n \(n) k \(k) j \(j0)..<\(j1) beta \(beta)")
                }
            }
        }
    }

    /// Through GEMM.int8 (the thread split by whole panels): the same bits as the portable body.
    func testGEMMInt8UsesThePackedCopyWithTheSameResult() throws {
        try XCTSkipUnless(Int8Storage.usePacked, "packed products are not in use on this CPU")
        let (m, n, k) = (64, 300, 512)
        var rng = RNG(seed: 22)
        let a = (0..<(m * k)).map { _ in rng.uniform(-3, 3) }, w = (0..<(n * k)).map { _ in rng.uniform(-0.2, 0.2) }
        let storage = Int8Storage(count: 1)
        w.withUnsafeBufferPointer { storage.quantize(id: 0, weights: $0.baseAddress!, rows: n, cols: k) }
        let matrix = try XCTUnwrap(storage.matrices[0])
        XCTAssertNotNil(matrix.packed)
        var got = [Float](repeating: 0, count: m * n), ref = got
        GEMM.int8(m: m, a: a, lda: k, w: matrix, beta: 0, c: &got, ldc: n)
        XCTAssertEqual(mt_gemm_q8_nt_body(1, Int32(m), 0, Int32(n), Int32(k), a, Int32(k), matrix.values, Int32(k), matrix.scales,
                                          0, &ref, Int32(n)), 1)
        XCTAssertEqual(got.map(\.bitPattern), ref.map(\.bitPattern))
    }
}
