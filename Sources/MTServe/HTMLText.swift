import Foundation

/// LibreTranslate's `format: html`: the text between an HTML fragment's tags is translated and
/// the markup kept as it was. Each text node is one segment (entities decoded, runs of
/// whitespace and no-break spaces read as one space, as a browser shows them); its leading and trailing
/// whitespace stay, and the translation is written back HTML-escaped. Not translated: comments,
/// doctypes and processing instructions, the contents of `script`, `style`, `code`, `pre`,
/// `kbd`, `samp`, `var`, `textarea` and `noscript`, and of any element marked
/// `translate="no"` or `class="notranslate"` (the HTML attribute and Google's class).
/// Attribute values (titles, alt texts) are kept as they are.
struct HTMLText {
    enum Piece: Equatable {
        /// Markup, untranslated text, or whitespace: written back byte for byte.
        case kept(String)
        /// A text node to translate: its leading whitespace, its text for the model, its
        /// trailing whitespace.
        case text(leading: String, segment: String, trailing: String)
    }

    let pieces: [Piece]

    /// The segments to translate, in document order.
    var segments: [String] {
        pieces.compactMap { if case .text(_, let s, _) = $0 { return s } else { return nil } }
    }

    static let keptElements: Set<String> = ["script", "style", "code", "pre", "kbd", "samp", "var", "textarea", "noscript"]
    /// Elements whose content is raw text (no tags inside until their end tag).
    static let rawTextElements: Set<String> = ["script", "style", "textarea"]

    init(_ html: String) {
        var pieces: [Piece] = []
        let s = Array(html.unicodeScalars)
        var i = 0, textStart = 0
        // Open elements whose content is kept: name, and depth of same-name elements inside.
        var keep: [(name: String, depth: Int)] = []
        func flushText(upTo end: Int) {
            guard textStart < end else { return }
            let raw = String(String.UnicodeScalarView(s[textStart..<end]))
            if !keep.isEmpty { pieces.append(.kept(raw)) } else { pieces.append(Self.textPiece(raw)) }
        }
        while i < s.count {
            guard s[i] == "<", let tag = Self.tagEnd(s, at: i) else { i += 1; continue }
            flushText(upTo: i)
            let markup = String(String.UnicodeScalarView(s[i..<tag.end]))
            pieces.append(.kept(markup))
            i = tag.end
            if let name = tag.name {
                if tag.closing {
                    if let k = keep.indices.last, keep[k].name == name {
                        if keep[k].depth == 0 { keep.removeLast() } else { keep[k].depth -= 1 }
                    }
                } else if !tag.selfClosing && !Self.voidElements.contains(name) {
                    if let k = keep.indices.last, keep[k].name == name { keep[k].depth += 1 } else if Self.keptElements.contains(name) || tag.noTranslate {
                        keep.append((name, 0))
                    }
                    if Self.rawTextElements.contains(name) {  // up to its end tag, kept as it is
                        let close = Array("</\(name)".unicodeScalars)
                        var j = i
                        while j < s.count, !(s[j] == "<" && Self.startsCaseless(s, at: j, close)) { j += 1 }
                        if j > i { pieces.append(.kept(String(String.UnicodeScalarView(s[i..<j])))) }
                        i = j
                    }
                }
            }
            textStart = i
        }
        flushText(upTo: s.count)
        self.pieces = pieces
    }

    /// The fragment with each segment replaced by its translation (in `segments` order).
    func render(_ translations: [String]) -> String {
        var out = ""
        var k = 0
        for p in pieces {
            switch p {
            case .kept(let raw): out += raw
            case .text(let leading, _, let trailing):
                out += leading + Self.escape(translations[k]) + trailing
                k += 1
            }
        }
        return out
    }

    /// A text node: kept when it is only whitespace, else its decoded, space-collapsed text.
    static func textPiece(_ raw: String) -> Piece {
        let scalars = Array(raw.unicodeScalars)
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else {
            return .kept(raw)
        }
        let core = HTMLEntities.decode(String(String.UnicodeScalarView(scalars[first...last])))
        let segment = core.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" || $0 == "\u{0C}" || $0 == "\u{A0}" })
            .joined(separator: " ")
        if segment.isEmpty { return .kept(raw) }
        return .text(leading: String(String.UnicodeScalarView(scalars[..<first])), segment: segment,
                     trailing: String(String.UnicodeScalarView(scalars[(last + 1)...])))
    }

    /// `&`, `<`, `>` escaped for element content.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                            "source", "track", "wbr"]

    /// The tag starting at `s[i] == "<"`: its end (after `>`), lower-cased name (nil for
    /// comments, doctypes, processing instructions), whether it closes, self-closes, or marks
    /// its content untranslatable. nil when `<` does not start a tag (it is then text).
    static func tagEnd(_ s: [Unicode.Scalar], at i: Int) -> (end: Int, name: String?, closing: Bool, selfClosing: Bool, noTranslate: Bool)? {
        guard i + 1 < s.count else { return nil }
        if startsCaseless(s, at: i, Array("<!--".unicodeScalars)) {
            var j = i + 4
            while j + 2 < s.count, !(s[j] == "-" && s[j + 1] == "-" && s[j + 2] == ">") { j += 1 }
            return (min(j + 3, s.count), nil, false, false, false)
        }
        if s[i + 1] == "!" || s[i + 1] == "?" {
            var j = i + 2
            while j < s.count, s[j] != ">" { j += 1 }
            return (min(j + 1, s.count), nil, false, false, false)
        }
        let closing = s[i + 1] == "/"
        var j = i + (closing ? 2 : 1)
        guard j < s.count, s[j].properties.isAlphabetic else { return nil }
        var name = ""
        while j < s.count, !(s[j] == " " || s[j] == "\t" || s[j] == "\n" || s[j] == "\r" || s[j] == "/" || s[j] == ">") {
            name.unicodeScalars.append(s[j]); j += 1
        }
        let attributesStart = j
        var quote: Unicode.Scalar?
        while j < s.count {
            if let q = quote { if s[j] == q { quote = nil } } else if s[j] == "\"" || s[j] == "'" { quote = s[j] } else if s[j] == ">" { break }
            j += 1
        }
        guard j < s.count else { return nil }  // no closing '>': not a tag
        let attributes = String(String.UnicodeScalarView(s[attributesStart..<j])).lowercased()
        let selfClosing = j > attributesStart && s[j - 1] == "/"
        let noTranslate = attributes.range(of: #"translate\s*=\s*["']?no\b"#, options: .regularExpression) != nil
            || attributes.range(of: #"class\s*=\s*["'][^"']*\bnotranslate\b"#, options: .regularExpression) != nil
        return (j + 1, name.lowercased(), closing, selfClosing, noTranslate)
    }

    static func startsCaseless(_ s: [Unicode.Scalar], at i: Int, _ prefix: [Unicode.Scalar]) -> Bool {
        guard i + prefix.count <= s.count else { return false }
        for k in 0..<prefix.count where String(s[i + k]).lowercased() != String(prefix[k]).lowercased() { return false }
        return true
    }
}
