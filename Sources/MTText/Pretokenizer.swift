// Reversible pretokenization: after normalisation, each space-separated chunk is split into
// letter runs, digit runs, runs of spaceless scripts (segmented into words) and single
// punctuation/symbol characters. Every token that was glued to the previous one in the text
// carries the joiner "￭" (U+FFED) as a prefix, so that
//     Detokenizer().detokenize(pretokenize(x)) == normalizer.normalize(x)
// holds exactly. A literal joiner character in the text is always a token of its own: written
// "￭" when it follows a space and "￭￭" when glued, which keeps the encoding unambiguous.

/// Pretokenizer settings stored with a model.
public struct PretokenizerOptions: Codable, Sendable, Equatable {
    public var normalizer: NormalizerOptions
    /// How Han/Kana/Thai/... runs are split.
    public var segmentation: SegmentationMode
    /// ICU locale for word segmentation.
    public var locale: String
    /// Make every digit a token of its own (default: digit runs stay whole).
    public var splitDigits: Bool

    public init(normalizer: NormalizerOptions = NormalizerOptions(), segmentation: SegmentationMode = .words,
                locale: String = "zh", splitDigits: Bool = false) {
        self.normalizer = normalizer
        self.segmentation = segmentation
        self.locale = locale
        self.splitDigits = splitDigits
    }
}

public struct Pretokenizer: Sendable {
    /// The joiner marking a token glued to the previous one.
    public static let joiner: Unicode.Scalar = "\u{FFED}"

    public let options: PretokenizerOptions
    public let normalizer: Normalizer
    public let segmenter: Segmenter

    public init(_ options: PretokenizerOptions = PretokenizerOptions()) {
        self.options = options
        self.normalizer = Normalizer(options.normalizer)
        self.segmenter = Segmenter(mode: options.segmentation, locale: options.locale)
    }

    /// Character classes that decide token boundaries.
    enum CharClass: Equatable {
        case space, letter, digit, spaceless, attach, single
    }

    /// Combining marks, format characters (ZWJ, ...) and variation selectors stay with the
    /// character before them.
    @inline(__always)
    public static func attachesToPrevious(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x300 { return false }
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    @inline(__always)
    func classify(_ c: Unicode.Scalar) -> CharClass {
        let v = c.value
        if v < 0x80 {
            if v == 0x20 { return .space }
            if (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) { return .letter }
            if v >= 0x30 && v <= 0x39 { return .digit }
            if Normalizer.isWhitespace(c) { return .space }
            return .single
        }
        if c == Pretokenizer.joiner { return .single }
        if Normalizer.isWhitespace(c) { return .space }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber:
            return ICU.isSpacelessScript(c) ? .spaceless : .letter
        case .decimalNumber:
            return .digit
        case .nonspacingMark, .spacingMark, .enclosingMark, .format:
            return .attach
        default:
            return ICU.isSpacelessScript(c) ? .spaceless : .single
        }
    }

    /// A token: scalars `start..<end` of the normalised text; `glued` if no space precedes it.
    public struct Span: Equatable, Sendable {
        public var start: Int
        public var end: Int
        public var glued: Bool
    }

    /// Token spans of already-normalised scalars.
    public func spans(_ s: [Unicode.Scalar]) -> [Span] {
        var out: [Span] = []
        var curStart = -1
        var curClass = CharClass.single
        var curGlued = false
        var afterSpace = true
        func close(_ end: Int) {
            guard curStart >= 0 else { return }
            if curClass == .spaceless && segmenter.mode != .none {
                let b = segmenter.boundaries(s[curStart..<end])
                for k in 0..<(b.count - 1) {
                    out.append(Span(start: curStart + b[k], end: curStart + b[k + 1], glued: k == 0 ? curGlued : true))
                }
            } else {
                out.append(Span(start: curStart, end: end, glued: curGlued))
            }
            curStart = -1
        }
        for k in 0..<s.count {
            var cls = classify(s[k])
            if cls == .attach {
                // Marks never join a literal joiner token, which must stay one scalar.
                if curStart >= 0 && !(k - curStart == 1 && s[curStart] == Pretokenizer.joiner) { continue }
                cls = .single
            }
            if cls == .space {
                close(k)
                afterSpace = true
                continue
            }
            let extend = curStart >= 0 && cls == curClass
                && (cls == .letter || cls == .spaceless || (cls == .digit && !options.splitDigits))
            if extend { continue }
            close(k)
            curStart = k
            curClass = cls
            curGlued = !afterSpace
            afterSpace = false
        }
        close(s.count)
        return out
    }

    /// Tokens of `text` after normalisation, separated by single spaces, joins marked.
    public func pretokenize(_ text: String) -> String {
        let s = Array(normalizer.normalize(text).unicodeScalars)
        var out = String.UnicodeScalarView()
        for (k, span) in spans(s).enumerated() {
            if k > 0 { out.append(" ") }
            if span.glued { out.append(Pretokenizer.joiner) }
            out.append(contentsOf: s[span.start..<span.end])
        }
        return String(out)
    }

    /// The tokens of `text` (pretokenize, then split on spaces).
    public func tokens(_ text: String) -> [String] {
        pretokenize(text).split(separator: " ").map(String.init)
    }
}
