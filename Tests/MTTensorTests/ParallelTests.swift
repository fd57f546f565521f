import Foundation
import XCTest
@testable import MTTensor

/// `Parallel.forRanges` on the persistent spinning pool (CKernels/spin_pool.c): every index once,
/// the documented split, real concurrency, inline nesting, sleep and wake.
final class ParallelTests: XCTestCase {
    private var savedThreads = 0
    override func setUp() { savedThreads = GEMM.maxThreads }
    override func tearDown() { GEMM.setThreads(savedThreads) }

    /// Counts how often each index is visited and records the parts handed out.
    private final class Visits: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int32>
        let lock = NSLock()
        var parts: [Range<Int>] = []
        init(_ n: Int) { counts = .allocate(capacity: max(n, 1)); counts.initialize(repeating: 0, count: max(n, 1)) }
        deinit { counts.deallocate() }
    }

    func testEveryIndexOnceWithTheDocumentedSplitOverManyCalls() {
        for threads in 1...4 {
            GEMM.setThreads(threads)
            for count in [1, 2, 3, 7, 64, 1000] {
                for _ in 0..<300 {  // back-to-back jobs: the hand-off while workers spin
                    let v = Visits(count)
                    Parallel.forRanges(count, work: .max, minWork: 0) { r in
                        for i in r { v.counts[i] += 1 }
                        v.lock.lock(); v.parts.append(r); v.lock.unlock()
                    }
                    for i in 0..<count where v.counts[i] != 1 {
                        return XCTFail("threads \(threads), count \(count): index \(i) visited \(v.counts[i]) times")
                    }
                    let t = min(threads, count)
                    let expected = (0..<t).map { count * $0 / t ..< count * ($0 + 1) / t }.filter { !$0.isEmpty }
                    XCTAssertEqual(v.parts.sorted { $0.lowerBound < $1.lowerBound }, expected,
                                   "threads \(threads), count \(count)")
                }
            }
        }
    }

    /// Part 0 waits for part 1 to start: only two threads running at once can finish both quickly.
    func testTwoPartsRunConcurrently() {
        GEMM.setThreads(2)
        for round in 0..<20 {
            if round % 5 == 4 { usleep(5_000) }  // past MT_SPIN_US: the worker sleeps and must be woken
            let started = ManagedAtomicFlag()
            let sawOther = ManagedAtomicFlag()
            Parallel.forRanges(2, work: .max, minWork: 0) { r in
                if r.lowerBound == 1 { started.set(); return }
                let deadline = Date().addingTimeInterval(5)
                while !started.value && Date() < deadline { usleep(10) }
                if started.value { sawOther.set() }
            }
            XCTAssertTrue(sawOther.value, "round \(round): part 1 never ran while part 0 was running")
        }
        XCTAssertGreaterThanOrEqual(Parallel.poolWorkers, 1)
    }

    func testNestedCallRunsInlineOnTheSameThread() {
        GEMM.setThreads(2)
        let v = Visits(4 * 100)
        Parallel.forRanges(4, work: .max, minWork: 0) { outer in
            for o in outer {
                let me = pthread_self()
                let sameThread = ManagedAtomicFlag()
                sameThread.set()
                Parallel.forRanges(100, work: .max, minWork: 0) { inner in
                    if pthread_equal(pthread_self(), me) == 0 { sameThread.clear() }
                    for i in inner { v.counts[o * 100 + i] += 1 }
                }
                XCTAssertTrue(sameThread.value, "a nested call ran on another thread")
            }
        }
        XCTAssertEqual((0..<400).map { v.counts[$0] }, [Int32](repeating: 1, count: 400))
    }
}

/// A flag shared between threads (reads and writes under a lock).
private final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var v = false
    var value: Bool { lock.lock(); defer { lock.unlock() }; return v }
    func set() { lock.lock(); v = true; lock.unlock() }
    func clear() { lock.lock(); v = false; lock.unlock() }
}
