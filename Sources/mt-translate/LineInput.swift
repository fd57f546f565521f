import MTIO
import MTRuntime

/// Reads stdin as raw bytes through MTIO's `LineReader` ("\n" ends a line, a final "\r" is
/// dropped for CRLF input), so one invalid UTF-8 line is reported and replaced instead of
/// stopping the stream, and a line is answered as soon as it has arrived: `available(max:)`
/// waits for one line, then takes only what is already there.
final class LineInput {
    typealias Line = InputLine

    private let reader: LineReader
    /// Lines read but not yet handed out, from `head` on.
    private var queue: [Line] = []
    private var head = 0

    /// Reads `fileDescriptor` (standard input by default); it is not closed.
    init(fileDescriptor: Int32 = 0) {
        reader = LineReader(fileDescriptor: fileDescriptor, name: "<stdin>", mode: .newline,
                            blockSize: 1 << 16)
    }

    /// Blocks until at least one line (or the end of input) is there, then returns the lines
    /// that are available without waiting, at most `max`; empty at the end of input.
    func available(max: Int) throws -> [Line] {
        var wait = head == queue.count
        while queue.count - head < max, let chunk = try reader.availableChunk(wait: wait),
              chunk.lineCount > 0 {
            if head > 0 { queue.removeFirst(head); head = 0 }
            for l in 0..<chunk.lineCount {
                queue.append(decode(chunk.bytes[chunk.lineStarts[l]..<chunk.lineStarts[l + 1]]))
            }
            wait = false
        }
        let n = min(max, queue.count - head)
        defer { head += n }
        return Array(queue[head..<head + n])
    }

    private func decode(_ bytes: ArraySlice<UInt8>) -> Line {
        var b = bytes
        if b.last == 0x0A { b = b.dropLast() }
        if b.last == 0x0D { b = b.dropLast() }  // CRLF input
        if let s = String(validating: b, as: UTF8.self) { return .text(s) }
        return .invalid(bytes: b.count)
    }
}
