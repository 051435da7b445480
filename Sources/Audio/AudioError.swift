import CALSA

// MARK: - AudioError

/// A failed audio operation, with the device (or configuration) involved and ALSA's error code.
///
/// Codes are alsa-lib's return values: negative `errno` numbers (`-ENOENT`, `-EBUSY`, ...).
/// `description` reads as a sentence and includes `snd_strerror`'s text, e.g.
/// `cannot open audio device 'hw:7,0': no such device (No such file or directory)`.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The PCM name is unknown to ALSA, or the card or device it names does not exist
    /// (`-ENOENT`, `-ENODEV`, `-ENXIO` from `snd_pcm_open`).
    case deviceNotFound(device: String, code: Int32)
    /// Another process holds the device (`-EBUSY` from `snd_pcm_open`).
    case deviceBusy(device: String)
    /// The device went away while open (`-ENODEV` while reading), e.g. a USB microphone was
    /// unplugged. Close it and reopen it later (`CaptureDevice.reopen`).
    case deviceDisconnected(device: String)
    /// `snd_pcm_open` failed for another reason.
    case open(device: String, code: Int32)
    /// The ALSA configuration text or file could not be read or parsed.
    case configuration(source: String, code: Int32)
    /// The device offers none of the sample formats this module can convert.
    case unsupportedFormat(device: String, tried: [SampleFormat])
    /// A requested parameter is out of range before ALSA is even asked (zero channels, ...).
    case invalidParameter(name: String, value: Int)
    /// ALSA refused a hardware parameter (`snd_pcm_hw_params_*`).
    case hardwareParameter(device: String, name: String, value: Int, code: Int32)
    /// ALSA refused a software parameter (`snd_pcm_sw_params_*`).
    case softwareParameter(device: String, name: String, code: Int32)
    /// A state change (`prepare`, `start`, `drop`, `nonblock`, `close`) failed.
    case control(device: String, operation: String, code: Int32)
    /// `snd_pcm_readi` failed with an error that is not an xrun, suspend or disconnect.
    case read(device: String, code: Int32)
    /// `snd_pcm_recover` could not bring the stream back after an xrun or suspend.
    case recovery(device: String, code: Int32)
    /// The caller's buffer is smaller than one period.
    case bufferTooSmall(required: Int, provided: Int)
    /// `CaptureDevice.reopen` stopped trying; `last` is the last attempt's error.
    indirect case reopenGaveUp(device: String, attempts: Int, last: AudioError)

    public var description: String {
        switch self {
        case let .deviceNotFound(device, code):
            return "cannot open audio device '\(device)': no such device (\(alsaMessage(code)))"
        case let .deviceBusy(device):
            return "cannot open audio device '\(device)': it is busy (used by another program)"
        case let .deviceDisconnected(device):
            return "audio device '\(device)' was disconnected"
        case let .open(device, code):
            return "cannot open audio device '\(device)': \(alsaMessage(code))"
        case let .configuration(source, code):
            return "cannot load the ALSA configuration \(source): \(alsaMessage(code))"
        case let .unsupportedFormat(device, tried):
            let names = tried.map { $0.name }.joined(separator: ", ")
            return "audio device '\(device)' offers none of the sample formats \(names)"
        case let .invalidParameter(name, value):
            return "invalid capture parameter \(name) = \(value)"
        case let .hardwareParameter(device, name, value, code):
            return "audio device '\(device)' refused \(name) = \(value): \(alsaMessage(code))"
        case let .softwareParameter(device, name, code):
            return "audio device '\(device)' refused software parameter \(name): \(alsaMessage(code))"
        case let .control(device, operation, code):
            return "cannot \(operation) audio device '\(device)': \(alsaMessage(code))"
        case let .read(device, code):
            return "cannot read from audio device '\(device)': \(alsaMessage(code))"
        case let .recovery(device, code):
            return "cannot recover audio device '\(device)' after an overrun or suspend: \(alsaMessage(code))"
        case let .bufferTooSmall(required, provided):
            return "the sample buffer holds \(provided) frames; one period needs \(required)"
        case let .reopenGaveUp(device, attempts, last):
            return "gave up reopening audio device '\(device)' after \(attempts) attempts; last error: \(last)"
        }
    }
}

/// `snd_strerror(code)` as a Swift string (alsa-lib accepts negative or positive codes).
func alsaMessage(_ code: Int32) -> String {
    guard let text = snd_strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
