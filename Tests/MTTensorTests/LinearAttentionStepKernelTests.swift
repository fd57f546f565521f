import CKernels
@testable import MTTensor
import XCTest

/// The C inner loop of the recurrent linear-attention step (mt_linear_attention_step): every body
/// this CPU can run (portable, AVX, AVX-512F) gives the bits of the Swift loop it replaced
/// (eight-lane axpy = one multiply and one add per element, den in Double), for head sizes
/// with and without a vector tail, features that are zero in φ(k) or φ(q), and several steps
/// (the state carries over).
final class LinearAttentionStepKernelTests: XCTestCase {
    /// The loop as CausalLinearAttention.step had it in Swift.
    func swiftStep(r: Int, dh: Int, s: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>,
                   fk: UnsafePointer<Float>, fq: UnsafePointer<Float>, v: UnsafePointer<Float>,
                   o: UnsafeMutablePointer<Float>, eps: Double) {
        o.update(repeating: 0, count: dh)
        var den = 0.0
        for j in 0..<r {
            let sj = s + j * dh, kj = fk[j], qj = fq[j]
            if kj != 0 { Kernels.axpy(kj, v, sj, dh); z[j] += kj }
            if qj != 0 { Kernels.axpy(qj, sj, o, dh); den += Double(qj) * Double(z[j]) }
        }
        Kernels.scale(o, Float(1 / Swift.max(den, eps)), dh)
    }

    func testEveryBodyEqualsTheSwiftLoopBitForBit() {
        var rng = RNG(seed: 3)
        var bodies = 0
        for (r, dh) in [(32, 64), (16, 20), (8, 7), (5, 128), (1, 16)] {
            for body in Int32(1)...3 {
                var sRef = [Float](repeating: 0, count: r * dh), zRef = [Float](repeating: 0, count: r)
                var sC = sRef, zC = zRef
                var oRef = [Float](repeating: 0, count: dh), oC = oRef
                var ran = true
                for _ in 0..<4 {
                    // ReLU features: about a third are zero.
                    let fk = (0..<r).map { _ in Swift.max(0, rng.uniform(-0.5, 1)) }
                    let fq = (0..<r).map { _ in Swift.max(0, rng.uniform(-0.5, 1)) }
                    let v = (0..<dh).map { _ in rng.uniform(-2, 2) }
                    swiftStep(r: r, dh: dh, s: &sRef, z: &zRef, fk: fk, fq: fq, v: v, o: &oRef, eps: 1e-6)
                    ran = mt_linear_attention_step_body(body, Int32(r), Int32(dh), &sC, &zC, fk, fq, v, &oC, 1e-6) == 1
                    if !ran { break }
                    XCTAssertEqual(oC.map(\.bitPattern), oRef.map(\.bitPattern), "body \(body), r \(r), dh \(dh): output")
                    XCTAssertEqual(sC.map(\.bitPattern), sRef.map(\.bitPattern), "body \(body), r \(r), dh \(dh): state")
                    XCTAssertEqual(zC.map(\.bitPattern), zRef.map(\.bitPattern), "body \(body), r \(r), dh \(dh): normaliser")
                }
                if ran { bodies = Swift.max(bodies, Int(body)) }
            }
        }
        XCTAssertEqual(bodies, Int(mt_linear_attention_body()), "the best body this CPU runs was not tested")
        // An all-zero φ(q) row: den 0, so o = 0 · (1/eps).
        var s = [Float](repeating: 1, count: 16), z = [Float](repeating: 1, count: 1), o = [Float](repeating: 7, count: 16)
        mt_linear_attention_step(1, 16, &s, &z, [0.5], [0], [Float](repeating: 1, count: 16), &o, 1e-6)
        XCTAssertEqual(o, [Float](repeating: 0, count: 16))
        XCTAssertEqual(s, [Float](repeating: 1.5, count: 16))
    }
}

/// mt_linear_attention_read (cross attention's fixed state): every body gives the Swift loop's
/// bits, |den| in the normaliser.
final class LinearAttentionReadKernelTests: XCTestCase {
    func testEveryBodyEqualsTheSwiftLoopBitForBit() {
        var rng = RNG(seed: 4)
        for (r, dh) in [(32, 64), (16, 20), (8, 7)] {
            let s = (0..<(r * dh)).map { _ in rng.uniform(-1, 1) }
            let z = (0..<r).map { _ in rng.uniform(-1, 1) }   // negative sums: |den| matters
            let fq = (0..<r).map { _ in Swift.max(0, rng.uniform(-0.5, 1)) }
            var ref = [Float](repeating: 0, count: dh)
            var den = 0.0
            for j in 0..<r where fq[j] != 0 {
                s.withUnsafeBufferPointer { Kernels.axpy(fq[j], $0.baseAddress! + j * dh, &ref, dh) }
                den += Double(fq[j]) * Double(z[j])
            }
            Kernels.scale(&ref, Float(1 / Swift.max(Swift.abs(den), 1e-6)), dh)
            for body in Int32(1)...3 {
                var o = [Float](repeating: 9, count: dh)
                guard mt_linear_attention_read_body(body, Int32(r), Int32(dh), s, z, fq, &o, 1e-6) == 1 else { continue }
                XCTAssertEqual(o.map(\.bitPattern), ref.map(\.bitPattern), "body \(body), r \(r), dh \(dh)")
            }
        }
    }
}
