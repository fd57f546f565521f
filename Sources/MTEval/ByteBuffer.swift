/// A growable byte buffer with raw-pointer access, reused across lines by the tokenizers.
///
/// The tokenizer rules rewrite every line several times; doing that with `[UInt8].append`
/// costs a uniqueness check per byte. A `ByteBuffer` is reserved once for the worst-case
/// output of a pass and then written through its pointer. It is a class so that two of them
/// can be swapped cheaply between passes; each one belongs to one thread's workspace and is
/// never shared. This file holds no tokenization logic.
final class ByteBuffer {
    /// Start of the storage (valid for `capacity` bytes).
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// Allocated size in bytes.
    private(set) var capacity: Int
    /// Bytes in use.
    var count = 0

    init(capacity: Int = 256) {
        self.capacity = max(16, capacity)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for at least `n` bytes, keeping the first `count`.
    @inline(__always)
    func reserve(_ n: Int) {
        if n > capacity { grow(n) }
    }

    private func grow(_ n: Int) {
        var c = capacity
        while c < n { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }

    /// The bytes in use.
    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Replaces the content with `p[start..<end]`.
    func set(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        count = 0
        append(p, start, end)
    }

    /// Appends `p[start..<end]`.
    func append(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        let n = end - start
        guard n > 0 else { return }
        reserve(count + n)
        (base + count).update(from: p.baseAddress! + start, count: n)
        count += n
    }

    /// Appends one byte.
    @inline(__always)
    func append(_ b: UInt8) {
        reserve(count + 1)
        base[count] = b
        count += 1
    }

    /// The content as an array (for tests and debugging).
    var bytes: [UInt8] { Array(buffer) }
}
