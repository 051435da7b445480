// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for Earshot's parsers of outside input (README, section "Hardening").
// A separate package so that the main `swift build`/`swift test` never see them. Each executable
// defines `LLVMFuzzerTestOneInput` and `<Target>_main` (what SwiftPM links as `main` on Linux),
// which runs libFuzzer's driver (`LLVMFuzzerRunDriver`, from the runtime linked in by
//
//     swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address)
//
// (tools/ci/fuzz.sh builds and runs them; tools/fixtures/make_fuzz_corpus.py writes their seed corpora.)
let targets = [
    "FuzzModelFile", "FuzzONNX", "FuzzManifest", "FuzzWeightArchive", "FuzzWAV", "FuzzBoardConfig", "FuzzNumPy",
    "FuzzTFLite",  // issue 14
    "FuzzOpenWakeWord",  // issue 15
]

let package = Package(
    name: "EarshotFuzz",
    products: targets.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(name: "Earshot", path: "..")],
    targets: [.target(name: "FuzzDriver")] + targets.map {
        .executableTarget(
            name: $0,
            dependencies: ["FuzzDriver", .product(name: "EarshotParsers", package: "Earshot")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
