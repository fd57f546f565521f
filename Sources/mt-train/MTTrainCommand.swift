import ArgumentParser
import Foundation
import MTRuntime
import MTTensor
import MTTrain

@main
struct MTTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-train",
        abstract: "Train a Transformer (softmax or T2R decoder), resume it, average checkpoints, plot curves.",
        discussion: """
        Typical use:
          mt-train --config recipes/multi30k-en-de/softmax.yaml
          mt-train --config recipes/multi30k-en-de/t2r.yaml --init-from ckpt/softmax/checkpoint_best.safetensors

        A run resumes from its save_dir when it holds checkpoint_last.state.safetensors (SIGINT or \
        SIGTERM saves and exits; kill -9 loses at most the work since the last checkpoint).
        """,
        subcommands: [Train.self, Average.self, Plot.self],
        defaultSubcommand: Train.self)
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run training from a YAML config; every option is also a flag (flags win).")

    @Option(name: .shortAndLong, help: "YAML config file (snake_case keys; see --dump-config for all of them).")
    var config: String?

    @Flag(help: "Print the resolved config as YAML and exit.")
    var dumpConfig = false

    @Flag(help: "Ignore an existing state in save_dir and start over (the old files are overwritten as it goes).")
    var noResume = false

    @OptionGroup var flags: TrainFlags

    func resolved() throws -> TrainConfig {
        var c = TrainConfig()
        if let path = config { c = try TrainConfig.load(path: path) }
        flags.apply(to: &c)
        return c
    }

    func run() throws {
        let c = try resolved()
        if dumpConfig {
            print(c.yaml(), terminator: "")
            return
        }
        do { try c.validate() } catch { throw ValidationError("\(error)") }
        let start = try InitFrom.resolve(c)
        // Under mpirun: one rank of a data-parallel job (README: MPI training). A failure on
        // one rank ends the whole job; symmetric exits (signal, non-finite) finalize MPI.
        let group = try ProcessGroup.fromEnvironment()
        guard group.size > 1 else { return try train(start, group: group) }
        do {
            try train(start, group: group)
        } catch let e as ExitCode {
            group.finalize()
            throw e
        } catch {
            FileHandle.standardError.write(Data("[train] error on rank \(group.rank) of \(group.size): \(error)\n".utf8))
            group.abort(1)
        }
        group.finalize()
    }

    func train(_ start: InitFrom.Resolved, group: ProcessGroup) throws {
        let c = start.config
        GEMM.setThreads(c.threads)
        try FileManager.default.createDirectory(atPath: c.saveDir, withIntermediateDirectories: true)
        let files = CheckpointFiles(dir: c.saveDir)
        let leader = group.isLeader
        let log = TrainLog(metricsPath: leader ? files.metrics : nil, quiet: !leader)
        log.info("config:\n" + c.yaml().split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        if leader { try TextFile.write(c.yaml(), to: files.config) }
        StopSignal.install()
        // Rank 0 builds the corpus caches in save_dir first; the other ranks then read them.
        if !leader { try group.barrier() }
        if let note = start.note { log.info(note) }
        let run = try TrainingRun(config: c, directoryText: start.directoryText,
                                  translate: try ValidationDecoding.greedyOrBeam(beam: c.validBeam, lenpen: c.validLenpen), log: log)
        if leader { try group.barrier() }
        if leader {  // after TrainingRun has checked every input file
            if let d = start.directoryText { try files.export(d.files) } else { try files.exportTextFiles(of: c) }
        }
        if let r = run.initReport { log.info(r) }
        log.info("model: \(run.model.config.decoderAttention.rawValue) decoder, \(run.model.layout.parameterCount) parameters")
        let trainer = try run.trainer(resume: !noResume, log: log, group: group)
        var before: Validator.Result?
        if leader, let t = run.teacher, let v = run.validator, trainer.state.update == 0 {
            before = try v.run(model: t.model, params: t.store, smoothing: c.labelSmoothing)
        }
        let reason: Trainer.StopReason
        do { reason = try trainer.run() } catch let e as TrainError {
            guard case .nonFinite = e else { throw e }
            log.error("\(e)")
            throw ExitCode(3)
        }
        if let b = before, let v = run.validator, let t = run.teacher {
            let after = try v.run(model: run.model, params: run.store, smoothing: c.labelSmoothing)
            SwapReport.print(teacher: b, teacherParameters: t.model.layout.parameterCount, after: after,
                             afterParameters: run.model.layout.parameterCount, decoder: run.model.config.decoderAttention.rawValue)
        }
        if reason == .signal { throw ExitCode(130) }
    }
}

struct Average: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Average checkpoints element-wise (fairseq's average_checkpoints).")

    @Option(help: "A save_dir: average its newest --last numbered checkpoints.")
    var dir: String?

    @Option(help: "How many of the newest numbered checkpoints to average (with --dir).")
    var last: Int = 5

    @Option(parsing: .upToNextOption, help: "Checkpoint files to average (instead of --dir).")
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "Output file (default: <dir>/checkpoint_avg.safetensors).")
    var output: String?

    func run() throws {
        var paths = inputs
        if let d = dir {
            let all = CheckpointFiles(dir: d).numberedCheckpoints()
            guard !all.isEmpty else { throw ValidationError("\(d) holds no checkpoint_<update>.safetensors files") }
            paths = all.suffix(last).map(\.path)
        }
        guard !paths.isEmpty else { throw ValidationError("give --dir or --inputs") }
        guard let out = output ?? dir.map({ CheckpointFiles(dir: $0).average }) else {
            throw ValidationError("give --output with --inputs")
        }
        try CheckpointAverage.average(paths, to: out)
        FileHandle.standardError.write(Data("[average] \(paths.count) checkpoints → \(out)\n".utf8))
    }
}

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw training loss and validation BLEU against updates as an SVG.",
        discussion: "With --run (repeated) instead: validation BLEU of several runs against training seconds.")

    @Option(help: "A save_dir (reads its metrics.jsonl) or a metrics.jsonl file.")
    var metrics: String?

    @Option(name: .customLong("run"), help: "NAME=PATH[@OFFSET]: a run's metrics.jsonl (or save_dir), OFFSET seconds added to its times.")
    var runs: [String] = []

    @Option(name: .shortAndLong, help: "Output SVG (default: beside the metrics, curves.svg; required with --run).")
    var output: String?

    func validate() throws {
        guard (metrics == nil) != runs.isEmpty else { throw ValidationError("give --metrics or --run, not both") }
        if !runs.isEmpty && output == nil { throw ValidationError("give --output with --run") }
        for r in runs where ComparisonPlot.Run(spec: r) == nil { throw ValidationError("--run \(r): expected NAME=PATH[@OFFSET]") }
    }

    func run() throws {
        if !runs.isEmpty {
            let parsed = runs.map { spec -> ComparisonPlot.Run in
                var r = ComparisonPlot.Run(spec: spec)!
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: r.path, isDirectory: &isDir) && isDir.boolValue {
                    r.path = CheckpointFiles(dir: r.path).metrics
                }
                return r
            }
            try TextFile.write(try ComparisonPlot.svg(runs: parsed), to: output!)
            FileHandle.standardError.write(Data("[plot] \(output!)\n".utf8))
            return
        }
        guard let metrics else { return }
        var isDir: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: metrics, isDirectory: &isDir) && isDir.boolValue
            ? CheckpointFiles(dir: metrics).metrics : metrics
        let out = output ?? ((path as NSString).deletingLastPathComponent + "/curves.svg")
        let svg = try CurvePlot.svg(metricsPath: path)
        try TextFile.write(svg, to: out)
        FileHandle.standardError.write(Data("[plot] \(out)\n".utf8))
    }
}
