import Frontend
import Model
import SystemFile
import WAVFile

/// A WAV file read for a model: decoded, downmixed to mono and resampled to the model's rate.
struct AudioClip {
    /// Mono samples in [-1, 1] at `sampleRate`.
    var samples: [Float]
    /// The rate of `samples` (the requested rate).
    var sampleRate: Int
    /// The file's own rate and channel count, before conversion.
    var fileRate: Int
    var fileChannels: Int

    /// Reads `path` and converts it to `rate` Hz (nil: keep the file's rate).
    ///
    /// - Throws: `CLIError` naming the file for unreadable, malformed or unsupported files.
    static func read(_ path: String, rate requested: Int?, resamplers: inout [Int: PolyphaseResampler]) throws(CLIError) -> AudioClip {
        // Mapped, not read: a huge (or sparse) file is refused by the decoder's frame limit
        // without first being copied into memory.
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw CLIError("'\(path)': \(error)")
        }
        let audio: WAVAudio
        do {
            audio = try WAVFile.decode(file.bytes)
        } catch {
            throw CLIError("'\(path)': \(error)")
        }
        var samples = audio.samples
        let rate = requested ?? audio.sampleRate
        if audio.sampleRate != rate {
            let resampler: PolyphaseResampler
            if let cached = resamplers[audio.sampleRate] {
                resampler = cached
            } else {
                do {
                    resampler = try PolyphaseResampler(inputRate: audio.sampleRate, outputRate: rate)
                } catch {
                    throw CLIError("'\(path)': \(error)")
                }
                resamplers[audio.sampleRate] = resampler
            }
            samples = resampler.resample(samples)
        }
        return AudioClip(samples: samples, sampleRate: rate, fileRate: audio.sampleRate,
                         fileChannels: audio.channelCount)
    }

    /// The samples cut or zero-padded at the end to exactly `count` (TensorFlow's DecodeWav
    /// with desired_samples).
    func fitted(to count: Int) -> [Float] {
        if samples.count >= count { return Array(samples.prefix(count)) }
        return samples + [Float](repeating: 0, count: count - samples.count)
    }
}
