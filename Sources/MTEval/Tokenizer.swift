/// The BLEU tokenizers as one enum (`none`, `13a`, `intl`, `zh`, `char`) and BLEU's
/// per-segment preprocessing: optional Python `lower()`, `rstrip()`, tokenize, split.
///
/// sacreBLEU's `BLEU._preprocess_segment` does `tokenizer(sent.lower().rstrip())` (lower only
/// with `-lc`), and `extract_all_word_ngrams` then splits on Python whitespace. The output of
/// every step here is UTF-8 bytes; a token is a byte range, so tokens compare by code points
/// (NFC `é` and NFD `é` differ, as in Python). sacreBLEU's other tokenizers (`ja-mecab`,
/// `ko-mecab`, `spm`, `flores*`) need external models and are not provided.
public enum BLEUTokenizer: String, CaseIterable, Sendable {
    /// Split on whitespace only.
    case none
    /// mteval-v13a, sacreBLEU's default.
    case thirteenA = "13a"
    /// mteval-v14 international (Unicode punctuation and symbols).
    case intl
    /// Chinese: isolate CJK-range characters, then the 13a rules.
    case zh
    /// One token per non-whitespace code point.
    case char

    /// The name in the signature (`tok:13a`).
    public var signature: String { rawValue }

    /// The tokenizer sacreBLEU picks for target language `lang` when `-tok` is not given:
    /// `zh` for Chinese, `ja-mecab`/`ko-mecab` for Japanese/Korean (returned as `nil`
    /// with the name, since they need MeCab), `13a` otherwise.
    public static func defaultFor(targetLanguage lang: String?) -> (BLEUTokenizer?, String) {
        switch lang {
        case "zh": return (.zh, "zh")
        case "ja": return (nil, "ja-mecab")
        case "ko": return (nil, "ko-mecab")
        default: return (.thirteenA, "13a")
        }
    }
}

/// One preprocessed line: its bytes and the byte ranges of its tokens. Owned by one thread.
struct TokenizedLine {
    /// UTF-8 bytes the token ranges point into.
    var bytes = ByteBuffer()
    /// The tokens.
    var tokens = TokenRanges()

    /// The tokens as Swift strings (for tests and debugging; not used when scoring).
    var strings: [String] {
        let b = bytes.buffer
        return (0..<tokens.count).map {
            String(decoding: b[tokens.starts[$0]..<tokens.ends[$0]], as: UTF8.self)
        }
    }
}

/// Reusable buffers for tokenizing many lines without allocating per line.
struct TokenizerWorkspace {
    var lower: [UInt8] = []
    var tmp = ByteBuffer()
    var intl = TokenizerIntl.Scratch()
}

extension BLEUTokenizer {
    /// Preprocesses `p[start..<end]` as sacreBLEU's BLEU does (`lower()` if `lowercase`,
    /// `rstrip()`, tokenize) and splits it into `line`.
    func process(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int, lowercase: Bool,
        into line: inout TokenizedLine, work: inout TokenizerWorkspace
    ) {
        if lowercase {
            var lower = work.lower
            lower.removeAll(keepingCapacity: true)
            PythonLowercase.lowercase(p, start: start, end: end, into: &lower)
            lower.withUnsafeBufferPointer { lp in
                tokenizeStripped(
                    lp, start: 0, end: PythonText.rstripEnd(lp, start: 0, end: lp.count),
                    into: &line, work: &work)
            }
            work.lower = lower
        } else {
            tokenizeStripped(
                p, start: start, end: PythonText.rstripEnd(p, start: start, end: end),
                into: &line, work: &work)
        }
    }

    /// Tokenizes an already right-stripped range and splits the result into `line`.
    private func tokenizeStripped(
        _ p: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        into line: inout TokenizedLine, work: inout TokenizerWorkspace
    ) {
        line.tokens.removeAll()
        switch self {
        case .none, .char:
            line.bytes.set(p, start, end)
        case .thirteenA:
            Tokenizer13a.apply(p, start: start, end: end, out: &line.bytes, tmp: &work.tmp)
        case .zh:
            TokenizerZh.apply(p, start: start, end: end, out: &line.bytes, tmp: &work.tmp)
        case .intl:
            TokenizerIntl.apply(p, start: start, end: end, out: line.bytes, scratch: &work.intl)
        }
        let bp = line.bytes.buffer
        if self == .char {
            Self.splitCodePoints(bp, into: &line.tokens)
        } else {
            PythonText.split(bp, start: 0, end: bp.count, into: &line.tokens)
        }
    }

    /// `" ".join(line).split()`: every non-whitespace code point is a token.
    static func splitCodePoints(_ p: UnsafeBufferPointer<UInt8>, into tokens: inout TokenRanges) {
        var i = 0
        while i < p.count {
            let w = PythonText.whitespaceLength(p, at: i)
            if w > 0 { i += w; continue }
            let n = PythonText.sequenceLength(p[i])
            tokens.append(i, i + n)
            i += n
        }
    }

    /// Tokenizes one string as sacreBLEU's BLEU would (`lower()` if asked, `rstrip()`,
    /// tokenizer, split) and returns the tokens. Convenient for tests; scoring uses the
    /// allocation-free path.
    public func tokenize(_ text: String, lowercase: Bool = false) -> [String] {
        var line = TokenizedLine()
        var work = TokenizerWorkspace()
        let bytes = Array(text.utf8) + [0]  // never empty, so the pointer is never nil
        bytes.withUnsafeBufferPointer { all in
            let p = UnsafeBufferPointer(rebasing: all[0..<(all.count - 1)])
            process(p, start: 0, end: p.count, lowercase: lowercase, into: &line, work: &work)
        }
        return line.strings
    }
}
