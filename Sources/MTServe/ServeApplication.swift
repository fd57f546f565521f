import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The router and the application: routes over a `TranslationService`, the request log, and
/// the decoding worker as a service of the application's service group, so SIGTERM first stops
/// the HTTP server (it stops accepting and answers the requests in flight), then drains the
/// worker, and `run` returns normally (exit 0).
public enum ServeApplication {
    public static func router(_ service: TranslationService) -> Router<BasicRequestContext> {
        let router = Router()
        if let origin = service.config.corsOrigin {
            // As LibreTranslate: browsers may call the API from other origins (preflights
            // answered here); headers only on requests that carry an Origin. Outermost, because
            // it wraps the errors it passes on, which the request log reads.
            router.add(middleware: CORSMiddleware(allowOrigin: origin == "*" ? .all : .custom(origin),
                                                  allowHeaders: [.authorization, .contentType], allowMethods: [.get, .post],
                                                  exposedHeaders: ["Authorization"], maxAge: .seconds(20 * 24 * 3600)))
        }
        router.add(middleware: RequestLog(metrics: service.metrics, enabled: service.config.logRequests))
        router.add(middleware: UnknownRoute())
        LibreTranslateRoutes(service: service).add(to: router)
        NativeRoutes(service: service).add(to: router)
        return router
    }

    /// The application; `onRunning` is told the bound port (useful with --port 0).
    public static func application(_ service: TranslationService, onRunning: (@Sendable (Int) async -> Void)? = nil)
        -> some ApplicationProtocol {
        Application(
            router: router(service),
            configuration: .init(address: .hostname(service.config.host, port: service.config.port), serverName: "mt-serve",
                                 backlog: 1024),
            services: [WorkerService(worker: service.worker)],
            onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? -1) })
    }
}

extension ServeApplication {
    /// A message naming the address for an error the server gave while starting to listen (the
    /// port taken, the address not this machine's, a privileged port); nil for other errors.
    public static func listenError(_ error: any Error, host: String, port: Int) -> String? {
        guard let e = error as? IOError else { return nil }
        let at = "cannot listen on \(host):\(port)"
        switch e.errnoCode {
        case EADDRINUSE: return "\(at): the address is in use (another process listens there; choose another --port, or --port 0 for a free one)"
        case EADDRNOTAVAIL: return "\(at): the address is not one of this machine's (--host)"
        case EACCES: return "\(at): permission denied (ports below 1024 need privileges; choose another --port)"
        default: return "\(at): \(e)"
        }
    }
}

/// Runs the decoding thread for the application's life; on graceful shutdown, drains it.
struct WorkerService: Service {
    let worker: DecodingWorker

    func run() async throws {
        worker.start()
        try? await gracefulShutdown()
        await worker.drain()
    }
}
