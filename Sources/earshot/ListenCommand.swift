import ArgumentParser

/// `earshot listen`: keywords from a live ALSA stream.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Listen to an ALSA capture device and print each keyword as it is spoken.",
        discussion: """
            ALSA capture -> resampling to the model's rate -> the model's front end -> the network \
            (streaming, or re-run over a window for window-trained models) -> smoothing, thresholds \
            and a refractory period -> one line per event on standard output: TIME<tab>KEYWORD<tab>SCORE, \
            or with --json {"keyword": ..., "time": ..., "score": ...}. Times are seconds since the stream \
            started. Diagnostics (what the device granted, overruns, a device that went away and came back, \
            the closing summary) go to standard error.

            A board configuration (firmware-configs/*.json, schema in the README) sets the device, format, \
            rate, period and buffer, the model, the detector, and CPU affinity, SCHED_FIFO priority and \
            memory locking, which are applied when permitted (what is not is reported). Options given here \
            override the file. SIGINT and SIGTERM stop cleanly: queued events are printed and --exec \
            commands finish (up to 10 s) before exit.

              earshot listen --config firmware-configs/rpi4.json
              earshot listen --model kws.earshot --device plughw:1,0 --json
              earshot listen --config firmware-configs/demo.json --exec 'echo "$EARSHOT_KEYWORD"'
            """
    )

    @Option(help: "A board configuration (JSON; see firmware-configs/ and the README).")
    var config: String?

    @Option(help: "The Earshot model file (default: the board configuration's model, else models/default.earshot). Repeat it to run several models (Earshot models, imported microWakeWord and openWakeWord models) on one capture, each front end computed once per hop (openWakeWord models: their mel and embedding networks once per 80 ms chunk).")
    var model: [String] = []

    @OptionGroup var thresholdOption: ThresholdOption

    @Option(help: "The ALSA capture device, e.g. default, hw:1,0, plughw:CARD=Mic (see `arecord -L`).")
    var device: String?

    @Option(name: .customLong("alsa-config"), help: "An ALSA configuration file loaded on top of the system's (defines extra PCMs).")
    var alsaConfig: String?

    @Option(help: "Stop after this many seconds of stream time.")
    var duration: Double?

    @OptionGroup(title: "Voice-activity gate")
    var vadOptions: VADOptions

    @Flag(help: "Print one JSON object per event: {\"keyword\", \"time\", \"score\"}.")
    var json = false

    @Option(name: .customLong("exec"), help: ArgumentHelp(
        "Run this shell command per event, without blocking capture.",
        discussion: "The event is in its environment: EARSHOT_KEYWORD, EARSHOT_TIME, EARSHOT_SCORE, EARSHOT_EVENT (detection, or stop for a board configuration's stop keyword). Its standard output goes to standard error. A keyword with its own `exec` in the board configuration runs that instead."))
    var command: String?

    @Option(help: ArgumentHelp(
        "Every SECONDS, print live latency figures on standard error.",
        discussion: "Per hop: front-end and network time (p50, p99, max), real-time factor, deadline misses against the hop, overruns and events; one JSON object per line with --json.",
        valueName: "seconds"))
    var stats: Double?

    func validate() throws {
        if let stats, !(stats > 0 && stats.isFinite) {
            throw ValidationError("--stats must be a positive number of seconds")
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a positive number of seconds")
        }
        if let command, command.isEmpty { throw ValidationError("--exec needs a command") }
    }

    func run() throws {
        let options = ListenOptions(
            config: config, models: model, defaultModel: DefaultModel.path(), device: device, alsaConfig: alsaConfig,
            duration: duration, json: json, command: command, stats: stats, threshold: thresholdOption.threshold,
            vad: vadOptions.request)
        try ListenRun.run(options)
    }
}
