import Pipeline
import Audio
import Spotter

/// Everything `earshot listen` needs to know about a board: the ALSA capture settings, the
/// model, the detector, and how to tune the process (CPU affinity, SCHED_FIFO, mlockall).
///
/// Read from a JSON file in firmware-configs/ by `BoardConfiguration.load(path:)`; every field
/// has a default, so `BoardConfiguration()` is a working configuration for the `default` ALSA
/// device. The schema is in the README ("Board configs").
public struct BoardConfiguration: Equatable, Sendable {
    /// The board's name, for messages ("Raspberry Pi 4 Model B").
    public var board: String = "unnamed board"
    /// A free-form note.
    public var notes: String? = nil
    public var audio = AudioSettings()
    public var model = ModelSettings()
    public var detector = DetectorSettings()
    public var system = SystemSettings()
    /// Per-keyword actions (`keywords` in the file): a command per keyword, and "stop" keywords.
    public var keywords: [String: KeywordAction] = [:]
    /// Stop after this many seconds of audio (nil: run until SIGINT/SIGTERM).
    public var durationSeconds: Double? = nil
    /// The voice-activity gate (`"vad": {"path", "threshold", "hangover_seconds", "preroll_seconds"}`), or nil.
    public var vad: BoardVAD? = nil
    /// The file this configuration came from ("" for the built-in defaults).
    public var source: String = ""

    public init() {}
}

/// The ALSA capture device and the parameters to ask it for.
public struct AudioSettings: Equatable, Sendable {
    /// The ALSA PCM name: `default`, `hw:1,0`, `plughw:CARD=Device,DEV=0`, or a PCM defined in
    /// `alsaConfiguration` or the system's ALSA configuration.
    public var device: String = "default"
    /// An ALSA configuration file loaded on top of the system's (absolute path, or nil).
    /// While it is read, the environment variable `EARSHOT_CONFIG_DIR` holds the directory of
    /// the board configuration, for `@func getenv` in it.
    public var alsaConfiguration: String? = nil
    public var format: SampleFormat = .s16LE
    public var rate: Int = 16_000
    public var channels: Int = 1
    public var periodFrames: Int = 160
    public var bufferFrames: Int = 640
    /// Let ALSA's plug layer convert the rate (see `CaptureParameters.deviceResampling`).
    public var deviceResampling: Bool = false

    public init() {}

    /// The capture parameters these settings ask for.
    public var captureParameters: CaptureParameters {
        CaptureParameters(format: format, rate: rate, channels: channels, periodFrames: periodFrames,
                          bufferFrames: bufferFrames, deviceResampling: deviceResampling)
    }
}

/// The board configuration's voice-activity gate: the VAD model and the gate's settings.
public struct BoardVAD: Equatable, Sendable {
    /// The VAD model file (absolute path).
    public var path: String
    public var settings: SpeechGateSettings

    public init(path: String, settings: SpeechGateSettings = SpeechGateSettings()) {
        self.path = path
        self.settings = settings
    }
}

/// Which model to run and how.
public struct ModelSettings: Equatable, Sendable {
    /// The model file (absolute path), or nil for the project's default model.
    public var path: String? = nil
    /// For windowed models: run the window every this many feature frames instead of the
    /// model's own hop (smaller = finer event times, more computation). nil: the model's hop.
    public var windowHopFrames: Int? = nil

    public init() {}
}

/// What `listen` does when one keyword is detected (board configuration `keywords.NAME`).
public struct KeywordAction: Equatable, Sendable {
    /// A shell command run for this keyword instead of `--exec` (nil: `--exec`, if given).
    public var command: String? = nil
    /// A "stop" keyword: its event is reported as a stop (JSON `"event": "stop"`, a 4th text
    /// column `stop`, `EARSHOT_EVENT=stop`) and it cancels (SIGTERM) every command still running.
    public var isStop: Bool = false

    public init(command: String? = nil, isStop: Bool = false) {
        self.command = command
        self.isStop = isStop
    }
}

/// Process tuning, applied when permitted (see `SystemTuning`).
public struct SystemSettings: Equatable, Sendable {
    /// CPUs the capture thread may run on (nil: no restriction).
    public var cpuAffinity: [Int]? = nil
    /// SCHED_FIFO priority 1...99 for the capture thread (nil: normal scheduling).
    public var realtimePriority: Int? = nil
    /// Lock all current and future memory (mlockall) so paging never stalls capture.
    public var lockMemory: Bool = false

    public init() {}
}
