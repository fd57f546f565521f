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
            guard s[i] == "<" else { i += 1; continue }
            let tag: Tag
            switch Self.tag(s, at: i) {
            case .notATag: i += 1; continue
            case .unterminated: i = s.count; continue  // `<a …` up to the end: the rest is text (keeps the scan linear)
            case .tag(let t): tag = t
            }
            flushText(upTo: i)
            let markup = String(String.UnicodeScalarView(s[i..<tag.end]))
            pieces.append(.kept(markup))
            i = tag.end
            if let name = tag.name {
                if tag.closing {
                    // Close the innermost kept element of that name, and any kept inside it
                    // whose end tag was left out.
                    if let k = keep.lastIndex(where: { $0.name == name }) {
                        if keep[k].depth > 0 && k == keep.count - 1 { keep[k].depth -= 1 } else { keep.removeSubrange(k...) }
                    }
                } else if !tag.selfClosing && !Self.voidElements.contains(name) {
                    if let k = keep.indices.last, keep[k].name == name, Self.closedBySibling.contains(name) {
                        keep.removeLast()  // `<p>` ends an open `<p>` (and `<li>` an `<li>`) without an end tag
                    }
                    if let k = keep.indices.last, keep[k].name == name {
                        keep[k].depth += 1
                    } else if Self.keptElements.contains(name) || tag.noTranslate {
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
    /// Spaces and no-break spaces (`&nbsp;` too) at its edges stay around the translation.
    static func textPiece(_ raw: String) -> Piece {
        let scalars = Array(raw.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else {
            return .kept(raw)
        }
        let core = Array(HTMLEntities.decode(String(String.UnicodeScalarView(scalars[first...last]))).unicodeScalars)
        let blank: (Unicode.Scalar) -> Bool = { isSpace($0) || $0 == "\u{A0}" }
        guard let from = core.firstIndex(where: { !blank($0) }), let to = core.lastIndex(where: { !blank($0) }) else {
            return .kept(raw)
        }
        let segment = String(String.UnicodeScalarView(core[from...to])).unicodeScalars
            .split(whereSeparator: blank).map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
        return .text(leading: String(String.UnicodeScalarView(scalars[..<first])) + String(String.UnicodeScalarView(core[..<from])),
                     segment: segment,
                     trailing: String(String.UnicodeScalarView(core[(to + 1)...])) + String(String.UnicodeScalarView(scalars[(last + 1)...])))
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

    /// Elements a start tag of the same name ends when their end tag was left out.
    static let closedBySibling: Set<String> = ["p", "li", "dt", "dd", "option", "tr", "td", "th"]

    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                            "source", "track", "wbr"]

    /// A tag: its end (after `>`), lower-cased name (nil for comments, doctypes, processing
    /// instructions), whether it closes, self-closes, or marks its content untranslatable.
    struct Tag {
        var end: Int
        var name: String?
        var closing = false, selfClosing = false, noTranslate = false
    }

    enum Scan {
        case tag(Tag)
        /// `<` not followed by a letter, `/letter`, `!` or `?`: text.
        case notATag
        /// A tag that reaches the end of the input without its `>`.
        case unterminated
    }

    /// What starts at `s[i] == "<"`.
    static func tag(_ s: [Unicode.Scalar], at i: Int) -> Scan {
        guard i + 1 < s.count else { return .notATag }
        if startsCaseless(s, at: i, Array("<!--".unicodeScalars)) {
            var j = i + 4
            while j + 2 < s.count, !(s[j] == "-" && s[j + 1] == "-" && s[j + 2] == ">") { j += 1 }
            return .tag(Tag(end: min(j + 3, s.count)))
        }
        if s[i + 1] == "!" || s[i + 1] == "?" {
            var j = i + 2
            while j < s.count, s[j] != ">" { j += 1 }
            return .tag(Tag(end: min(j + 1, s.count)))
        }
        let closing = s[i + 1] == "/"
        var j = i + (closing ? 2 : 1)
        guard j < s.count, s[j].properties.isAlphabetic else { return .notATag }
        var name = ""
        while j < s.count, !isSpace(s[j]), s[j] != "/", s[j] != ">" { name.unicodeScalars.append(s[j]); j += 1 }
        // Attributes: name, optional = and a quoted or bare value.
        var tag = Tag(end: 0, name: name.lowercased(), closing: closing)
        while true {
            while j < s.count, isSpace(s[j]) || s[j] == "/" { tag.selfClosing = s[j] == "/"; j += 1 }
            guard j < s.count else { return .unterminated }
            if s[j] == ">" { tag.end = j + 1; return .tag(tag) }
            tag.selfClosing = false
            var attribute = ""
            while j < s.count, !isSpace(s[j]), s[j] != "=", s[j] != ">", s[j] != "/" { attribute.unicodeScalars.append(s[j]); j += 1 }
            while j < s.count, isSpace(s[j]) { j += 1 }
            var value: String?
            if j < s.count, s[j] == "=" {
                j += 1
                while j < s.count, isSpace(s[j]) { j += 1 }
                var v = ""
                if j < s.count, s[j] == "\"" || s[j] == "'" {
                    let q = s[j]
                    j += 1
                    while j < s.count, s[j] != q { v.unicodeScalars.append(s[j]); j += 1 }
                    guard j < s.count else { return .unterminated }
                    j += 1
                } else {
                    while j < s.count, !isSpace(s[j]), s[j] != ">" { v.unicodeScalars.append(s[j]); j += 1 }
                }
                value = v
            }
            switch (attribute.lowercased(), value?.lowercased()) {
            case ("translate", "no"?): tag.noTranslate = true
            case ("class", let v?) where v.split(whereSeparator: { isSpace($0.unicodeScalars.first!) }).contains("notranslate"):
                tag.noTranslate = true
            default: break
            }
        }
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" }

    static func startsCaseless(_ s: [Unicode.Scalar], at i: Int, _ prefix: [Unicode.Scalar]) -> Bool {
        guard i + prefix.count <= s.count else { return false }
        for k in 0..<prefix.count where String(s[i + k]).lowercased() != String(prefix[k]).lowercased() { return false }
        return true
    }
}
