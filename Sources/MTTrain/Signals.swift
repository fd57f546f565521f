#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM request a clean stop: the trainer finishes the current update, saves a
/// checkpoint with its full state, and exits. A second signal exits at once. SIGUSR1 does the
/// same: Open MPI's mpirun forwards it to every rank, whereas a SIGTERM to mpirun kills the job
/// within seconds (README: MPI training).
public enum StopSignal {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0
    nonisolated(unsafe) static var signalNumber: Int32 = 0

    public static var isRequested: Bool { requested != 0 }
    public static var name: String { signalNumber == SIGTERM ? "SIGTERM" : signalNumber == SIGUSR1 ? "SIGUSR1" : "SIGINT" }

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if StopSignal.requested != 0 { _exit(128 + sig) }
            StopSignal.requested = 1
            StopSignal.signalNumber = sig
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        signal(SIGUSR1, handler)
    }

    /// For tests: request a stop as a signal would.
    public static func request() { requested = 1 }
    public static func reset() { requested = 0 }
}
