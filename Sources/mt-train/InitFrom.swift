import Foundation
import MTModel
import MTRuntime
import MTText
import MTTrain

/// What `init_from` names, resolved before the run opens it:
/// - a checkpoint file: used as it is; when it sits in an imported Marian directory
///   (`mt-import marian`), that directory's SentencePiece models and vocabulary are the run's
///   text side (`TrainingRun.DirectoryText`);
/// - a model directory: its checkpoint_best, else checkpoint_last, the same way; a directory of
///   the toolkit's own fills in `source_vocab`, `target_vocab` and `bpe_codes` from its files
///   when the config leaves them empty.
enum InitFrom {
    struct Resolved {
        var config: TrainConfig
        var directoryText: TrainingRun.DirectoryText?
        /// What was resolved, for the log (nil: nothing to say).
        var note: String?
    }

    static func resolve(_ c: TrainConfig) throws -> Resolved {
        var c = c
        guard !c.initFrom.isEmpty else { return Resolved(config: c) }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: c.initFrom, isDirectory: &isDir) else {
            throw TrainError.setup("init_from: cannot read \(c.initFrom)")
        }
        let dir: String
        var note: String?
        if isDir.boolValue {
            dir = c.initFrom
            let candidates = [Checkpoint.bestName, Checkpoint.lastName].map { dir + "/" + $0 }
            guard let path = candidates.first(where: { fm.fileExists(atPath: $0) }) else {
                throw TrainError.setup("init_from \(dir) is a directory without \(Checkpoint.bestName) or \(Checkpoint.lastName)")
            }
            c.initFrom = path
            note = "init_from \(dir): \(path)"
        } else {
            dir = (c.initFrom as NSString).deletingLastPathComponent.isEmpty ? "." : (c.initFrom as NSString).deletingLastPathComponent
        }
        if MarianDirectory.isMarian(dir) {
            // The run checks the vocabulary sizes against the checkpoint when it reads it.
            let p = try MarianDirectory.pipelines(dir)
            let text = MarianDirectory.textFiles(in: dir)
            let copied = text + [MarianDirectory.search].map { dir + "/" + $0 }.filter { fm.fileExists(atPath: $0) }
            let d = TrainingRun.DirectoryText(source: p.source, target: p.target, vocabularySizes: p.vocabularySizes,
                                              files: copied, hash: try PipelineFiles.hash(files: text))
            let names = text.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            return Resolved(config: c, directoryText: d,
                            note: (note.map { $0 + "; " } ?? "") + "text from the imported directory \(dir) (\(names))")
        }
        guard isDir.boolValue else { return Resolved(config: c, note: note) }
        var filled: [String] = []
        func fill(_ value: inout String, _ name: String, _ key: String) {
            let path = dir + "/" + name
            if value.isEmpty && fm.fileExists(atPath: path) { value = path; filled.append("\(key) \(path)") }
        }
        fill(&c.sourceVocab, PipelineFiles.sourceVocabName, "source_vocab")
        fill(&c.targetVocab, PipelineFiles.targetVocabName, "target_vocab")
        if filled.count == 2 { fill(&c.bpeCodes, PipelineFiles.bpeName, "bpe_codes") }
        if !filled.isEmpty { note = (note ?? "init_from \(dir)") + "; from the directory: " + filled.joined(separator: ", ") }
        return Resolved(config: c, note: note)
    }
}
