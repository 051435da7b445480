// The command-line layer of the static aarch64 build (tools/build_aarch64.sh): the same subcommand
// syntax and output as the host `earshot` for infer, inspect, detect, listen and profile, without ArgumentParser or
// Foundation (Embedded Swift has neither). The work itself is the host CLI's shared files
// (FeatureInference, ModelSummary, ClipClassifier, ...) compiled into this module.

/// The C entry point (Embedded Swift has no `CommandLine`).
@_cdecl("main")
func embeddedMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for index in 1..<max(Int(argc), 1) {
        arguments.append(String(cString: argv[index]!))
    }
    return EmbeddedCommand.run(arguments)
}
