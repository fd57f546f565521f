// Shared helpers of the MTText tests: fixtures, the data directory, gunzip, and the naive
// reference BPE learner (tests only).
import Foundation
import MTIO
import XCTest
@testable import MTText

enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!
    }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    static func path(_ name: String) -> String { url(name).path }

    /// Lines `from...to` (1-based, inclusive) of a fixture, split on "\n", terminators kept.
    static func lines(_ name: String, _ from: Int, _ to: Int) throws -> [UInt8] {
        let b = try bytes(name)
        var out: [UInt8] = []
        var line = 1
        for c in b {
            if line >= from && line <= to { out.append(c) }
            if c == 0x0A { line += 1 }
        }
        return out
    }
}

enum DataDir {
    /// $MT_DATA_DIR, or ../shared/data next to the package root.
    static var path: String {
        if let env = ProcessInfo.processInfo.environment["MT_DATA_DIR"], !env.isEmpty { return env }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("../shared/data").standardized.path
    }

    /// Every corpus file under the data directory (plain text or .gz), sorted.
    static func corpusFiles() throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw NSError(domain: "MTTextTests", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "data directory \(path) is missing: set MT_DATA_DIR to the directory holding multi30k/, wmt14/, zh-en/"])
        }
        var out: [String] = []
        let e = fm.enumerator(atPath: path)!
        while let rel = e.nextObject() as? String {
            let full = path + "/" + rel
            var d: ObjCBool = false
            if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue, !rel.hasSuffix(".md") { out.append(full) }
        }
        return out.sorted()
    }

    /// The bytes of a corpus file, gunzipped with /bin/gzip when it ends in .gz.
    static func read(_ file: String) throws -> [UInt8] {
        if !file.hasSuffix(".gz") { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", file]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "MTTextTests", code: 2, userInfo: [NSLocalizedDescriptionKey: "gzip -dc \(file) failed"])
        }
        return [UInt8](data)
    }

    /// Lines of a corpus file, split on "\n" only.
    static func lines(_ file: String) throws -> [String] {
        let b = try read(file)
        var parts = b.split(separator: 0x0A, omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The naive BPE learner (subword-nmt's bpe_toy.py idea): recount every pair at every step,
/// take the most frequent, ties to the greatest pair in code-point order, merge left to right.
enum NaiveBPE {
    struct Pair: Hashable { var a: [UInt8]; var b: [UInt8] }

    static func learn(_ counts: WordCounts, symbols: Int, minFrequency: Int = 2) -> [BPEMerge] {
        var words: [([[UInt8]], Int)] = []
        for id in 0..<counts.count {
            let scalars = Array(String(decoding: counts.word(id), as: UTF8.self).unicodeScalars)
            var w = scalars.map { Array(String($0).utf8) }
            w[w.count - 1] += Array("</w>".utf8)
            words.append((w, counts.counts[id]))
        }
        var merges: [BPEMerge] = []
        for _ in 0..<symbols {
            var stats: [Pair: Int] = [:]
            for (w, f) in words where w.count > 1 {
                for i in 0..<(w.count - 1) { stats[Pair(a: w[i], b: w[i + 1]), default: 0] += f }
            }
            func less(_ x: (key: Pair, value: Int), _ y: (key: Pair, value: Int)) -> Bool {
                if x.value != y.value { return x.value < y.value }
                if x.key.a != y.key.a { return x.key.a.lexicographicallyPrecedes(y.key.a) }
                return x.key.b.lexicographicallyPrecedes(y.key.b)
            }
            guard let best = stats.max(by: less), best.value >= minFrequency else { break }
            merges.append(BPEMerge(best.key.a, best.key.b))
            for k in 0..<words.count {
                var w = words[k].0
                var out: [[UInt8]] = []
                var i = 0
                while i < w.count {
                    if i + 1 < w.count && w[i] == best.key.a && w[i + 1] == best.key.b {
                        out.append(w[i] + w[i + 1]); i += 2
                    } else {
                        out.append(w[i]); i += 1
                    }
                }
                w = out
                words[k].0 = w
            }
        }
        return merges
    }
}

/// Word counts of text, as learn-bpe reads it (codecs line breaks).
func wordCounts(_ bytes: [UInt8]) -> WordCounts {
    var wc = WordCounts()
    wc.addWords(of: LineChunk(splitting: bytes, mode: .python))
    return wc
}

/// Segments `bytes` line by line like apply-bpe reading a file.
func applyBPE(_ bpe: BPEApplier, _ bytes: [UInt8], threads: Int = 2) -> [UInt8] {
    let caches = (0..<threads).map { _ in WordCache() }
    return bpe.process(LineChunk(splitting: bytes, mode: .python), caches: caches)
}

func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
