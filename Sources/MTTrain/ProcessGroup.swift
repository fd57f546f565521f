import CMPI
import Foundation
import MTIO

/// The processes that train one model together: one (a plain `mt-train`) or the ranks of an
/// `mpirun -np N mt-train …` job. Under mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE) libmpi is
/// loaded through CMPI and MPI_Init'ed; otherwise nothing MPI is touched. Every collective
/// here is a no-op on one process, so the trainer calls them unconditionally.
public final class ProcessGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    let usesMPI: Bool

    /// One process, no MPI.
    public static let single = ProcessGroup(rank: 0, size: 1, usesMPI: false)

    init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// The group this process belongs to: MPI's world when launched by mpirun, else `single`.
    public static func fromEnvironment() throws -> ProcessGroup {
        guard cmpi_launched() != 0 else { return .single }
        var err = [CChar](repeating: 0, count: 512)
        let rc = cmpi_init(&err, Int32(err.count))
        guard rc == 0 else {
            throw TrainError.distributed(rank: -1, String(cString: err))
        }
        return ProcessGroup(rank: Int(cmpi_rank()), size: Int(cmpi_size()), usesMPI: true)
    }

    public var isLeader: Bool { rank == 0 }

    /// In-place Σ of `count` floats over all ranks (the gradient slab).
    public func sum(_ p: UnsafeMutablePointer<Float>, count: Int) throws {
        guard size > 1 else { return }
        try check(cmpi_allreduce_sum_float(p, Int64(count)), "MPI_Allreduce of \(count) floats")
    }

    /// Σ over all ranks of a few doubles (statistics, flags).
    public func sum(_ values: [Double]) throws -> [Double] {
        guard size > 1 else { return values }
        var v = values
        try check(v.withUnsafeMutableBufferPointer { cmpi_allreduce_sum_double($0.baseAddress!, Int64($0.count)) },
                  "MPI_Allreduce of \(values.count) doubles")
        return v
    }

    /// Every rank's `value`, by rank.
    public func gather(_ value: UInt64) throws -> [UInt64] {
        guard size > 1 else { return [value] }
        var out = [UInt64](repeating: 0, count: size)
        try check(out.withUnsafeMutableBufferPointer { cmpi_allgather_u64(value, $0.baseAddress!) }, "MPI_Allgather")
        return out
    }

    public func barrier() throws {
        guard size > 1 else { return }
        try check(cmpi_barrier(), "MPI_Barrier")
    }

    /// Checks that every rank has the same value of each named hash (config, data, vocabularies,
    /// binary, weights). Throws `TrainError.distributed` naming the first rank and item that
    /// differ from rank 0's, on every rank (all ranks see the same gathered values).
    public func verifySame(_ items: [(name: String, hash: UInt64)]) throws {
        guard size > 1 else { return }
        for (name, hash) in items {
            let all = try gather(hash)
            if let r = all.firstIndex(where: { $0 != all[0] }) {
                throw TrainError.distributed(rank: r, "rank \(r) has another \(name) than rank 0 (hash \(String(all[r], radix: 16)), rank 0 \(String(all[0], radix: 16))); every rank must run the same binary with the same config, data and vocabularies")
            }
        }
    }

    /// MPI_Finalize on a normal exit (mpirun treats a rank that exits without it as failed).
    public func finalize() {
        if usesMPI { _ = cmpi_finalize() }
    }

    /// Ends the whole job (every rank) with `code`.
    public func abort(_ code: Int32) -> Never {
        cmpi_abort(code)
        exit(code)
    }

    func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw TrainError.distributed(rank: rank, "\(what) failed with MPI error \(rc)") }
    }

    /// FNV-1a of a file's bytes (the running binary: /proc/self/exe), streamed in 1 MiB pieces.
    public static func fileHash(_ path: String) -> UInt64 {
        var h = FNV1a()
        guard let f = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? f.close() }
        while let d = try? f.read(upToCount: 1 << 20), !d.isEmpty {
            d.withUnsafeBytes { h.add($0) }
        }
        return h.value
    }

    /// A hash of a float slab (weights), a 32-bit word per step.
    public static func slabHash(_ p: UnsafePointer<Float>, count: Int) -> UInt64 {
        var h = FNV1a()
        p.withMemoryRebound(to: UInt32.self, capacity: count) { w in
            for i in 0..<count { h.mix(w[i]) }
        }
        return h.value
    }
}
