// The inverse of Pretokenizer: joins tokens with spaces except where a token carries the
// joiner prefix. Also undoes BPE ("@@ " continuation) for decoding model output.

public struct Detokenizer: Sendable {
    public init() {}

    /// Joins space-separated tokens; a token starting with the joiner is glued to the previous
    /// one. A token that is exactly one joiner is the literal character. Never fails: stray
    /// joiners in model output are handled the same way.
    public func detokenize(_ text: String) -> String {
        let j = Pretokenizer.joiner
        var out = String.UnicodeScalarView()
        var first = true
        for token in text.unicodeScalars.split(separator: " ") {
            var glued = false
            var content = token[...]
            if token.count > 1 && token.first == j {
                glued = true
                content = token.dropFirst()
            }
            if !first && !glued { out.append(" ") }
            out.append(contentsOf: content)
            first = false
        }
        return String(out)
    }

    /// Removes BPE continuation markers: "@@ " between pieces and a dangling "@@" at the end.
    public static func removeBPE(_ text: String, separator: String = "@@") -> String {
        let sep = Array(separator.unicodeScalars)
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var k = 0
        while k < s.count {
            if k + sep.count <= s.count && Array(s[k..<(k + sep.count)]) == sep {
                let after = k + sep.count
                if after == s.count { k = after; continue }
                if s[after] == " " { k = after + 1; continue }
            }
            out.append(s[k])
            k += 1
        }
        return String(out)
    }

    /// Model output to text: remove BPE markers, then detokenize.
    public func decode(_ text: String, separator: String = "@@") -> String {
        detokenize(Detokenizer.removeBPE(text, separator: separator))
    }
}
