import Foundation

/// Reads stdin as raw bytes and splits lines itself, so one invalid UTF-8 line is reported and
/// replaced instead of stopping the stream, and reads never wait for more than one line.
final class LineInput {
    enum Line { case text(String), invalid(bytes: Int) }

    let handle: FileHandle
    var pending: [UInt8] = []
    var start = 0
    var eof = false

    init(handle: FileHandle) { self.handle = handle }

    func next() -> Line? {
        while true {
            if let nl = pending[start...].firstIndex(of: 0x0A) {
                let bytes = pending[start..<nl]
                start = nl + 1
                return decode(bytes)
            }
            if eof {
                if start < pending.count {
                    let bytes = pending[start...]
                    start = pending.count
                    return decode(bytes)
                }
                return nil
            }
            if start > 0 { pending.removeFirst(start); start = 0 }
            let chunk = handle.availableData  // returns what is there (waits only for the first byte)
            if chunk.isEmpty { eof = true } else { pending.append(contentsOf: chunk) }
        }
    }

    func decode(_ bytes: ArraySlice<UInt8>) -> Line {
        var b = bytes
        if b.last == 0x0D { b = b.dropLast() }  // CRLF input
        if let s = String(validating: b, as: UTF8.self) { return .text(s) }
        return .invalid(bytes: b.count)
    }
}
