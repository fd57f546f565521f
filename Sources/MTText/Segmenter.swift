// Segmentation of scripts written without spaces (Han, Hiragana/Katakana, Thai, Lao, Khmer,
// Myanmar) into words with ICU's dictionary-based word break iterator, or into characters.

/// How runs of spaceless scripts are split.
public enum SegmentationMode: String, Codable, Sendable, CaseIterable {
    /// Leave runs whole.
    case none
    /// ICU word break iterator (dictionary based for CJK and Southeast Asian scripts).
    case words
    /// One piece per character (a base with its combining marks).
    case characters
}

public struct Segmenter: Sendable {
    public let mode: SegmentationMode
    /// ICU locale of the word break iterator ("zh", "ja", "th", ...).
    public let locale: String

    public init(mode: SegmentationMode = .words, locale: String = "zh") {
        self.mode = mode
        self.locale = locale
    }

    /// Piece boundaries (scalar offsets into `run`, starting with 0 and ending with its count).
    public func boundaries(_ run: ArraySlice<Unicode.Scalar>) -> [Int] {
        switch mode {
        case .none:
            return [0, run.count]
        case .words:
            return ICU.wordBoundaries(run, locale: locale)
        case .characters:
            var out = [0]
            for (k, c) in run.enumerated() where k > 0 && !Pretokenizer.attachesToPrevious(c) { out.append(k) }
            out.append(run.count)
            return out
        }
    }

    /// Splits `text` into words (convenience for tests and tools).
    public func segment(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        let b = boundaries(s[...])
        return (0..<(b.count - 1)).map { k in
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[b[k]..<b[k + 1]])
            return String(v)
        }
    }
}
