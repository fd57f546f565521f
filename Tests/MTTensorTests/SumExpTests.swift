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

    /// The loss's other two row passes (Kernels.maxAndSum, Kernels.expShiftScale) run AVX2 bodies
    /// too: the same sum and gradient bits as the Swift loops, the same max, in place as well.
    func testLossRowPassesEqualTheSwiftLoopsBitForBit() throws {
        try XCTSkipUnless(Kernels.sumExpInC, "this CPU has no AVX2: the row passes run the Swift loops only")
        var rng = RNG(seed: 10)
        for n in [64, 67, 100, 1000, 8003] {
            for spread in [Float(1), 30] {
                var x = (0..<n).map { _ in rng.uniform(-spread, spread) }
                x[n / 2] = -1e30
                x[n - 1] = spread + 1  // the max in the tail when n is not a multiple of 8
                let (mc, sc) = x.withUnsafeBufferPointer { Kernels.maxAndSumAVX2($0.baseAddress!, n) }
                let (ms, ss) = x.withUnsafeBufferPointer { Kernels.maxAndSumPortable($0.baseAddress!, n) }
                XCTAssertEqual(mc, ms, "n \(n)")
                XCTAssertEqual(mc, spread + 1, "n \(n)")
                XCTAssertEqual(sc.bitPattern, ss.bitPattern, "n \(n): \(sc) vs \(ss)")
                let lse = x.withUnsafeBufferPointer { Kernels.logSumExp($0.baseAddress!, n) }
                var outC = [Float](repeating: .nan, count: n), outS = outC
                x.withUnsafeBufferPointer { xp in
                    outC.withUnsafeMutableBufferPointer { Kernels.expShiftScaleAVX2(xp.baseAddress!, $0.baseAddress!, n, lse: lse, g: 0.37, minus: 1e-5) }
                    outS.withUnsafeMutableBufferPointer { Kernels.expShiftScalePortable(xp.baseAddress!, $0.baseAddress!, n, lse: lse, g: 0.37, minus: 1e-5) }
                }
                XCTAssertEqual(outC.map(\.bitPattern), outS.map(\.bitPattern), "n \(n)")
                XCTAssertEqual(Double(outS.reduce(0, +)), Double(0.37 * (1 - Float(n) * 1e-5)), accuracy: 1e-3, "a softmax sums to 1")
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { Kernels.expShiftScale($0.baseAddress!, $0.baseAddress!, n, lse: lse, g: 0.37, minus: 1e-5) }
                XCTAssertEqual(inPlace.map(\.bitPattern), outS.map(\.bitPattern), "n \(n), in place")
            }
        }
    }
}
