import CSentencePiece
import Foundation

/// A SentencePiece model (libsentencepiece through the CSentencePiece shim): text ↔ pieces,
/// exactly as the `sentencepiece` Python package computes them (the same library).
public final class SentencePieceModel: @unchecked Sendable {
    // The processor's Encode/Decode are const and thread-safe; the handle is freed with self.
    private let handle: OpaquePointer
    public let path: String
    public let pieceCount: Int

    /// Throws `TextError.sentencePiece` with the library's reason for a missing or bad file.
    public init(path: String) throws {
        var err = [CChar](repeating: 0, count: 512)
        guard let h = csp_load(path, &err, Int32(err.count)) else {
            throw TextError.sentencePiece(path: path, reason: String(cString: err))
        }
        handle = h
        self.path = path
        pieceCount = Int(csp_piece_count(h))
    }

    deinit { csp_free(handle) }

    /// The pieces of `text` (SentencePiece's normalisation and segmentation).
    public func encode(_ text: String) -> [String] {
        var utf8 = Array(text.utf8)
        if utf8.isEmpty { return [] }
        var cap = utf8.count * 4 + 64
        while true {
            var out = [CChar](repeating: 0, count: cap)
            var count: Int32 = 0
            let need = utf8.withUnsafeMutableBufferPointer { t in
                t.withMemoryRebound(to: CChar.self) { csp_encode(handle, $0.baseAddress, Int64($0.count), &out, Int64(cap), &count) }
            }
            if need < 0 { return [] }
            if need > cap { cap = Int(need); continue }
            var pieces: [String] = []
            pieces.reserveCapacity(Int(count))
            var start = 0
            for i in 0..<Int(need) where out[i] == 0 {
                pieces.append(out[start..<i].withUnsafeBufferPointer { b in
                    String(decoding: UnsafeRawBufferPointer(b), as: UTF8.self)
                })
                start = i + 1
            }
            return pieces
        }
    }

    /// The text of `pieces` (SentencePiece's DecodePieces: ▁ → space, leading space dropped).
    public func decode(_ pieces: [String]) -> String {
        if pieces.isEmpty { return "" }
        var buf: [CChar] = []
        for p in pieces {
            buf.append(contentsOf: p.utf8.map { CChar(bitPattern: $0) })
            buf.append(0)
        }
        var cap = buf.count * 2 + 64
        while true {
            var out = [UInt8](repeating: 0, count: cap)
            let need = out.withUnsafeMutableBufferPointer { o in
                o.withMemoryRebound(to: CChar.self) { csp_decode(handle, buf, Int64(buf.count), Int32(pieces.count), $0.baseAddress, Int64(cap)) }
            }
            if need < 0 { return "" }
            if need > cap { cap = Int(need); continue }
            return String(decoding: out[0..<Int(need)], as: UTF8.self)
        }
    }
}
