import Foundation
import XCTest
@testable import MTOps

final class OpKernelsTests: XCTestCase {
    func testExpAccuracy() {
        var x: Float = -87
        var worst = 0.0
        while x < 88 {
            let e = Double(OpMath.exp(x)), r = Foundation.exp(Double(x))
            worst = max(worst, abs(e - r) / r)
            x += 0.0071
        }
        XCTAssertLessThan(worst, 2e-7)
        XCTAssertEqual(OpMath.exp(-Float.infinity), 0)
        XCTAssertEqual(OpMath.exp(-90), 0)
        XCTAssertEqual(OpMath.exp(0), 1)
    }

    func testSoftmaxAndLogSumExpRows() {
        var rng = RNG(seed: 1)
        for n in [1, 3, 8, 13, 100] {
            let x = (0..<n).map { _ in rng.uniform(-20, 20) }
            var y = x
            y.withUnsafeMutableBufferPointer { OpKernels.softmax($0.baseAddress!, n) }
            let m = Double(x.max()!)
            let z = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
            for i in 0..<n { XCTAssertEqual(Double(y[i]), Foundation.exp(Double(x[i]) - m) / z, accuracy: 1e-6) }
            let l = x.withUnsafeBufferPointer { OpKernels.logSumExp($0.baseAddress!, n) }
            XCTAssertEqual(Double(l), m + Foundation.log(z), accuracy: 1e-5)
        }
        var masked: [Float] = [-.infinity, 1, -.infinity]
        masked.withUnsafeMutableBufferPointer { OpKernels.softmax($0.baseAddress!, 3) }
        XCTAssertEqual(masked, [0, 1, 0])
        var dead: [Float] = [-.infinity, -.infinity]
        dead.withUnsafeMutableBufferPointer { OpKernels.softmax($0.baseAddress!, 2) }
        XCTAssertEqual(dead, [0, 0])
    }
}
