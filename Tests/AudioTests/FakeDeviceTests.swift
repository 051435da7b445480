import Audio
import CALSA
import FakeCapture
import Testing

/// An in-process capture device (alsa-lib's ioplug API, Tests/Support/FakeCapture) that
/// injects overruns and disconnects on schedule, read through the same `CaptureDevice` code
/// that reads sound cards.
@Suite("Fake ioplug capture device: xruns and disconnects")
struct FakeDeviceTests {
    /// Opens the fake device; `stats` must outlive the PCM.
    private func openFake(
        xrunEvery: UInt32 = 0, disconnectAfter: UInt32 = 0, onlyS16: Bool = false,
        parameters: CaptureParameters, stats: UnsafeMutablePointer<fake_capture_stats_t>
    ) throws -> CaptureDevice {
        var pcm: OpaquePointer? = nil
        let code = fake_capture_open(&pcm, "earshot-fake", xrunEvery, disconnectAfter, onlyS16 ? 1 : 0, stats)
        #expect(code == 0, "fake_capture_open: \(code)")
        let handle = PCMHandle(rawValue: try #require(pcm))
        return try CaptureDevice(handle: handle, device: "earshot-fake", parameters: parameters)
    }

    @Test("an overrun every 7 periods: the stream recovers every time and the count is reported")
    func xrunsRecovered() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 1)
        defer { stats.deallocate() }
        let device = try openFake(xrunEvery: 7, parameters: CaptureParameters(periodFrames: 160), stats: stats)
        #expect(device.configuration.granted.periodFrames == 160)
        var samples = [Float](repeating: 0, count: 160)
        var periods = 0
        var idle = 0
        while periods < 200 && idle < 100 {
            let n = try samples.withUnsafeMutableBufferPointer { try device.read(into: $0) }
            if n == 0 { idle += 1; continue }
            periods += 1
            // Each period is a contiguous stretch of the device's ramp (the fake's sample
            // formula, checked independently here: consecutive frames differ by 3 mod 30000).
            for i in 1..<n {
                let a = Int(samples[i - 1] * 32_768)
                let b = Int(samples[i] * 32_768)
                let step = b - a
                let contiguous = step == 3 || step == 3 - 30_000
                #expect(contiguous, "discontinuity inside period \(periods) at \(i)")
            }
        }
        #expect(periods == 200)
        #expect(stats.pointee.xruns_injected >= 28)
        #expect(device.xrunCount == Int(stats.pointee.xruns_injected))
        // Every overrun was recovered by snd_pcm_recover -> snd_pcm_prepare, and restarted.
        #expect(Int(stats.pointee.prepares) >= device.xrunCount)
        #expect(Int(stats.pointee.starts) == device.xrunCount + 1)
        device.close()
        #expect(stats.pointee.closed == 1)
    }

    @Test("xrun injection every period: still makes progress, one period between overruns")
    func xrunEveryPeriod() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 1)
        defer { stats.deallocate() }
        let device = try openFake(xrunEvery: 1, parameters: CaptureParameters(periodFrames: 64, bufferFrames: 256), stats: stats)
        defer { device.close() }
        var samples = [Float](repeating: 0, count: 64)
        var periods = 0
        for _ in 0..<200 where periods < 50 {
            if try samples.withUnsafeMutableBufferPointer({ try device.read(into: $0) }) > 0 { periods += 1 }
        }
        #expect(periods == 50)
        #expect(device.xrunCount >= 49)
        #expect(device.xrunCount == Int(stats.pointee.xruns_injected))
    }

    @Test("a device that disappears mid-stream reports deviceDisconnected")
    func disconnect() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 1)
        defer { stats.deallocate() }
        let device = try openFake(disconnectAfter: 10, parameters: CaptureParameters(periodFrames: 160), stats: stats)
        defer { device.close() }
        var samples = [Float](repeating: 0, count: 160)
        var periods = 0
        var caught: AudioError? = nil
        for _ in 0..<100 {
            do {
                if try samples.withUnsafeMutableBufferPointer({ try device.read(into: $0) }) > 0 { periods += 1 }
            } catch {
                caught = error as? AudioError
                break
            }
        }
        #expect(caught == .deviceDisconnected(device: "earshot-fake"))
        #expect(periods >= 10 && periods <= 11)
        #expect(caught?.description == "audio device 'earshot-fake' was disconnected")
    }

    @Test("format negotiation falls back to what the device offers: S32_LE requested, S16_LE granted")
    func formatFallback() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 1)
        defer { stats.deallocate() }
        let device = try openFake(
            onlyS16: true, parameters: CaptureParameters(format: .s32LE, rate: 16_000, periodFrames: 160), stats: stats)
        defer { device.close() }
        #expect(device.configuration.granted.format == .s16LE)
        #expect(device.configuration.differences == ["format"])
    }

    @Test("S32_LE and stereo from the fake device: converted and downmixed")
    func stereoS32() throws {
        let stats = UnsafeMutablePointer<fake_capture_stats_t>.allocate(capacity: 1)
        defer { stats.deallocate() }
        let device = try openFake(
            parameters: CaptureParameters(format: .s32LE, rate: 48_000, channels: 2, periodFrames: 480), stats: stats)
        defer { device.close() }
        #expect(device.configuration.granted.format == .s32LE)
        #expect(device.configuration.granted.channels == 2)
        var samples = [Float](repeating: 0, count: 480)
        var got = 0
        while got == 0 { got = try samples.withUnsafeMutableBufferPointer { try device.read(into: $0) } }
        for f in 0..<480 {
            let left = Double(fake_capture_sample(UInt(f), 0)) / 32_768
            let right = Double(fake_capture_sample(UInt(f), 1)) / 32_768
            #expect(abs(Double(samples[f]) - (left + right) / 2) < 1e-7)
        }
    }

    @Test("reopen retries a missing device with backoff, then gives up with the last error")
    func reopenGivesUp() {
        var delays: [Int] = []
        let policy = CaptureDevice.ReopenPolicy(initialDelayMilliseconds: 1, maximumDelayMilliseconds: 4, maximumAttempts: 4)
        for attempt in 1...6 { delays.append(policy.delayMilliseconds(beforeAttempt: attempt)) }
        #expect(delays == [0, 1, 2, 4, 4, 4])
        #expect(throws: AudioError.reopenGaveUp(
            device: "earshot_no_such_pcm", attempts: 4,
            last: .deviceNotFound(device: "earshot_no_such_pcm", code: -ENOENT))) {
            _ = try CaptureDevice.reopen(device: "earshot_no_such_pcm", policy: policy)
        }
    }
}
