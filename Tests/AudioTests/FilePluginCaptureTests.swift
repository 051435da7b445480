import Audio
import TestSupport
import Testing

/// Capture through real libasound: alsa-lib's `file` plugin reads a raw file as if it were a
/// capture device (over the `null` plugin), opened by name from a private configuration.
@Suite("Capture through the ALSA file plugin")
struct FilePluginCaptureTests {
    /// Reads whole periods until `frames` frames are in hand.
    private func capture(_ device: CaptureDevice, frames: Int) throws -> [Float] {
        var result: [Float] = []
        var period = [Float](repeating: .nan, count: device.periodFrames)
        var idle = 0
        while result.count < frames {
            let n = try period.withUnsafeMutableBufferPointer { try device.read(into: $0) }
            if n == 0 {
                idle += 1
                #expect(idle < 50, "the file plugin stopped delivering periods")
                if idle >= 50 { break }
                continue
            }
            result.append(contentsOf: period[0..<n])
        }
        return result
    }

    @Test("S16_LE mono capture is byte-identical to the source file, then silence")
    func byteIdentical() throws {
        let directory = try TemporaryDirectory()
        var generator = SeededGenerator(seed: 5)
        let count = 16_000 + 1_234   // not a whole number of periods
        var source: [UInt8] = []
        var values: [Int16] = []
        for i in 0..<count {
            // Full-scale extremes included: -32768 and 32767 must survive the round trip.
            let value: Int16 = i == 7 ? .min : i == 8 ? .max : Int16.random(in: .min ... .max, using: &generator)
            values.append(value)
            source.appendLittleEndian(value)
        }
        let path = try directory.write(source, to: "source.raw")
        let config = try ALSAConfiguration(text: filePluginPCM(named: "earshot_test_in", infile: path))
        let device = try CaptureDevice(
            device: "earshot_test_in", parameters: CaptureParameters(format: .s16LE, rate: 16_000, channels: 1, periodFrames: 160),
            configuration: config)
        defer { device.close() }
        #expect(device.configuration.granted.format == .s16LE)
        #expect(device.configuration.granted.rate == 16_000)
        #expect(device.configuration.granted.channels == 1)
        #expect(device.configuration.granted.periodFrames == 160)

        let captured = try capture(device, frames: count + 800)
        #expect(captured.count >= count + 800)
        // Float(s) / 32768 is exact for every Int16, so scaling back recovers the bytes.
        var bytes: [UInt8] = []
        for x in captured[0..<count] {
            let scaled = x * 32_768
            #expect(scaled == scaled.rounded() && scaled >= -32_768 && scaled <= 32_767)
            bytes.appendLittleEndian(Int16(scaled))
        }
        #expect(bytes == source, "captured bytes differ from the source file")
        var firstMismatch = -1
        for i in 0..<count where Int16(captured[i] * 32_768) != values[i] {
            firstMismatch = i
            break
        }
        #expect(firstMismatch == -1, "first mismatching sample: \(firstMismatch)")
        // After the end of the file the plugin delivers frames it did not write: silence.
        #expect(captured[count...].allSatisfy { $0 == 0 })
        #expect(device.xrunCount == 0)
        #expect(device.framesRead == captured.count)
    }

    /// Interleaved 2-channel source in `format`; returns the bytes and, per frame, the
    /// independent reference mono value (the channels' average at the format's full scale).
    private func stereoSource(_ format: SampleFormat, frames: Int, seed: UInt64) -> ([UInt8], [Double]) {
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        var mono: [Double] = []
        for _ in 0..<frames {
            var sum = 0.0
            for _ in 0..<2 {
                switch format {
                case .s16LE:
                    let v = Int16.random(in: .min ... .max, using: &generator)
                    bytes.appendLittleEndian(v)
                    sum += Double(v) / 32_768
                case .s32LE:
                    let v = Int32.random(in: .min ... .max, using: &generator)
                    bytes.appendLittleEndian(v)
                    sum += Double(v) / 2_147_483_648
                case .floatLE:
                    let v = Float.random(in: -1.2 ... 1.2, using: &generator)
                    bytes.appendLittleEndian(v.bitPattern)
                    sum += Double(min(max(v, -1), 1))
                case .s24LE:
                    let v = Int32.random(in: -8_388_608 ... 8_388_607, using: &generator)
                    // Low three bytes hold the sample; the top byte is padding (here: garbage).
                    let padded = (UInt32(bitPattern: v) & 0x00FF_FFFF) | (UInt32(UInt8.random(in: 0...255, using: &generator)) << 24)
                    bytes.appendLittleEndian(padded)
                    sum += Double(v) / 8_388_608
                case .s24Packed3LE:
                    let v = Int32.random(in: -8_388_608 ... 8_388_607, using: &generator)
                    let u = UInt32(bitPattern: v)
                    bytes.append(UInt8(u & 0xFF))
                    bytes.append(UInt8((u >> 8) & 0xFF))
                    bytes.append(UInt8((u >> 16) & 0xFF))
                    sum += Double(v) / 8_388_608
                }
            }
            mono.append(sum / 2)
        }
        return (bytes, mono)
    }

    @Test("every offered format, stereo, is converted and downmixed like an independent reference",
          arguments: SampleFormat.allCases)
    func formats(format: SampleFormat) throws {
        let directory = try TemporaryDirectory()
        let frames = 4_000
        let (bytes, reference) = stereoSource(format, frames: frames, seed: 11)
        let path = try directory.write(bytes, to: "source.raw")
        let config = try ALSAConfiguration(text: filePluginPCM(named: "earshot_test_fmt", infile: path))
        let device = try CaptureDevice(
            device: "earshot_test_fmt",
            parameters: CaptureParameters(format: format, rate: 48_000, channels: 2, periodFrames: 480, bufferFrames: 1_920),
            configuration: config)
        defer { device.close() }
        #expect(device.configuration.granted.format == format)
        #expect(device.configuration.granted.channels == 2)
        #expect(device.configuration.granted.rate == 48_000)
        let captured = try capture(device, frames: frames)
        var worst = 0.0
        for i in 0..<frames { worst = max(worst, abs(Double(captured[i]) - reference[i])) }
        // Float32 rounding of values in [-1, 1]: well under 1e-7.
        #expect(worst <= 1.2e-7, "max |error| \(worst) for \(format)")
    }

    @Test("the granted parameters are read back and reported")
    func grantedReport() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write([UInt8](repeating: 0, count: 64_000), to: "zeros.raw")
        let config = try ALSAConfiguration(text: filePluginPCM(named: "earshot_test_report", infile: path))
        let requested = CaptureParameters(format: .s32LE, rate: 44_100, channels: 2, periodFrames: 441, bufferFrames: 1_764)
        let device = try CaptureDevice(device: "earshot_test_report", parameters: requested, configuration: config)
        defer { device.close() }
        let granted = device.configuration.granted
        #expect(device.configuration.requested == requested)
        #expect(granted.format == .s32LE && granted.rate == 44_100 && granted.channels == 2)
        #expect(granted.periodFrames == 441)
        #expect(granted.bufferFrames >= 2 * granted.periodFrames)
        #expect(device.configuration.description.contains("granted S32_LE, 44100 Hz, 2 channels, period 441 frames"))
    }

    @Test("a configuration file on disk defines the PCM as well as configuration text")
    func configurationFile() throws {
        let directory = try TemporaryDirectory()
        let raw = try directory.write([1, 0, 2, 0, 3, 0, 4, 0], to: "four.raw")
        let conf = try directory.write(Array(filePluginPCM(named: "earshot_test_file", infile: raw).utf8), to: "test.asoundrc")
        let config = try ALSAConfiguration(path: conf)
        let device = try CaptureDevice(
            device: "earshot_test_file", parameters: CaptureParameters(periodFrames: 32), configuration: config)
        defer { device.close() }
        let captured = try capture(device, frames: 32)
        let expected: [Float] = [1, 2, 3, 4, 0].map { $0 / 32_768 }
        #expect(Array(captured[0..<5]) == expected)
    }
}
