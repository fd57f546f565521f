import ArgumentParser

/// `mt-bench`: benchmarks that print one JSON object per result line.
@main
struct MTBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-bench",
        abstract: "Benchmarks for t2r-mt. Each result is one JSON object on its own line of stdout.",
        discussion: """
        Build in release mode before timing (`make bench` does). Do not run benchmarks while a \
        build or another job uses the cores: the numbers would be meaningless.
        """,
        subcommands: [GemmBench.self, TrainBench.self, DecodeBench.self, TranslateBench.self, ParagraphBench.self,
                      AllReduceBench.self])
}
