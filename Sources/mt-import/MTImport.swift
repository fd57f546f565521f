import ArgumentParser
import Foundation
import MTImport

@main
struct MTImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-import",
        abstract: "Import another toolkit's model into a t2r-mt model directory.",
        subcommands: [Marian.self])

    struct Marian: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A Hugging Face Marian (OPUS-MT) directory: config.json, model.safetensors or pytorch_model.bin, source.spm, target.spm, vocab.json.",
            discussion: """
              huggingface-cli download Helsinki-NLP/opus-mt-en-de --local-dir opus-mt-en-de
              mt-import marian opus-mt-en-de -o models/opus-en-de
              mt-translate -m models/opus-en-de < input.en
            """)

        @Argument(help: "The Hugging Face model directory.") var hfDir: String
        @Option(name: .shortAndLong, help: "The model directory to write.") var output: String

        func run() throws {
            do {
                let r = try MarianImporter.run(hfDirectory: hfDir, output: output)
                let c = r.config.model
                FileHandle.standardError.write(Data("""
                    mt-import: \(r.weightsFile) → \(output): \(r.tensors) tensors, D \(c.modelDim), F \(c.ffnDim), H \(c.heads), \
                    \(c.encoderLayers)+\(c.decoderLayers) layers, vocab \(c.sourceVocabSize)/\(c.targetVocabSize), \
                    \(c.ffnActivation.rawValue), tying \(c.tying.rawValue); search: beam \(r.config.search.beam), \
                    lenpen \(r.config.search.lengthPenalty), max \(r.config.search.maxLenB) tokens\n
                    """.utf8))
            } catch {
                FileHandle.standardError.write(Data("mt-import: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
