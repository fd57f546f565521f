import MTTensor
import XCTest

/// Kernels.sumExp runs CKernels' AVX2 body on long rows: it must give the Swift SIMD8 loop's
/// bits (beam scores, softmax attention and the loss depend on the order of the sum), for row
/// lengths with and without a tail, values far below the maximum (exp underflows to 0 below
/// −87.3), −∞ entries and a vocabulary-sized row.
final class SumExpTests: XCTestCase {
    func testAVX2BodyEqualsTheSwiftLoopBitForBit() throws {
        try XCTSkipUnless(Kernels.sumExpInC, "this CPU has no AVX2: sumExp runs the Swift loop only")
        var rng = RNG(seed: 9)
        for n in [64, 65, 71, 100, 1000, 32_003] {
            for spread in [Float(1), 10, 200] {
                var x = (0..<n).map { _ in rng.uniform(-spread, spread) }
                x[n / 3] = -.infinity
                x[n / 2] = -1e30
                let m = x.max()!
                let c = x.withUnsafeBufferPointer { Kernels.sumExpAVX2($0.baseAddress!, n, minus: m) }
                let swift = x.withUnsafeBufferPointer { Kernels.sumExpPortable($0.baseAddress!, n, minus: m) }
                XCTAssertEqual(c.bitPattern, swift.bitPattern, "n \(n), spread \(spread): \(c) vs \(swift)")
                let dispatched = x.withUnsafeBufferPointer { Kernels.sumExp($0.baseAddress!, n, minus: m) }
                XCTAssertEqual(dispatched.bitPattern, swift.bitPattern)
            }
        }
    }
}
