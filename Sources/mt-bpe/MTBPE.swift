// mt-bpe: subword-nmt compatible BPE tool plus the reversible pretokenizer of MTText.
import ArgumentParser
import MTText

@main
struct MTBPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-bpe",
        abstract: "Byte pair encoding and reversible pretokenization for t2r-mt.",
        discussion: """
            The BPE verbs and flags follow subword-nmt 0.3.8, and give the same codes and the same \
            segmentations on the same input, so existing scripts keep working:

              mt-bpe learn-bpe -s 10000 < train.tok > codes
              mt-bpe apply-bpe -c codes < test.tok > test.bpe
              mt-bpe decode < test.bpe > test.txt      # removes "@@ " and detokenizes

            Text is read as UTF-8. An invalid line stops the command with its file and line number, unless \
            --skip-invalid is given (the count of skipped lines is reported).
            """,
        subcommands: [
            LearnBPE.self, ApplyBPE.self, GetVocab.self, LearnJointBPEAndVocab.self,
            Pretokenize.self, Detokenize.self, Decode.self, BuildVocab.self,

        ])
}
