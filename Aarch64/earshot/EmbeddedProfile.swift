/// `earshot profile [--model MODEL] [--compare A,B,...] [--steps N] [--warmup N] [--seed S] [--wav FILE]
/// [--hop-ms MS] [--json] [--plot OUT.svg]` (host: ProfileCommand; the work is ProfileRun). The
/// host's `--device` and front-end flags are not in this build.
enum EmbeddedProfile {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(
            arguments, options: ["model", "compare", "steps", "warmup", "seed", "wav", "hop-ms", "plot"], flags: ["json"])
        guard list.positionals.isEmpty else { throw .usage("unexpected argument '\(list.positionals[0])'") }
        let steps = try list.integer("steps") ?? 10_000
        let warmup = try list.integer("warmup") ?? 1_000
        guard steps >= 1 else { throw .usage("--steps must be at least 1, got \(steps)") }
        guard warmup >= 0 else { throw .usage("--warmup must be at least 0, got \(warmup)") }
        var seed: UInt64 = 1
        if let text = list.option("seed") {
            guard let value = UInt64(text) else { throw .usage("the value '\(text)' is invalid for '--seed <seed>'") }
            seed = value
        }
        let hop = try list.seconds("hop-ms", "--hop-ms must be a positive number, got \(list.option("hop-ms") ?? "")")
        if list.option("wav") != nil && hop != nil {
            throw .usage("--hop-ms does not apply with --wav: the front end's hop is the budget")
        }
        do throws(CLIError) {
            let paths = try ProfileRun.modelPaths(
                model: list.option("model"), compare: list.option("compare"), defaultModel: DefaultModelPath.path())
            let options = ProfileRun.Options(
                steps: steps, warmup: warmup, seed: seed, wav: list.option("wav"), hopMilliseconds: hop,
                frontend: nil, json: list.flag("json"), plot: list.option("plot"))
            try ProfileRun.run(ProfileRun.targets(paths: paths), settings: options)
        } catch {
            throw .failed(error)
        }
    }
}
