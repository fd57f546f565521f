import MTIO

/// A text as one UTF-8 buffer plus the byte range of each line, read the way sacreBLEU's
/// command line reads its files.
///
/// sacreBLEU opens reference files and `-i` hypothesis files with `newline="\n"`: lines end
/// at `\n` only, and each line is `rstrip()`ped (Python whitespace, `\r` included). Leading
/// whitespace and a UTF-8 BOM are kept. Standard input is read with universal newlines
/// (`\r`, `\r\n` and `\n` all end a line); see `LineEndings`. A final line without `\n`
/// still counts, and an empty file has no lines. Invalid UTF-8 is an error naming the file
/// and line. Keeping one buffer avoids a `String` per line. Splitting and UTF-8 checking are
/// MTIO's (`LineChunk`, `UTF8Validation`).
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
        try data.withUnsafeBufferPointer { p in
            if let bad = UTF8Validation.firstInvalid(p) {
                let line = 1 + p[0..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw MTEvalError.invalidUTF8(file: name, line: line, byteOffset: bad)
            }
        }
        // Line `k` runs from lineStarts[k] to lineStarts[k + 1], terminator included; the
        // terminators are whitespace, so `rstrip()` removes them with the rest.
        let chunk = LineChunk(splitting: data, mode: endings == .universal ? .universal : .newline)
        bytes = chunk.bytes
        starts = Array(chunk.lineStarts.dropLast())
        ends = Array(chunk.lineStarts.dropFirst())
        stripAll()
    }

    /// Reads a file (a `.gz` name is decompressed, as sacreBLEU opens `.gz` files).
    /// Throws `MTEvalError.cannotRead` with the reason (missing file, corrupt gzip, …).
    public init(contentsOf path: String, endings: LineEndings = .newline) throws {
        let data: [UInt8]
        do {
            data = try InputFile.contents(of: path, gunzip: InputFile.isGzipName(path))
        } catch let error as IOError {
            throw MTEvalError(error)
        }
        try self.init(data: data, name: path, endings: endings)
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
