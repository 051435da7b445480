import Glibc

/// Dispatches `earshot <subcommand> ...` and turns failures into the host build's exit codes:
/// 1 with "Error: ..." for a failed run, 64 for a usage error.
enum EmbeddedCommand {
    static let usage = """
        USAGE: earshot <subcommand>

        A static aarch64 build of Earshot (Embedded Swift). Subcommands:
          infer --model MODEL (--features X.npy | --wav CLIP.wav) --out Y.npy
          inspect MODEL [--json]
          detect FILES... [--model MODEL]... [--json] [--stream [--config BOARD.json]]
          listen [--config BOARD.json] [--model MODEL]... [--device NAME] [--alsa-config FILE]
                 [--duration S] [--json] [--exec COMMAND] [--stats S]
          profile [--model MODEL] [--compare A,B] [--steps N] [--warmup N] [--seed S] [--wav FILE]
                  [--hop-ms MS] [--json] [--plot OUT.svg]
          features FILES... --model MODEL -o OUT.npy [--clip-samples N]
        """

    static func run(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first else {
            writeError(usage)
            return 64
        }
        let rest = Array(arguments.dropFirst())
        do throws(CommandFailure) {
            switch name {
            case "infer": try EmbeddedInfer.run(rest)
            case "inspect": try EmbeddedInspect.run(rest)
            case "detect": try EmbeddedDetect.run(rest)
            case "features": try EmbeddedFeatures.run(rest)
            case "listen": try EmbeddedListen.run(rest)
            case "profile": try EmbeddedProfile.run(rest)
            case "count-allocations": try EmbeddedAllocationCount.run(rest)
            case "--help", "-h", "help":
                print(usage)
            case "--version":
                print("0.1.0")
            default:
                throw .usage("unknown subcommand '\(name)'")
            }
        } catch {
            switch error {
            case .usage(let message):
                writeError("Error: \(message)\n\(usage)")
                return 64
            case .failed(let failure):
                writeError("Error: \(failure.description)")
                return 1
            }
        }
        fflush(stdout)
        return 0
    }

    /// One line on standard error.
    static func writeError(_ text: String) {
        fflush(stdout)
        fputs(text + "\n", stderr)
    }
}

/// Why a subcommand stopped.
enum CommandFailure: Error {
    /// Wrong arguments (exit status 64, as ArgumentParser's).
    case usage(String)
    /// The run failed (exit status 1).
    case failed(CLIError)
}
