import Audio
import CALSA
import Testing

@Suite("Opening errors name the device")
struct OpenErrorTests {
    init() { setALSADiagnosticsEnabled(false) }

    @Test("an undefined PCM name is 'no such device'")
    func unknownName() {
        #expect(throws: AudioError.deviceNotFound(device: "earshot_no_such_pcm", code: -ENOENT)) {
            _ = try CaptureDevice(device: "earshot_no_such_pcm")
        }
        let message = AudioError.deviceNotFound(device: "earshot_no_such_pcm", code: -ENOENT).description
        #expect(message == "cannot open audio device 'earshot_no_such_pcm': no such device (No such file or directory)")
    }

    @Test("a sound card that does not exist is 'no such device'")
    func missingCard() {
        do {
            _ = try CaptureDevice(device: "hw:29,0")
            Issue.record("hw:29,0 opened")
        } catch {
            guard case .deviceNotFound(let device, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(device == "hw:29,0")
            #expect(error.description.hasPrefix("cannot open audio device 'hw:29,0': no such device"))
        }
    }

    @Test("the file plugin with a missing input file fails to open, naming the device")
    func missingInfile() throws {
        let config = try ALSAConfiguration(text: filePluginPCM(named: "earshot_test_gone", infile: "/nonexistent/earshot.raw"))
        #expect(throws: AudioError.deviceNotFound(device: "earshot_test_gone", code: -ENOENT)) {
            _ = try CaptureDevice(device: "earshot_test_gone", configuration: config)
        }
    }

    @Test("configuration text that does not parse names the problem")
    func badConfiguration() {
        do {
            _ = try ALSAConfiguration(text: "pcm.broken { type file ")
            Issue.record("parsed")
        } catch {
            guard case .configuration(let source, let code) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(source == "text")
            #expect(code < 0)
        }
    }

    @Test("parameters out of range are refused before ALSA is asked")
    func invalidParameters() {
        #expect(throws: AudioError.invalidParameter(name: "channels", value: 0)) {
            _ = try CaptureDevice(device: "null", parameters: CaptureParameters(channels: 0))
        }
        #expect(throws: AudioError.invalidParameter(name: "bufferFrames", value: 100)) {
            _ = try CaptureDevice(device: "null", parameters: CaptureParameters(periodFrames: 160, bufferFrames: 100))
        }
    }

    @Test("a busy device's message says so")
    func busyMessage() {
        #expect(AudioError.deviceBusy(device: "hw:1,0").description
            == "cannot open audio device 'hw:1,0': it is busy (used by another program)")
    }
}
