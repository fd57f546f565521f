// Text normalisation before pretokenization: Unicode form through ICU (NFKC by default),
// removal of control characters, whitespace collapsing. The settings are Codable so that a
// model stores them and translation normalises exactly as training did.

/// Normalisation settings stored with a model.
public struct NormalizerOptions: Codable, Sendable, Equatable {
    public enum Form: String, Codable, Sendable, CaseIterable {
        case nfkc, nfc, none
    }
    /// Unicode normal form (default NFKC).
    public var form: Form
    /// Turn every whitespace run (Unicode White_Space and \x1c-\x1f) into one space; trim ends.
    public var collapseWhitespace: Bool
    /// Remove control characters (general category Cc) that are not whitespace.
    public var removeControl: Bool

    public init(form: Form = .nfkc, collapseWhitespace: Bool = true, removeControl: Bool = true) {
        self.form = form
        self.collapseWhitespace = collapseWhitespace
        self.removeControl = removeControl
    }
}

/// Normalises text according to `NormalizerOptions`.
public struct Normalizer: Sendable {
    public let options: NormalizerOptions

    public init(_ options: NormalizerOptions = NormalizerOptions()) { self.options = options }

    /// Whitespace as this module understands it: Unicode White_Space plus \x1c-\x1f (Python's set).
    @inline(__always)
    public static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return (v >= 0x09 && v <= 0x0D) || (v >= 0x1C && v <= 0x20) }
        return c.properties.isWhitespace || ByteText.isPythonSpace(v)
    }

    /// The normalised text: controls removed and whitespace collapsed, then the Unicode form,
    /// then whitespace collapsed again (compatibility mappings can produce spaces).
    public func normalize(_ text: String) -> String {
        var s = cleaned(text)
        if options.form == .none || s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
        s = ICU.normalize(s, options.form == .nfkc ? .nfkc : .nfc)
        return cleaned(s)
    }

    /// Control characters (Cc: U+0000-001F, U+007F-009F) removed and whitespace collapsed, on
    /// UTF-8 bytes; only non-ASCII characters are decoded.
    private func cleaned(_ text: String) -> String {
        if !options.collapseWhitespace && !options.removeControl { return text }
        var bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        bytes.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let b = p[i]
                var c = UInt32(b), len = 1
                if b >= 0x80 { (c, len) = ByteText.decodeScalar(UnsafeBufferPointer(p), i) }
                let space = b < 0x80 ? (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)
                                     : Normalizer.isWhitespace(Unicode.Scalar(c)!)
                if options.collapseWhitespace && space {
                    pendingSpace = !out.isEmpty
                } else if options.removeControl && !space && (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
                    // dropped
                } else {
                    if pendingSpace { out.append(0x20); pendingSpace = false }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<(i + len)]))
                }
                i += len
            }
        }
        bytes = []
        return String(decoding: out, as: UTF8.self)
    }
}
