// Input/output helpers shared by the mt-bpe verbs.
import ArgumentParser
import MTIO
import MTText

#if canImport(Glibc)
import Glibc
#endif

/// Options every line-reading verb accepts.
struct InputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("Input text (default: standard input).", valueName: "path"))
    var input: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Output file (default: standard output).", valueName: "path"))
    var output: String?

    @Flag(name: .long, help: "Skip lines that are not valid UTF-8 (line-aligned verbs write an empty line instead) and report how many; without it such a line is an error.")
    var skipInvalid = false

    func reader(_ mode: LineBreakMode, blockSize: Int = 1 << 22) throws -> LineReader {
        if let path = input, path != "-" { return try LineReader(path: path, mode: mode, blockSize: blockSize) }
        return LineReader(standardInputWith: mode, blockSize: blockSize)
    }

    func writer() throws -> ByteWriter {
        if let path = output, path != "-" { return try ByteWriter(path: path) }
        return ByteWriter()
    }
}

/// Counts invalid lines across chunks and turns them into errors or skips.
final class UTF8Checker {
    let skip: Bool
    private(set) var skipped = 0

    init(skip: Bool) { self.skip = skip }

    /// Indices (within the chunk) of invalid lines; throws on the first one unless skipping.
    func check(_ chunk: LineChunk, source: String) throws -> Set<Int> {
        let bad = chunk.invalidLines()
        try record(bad, in: chunk, source: source)
        return Set(bad)
    }

    /// Counts invalid lines (ascending chunk indices); throws on the first unless skipping.
    func record(_ bad: [Int], in chunk: LineChunk, source: String) throws {
        if let first = bad.first, !skip {
            throw TextError.invalidUTF8(source: source, line: chunk.firstLineNumber + first)
        }
        skipped += bad.count
    }

    /// Removes the lines in `bad` from `chunk`.
    func dropping(_ bad: Set<Int>, from chunk: LineChunk) -> LineChunk {
        if bad.isEmpty { return chunk }
        var bytes: [UInt8] = []
        var starts = [0]
        for l in 0..<chunk.lineCount where !bad.contains(l) {
            bytes.append(contentsOf: chunk.bytes[chunk.lineStarts[l]..<chunk.lineStarts[l + 1]])
            starts.append(bytes.count)
        }
        return LineChunk(bytes: bytes, lineStarts: starts, firstLineNumber: chunk.firstLineNumber)
    }

    func report(_ source: String) {
        if skipped > 0 { logError("[mt-bpe] \(source): skipped \(skipped) line(s) with invalid UTF-8") }
    }
}

/// Writes a message to standard error.
func logError(_ message: String) {
    var m = Array(message.utf8)
    m.append(0x0A)
    _ = m.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count) }
}

/// Runs `body`, turning TextError and IOError into a clean failure with its message.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as TextError {
        logError("mt-bpe: error: \(e.description)")
        throw ExitCode.failure
    } catch let e as IOError {
        logError("mt-bpe: error: \(e.description)")
        throw ExitCode.failure
    }
}

/// Reads every line of `reader` and counts words (subword-nmt `get_vocabulary`).
func countWords(_ reader: LineReader, checker: UTF8Checker) throws -> WordCounts {
    var counts = WordCounts()
    while let chunk = try reader.nextChunk() {
        let bad = try checker.check(chunk, source: reader.sourceName)
        counts.addWords(of: checker.dropping(bad, from: chunk))
    }
    checker.report(reader.sourceName)
    return counts
}

func defaultThreads() -> Int {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return n > 0 ? n : 1
}
