/// Character references in HTML text: numeric (`&#233;`, `&#xE9;`) and the named ones of HTML 4
/// (XML's five, the Latin-1 set, and the special and typographic ones: `&nbsp;`, `&eacute;`,
/// `&mdash;`, `&euro;`, …), which cover what pages write by name; a name outside them (HTML5
/// has two thousand more) and a reference without its `;` are left as written.
enum HTMLEntities {
    /// The names of U+00A0…U+00FF in order (HTML 4's HTMLlat1).
    static let latin1 = """
        nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute \
        micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig \
        Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash \
        Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc \
        euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml \
        yacute thorn yuml
        """.split(separator: " ").map(String.init)

    static let named: [String: Unicode.Scalar] = {
        var t: [String: UInt32] = ["amp": 38, "lt": 60, "gt": 62, "quot": 34, "apos": 39,
                                   "OElig": 338, "oelig": 339, "Scaron": 352, "scaron": 353, "Yuml": 376, "fnof": 402, "circ": 710,
                                   "tilde": 732, "ensp": 8194, "emsp": 8195, "thinsp": 8201, "zwnj": 8204, "zwj": 8205, "lrm": 8206,
                                   "rlm": 8207, "ndash": 8211, "mdash": 8212, "lsquo": 8216, "rsquo": 8217, "sbquo": 8218,
                                   "ldquo": 8220, "rdquo": 8221, "bdquo": 8222, "dagger": 8224, "Dagger": 8225, "bull": 8226,
                                   "hellip": 8230, "permil": 8240, "prime": 8242, "Prime": 8243, "lsaquo": 8249, "rsaquo": 8250,
                                   "euro": 8364, "trade": 8482, "larr": 8592, "rarr": 8594, "uarr": 8593, "darr": 8595,
                                   "harr": 8596, "minus": 8722, "le": 8804, "ge": 8805, "ne": 8800, "asymp": 8776, "infin": 8734]
        for (k, name) in latin1.enumerated() { t[name] = 0xA0 + UInt32(k) }
        return t.mapValues { Unicode.Scalar($0)! }
    }()

    /// `text` with its character references replaced by the characters they name.
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&", let semi = s[(i + 1)...].prefix(33).firstIndex(of: ";"), semi > i + 1 else {
                out.append(s[i]); i += 1; continue
            }
            let body = String(String.UnicodeScalarView(s[(i + 1)..<semi]))
            var value: Unicode.Scalar?
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                value = number(body.dropFirst(2), hex: true)
            } else if body.hasPrefix("#") {
                value = number(body.dropFirst(), hex: false)
            } else {
                value = named[body]
            }
            if let v = value {
                out.append(v); i = semi + 1
            } else {
                out.append(s[i]); i += 1
            }
        }
        return String(out)
    }

    /// A numeric reference's character (digits only; nil otherwise): U+FFFD for 0, surrogates
    /// and values past U+10FFFF, as browsers read them.
    static func number(_ digits: Substring, hex: Bool) -> Unicode.Scalar? {
        guard !digits.isEmpty, digits.allSatisfy({ hex ? $0.isHexDigit : ("0"..."9").contains($0) }) else { return nil }
        guard let v = UInt32(digits, radix: hex ? 16 : 10), v != 0 else { return Unicode.Scalar(0xFFFD) }
        return Unicode.Scalar(v) ?? Unicode.Scalar(0xFFFD)
    }
}
