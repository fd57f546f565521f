import ArgumentParser
import Foundation
import MTModel
import MTTensor
import MTTrain

/// `mt-bench allreduce`: seconds of one all-reduce (Σ over ranks, in place) of a preset's whole
/// gradient slab, the per-update communication of data-parallel training. Run it under
/// `mpirun -np N`; on one process it reports 0 ranks of communication and exits.
struct AllReduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Seconds per all-reduce of the small/base/big gradient slabs (run under mpirun).",
        discussion: """
        Slab sizes are the presets' parameter counts with the vocabularies of mt-bench train \
        (8,000 for small, 32,000 for base and big), T2R decoder. Every rank runs the same fixed \
        number of all-reduces (collectives cannot be timed adaptively); rank 0 prints the mean \
        after one warm-up, and the algorithmic bandwidth 2·(N−1)/N · bytes / seconds.
        """)

    @Option(help: "Comma-separated presets: small, base, big, tiny.")
    var configs: String = "small,base,big"

    @Option(help: "Timed all-reduces per preset (after one warm-up).")
    var repeats: Int = 5

    func run() throws {
        let group = try ProcessGroup.fromEnvironment()
        defer { group.finalize() }
        for c in configs.split(separator: ",") {
            guard let preset = ModelConfig.Preset(rawValue: String(c)) else {
                throw ValidationError("unknown preset '\(c)' (small, base, big, tiny)")
            }
            let vocab = preset == .small || preset == .tiny ? 8000 : 32000
            let config = ModelConfig.preset(preset, sourceVocabSize: vocab, targetVocabSize: vocab, decoderAttention: .t2r)
            let n = try Seq2Seq(config: config).layout.totalCount
            let slab = TensorStorage(count: n)
            slab.base.update(repeating: Float(group.rank + 1) * 1e-3, count: n)
            try group.sum(slab.base, count: n)  // warm-up (connections, registration)
            try group.barrier()
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { try group.sum(slab.base, count: n) }
            try group.barrier()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(repeats)
            let bytes = Double(n * 4)
            let algBW = group.size > 1 ? 2 * Double(group.size - 1) / Double(group.size) * bytes / seconds : 0
            if group.isLeader {
                emit(["bench": "allreduce", "config": preset.rawValue, "ranks": group.size, "floats": n,
                      "megabytes": bytes / 1e6, "seconds": seconds, "bus_gb_per_s": algBW / 1e9])
            }
        }
    }
}
