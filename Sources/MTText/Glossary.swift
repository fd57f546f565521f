// subword-nmt glossaries: words (regular expressions) that BPE must neither split nor join.
// Python `re` semantics are approximated with NSRegularExpression (same syntax for words,
// alternation, classes and quantifiers).

import Foundation

/// The glossary matcher of `apply-bpe --glossaries`.
final class Glossary: @unchecked Sendable {
    let patterns: [String]
    let whole: NSRegularExpression           // ^(g1|g2|...)$ : `glossaries_regex`
    let exact: [NSRegularExpression]         // '^' + g + '$'
    let search: [NSRegularExpression]        // g
    let splitter: [NSRegularExpression]      // '(' + g + ')'
    private let lock = NSLock()

    init(_ patterns: [String]) throws {
        self.patterns = patterns
        do {
            whole = try NSRegularExpression(pattern: "^(" + patterns.joined(separator: "|") + ")$")
            exact = try patterns.map { try NSRegularExpression(pattern: "^" + $0 + "$") }
            search = try patterns.map { try NSRegularExpression(pattern: $0) }
            splitter = try patterns.map { try NSRegularExpression(pattern: "(" + $0 + ")") }
        } catch {
            throw TextError.invalidArgument("invalid glossary regular expression in \(patterns): \(error)")
        }
    }

    private func matches(_ re: NSRegularExpression, _ s: String, anchored: Bool) -> Bool {
        let ns = s as NSString
        let opts: NSRegularExpression.MatchingOptions = anchored ? [.anchored] : []
        return re.firstMatch(in: s, options: opts, range: NSRange(location: 0, length: ns.length)) != nil
    }

    /// `glossaries_regex.match(word)`.
    func matchesWhole(_ word: [UInt8]) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return matches(whole, String(decoding: word, as: UTF8.self), anchored: true)
    }

    /// `_isolate_glossaries`: applies `isolate_glossary` for each glossary in turn.
    func isolate(_ word: [UInt8]) -> [[UInt8]] {
        lock.lock(); defer { lock.unlock() }
        var segments = [String(decoding: word, as: UTF8.self)]
        for g in 0..<patterns.count {
            segments = segments.flatMap { isolateOne($0, g) }
        }
        return segments.map { Array($0.utf8) }
    }

    private func isolateOne(_ word: String, _ g: Int) -> [String] {
        if matches(exact[g], word, anchored: true) || !matches(search[g], word, anchored: false) { return [word] }
        let ns = word as NSString
        var parts: [String?] = []
        var last = 0
        for m in splitter[g].matches(in: word, range: NSRange(location: 0, length: ns.length)) {
            parts.append(ns.substring(with: NSRange(location: last, length: m.range.location - last)))
            for k in 1..<m.numberOfRanges {
                let r = m.range(at: k)
                parts.append(r.location == NSNotFound ? nil : ns.substring(with: r))
            }
            last = m.range.location + m.range.length
        }
        let ending = ns.substring(from: last)
        var out = parts.compactMap { $0 }.filter { !$0.isEmpty }
        if !ending.isEmpty {
            var e = Substring(ending)
            while let c = e.first, c == "\r" || c == "\n" || c == " " { e.removeFirst() }
            while let c = e.last, c == "\r" || c == "\n" || c == " " || c == "\r\n" { e.removeLast() }
            out.append(String(e))
        }
        return out
    }
}
