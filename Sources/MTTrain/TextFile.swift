import Foundation
import MTModel

/// Small text files written atomically (configs, plots).
public enum TextFile {
    public static func write(_ text: String, to path: String) throws {
        try MTModel.AtomicFile.write(Data(text.utf8), to: path)
    }
}
