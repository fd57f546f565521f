/// A text as one UTF-8 buffer plus the byte range of each line, read the way sacreBLEU's
/// command line reads its files.
///
/// sacreBLEU opens reference files and `-i` hypothesis files with `newline="\n"`: lines end
/// at `\n` only, and each line is `rstrip()`ped (Python whitespace, `\r` included). Leading
/// whitespace and a UTF-8 BOM are kept. Standard input is read with universal newlines
/// (`\r`, `\r\n` and `\n` all end a line); see `LineEndings`. A final line without `\n`
/// still counts, and an empty file has no lines. Invalid UTF-8 is an error naming the file
/// and line. Keeping one buffer avoids a `String` per line.
/// This file does not split on tabs; the CLI does that for multi-system input.
public struct TextLines: Sendable {
    /// How lines end.
    public enum LineEndings: Sendable {
        /// `\n` only (files, as sacreBLEU's `smart_open`).
        case newline
        /// `\n`, `\r\n` and a lone `\r` (Python universal newlines, sacreBLEU's stdin).
        case universal
    }

    /// The whole text.
    public private(set) var bytes: [UInt8]
    /// Start of each line in `bytes`.
    public private(set) var starts: [Int]
    /// End of each line after `rstrip()`.
    public private(set) var ends: [Int]

    /// Number of lines.
    public var count: Int { starts.count }

    /// Line `i` as a Swift string.
    public subscript(i: Int) -> String {
        String(decoding: bytes[starts[i]..<ends[i]], as: UTF8.self)
    }

    /// All lines as Swift strings.
    public var strings: [String] { (0..<count).map { self[$0] } }

    /// Lines from Swift strings, one segment each, used as given (like sacreBLEU's Python API,
    /// which does not strip; BLEU's preprocessing strips anyway).
    public init(_ lines: [String]) {
        var b: [UInt8] = []
        var s: [Int] = [], e: [Int] = []
        for line in lines {
            s.append(b.count)
            b.append(contentsOf: line.utf8)
            e.append(b.count)
        }
        bytes = b
        starts = s
        ends = e
    }

    /// Splits `data` into lines; throws `MTEvalError.invalidUTF8` (with `name` and the line).
    public init(data: [UInt8], name: String, endings: LineEndings = .newline) throws {
        bytes = data
        starts = []
        ends = []
        try bytes.withUnsafeBufferPointer { p in
            if let bad = UTF8Check.firstInvalid(p) {
                let line = 1 + p[0..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw MTEvalError.invalidUTF8(file: name, line: line, byteOffset: bad)
            }
        }
        splitLines(endings)
        stripAll()
    }

    /// Reads a file (a `.gz` name is decompressed with `gzip -dc`, as sacreBLEU opens `.gz`).
    public init(contentsOf path: String, endings: LineEndings = .newline) throws {
        let data = path.hasSuffix(".gz") ? try SystemIO.gunzip(path) : try SystemIO.readFile(path)
        try self.init(data: data, name: path, endings: endings)
    }

    private mutating func splitLines(_ endings: LineEndings) {
        let n = bytes.count
        var lineStart = 0
        var i = 0
        bytes.withUnsafeBufferPointer { p in
            while i < n {
                let b = p[i]
                if b == 0x0A {
                    starts.append(lineStart); ends.append(i)
                    i += 1
                    lineStart = i
                } else if b == 0x0D && endings == .universal {
                    starts.append(lineStart); ends.append(i)
                    i += (i + 1 < n && p[i + 1] == 0x0A) ? 2 : 1
                    lineStart = i
                } else {
                    i += 1
                }
            }
        }
        if lineStart < n {
            starts.append(lineStart)
            ends.append(n)
        }
    }

    private mutating func stripAll() {
        let s = starts
        var e = ends
        bytes.withUnsafeBufferPointer { p in
            for k in 0..<s.count { e[k] = PythonText.rstripEnd(p, start: s[k], end: e[k]) }
        }
        ends = e
    }

    /// Keeps tab-separated field `field` of each line (`line.split('\t')[field]`, empty when
    /// the line has fewer fields). With `rest`, the field runs to the end of the line, tabs
    /// included (`split('\t', maxsplit=field)`'s last piece). With `strip`, it is
    /// `rstrip()`ped. Used for `--num-refs` and sacreBLEU's tab-separated multi-system stdin.
    public func field(_ field: Int, rest: Bool = false, strip: Bool = true) -> TextLines {
        var copy = self
        bytes.withUnsafeBufferPointer { p in
            for k in 0..<count {
                var fs = starts[k]
                var f = 0
                var i = starts[k]
                while i < ends[k] && f < field {
                    if p[i] == 0x09 { f += 1; fs = i + 1 }
                    i += 1
                }
                if f < field { fs = ends[k] }
                var fe = fs
                if rest {
                    fe = ends[k]
                } else {
                    while fe < ends[k] && p[fe] != 0x09 { fe += 1 }
                }
                copy.starts[k] = fs
                copy.ends[k] = strip ? PythonText.rstripEnd(p, start: fs, end: fe) : fe
            }
        }
        return copy
    }

    /// Number of tab-separated fields of line `k`.
    public func fieldCount(_ k: Int) -> Int {
        1 + bytes[starts[k]..<ends[k]].reduce(0) { $0 + ($1 == 0x09 ? 1 : 0) }
    }
}

/// Strict UTF-8 validation as Python's decoder does it (no overlongs, no surrogates,
/// nothing above U+10FFFF).
enum UTF8Check {
    /// Byte offset of the first invalid sequence, or `nil` when all of `p` is valid.
    static func firstInvalid(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = p.count
        var i = 0
        while i < n {
            // ASCII fast path, 8 bytes at a time.
            if i + 8 <= n {
                let w = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            func cont(_ k: Int) -> Bool { i + k < n && (p[i + k] & 0xC0) == 0x80 }
            if b0 >= 0xC2 && b0 <= 0xDF {
                guard cont(1) else { return i }
                i += 2
            } else if b0 >= 0xE0 && b0 <= 0xEF {
                guard cont(1), cont(2) else { return i }
                let b1 = p[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return i }
                if b0 == 0xED && b1 >= 0xA0 { return i }
                i += 3
            } else if b0 >= 0xF0 && b0 <= 0xF4 {
                guard cont(1), cont(2), cont(3) else { return i }
                let b1 = p[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return i }
                if b0 == 0xF4 && b1 >= 0x90 { return i }
                i += 4
            } else {
                return i
            }
        }
        return nil
    }
}
