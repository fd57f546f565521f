// swift-tools-version:6.0
// t2r-mt: machine translation with Transformer encoders and T2R (recurrent) decoders on CPU.
// Module layout and the one-way dependency rule: ../shared/design/ARCHITECTURE.md and README.md.
import PackageDescription

let package = Package(
    name: "t2r-mt",
    products: [
        .library(name: "MTTensor", targets: ["MTTensor"]),
        .library(name: "MTOps", targets: ["MTOps"]),
        .library(name: "MTModel", targets: ["MTModel"]),
        .library(name: "MTTrain", targets: ["MTTrain"]),
        .library(name: "MTSearch", targets: ["MTSearch"]),
        .library(name: "MTRuntime", targets: ["MTRuntime"]),
        .library(name: "MTData", targets: ["MTData"]),
        .library(name: "MTEval", targets: ["MTEval"]),
        .library(name: "MTText", targets: ["MTText"]),
        .library(name: "MTIO", targets: ["MTIO"]),
        .library(name: "MTImport", targets: ["MTImport"]),
        .executable(name: "mt-bleu", targets: ["mt-bleu"]),
        .executable(name: "mt-bpe", targets: ["mt-bpe"]),
        .executable(name: "mt-bench", targets: ["mt-bench"]),
        .executable(name: "mt-translate", targets: ["mt-translate"]),
        .executable(name: "mt-train", targets: ["mt-train"]),
        .executable(name: "mt-serve", targets: ["mt-serve"]),
        .executable(name: "mt-import", targets: ["mt-import"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // ICU through a small C shim with a stdint-only public header (PLATFORM.md: Foundation
        // carries its own ICU; Swift must never see system ICU headers).
        .target(
            name: "CICU", path: "Sources/CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata")]),
        // Open MPI through a small C shim that dlopens libmpi only under mpirun (README: MPI training).
        .target(name: "CMPI", path: "Sources/CMPI"),

        // oneDNN's sgemm through a small C shim (libdnnl-dev; OpenMP capped at one thread per caller).
        .target(name: "COneDNN", path: "Sources/COneDNN",
                linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        // Numeric kernels in C that pick AVX2+FMA at run time (Swift builds for baseline x86-64).
        .target(name: "CKernels", path: "Sources/CKernels"),
        // SentencePiece (C++) through a small C shim (libsentencepiece-dev).
        .target(name: "CSentencePiece", path: "Sources/CSentencePiece",
                linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("stdc++")]),

        // Libraries.
        .target(name: "MTIO", dependencies: ["CZlib"]),
        .target(name: "MTTensor", dependencies: ["COpenBLAS", "COneDNN", "CKernels"]),
        .target(name: "MTOps", dependencies: ["MTTensor"]),
        .target(name: "MTModel", dependencies: ["MTIO", "MTOps", "MTTensor"]),
        .target(name: "MTTrain", dependencies: ["MTModel", "MTData", "MTEval", "MTIO", "MTText", "CMPI",
                                           .product(name: "Yams", package: "Yams")]),
        .target(name: "MTSearch", dependencies: ["MTModel", "MTOps", "MTTensor"]),
        // Inference: model directories and the translate-these-lines core every front end uses.
        .target(name: "MTRuntime", dependencies: ["MTSearch", "MTModel", "MTIO", "MTText", "MTTensor"]),
        // The translation service behind mt-serve: routes, dynamic batching, limits, keys, metrics.
        .target(name: "MTServe", dependencies: [
            "MTRuntime", "MTModel", "MTSearch", "MTTensor",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "MTData", dependencies: ["MTIO", "MTText"]),
        .target(name: "MTEval", dependencies: ["MTIO"]),
        .target(name: "MTText", dependencies: ["CICU", "CSentencePiece", "MTIO"]),
        // Importing other toolkits' models (Hugging Face Marian / OPUS-MT).
        .target(name: "MTImport", dependencies: ["MTModel", "MTSearch", "MTIO", "MTText", "MTTensor", "CZlib"]),

        // Executables.
        .executableTarget(name: "mt-bleu", dependencies: [
            "MTEval", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mt-bpe", dependencies: [
            "MTIO", "MTText", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mt-train", dependencies: [
            "MTTrain", "MTRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mt-translate", dependencies: [
            "MTIO", "MTModel", "MTRuntime", "MTSearch", "MTTensor", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mt-serve", dependencies: [
            "MTServe", "MTModel", "MTSearch", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mt-import", dependencies: [
            "MTImport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mt-bench", dependencies: [
            "MTTensor", "MTModel", "MTTrain", "MTRuntime", "MTSearch", "COpenBLAS", "COneDNN",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests.
        .testTarget(name: "MTIOTests", dependencies: ["MTIO"]),
        .testTarget(name: "MTTensorTests", dependencies: ["MTTensor", "CKernels"]),
        .testTarget(name: "MTOpsTests", dependencies: ["MTOps"]),
        .testTarget(name: "MTModelTests", dependencies: ["MTModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MTTrainTests", dependencies: ["MTTrain", "MTRuntime"]),
        .testTarget(name: "MTRuntimeTests", dependencies: ["MTRuntime"]),
        .testTarget(name: "MTServeTests", dependencies: [
            "MTServe", "MTRuntime", "MTModel", "MTText", "MTTensor", "MTSearch",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "MTSearchTests", dependencies: ["MTSearch"]),
        .testTarget(name: "MTImportTests", dependencies: ["MTImport", "MTModel", "MTSearch", "MTText", "MTRuntime", "MTData", "MTTrain"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "MTDataTests", dependencies: ["MTData", "MTIO"]),
        .testTarget(name: "MTEvalTests", dependencies: ["MTEval"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MTTextTests", dependencies: ["MTIO", "MTText"], resources: [.copy("Fixtures")]),
    ]
)
