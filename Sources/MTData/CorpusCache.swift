import MTIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A binarised cache of an encoded parallel corpus, so the second run starts at once.
///
/// Layout (little-endian), version 1:
/// ```
/// magic "T2RMTIDS" (8) · version u32 · id width u32 (2 = UInt16, 4 = Int32) · key hash u64
/// key (u32 byte count + UTF-8)
/// summary: source path, target path (strings) · read, kept, empty, short, long, ratio,
///          src tok, tgt tok,
///          filter minTokens, maxTokens (10 × u64) · filter maxRatio f64
/// pairs u64 · source ids u64 · target ids u64
/// line numbers u32 × pairs · source lengths u32 × pairs · target lengths u32 × pairs
/// source ids (width) × source ids · target ids (width) × target ids      (and nothing after)
/// ```
/// The key (`CorpusCache.key`) names both input files with their size and modification time, both
/// encoder fingerprints and the filter; a cache whose key differs is stale and is rebuilt. Files
/// are written atomically (MTIO's `AtomicFile`). This file does not read text or encode.
public enum CorpusCache {
    static let magic: [UInt8] = Array("T2RMTIDS".utf8)
    /// Format version written and accepted.
    public static let version: UInt32 = 1

    /// What `loadOrBuild` did.
    public enum Outcome: Sendable, Equatable {
        /// The cache was valid and loaded.
        case hit
        /// The cache was (re)built; `reason` says why: "no cache file", "stale: …", "corrupt: …".
        case built(reason: String)
    }

    /// What `lookup` found.
    public enum Lookup: Sendable, Equatable {
        case hit(ParallelCorpus)
        case missing
        /// The file is a valid cache for other inputs or settings; `reason` names what differs.
        case stale(reason: String)
    }

    /// The cache key of a corpus: input identity (absolute path, size, mtime), encoders, filter.
    public static func key(
        sourcePath: String, targetPath: String, sourceEncoder: some SentenceEncoder,
        targetEncoder: some SentenceEncoder, filter: CorpusFilter
    ) throws -> String {
        [
            "format=t2r-mt-ids v\(version)",
            "source=" + (try fileIdentity(sourcePath)),
            "target=" + (try fileIdentity(targetPath)),
            "sourceEncoder=" + sourceEncoder.fingerprint,
            "targetEncoder=" + targetEncoder.fingerprint,
            "filter=min \(filter.minTokens) max \(filter.maxTokens) ratio \(filter.maxRatio)",
        ].joined(separator: "\n")
    }

    /// "absolute-path size=N mtime=S.NNNNNNNNN" for one file.
    static func fileIdentity(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let absolute =
            realpath(path, &resolved) != nil
            ? String(
                decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : path
        #if canImport(Darwin)
        let (sec, nsec) = (info.st_mtimespec.tv_sec, info.st_mtimespec.tv_nsec)
        #else
        let (sec, nsec) = (info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
        #endif
        return "\(absolute) size=\(info.st_size) mtime=\(sec).\(nsec)"
    }

    /// Loads the cache if it exists and its key is `key`, else builds the corpus with
    /// `ParallelCorpus.read` and saves it. A corrupt or stale cache is rebuilt, never trusted.
    public static func loadOrBuild(
        cachePath: String, sourcePath: String, targetPath: String,
        sourceEncoder: some SentenceEncoder, targetEncoder: some SentenceEncoder,
        filter: CorpusFilter = CorpusFilter(),
        threads: Int = 1
    ) throws -> (corpus: ParallelCorpus, outcome: Outcome) {
        try filter.validate()
        let key = try key(
            sourcePath: sourcePath, targetPath: targetPath, sourceEncoder: sourceEncoder,
            targetEncoder: targetEncoder, filter: filter)
        let reason: String
        do {
            switch try lookup(cachePath, key: key) {
            case .hit(let corpus): return (corpus, .hit)
            case .missing: reason = "no cache file"
            case .stale(let why): reason = "stale: " + why
            }
        } catch let error as DataError {
            reason = "corrupt: \(error)"
        }
        let corpus = try ParallelCorpus.read(
            sourcePath: sourcePath, targetPath: targetPath,
            sourceEncoder: sourceEncoder, targetEncoder: targetEncoder,
            filter: filter, threads: threads)
        try save(corpus, key: key, to: cachePath)
        return (corpus, .built(reason: reason))
    }

    /// Reads the cache at `path` if it is there and was built for `key`.
    /// Throws `cacheCorrupt` for a file that is not a complete cache of this version.
    public static func lookup(_ path: String, key: String) throws -> Lookup {
        guard access(path, F_OK) == 0 else { return .missing }
        let bytes: [UInt8]
        do { bytes = try InputFile.contents(of: path) } catch let error as IOError {
            throw DataError(error)
        }
        var r = BinaryReader(bytes: bytes, path: path)
        guard Array(try r.take(magic.count)) == magic else {
            throw DataError.cacheCorrupt(path: path, reason: "bad magic (not a t2r-mt id cache)")
        }
        let fileVersion = try r.u32()
        guard fileVersion == version else {
            return .stale(reason: "format version \(fileVersion), expected \(version)")
        }
        let width = try r.u32()
        guard width == 2 || width == 4 else {
            throw DataError.cacheCorrupt(path: path, reason: "id width \(width)")
        }
        let hash = try r.u64()
        let storedKey = try r.string()
        guard hash == FNV1a.hash(storedKey) else {
            throw DataError.cacheCorrupt(path: path, reason: "key hash mismatch")
        }
        guard storedKey == key else { return .stale(reason: difference(storedKey, key)) }
        return .hit(try readBody(&r, width: Int(width)))
    }

    /// The first line of the key that differs, as "was … now …".
    static func difference(_ old: String, _ new: String) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count)
        where (i < a.count ? a[i] : "") != (i < b.count ? b[i] : "") {
            return "was \"\(i < a.count ? a[i] : "")\", now \"\(i < b.count ? b[i] : "")\""
        }
        return "keys differ"
    }

    static func readBody(_ r: inout BinaryReader, width: Int) throws -> ParallelCorpus {
        let path = r.path
        var summary = FilterSummary(
            sourcePath: try r.string(), targetPath: try r.string(), filter: CorpusFilter())
        let counts = try (0..<10).map { _ in Int(truncatingIfNeeded: try r.u64()) }
        (summary.pairsRead, summary.pairsKept, summary.droppedEmpty, summary.droppedTooShort) =
            (counts[0], counts[1], counts[2], counts[3])
        (summary.droppedTooLong, summary.droppedRatio, summary.sourceTokens, summary.targetTokens) =
            (counts[4], counts[5], counts[6], counts[7])
        summary.filter = CorpusFilter(
            maxTokens: counts[9], maxRatio: try r.f64(), minTokens: counts[8])
        let n = Int(truncatingIfNeeded: try r.u64())
        let ns = Int(truncatingIfNeeded: try r.u64())
        let nt = Int(truncatingIfNeeded: try r.u64())
        let lines = try r.array(of: UInt32.self, count: n) { Int($0) }
        let srcLengths = try r.array(of: UInt32.self, count: n) { Int($0) }
        let tgtLengths = try r.array(of: UInt32.self, count: n) { Int($0) }
        let src =
            width == 2
            ? try r.array(of: UInt16.self, count: ns) { Int32($0) }
            : try r.array(of: Int32.self, count: ns) { $0 }
        let tgt =
            width == 2
            ? try r.array(of: UInt16.self, count: nt) { Int32($0) }
            : try r.array(of: Int32.self, count: nt) { $0 }
        guard r.remaining == 0 else {
            throw DataError.cacheCorrupt(
                path: path, reason: "\(r.remaining) unexpected bytes at the end")
        }
        func offsets(_ lengths: [Int]) -> [Int] {
            var o = [Int](repeating: 0, count: lengths.count + 1)
            for i in 0..<lengths.count { o[i + 1] = o[i] + lengths[i] }
            return o
        }
        do {
            let corpus = try EncodedCorpus(
                sourceIds: src, sourceOffsets: offsets(srcLengths), targetIds: tgt,
                targetOffsets: offsets(tgtLengths), lineNumbers: lines)
            return ParallelCorpus(corpus: corpus, summary: summary)
        } catch DataError.cacheCorrupt(_, let reason) {
            throw DataError.cacheCorrupt(path: path, reason: reason)
        }
    }

    /// Writes `corpus` to `path` atomically under `key`. Ids are stored as UInt16 when they fit.
    public static func save(_ parallel: ParallelCorpus, key: String, to path: String) throws {
        let c = parallel.corpus
        let width = c.maxId < 65_536 ? 2 : 4
        guard c.lineNumbers.allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) }) else {
            throw DataError.writeFailed(path: path, reason: "line numbers beyond UInt32")
        }
        do {
            try write(parallel, key: key, width: width, to: path)
        } catch let error as IOError {
            throw DataError(error)
        }
    }

    /// The layout above, streamed to `path` through `AtomicFile`; throws `IOError`.
    private static func write(_ parallel: ParallelCorpus, key: String, width: Int, to path: String)
        throws
    {
        let c = parallel.corpus
        let s = parallel.summary
        try AtomicFile.write(to: path) { w in
            try w.bytes(magic)
            try w.u32(version)
            try w.u32(UInt32(width))
            try w.u64(FNV1a.hash(key))
            try w.string(key)
            try w.string(s.sourcePath)
            try w.string(s.targetPath)
            for x in [
                s.pairsRead, s.pairsKept, s.droppedEmpty, s.droppedTooShort, s.droppedTooLong,
                s.droppedRatio, s.sourceTokens, s.targetTokens, s.filter.minTokens,
                s.filter.maxTokens,
            ] {
                try w.u64(UInt64(x))
            }
            try w.f64(s.filter.maxRatio)
            for x in [c.count, c.sourceIds.count, c.targetIds.count] { try w.u64(UInt64(x)) }
            try writeU32(&w, c.lineNumbers)
            try writeU32(&w, (0..<c.count).map(c.sourceLength))
            try writeU32(&w, (0..<c.count).map(c.targetLength))
            try writeIds(&w, c.sourceIds, width: width)
            try writeIds(&w, c.targetIds, width: width)
        }
    }

    private static func writeU32(_ w: inout AtomicFile.Writer, _ values: [Int]) throws {
        try writeChunked(&w, values) { UInt32(truncatingIfNeeded: $0).littleEndian }
    }

    private static func writeIds(_ w: inout AtomicFile.Writer, _ ids: [Int32], width: Int) throws {
        if width == 2 {
            try writeChunked(&w, ids) { UInt16(truncatingIfNeeded: $0).littleEndian }
        } else {
            try writeChunked(&w, ids) { $0.littleEndian }
        }
    }

    /// Converts and writes in chunks of 64 Ki values so no second full-size copy is made.
    private static func writeChunked<T, U>(
        _ w: inout AtomicFile.Writer, _ values: [T], _ convert: (T) -> U
    ) throws {
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 65_536, values.count)].map(convert)
            try chunk.withUnsafeBytes { try w.bytes($0) }
            i += chunk.count
        }
    }
}
