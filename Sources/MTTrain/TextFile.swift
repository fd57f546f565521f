import MTIO

/// Small text files written atomically (configs, plots).
public enum TextFile {
    public static func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}
