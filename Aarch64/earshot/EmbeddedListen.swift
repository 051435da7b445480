/// `earshot listen [--config BOARD.json] [--model MODEL]... [--device NAME] [--alsa-config FILE]
/// [--duration S] [--json] [--exec COMMAND] [--stats S] [--threshold T]` (host: ListenCommand; the work is ListenRun).
/// libasound.so.2 is loaded when the device is opened (Aarch64/Support/alsa_loader.c).
enum EmbeddedListen {
    static func run(_ arguments: [String]) throws(CommandFailure) {
        let list = try ArgumentList(
            arguments, options: ["config", "model", "device", "alsa-config", "duration", "exec", "stats", "threshold"], flags: ["json"])
        guard list.positionals.isEmpty else { throw .usage("unexpected argument '\(list.positionals[0])'") }
        let stats = try list.seconds("stats", "--stats must be a positive number of seconds")
        let duration = try list.seconds("duration", "--duration must be a positive number of seconds")
        if let command = list.option("exec"), command.isEmpty { throw .usage("--exec needs a command") }
        let options = ListenOptions(
            config: list.option("config"), models: list.values("model"), defaultModel: DefaultModelPath.path(),
            device: list.option("device"), alsaConfig: list.option("alsa-config"), duration: duration,
            json: list.flag("json"), command: list.option("exec"), stats: stats, threshold: try list.threshold())
        do throws(CLIError) {
            try ListenRun.run(options)
        } catch {
            throw .failed(error)
        }
    }
}
