import CKernels

/// Decoding with int8 weights (`--compute-type int8`, CTranslate2's `compute_type="int8"`):
/// each weight matrix W [out, in] used by a linear layer gets an int8 copy quantized per output
/// row, W ≈ diag(s) · Q with s[j] = max|W[j, :]| / 127; products then quantize their input rows
/// the same way on every call and multiply in exact int32 (`mt_gemm_q8_nt`, CKernels), so the
/// bytes streamed per decoding step are a quarter of float32's.
///
/// What is quantized is chosen by the caller (`ParameterStore.quantizeInt8`): the weights of the
/// linear layers. Embedding look-ups, layer norms, biases, attention over keys and the recurrent
/// T2R state stay float32, as in CTranslate2. The float32 weights stay in the store too (the
/// embedding of a tied model is the output projection's weight).
public struct Int8Matrix: @unchecked Sendable {
    /// [rows, cols] int8 values, row-major.
    public let values: UnsafePointer<Int8>
    /// [rows] per-row scales.
    public let scales: UnsafePointer<Float>
    public let rows: Int
    public let cols: Int
    /// The values packed for AVX-512 VNNI (`mt_q8_pack`) and 128 · each row's sum, where the CPU
    /// runs `mt_gemm_q8_nt_packed`; nil elsewhere.
    public let packed: UnsafePointer<Int8>?
    public let colsum: UnsafePointer<Int32>?
}

/// Owns the int8 copies of a store's matrices (freed with the store).
final class Int8Storage: @unchecked Sendable {
    /// By parameter id; nil where the parameter is not quantized.
    private(set) var matrices: [Int8Matrix?]
    private var allocations: [(UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>)] = []
    private var packedAllocations: [(UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Int32>)] = []

    /// Whether products use B packed for AVX-512 VNNI: the CPU has it, the VNNI body is chosen
    /// (MT_Q8_BODY may pick a lesser one) and MT_Q8_PACKED is not 0 (benchmarks compare).
    static let usePacked = mt_gemm_q8_packed_available() != 0 && mt_gemm_q8_body() == 3
        && getenvString("MT_Q8_PACKED") != "0"

    /// Entries of a packed matrix's row sums: `rows` rounded up to a panel of 16.
    static func colsumCount(rows: Int) -> Int { (rows + 15) / 16 * 16 }

    init(count: Int) { matrices = Array(repeating: nil, count: count) }

    func quantize(id: Int, weights: UnsafePointer<Float>, rows: Int, cols: Int) {
        let q = UnsafeMutablePointer<Int8>.allocate(capacity: rows * cols)  // [rows, cols]
        let s = UnsafeMutablePointer<Float>.allocate(capacity: rows)        // [rows]
        mt_quantize_rows_s8(Int32(rows), Int32(cols), weights, Int32(cols), q, Int32(cols), s)
        allocations.append((q, s))
        var packed: UnsafeMutablePointer<Int8>?, colsum: UnsafeMutablePointer<Int32>?
        if Self.usePacked {
            let p = UnsafeMutablePointer<Int8>.allocate(capacity: mt_q8_packed_bytes(Int32(rows), Int32(cols)))
            let c = UnsafeMutablePointer<Int32>.allocate(capacity: Self.colsumCount(rows: rows))
            mt_q8_pack(Int32(rows), Int32(cols), q, Int32(cols), p, c)
            packedAllocations.append((p, c))
            (packed, colsum) = (p, c)
        }
        matrices[id] = Int8Matrix(values: q, scales: s, rows: rows, cols: cols, packed: packed, colsum: colsum)
    }

    deinit {
        for (q, s) in allocations { q.deallocate(); s.deallocate() }
        for (p, c) in packedAllocations { p.deallocate(); c.deallocate() }
    }
}

extension ParameterStore {
    /// Int8 copies of the 2-D parameters `ids` (call once, after the weights are loaded; an
    /// inference-only store). Linear layers then multiply with them (`GEMM.int8`).
    public func quantizeInt8(ids: [Int]) {
        let storage = int8Storage ?? Int8Storage(count: layout.entries.count)
        for id in ids {
            let e = layout.entries[id]
            precondition(e.shape.count == 2, "quantizeInt8: \(e.name) has shape \(e.shape), not a matrix")
            storage.quantize(id: id, weights: weights.base + e.offset, rows: e.shape[0], cols: e.shape[1])
        }
        int8Storage = storage
    }

    /// The int8 copy of parameter `id`, when the store has one.
    @inline(__always) public func int8Weight(_ id: Int) -> Int8Matrix? {
        guard let s = int8Storage else { return nil }
        return s.matrices[id]
    }

    /// Bytes held by int8 copies (values and scales).
    public var int8Bytes: Int {
        int8Storage?.matrices.reduce(0) { $0 + ($1.map { $0.rows * $0.cols + 4 * $0.rows } ?? 0) } ?? 0
    }

    /// Bytes of the copies packed for AVX-512 VNNI (values and row sums), 0 where the CPU does
    /// not use them.
    public var int8PackedBytes: Int {
        int8Storage?.matrices.reduce(0) { total, m in
            guard let m, m.packed != nil else { return total }
            return total + mt_q8_packed_bytes(Int32(m.rows), Int32(m.cols)) + 4 * Int8Storage.colsumCount(rows: m.rows)
        } ?? 0
    }
}

extension GEMM {
    /// C[M, N] = A[M, K] · Wᵀ + beta · C with W the int8 matrix [N, K] (a linear layer's weight):
    /// A's rows are quantized per row on the call. Large products split W's rows over the threads
    /// like `SmallGEMM`; the integer sums are exact, so results do not depend on the split.
    public static func int8(m: Int, a: UnsafePointer<Float>, lda: Int, w: Int8Matrix,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let n = w.rows
        if m == 0 || n == 0 { return }
        if parallelDepth > 0 { return int8Block(0..<n, m: m, a: a, lda: lda, w: w, beta: beta, c: c, ldc: ldc) }
        let ap = SendablePointer(UnsafeMutablePointer(mutating: a)), cp = SendablePointer(c)
        let unit = w.packed != nil ? 16 : 1  // a packed matrix splits by whole panels of 16 rows
        Parallel.forRanges((n + unit - 1) / unit, work: m &* n &* w.cols, minWork: SmallGEMM.threadsFrom) { units in
            int8Block(units.lowerBound * unit..<Swift.min(n, units.upperBound * unit), m: m, a: ap.p, lda: lda, w: w,
                      beta: beta, c: cp.p, ldc: ldc)
        }
    }

    /// Outputs C[0..<m, rows] (CKernels: the body this CPU runs).
    static func int8Block(_ rows: Range<Int>, m: Int, a: UnsafePointer<Float>, lda: Int, w: Int8Matrix,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let p = w.packed, let cs = w.colsum {
            let ok = mt_gemm_q8_nt_packed(Int32(m), Int32(rows.lowerBound), Int32(rows.upperBound), Int32(w.cols), a,
                                          Int32(lda), p, cs, w.scales, beta, c, Int32(ldc))
            precondition(ok == 1, "GEMM.int8: no memory for the quantized input [\(m), \(w.cols)]")
            return
        }
        let ok = mt_gemm_q8_nt(Int32(m), Int32(rows.lowerBound), Int32(rows.upperBound), Int32(w.cols), a, Int32(lda),
                               w.values, Int32(w.cols), w.scales, beta, c, Int32(ldc))
        precondition(ok == 1, "GEMM.int8: no memory for the quantized input [\(m), \(w.cols)]")
    }
}
