import Dispatch
import Glibc
import MTTensor
import XCTest

/// OpProfile (mt-bench train --ops): an operator's own time leaves out the operators nested in
/// it and the products it issues (timed by GEMM's counting); off, it records nothing.
final class OpProfileTests: XCTestCase {
    override func tearDown() {
        OpProfile.enabled = false
        OpProfile.reset()
    }

    func testOwnTimeLeavesOutNestedOperatorsAndProducts() {
        OpProfile.reset()
        OpProfile.enabled = true
        var rng = RNG(seed: 1)
        let a = Tensor(zeros: [1024, 1024]), b = Tensor(zeros: [1024, 1024]), c = Tensor(zeros: [1024, 1024])
        rng.fillUniform(a, -1, 1)
        rng.fillUniform(b, -1, 1)
        var productSeconds = 0.0
        let counted = GEMM.countingProducts {
            let outer = OpProfile.begin(.feedForwardForward)
            usleep(20_000)
            let inner = OpProfile.begin(.dropoutForward)
            usleep(30_000)
            OpProfile.end(inner)
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<4 { GEMM.matmul(a, .none, b, into: c) }
            productSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            OpProfile.end(outer)
        }
        XCTAssertEqual(counted.topLevelSeconds, productSeconds, accuracy: 0.005)
        let totals = OpProfile.totals()
        XCTAssertEqual(totals.map(\.op), [.dropoutForward, .feedForwardForward], "largest first")
        XCTAssertEqual(totals.map(\.calls), [1, 1])
        XCTAssertEqual(totals[0].seconds, 0.030, accuracy: 0.010, "the nested operator's sleep")
        XCTAssertEqual(totals[1].seconds, 0.020, accuracy: 0.010,
                       "the outer operator's own sleep, without the nested 30 ms or the products' \(productSeconds) s")
    }

    func testOffRecordsNothing() {
        OpProfile.reset()
        OpProfile.enabled = false
        let t = OpProfile.begin(.adam)
        usleep(1_000)
        OpProfile.end(t)
        XCTAssertTrue(OpProfile.totals().isEmpty)
        XCTAssertEqual(OpProfile.Op.adam.name, "adam.update")
    }
}
