// swift-tools-version:6.0
import PackageDescription

// Module graph (arrows point at dependencies):
//   CKernels <- Kernels <- Model <- Runtime <- Converter <- earshot
//   SystemFile <- Model          NumPyFile <- earshot
//   NumPyFile <- WeightArchive (.npz/.safetensors, stdlib only) <- Converter (manifest import)
//   Kernels <- Frontend <- Model (the front-end parameters a model file stores)
//   WAVFile (stdlib-only parser) <- earshot
//   CALSA (libasound) <- Audio <- Listener <- earshot;  Spotter, Frontend, Runtime, WAVFile <- Listener
// The core (Kernels, Model, Runtime) uses the Swift standard library only;
// SystemFile is the one place that talks to the OS (open/mmap/write/rename).
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
        .target(name: "Model", dependencies: ["Kernels", "SystemFile", "Frontend"]),
        .target(name: "Runtime", dependencies: ["Kernels", "Model"]),
        .target(name: "Converter", dependencies: ["Kernels", "Model", "Runtime", "WeightArchive", "Frontend"]),
        .target(name: "NumPyFile"),
        .target(name: "WeightArchive", dependencies: ["NumPyFile"]),
        .target(name: "Frontend", dependencies: ["Kernels"]),
        .target(name: "WAVFile"),
        .systemLibrary(name: "CALSA", path: "Sources/CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .target(name: "Audio", dependencies: ["CALSA"]),
        .target(name: "Spotter"),
        // `earshot listen`: ALSA capture -> front end -> network -> detector, board configs, reporting.
        .target(name: "CListenerShims"),
        .target(
            name: "Listener",
            dependencies: ["Audio", "Frontend", "Model", "Runtime", "Spotter", "SystemFile", "WAVFile", "CListenerShims", "Profiler"]
        ),
        // Latency profiling: clock, histograms, reports (text, JSON, SVG), live statistics.
        .target(name: "Profiler", dependencies: ["Model", "Runtime", "Frontend"]),
        .executableTarget(
            name: "earshot",
            dependencies: [
                "Model", "Runtime", "Converter", "NumPyFile", "SystemFile", "Frontend", "WAVFile", "Profiler",
                "Audio", "Listener",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "earshot-bench",
            dependencies: ["Kernels", "Model", "Runtime", "SystemFile"],
            path: "Benchmarks/earshot-bench"
        ),
        // Front end per hop and the whole pipeline's real-time factor (tools/bench_frontend.py).
        .executableTarget(
            name: "earshot-pipeline-bench",
            dependencies: ["Frontend", "Model", "Runtime", "WAVFile"],
            path: "Benchmarks/earshot-pipeline-bench"
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
            name: "ConverterTests", dependencies: ["Converter", "Model", "Runtime", "WeightArchive", "SystemFile", "Frontend", "TestSupport"],
            exclude: ["ManifestFixtures"]),
        .testTarget(name: "NumPyFileTests", dependencies: ["NumPyFile"]),
        .testTarget(name: "WeightArchiveTests", dependencies: ["WeightArchive", "SystemFile", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FrontendTests", dependencies: ["Frontend", "WAVFile", "NumPyFile", "SystemFile", "AllocationCounter", "TestSupport"]),
        .testTarget(name: "WAVFileTests", dependencies: ["WAVFile"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler", "Runtime", "Model", "Frontend", "AllocationCounter", "TestSupport"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "CALSA", "FakeCapture", "TestSupport"]),
        .testTarget(name: "SpotterTests", dependencies: ["Spotter", "AllocationCounter", "TestSupport"]),
        .testTarget(
            name: "ListenerTests",
            dependencies: [
                "Listener", "Audio", "CALSA", "FakeCapture", "Frontend", "Model", "Runtime", "Spotter", "Converter", "WAVFile",
                "AllocationCounter", "TestSupport",
            ]
        ),
    ]
)
