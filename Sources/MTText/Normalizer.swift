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
        switch options.form {
        case .nfkc: s = ICU.normalize(s, .nfkc)
        case .nfc: s = ICU.normalize(s, .nfc)
        case .none: break
        }
        if options.form != .none { s = cleaned(s) }
        return s
    }

    private func cleaned(_ text: String) -> String {
        if !options.collapseWhitespace && !options.removeControl { return text }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for c in text.unicodeScalars {
            if options.collapseWhitespace && Normalizer.isWhitespace(c) {
                pendingSpace = !out.isEmpty
                continue
            }
            if options.removeControl && c.properties.generalCategory == .control && !Normalizer.isWhitespace(c) {
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(c)
        }
        return String(out)
    }
}
