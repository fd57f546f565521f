#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a decoding step's weights come from memory or from cache, for the few-rows products'
/// read-ahead (`SmallGEMM.readAhead`).
///
/// A decoding step multiplies a handful of rows by every decoder weight matrix and the output
/// projection, each once. When their sum is larger than the last-level cache, every matrix has
/// been evicted by the others before its next use and streams from DRAM, where reading each
/// block ahead of oneDNN's kernel doubles the rate (`base`: 65 MB output projection plus 88 MB of
/// decoder layers against a 32 MiB L3); when they fit, the extra pass only costs (`small`, about
/// 30 MB). Measured with `MT_READ_AHEAD` on `mt-bench decode` (README: decoding speed).
extension GEMM {
    /// Bytes of the last-level cache: the largest `cache/index*/size` of CPU 0 in sysfs, or
    /// 32 MiB when that cannot be read.
    public static let lastLevelCacheBytes: Int = {
        var best = 0
        for index in 0..<8 {
            guard let text = readSmallFile("/sys/devices/system/cpu/cpu0/cache/index\(index)/size"),
                  let bytes = parseCacheSize(text) else { continue }
            best = Swift.max(best, bytes)
        }
        return best > 0 ? best : 32 << 20
    }()

    /// `MT_READ_AHEAD`: 1 always reads ahead, 0 never; unset (or anything else) decides by size.
    static let forcedReadAhead: Bool? = {
        switch getenvString("MT_READ_AHEAD") {
        case "1": return true
        case "0": return false
        default: return nil
        }
    }()

    /// Tells the few-rows products how many weight bytes one decoding step reads (called when a
    /// search starts; the last call wins, so one search at a time, as every caller runs them).
    public static func noteStepWeights(bytes: Int) {
        SmallGEMM.readAhead = forcedReadAhead ?? (bytes > lastLevelCacheBytes)
    }

    /// Whether the few-rows products currently read ahead (tests, benchmarks).
    public static var readsAhead: Bool { SmallGEMM.readAhead }

    /// "32768K", "1M", "512" (bytes) → bytes.
    static func parseCacheSize(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: " \n")
        guard let last = t.last else { return nil }
        let scale: Int
        var digits = Substring(t)
        switch last {
        case "K", "k": scale = 1 << 10; digits = digits.dropLast()
        case "M", "m": scale = 1 << 20; digits = digits.dropLast()
        case "G", "g": scale = 1 << 30; digits = digits.dropLast()
        default: scale = 1
        }
        guard let n = Int(digits), n > 0 else { return nil }
        return n * scale
    }

    private static func readSmallFile(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), f) != nil else { return nil }
        return String(cString: buffer)
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
