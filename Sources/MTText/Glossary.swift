// subword-nmt glossaries: words (regular expressions) that BPE must neither split nor join.
// Python `re` semantics are approximated with ICU regular expressions (same syntax for words,
// alternation, classes and quantifiers).

#if canImport(Glibc)
import Glibc
#endif

/// The glossary matcher of `apply-bpe --glossaries`.
final class Glossary: @unchecked Sendable {
    let patterns: [String]
    let whole: ICU.Regex           // ^(g1|g2|...)$ : `glossaries_regex`
    let exact: [ICU.Regex]         // '^' + g + '$'
    let search: [ICU.Regex]        // g
    let splitter: [ICU.Regex]      // '(' + g + ')'
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ patterns: [String]) throws {
        self.patterns = patterns
        do {
            whole = try ICU.Regex("^(" + patterns.joined(separator: "|") + ")$")
            exact = try patterns.map { try ICU.Regex("^" + $0 + "$") }
            search = try patterns.map { try ICU.Regex($0) }
            splitter = try patterns.map { try ICU.Regex("(" + $0 + ")") }
        } catch {
            lock.deallocate()
            throw TextError.invalidArgument("invalid glossary regular expression in \(patterns): \(error)")
        }
        pthread_mutex_init(lock, nil)
    }

    deinit { pthread_mutex_destroy(lock); lock.deallocate() }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }

    /// `glossaries_regex.match(word)`.
    func matchesWhole(_ word: [UInt8]) -> Bool {
        let text = Array(String(decoding: word, as: UTF8.self).utf16)
        return locked { whole.hasMatch(text, anchored: true) }
    }

    /// `_isolate_glossaries`: applies `isolate_glossary` for each glossary in turn.
    func isolate(_ word: [UInt8]) -> [[UInt8]] {
        locked {
            var segments = [Array(String(decoding: word, as: UTF8.self).utf16)]
            for g in 0..<patterns.count {
                segments = segments.flatMap { isolateOne($0, g) }
            }
            return segments.map { Array(String(decoding: $0, as: UTF16.self).utf8) }
        }
    }

    /// `isolate_glossary(word, glossary)` on UTF-16 text: `re.split('(' + g + ')', word)`
    /// without empty parts but the last, which is stripped of "\r\n ".
    private func isolateOne(_ word: [UInt16], _ g: Int) -> [[UInt16]] {
        if exact[g].hasMatch(word, anchored: true) || !search[g].hasMatch(word, anchored: false) { return [word] }
        var out: [[UInt16]] = []
        var last = 0
        for m in splitter[g].allMatches(word) {
            let r0 = m[0]!
            out.append(Array(word[last..<r0.lowerBound]))
            for r in m.dropFirst() { if let r { out.append(Array(word[r])) } }
            last = r0.upperBound
        }
        out = out.filter { !$0.isEmpty }
        var ending = word[last...]
        if ending.isEmpty { return out }
        let strip: Set<UInt16> = [0x0D, 0x0A, 0x20]
        while let c = ending.first, strip.contains(c) { ending.removeFirst() }
        while let c = ending.last, strip.contains(c) { ending.removeLast() }
        out.append(Array(ending))
        return out
    }
}
