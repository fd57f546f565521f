import ArgumentParser
import Foundation
import MTModel
import MTServe
import MTSearch

/// `mt-serve`: a translation server over MTRuntime (see MTServe and README.md, "Serving").
@main
struct MTServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt-serve",
        abstract: "Serve translations over HTTP: LibreTranslate's API, a native JSON API, health and Prometheus metrics.",
        discussion: """
        Each --model SOURCE-TARGET=DIR loads a model directory (a mt-train save_dir).
        Endpoints:
          POST /translate     LibreTranslate's: q (a string or an array), source,
                              target, format (text, or html: text nodes translated,
                              markup kept), alternatives, api_key; a JSON, urlencoded
                              or multipart body → {"translatedText": …}
          GET  /languages     [{"code", "name", "targets"}]
          POST /detect        no detector: the one configured source language, else 400
          GET  /frontend/settings   LibreTranslate's: char limit, keys, default pair
          POST /suggest, /translate_file   403: not offered
          POST /v1/translate  {"model": "en-de", "texts": [...], "beam", "lenpen",
                              "nbest", "scores"} → texts, n-best hypotheses with
                              scores and token counts
          GET  /health        {"status": "ok"|"draining", …}
          GET  /metrics       Prometheus text

        Concurrent requests for a model are queued and decoded together by one decoding thread \
        (--max-batch-tokens, --batch-wait-ms); results are those of mt-translate with the same \
        options. A full queue (--max-queue-lines) answers 503 with Retry-After; a request over \
        --max-chars or --max-lines answers 413. With --api-keys FILE (one key a line, optionally \
        followed by its requests per minute) a request needs a valid api_key (403) and is \
        rate-limited (429). Listens on loopback unless --host says otherwise; answers CORS \
        preflights so browser pages can call it (--cors-origin). SIGTERM or SIGINT: stop \
        accepting, answer the requests in flight, exit 0.
        """)

    @Option(name: .long, help: ArgumentHelp("A model: SOURCE-TARGET=DIR (repeat for more pairs).", valueName: "pair=dir"))
    var model: [String] = []

    @Option(help: "Address to listen on (default loopback only).")
    var host = "127.0.0.1"

    @Option(help: "Port (0: any free port; the chosen one is printed).")
    var port = 5000

    @Option(help: "Source tokens the decoding worker gathers into one batch.")
    var maxBatchTokens = 4096

    @Option(help: "Milliseconds an idle worker waits after a request for others to batch with it, when traffic is concurrent (the last batch had several requests, or several are waiting); a lone request starts at once.")
    var batchWaitMs = 2

    @Flag(help: "Wait --batch-wait-ms before every idle start, also for a lone request.")
    var batchWaitAlways = false

    @Option(help: "Lines waiting in the queue before new requests get 503.")
    var maxQueueLines = 1024

    @Option(help: "Characters per request, counted as Unicode code points as LibreTranslate counts them (over: 413).")
    var maxChars = 5000

    @Option(help: "Lines per request (texts, and lines within them; over: 413).")
    var maxLines = 128

    @Option(help: "Largest beam a request may ask for.")
    var maxBeam = 16

    @Option(help: "Default beam size (1: greedy), as mt-translate's --beam.")
    var beam = 4

    @Option(help: "Default length penalty, as mt-translate's --lenpen.")
    var lenpen: Float = 1

    @Option(help: "Threads for OpenBLAS and the toolkit (used by the one decoding worker).")
    var threads = 2

    @Option(help: "float32, or int8: the linear layers' weights quantized per output row at load (as mt-translate --compute-type).")
    var computeType = "float32"

    @Option(help: "API key file: one key a line, optionally followed by its requests-per-minute limit.")
    var apiKeys: String?

    @Option(help: "Requests per minute per key for keys without their own limit (0: unlimited).")
    var rateLimit = 0

    @Flag(help: "Keep queued work of clients that disconnect (and keep-alive connections open).")
    var keepOnDisconnect = false

    @Flag(help: "No request log lines on stderr.")
    var quiet = false

    @Option(help: ArgumentHelp("Web origins whose pages may read the answers (CORS): * (any, as LibreTranslate), one origin such as https://example.org, or none.", valueName: "origin"))
    var corsOrigin = "*"

    var serveConfig: ServeConfig {
        get throws {
            var c = ServeConfig()
            c.models = try model.map { try ModelSpec(parsing: $0) }
            c.host = host
            c.port = port
            c.batching.maxBatchTokens = maxBatchTokens
            c.batching.batchWaitMilliseconds = batchWaitMs
            c.batching.waitOnlyWhenConcurrent = !batchWaitAlways
            c.batching.maxQueueLines = maxQueueLines
            c.batching.threads = threads
            guard let ct = ComputeType(rawValue: computeType) else {
                throw ServeError.invalidConfig(problems: ["--compute-type \(computeType): expected float32 or int8"])
            }
            c.computeType = ct
            c.limits.maxCharacters = maxChars
            c.limits.maxLines = maxLines
            c.limits.maxBeam = maxBeam
            c.search = SearchOptions(beam: beam, lengthPenalty: lenpen)
            c.apiKeysFile = apiKeys
            c.defaultRateLimit = rateLimit
            c.dropOnDisconnect = !keepOnDisconnect
            c.logRequests = !quiet
            c.corsOrigin = corsOrigin == "none" ? nil : corsOrigin
            return c
        }
    }

    func validate() throws {
        do { try serveConfig.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let service: TranslationService
        do { service = try TranslationService.load(try serveConfig) } catch { throw ValidationError("\(error)") }
        let pairs = service.pairs.map(\.description).joined(separator: ", ")
        let app = ServeApplication.application(service) { port in
            FileHandle.standardError.write(Data("[serve] listening on http://\(host):\(port) (\(pairs))\n".utf8))
        }
        do { try await app.runService() } catch {
            guard let message = ServeApplication.listenError(error, host: host, port: port) else { throw error }
            FileHandle.standardError.write(Data("[serve] error: \(message)\n".utf8))
            throw ExitCode(1)
        }
        FileHandle.standardError.write(Data("[serve] stopped: in-flight requests answered\n".utf8))
    }
}
