// swift-tools-version: 6.1
import PackageDescription

/// One settings array for every Swift target, so the whole package builds the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "adapt-top",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "adapt-top", targets: ["adapt-top"]),
        .library(name: "AdaptInference", targets: ["AdaptInference"]),
        .library(name: "AdaptEngine", targets: ["AdaptEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The service's log (serve) and its start/stop on signals.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The metrics endpoint's registry and text exposition; no server of its own (ours is a small hand-written one).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C shim over Debian's libxnnpack-dev and libpthreadpool-dev; imported by AdaptInference/Backend/XNNPACK only.
        .target(
            name: "CXNNPack",
            linkerSettings: [.linkedLibrary("XNNPACK"), .linkedLibrary("pthreadpool")]
        ),
        // Our own AVX-512 convolution kernel (C for per-function target attributes); imported by Backend/XNNPACK only.
        // Optimised even in debug builds: the tests run whole data sets through it.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(
            name: "AdaptInference",
            dependencies: [
                "CXNNPack",
                "CKernels",
                "CDNNL",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                // Latency percentiles in constant memory, as the engine's rolling windows will need too.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            // The schema the committed ONNX/Generated code comes from (Scripts/gen-onnx-proto.sh).
            exclude: ["ONNX/onnx.proto"],
            swiftSettings: swiftSettings
        ),
        // C shim over oneDNN (libdnnl-dev), opened at run time so builds without it still work (the backend is then
        // unavailable); imported by AdaptInference/Backend/OneDNN only.
        .target(name: "CDNNL", linkerSettings: [.linkedLibrary("dl")]),
        // C shim over zlib (zlib1g-dev), for the gzip-compressed data sets; imported by AdaptEngine/Data/Gzip.swift only.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(
            name: "AdaptEngine",
            dependencies: [
                "AdaptInference", "CZlib", .product(name: "Yams", package: "Yams"),
                // The runner's since-start latency percentiles.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // C shim over ncurses (libncurses-dev, wide-character ncursesw); imported by AdaptTUI/Screen/CursesScreen.swift only.
        .target(name: "CNCurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        // The dashboard: screen buffer, widgets, themes, key map; renders EngineSnapshots, sends EngineCommands.
        .target(
            name: "AdaptTUI",
            dependencies: ["AdaptEngine", "CNCurses"],
            swiftSettings: swiftSettings
        ),
        // The engine as a service: the control socket (protocol, server, client) and the Prometheus metrics endpoint.
        .target(
            name: "AdaptService",
            dependencies: ["AdaptEngine", .product(name: "Logging", package: "swift-log"),
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "adapt-top",
            dependencies: [
                "AdaptInference",
                "AdaptEngine",
                "AdaptTUI",
                "AdaptService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks derived variants against their parents (interleaved rounds); a program that prints figures.
        .executableTarget(
            name: "adapt-bench",
            dependencies: [
                "AdaptInference",
                "AdaptEngine",
                "AdaptTUI",
                "AdaptService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AdaptInferenceTests",
            dependencies: [
                "AdaptInference",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AdaptEngineTests",
            dependencies: ["AdaptEngine"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AdaptServiceTests",
            dependencies: ["AdaptService", "AdaptEngine", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AdaptTUITests",
            dependencies: ["AdaptTUI", "AdaptEngine"],
            swiftSettings: swiftSettings
        ),
        // Runs the built `adapt-top` binary as a user would: exit status, stdout, stderr.
        .testTarget(
            name: "AdaptTopCLITests",
            dependencies: ["adapt-top"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
