import Foundation
import XCTest
@testable import MTTensor
#if canImport(Glibc)
import Glibc
#endif

/// SIGUSR1 deliveries the test's handler has counted.
nonisolated(unsafe) private var signalsHandled: sig_atomic_t = 0

final class GEMMSignalTests: XCTestCase {
    /// oneDNN 2.6's no-copy sgemm kernels point rsp into the heap while they run; a signal handled
    /// on that thread wrote its frame there and a later free() aborted the process (mt-train's
    /// SIGUSR1 stop under mpirun, in CI). The shim blocks asynchronous signals on every thread
    /// that calls oneDNN and leaves a sink thread to take them (Sources/COneDNN/onednn.c).
    /// Here: random shapes and transposes on the oneDNN backend (the mix that aborted a plain C
    /// loop in 4 runs of 4) while another thread sends SIGUSR1 to the process 2,000 times. The
    /// process survives, the handler still runs, and the products equal the triple loop.
    func testOneDNNProductsSurviveSignalsSentToTheProcess() {
        let saved = GEMM.backend
        defer { GEMM.backend = saved }
        GEMM.backend = .onednn
        var action = sigaction(), previous = sigaction()
        action.__sigaction_handler.sa_handler = { _ in signalsHandled += 1 }
        action.sa_flags = SA_RESTART
        sigaction(SIGUSR1, &action, &previous)
        defer { sigaction(SIGUSR1, &previous, nil) }
        signalsHandled = 0

        let dims = [1, 4, 16, 31, 64, 100, 257, 387, 512, 1000, 2048]
        let capacity = 1 << 21
        let a = Tensor(zeros: [capacity]), b = Tensor(zeros: [capacity]), c = Tensor(zeros: [capacity])
        var rng = RNG(seed: 11)
        rng.fillUniform(a, -1, 1); rng.fillUniform(b, -1, 1)
        // The first product prepares this thread before the signals start.
        GEMM.one(.none, .none, m: 4, n: 4, k: 4, alpha: 1, a: a.pointer, lda: 4, b: b.pointer, ldb: 4,
                 beta: 0, c: c.pointer, ldc: 4)

        let sent = 2_000
        let finished = DispatchSemaphore(value: 0)
        let sender = Thread {
            for _ in 0..<sent { kill(getpid(), SIGUSR1); usleep(300) }
            finished.signal()
        }
        sender.start()
        var products = 0, pick = RNG(seed: 5)
        while finished.wait(timeout: .now()) == .timedOut {
            let m = dims[pick.below(dims.count)], n = dims[pick.below(dims.count)], k = dims[pick.below(dims.count)]
            guard m * k <= capacity, k * n <= capacity, m * n <= capacity else { continue }
            let ta: GEMM.Transpose = pick.below(2) == 0 ? .none : .transposed
            let tb: GEMM.Transpose = pick.below(2) == 0 ? .none : .transposed
            GEMM.one(ta, tb, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: ta == .none ? k : m,
                     b: b.pointer, ldb: tb == .none ? n : k, beta: 0, c: c.pointer, ldc: n)
            products += 1
        }
        XCTAssertGreaterThan(products, 20, "products while the signals were sent")
        XCTAssertGreaterThan(signalsHandled, 0, "SIGUSR1 was never handled: no thread left to take it")

        // And the products are still right: one of each transpose pair against the triple loop.
        for ta in [GEMM.Transpose.none, .transposed] {
            for tb in [GEMM.Transpose.none, .transposed] {
                let (m, n, k) = (31, 257, 100)
                let expected = Tensor(zeros: [m * n])
                GEMM.reference(ta, tb, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: ta == .none ? k : m,
                               b: b.pointer, ldb: tb == .none ? n : k, beta: 0, c: expected.pointer, ldc: n)
                GEMM.one(ta, tb, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: ta == .none ? k : m,
                         b: b.pointer, ldb: tb == .none ? n : k, beta: 0, c: c.pointer, ldc: n)
                XCTAssertLessThan(maxRelativeError(Array(c.array[0..<(m * n)]), expected.array, floor: 1), 1e-5, "\(ta) \(tb)")
            }
        }
    }
}
