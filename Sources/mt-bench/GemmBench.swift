import ArgumentParser
import COpenBLAS
import MTTensor

/// `mt-bench gemm`: GFLOP/s of the GEMM wrapper (its backend, oneDNN by default) against a direct
/// OpenBLAS `cblas_sgemm` call on the model's shapes, with 1 and 2 threads allowed.
struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of GEMM (the wrapper's backend and a direct OpenBLAS call) on the model's shapes.",
        discussion: """
        Shapes (M,N,K): (4096,512,512) attention projections of a 4,096-token batch, \
        (4096,2048,512) the FFN, (32,32000,512) an output layer, (4,512,512) one beam-4 decoding step. \
        For each shape and thread count it prints the wrapper's GFLOP/s, the direct call's, and \
        their ratio. The wrapper calls its backend (backend: onednn by default, MT_GEMM=openblas) \
        under its thread policy (tiny products on one thread, larger ones split over the toolkit's \
        pool); the direct call is OpenBLAS on exactly the stated number of its own threads. \
        --layout nt multiplies by Bᵀ with B stored [N, K], as a model's weights are (what a \
        decoding step does: at M ≤ 16 rows the wrapper's few-rows path, SmallGEMM); b_gb_per_s is \
        B's bytes over the time of one product, the rate at which a memory-bound product streams \
        its weights, and read_ahead_* the same product with the few-rows path reading B ahead \
        block by block (what decoding does when a step's weights exceed the last-level cache; \
        MT_READ_AHEAD=0 or 1 forces it off or on everywhere, this comparison included). B is the \
        same matrix every trial, so a B that fits the caches is measured from them.
        """)

    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"

    @Option(help: "Shapes as M,N,K separated by ';'.")
    var shapes: String = "4096,512,512;4096,2048,512;32,32000,512;4,512,512"

    @Option(help: "Timing trials per measurement (the best is reported).")
    var trials: Int = 5

    @Option(help: "nn: A · B with B [K, N]; nt: A · Bᵀ with B [N, K] (a model's weights).")
    var layout: String = "nn"

    func validate() throws {
        guard layout == "nn" || layout == "nt" else { throw ValidationError("--layout must be nn or nt, got \(layout)") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1, got \(trials)") }
        guard parsedThreads() != nil else { throw ValidationError("--threads must be positive integers like 1,2; got \(threads)") }
        guard parsedShapes() != nil else { throw ValidationError("--shapes must look like 4096,512,512;4,512,512; got \(shapes)") }
    }

    func parsedThreads() -> [Int]? {
        let t = threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return t.isEmpty || t.contains { $0 < 1 } ? nil : t
    }

    func parsedShapes() -> [(Int, Int, Int)]? {
        var out: [(Int, Int, Int)] = []
        for s in shapes.split(separator: ";") {
            let v = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard v.count == 3, v.allSatisfy({ $0 > 0 }) else { return nil }
            out.append((v[0], v[1], v[2]))
        }
        return out.isEmpty ? nil : out
    }

    func run() throws {
        var rng = RNG(seed: 1)
        for (m, n, k) in parsedShapes()! {
            let nt = layout == "nt"
            let a = Tensor(zeros: [m, k]), b = Tensor(zeros: nt ? [n, k] : [k, n]), c = Tensor(zeros: [m, n])
            rng.fillUniform(a, -1, 1)
            rng.fillUniform(b, -1, 1)
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            for t in parsedThreads()! {
                GEMM.setThreads(t)
                let wrapped = bestSecondsPerCall(trials: trials) {
                    GEMM.sgemm(.none, nt ? .transposed : .none, m: m, n: n, k: k, a: a.pointer, lda: k,
                               b: b.pointer, ldb: nt ? k : n, c: c.pointer, ldc: n)
                }
                let direct = bestSecondsPerCall(trials: trials) {
                    openblas_set_num_threads(Int32(t))
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, nt ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                1, a.pointer, Int32(k), b.pointer, Int32(nt ? k : n), 0, c.pointer, Int32(n))
                }
                var extra = ""
                if nt {  // the same product with the few-rows path reading B ahead (SmallGEMM.readAhead)
                    GEMM.noteStepWeights(bytes: .max)
                    let ahead = bestSecondsPerCall(trials: trials) {
                        GEMM.sgemm(.none, .transposed, m: m, n: n, k: k, a: a.pointer, lda: k,
                                   b: b.pointer, ldb: k, c: c.pointer, ldc: n)
                    }
                    GEMM.noteStepWeights(bytes: 0)
                    extra = String(format: "\"read_ahead_gflops\":%.4g,\"read_ahead_b_gb_per_s\":%.4g,\"read_ahead_speedup\":%.4g",
                                   flops / ahead / 1e9, Double(n * k * 4) / ahead / 1e9, wrapped / ahead)
                }
                emit(["bench": "gemm", "backend": GEMM.backend.rawValue, "layout": layout, "m": m, "n": n, "k": k, "threads": t,
                      "wrapper_threads_used": GEMM.threads(m: m, n: n, k: k),
                      "gflops": flops / wrapped / 1e9, "direct_gflops": flops / direct / 1e9,
                      "ratio": direct / wrapped, "b_gb_per_s": Double(n * k * 4) / wrapped / 1e9], extra: extra)
            }
        }
    }
}

import Foundation
