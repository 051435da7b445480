// swift-tools-version:6.0
import PackageDescription

// Module graph (arrows point at dependencies):
//   Kernels <- Model <- Runtime <- Converter <- earshot
//   SystemFile <- Model          NumPyFile <- earshot
//   Kernels <- Frontend          WAVFile (stdlib-only parser) <- earshot
// The core (Kernels, Model, Runtime) uses the Swift standard library only;
// SystemFile is the one place that talks to the OS (open/mmap/write/rename).
let package = Package(
    name: "Earshot",
    products: [
        .executable(name: "earshot", targets: ["earshot"]),
        .library(name: "Runtime", targets: ["Runtime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .target(name: "Kernels"),
        .target(name: "SystemFile"),
        .target(name: "Model", dependencies: ["Kernels", "SystemFile"]),
        .target(name: "Runtime", dependencies: ["Kernels", "Model"]),
        .target(name: "Converter", dependencies: ["Model", "Runtime"]),
        .target(name: "NumPyFile"),
        .target(name: "Frontend", dependencies: ["Kernels"]),
        .target(name: "WAVFile"),
        .systemLibrary(name: "CALSA", path: "Sources/CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .target(name: "Audio", dependencies: ["CALSA"]),
        .target(name: "Spotter"),
        .executableTarget(
            name: "earshot",
            dependencies: [
                "Model", "Runtime", "Converter", "NumPyFile", "SystemFile", "Frontend", "WAVFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "earshot-bench",
            dependencies: ["Model", "Runtime", "SystemFile"],
            path: "Benchmarks/earshot-bench"
        ),
        // Test support: counts heap allocations per thread by interposing malloc & co.
        .target(name: "AllocationCounter", path: "Tests/Support/AllocationCounter"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "SystemFile"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Model", "AllocationCounter"]),
        .testTarget(name: "ConverterTests", dependencies: ["Converter", "Model", "Runtime"]),
        .testTarget(name: "NumPyFileTests", dependencies: ["NumPyFile"]),
        .testTarget(name: "FrontendTests", dependencies: ["Frontend", "WAVFile", "NumPyFile", "SystemFile", "AllocationCounter"]),
        .testTarget(name: "WAVFileTests", dependencies: ["WAVFile"]),
    ]
)
