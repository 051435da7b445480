// swift-tools-version:6.0
import PackageDescription

// Module graph (arrows point at dependencies):
//   CKernels <- Kernels <- Model <- {Frontend, Runtime}   (Model holds every description type,
//                                                          front-end parameters included)
//   SystemFile (files, clock, memory) <- {Model, Timing, Profiler}
//   NumPyFile <- WeightArchive (.npz/.safetensors) <- Converter (manifest import)
//   JSON (the one parser and writer) <- WeightArchive, Converter, Timing, Profiler, Listener, Serve, earshot
//   Model, Runtime, Frontend <- Converter <- earshot;  WAVFile, NumPyFile <- earshot
//   Frontend, Runtime, Spotter, Timing <- Pipeline (resampler -> front end -> network -> detector)
//   CALSA (libasound) <- Audio <- Listener;  Pipeline, WAVFile <- Listener <- earshot
//   Model, Runtime, Frontend, Timing, Pipeline <- Profiler <- earshot  (profile times the Pipeline's stages)
//   Pipeline (one stream per client, the VAD gate), Model, Spotter, JSON, SystemFile <- Serve (Wyoming server, no ALSA) <- earshot
// The core (Kernels, Model, Runtime, Frontend, Spotter, JSON) uses the Swift standard library only;
// Pipeline adds Timing's clock (read only with --stats). SystemFile is where files, paths, the
// environment, clocks, the process's memory figures, threads, signals, commands and sockets meet
// the OS; Listener and Serve import no Glibc (Audio makes its ALSA calls; CListenerShims holds
// CPU affinity and environ, which Swift cannot reach).
let package = Package(
    name: "Earshot",
    products: [
        .executable(name: "earshot", targets: ["earshot"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        // The parsers of outside input, for the libFuzzer targets in Fuzz/ (a separate package).
        .library(name: "EarshotParsers", targets: ["Model", "Runtime", "Converter", "WeightArchive", "NumPyFile", "WAVFile", "Listener"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // The innermost kernels in C, with per-function CPU targets and a runtime CPU check.
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["CKernels"]),
        .target(name: "SystemFile"),
        .target(name: "Model", dependencies: ["Kernels", "SystemFile"]),
        .target(name: "Runtime", dependencies: ["Kernels", "Model"]),
        .target(name: "Converter", dependencies: ["Kernels", "Model", "Runtime", "WeightArchive", "Frontend", "JSON"]),
        .target(name: "NumPyFile"),
        // The one JSON parser and writer (standard library only).
        .target(name: "JSON"),
        .target(name: "WeightArchive", dependencies: ["NumPyFile", "JSON"]),
        .target(name: "Frontend", dependencies: ["Kernels", "Model"]),
        .target(name: "WAVFile"),
        .systemLibrary(name: "CALSA", path: "Sources/CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .target(name: "Audio", dependencies: ["CALSA"]),
        .target(name: "Spotter"),
        // The one place the data flow is wired: resampler -> front end -> network -> detector (no ALSA).
        .target(name: "Pipeline", dependencies: ["Frontend", "Model", "Runtime", "Spotter", "Timing"]),
        // `earshot listen`: ALSA capture -> front end -> network -> detector, board configs, reporting.
        .target(name: "CListenerShims"),
        .target(
            name: "Listener",
            dependencies: ["Audio", "Model", "Spotter", "SystemFile", "WAVFile", "CListenerShims", "Timing", "JSON", "Pipeline"]
        ),
        // `earshot serve`: a Wyoming wake-word server (POSIX sockets, one thread per client; no ALSA).
        .target(name: "Serve", dependencies: ["Pipeline", "Model", "Spotter", "JSON", "SystemFile"]),
        // The monotonic clock, latency histograms and live statistics (listen --stats, profile).
        .target(name: "Timing", dependencies: ["JSON", "SystemFile"]),
        // Latency profiling: per-layer timing, reports (text, JSON, SVG).
        .target(name: "Profiler", dependencies: ["Model", "Runtime", "Frontend", "JSON", "Timing", "SystemFile", "Pipeline"]),
        .executableTarget(
            name: "earshot",
            dependencies: [
                "Model", "Runtime", "Converter", "NumPyFile", "SystemFile", "Frontend", "WAVFile", "Profiler",
                "Audio", "Listener", "JSON", "Timing", "Pipeline", "Spotter", "Serve",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "earshot-bench",
            dependencies: ["Kernels", "Model", "Runtime", "SystemFile", "JSON"],
            path: "Benchmarks/earshot-bench"
        ),
        // Front end per hop and the whole pipeline's real-time factor (tools/bench/bench_frontend.py).
        .executableTarget(
            name: "earshot-pipeline-bench",
            dependencies: ["Frontend", "Model", "Pipeline", "WAVFile"],
            path: "Benchmarks/earshot-pipeline-bench"
        ),
        // Per-step latency of imported TFLite graphs beside TFLite itself (tools/bench/bench_tflite.py; issue 14).
        .executableTarget(
            name: "earshot-tflite-bench",
            dependencies: ["Kernels", "Model", "Runtime", "NumPyFile", "SystemFile", "Timing"],
            path: "Benchmarks/earshot-tflite-bench"
        ),
        // Test support: counts heap allocations per thread by interposing malloc & co.
        .target(name: "AllocationCounter", path: "Tests/Support/AllocationCounter"),
        // Test support: the seeded generator (SplitMix64) every test target shares.
        .target(name: "TestSupport", path: "Tests/Support/TestSupport"),
        // Test support: an in-process ALSA capture device (ioplug) that injects xruns and disconnects.
        .target(name: "FakeCapture", dependencies: ["CALSA"], path: "Tests/Support/FakeCapture"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "SystemFile", "Frontend", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Model", "Kernels", "AllocationCounter", "TestSupport"]),
        .testTarget(
            name: "ConverterTests", dependencies: ["Converter", "Model", "Runtime", "WeightArchive", "SystemFile", "Frontend", "JSON", "TestSupport"],
            exclude: ["ManifestFixtures"]),
        .testTarget(name: "NumPyFileTests", dependencies: ["NumPyFile"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "WeightArchiveTests", dependencies: ["WeightArchive", "SystemFile", "JSON", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FrontendTests", dependencies: ["Frontend", "Model", "WAVFile", "NumPyFile", "SystemFile", "AllocationCounter", "TestSupport"]),
        .testTarget(name: "WAVFileTests", dependencies: ["WAVFile"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler", "Runtime", "Model", "Frontend", "JSON", "Timing", "AllocationCounter", "TestSupport", "Pipeline"]),
        .testTarget(name: "TimingTests", dependencies: ["Timing", "AllocationCounter"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "CALSA", "FakeCapture", "TestSupport"]),
        .testTarget(name: "SpotterTests", dependencies: ["Spotter", "AllocationCounter", "TestSupport"]),
        .testTarget(
            name: "ListenerTests",
            dependencies: [
                "Listener", "Audio", "CALSA", "FakeCapture", "Frontend", "Model", "Runtime", "Spotter", "Converter", "WAVFile", "JSON",
                "Pipeline", "Timing",
                "AllocationCounter", "TestSupport",
            ]
        ),
        .testTarget(name: "ServeTests", dependencies: ["Serve", "JSON", "Model", "WAVFile", "SystemFile", "AllocationCounter", "Converter", "Pipeline", "TestSupport"]),
    ]
)
