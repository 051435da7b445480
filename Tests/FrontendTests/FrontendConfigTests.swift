import Frontend
import Model
import Testing

@Suite struct FrontendConfigTests {
    @Test func mlKWSPresetIsTensorFlowsFrontEnd() throws {
        let config = FrontendConfig.mlKWS(stride: 640)
        #expect(config.sampleRate == 16000 && config.windowLength == 640 && config.hopLength == 640)
        #expect(config.fftLength == 1024)
        #expect(config.window == .hannPeriodic && config.spectrum == .magnitude && config.filterbank == .tensorFlow)
        #expect(config.melBandCount == 40 && config.lowFrequency == 20 && config.highFrequency == 4000)
        #expect(config.logCompression == .natural && config.logFloor == 1e-12)
        #expect(config.dct == .tensorFlow && config.coefficientCount == 10 && config.featureCount == 10)
        #expect(config.sampleScale == 1 && config.name == "tf-mfcc")
        try config.validate()
        #expect(FrontendConfig.nextPowerOfTwo(640) == 1024 && FrontendConfig.nextPowerOfTwo(512) == 512)
    }

    static func rejects(_ error: FrontendError, _ change: (inout FrontendConfig) -> Void) {
        var config = FrontendConfig.mlKWS(stride: 320)
        change(&config)
        #expect(throws: error) { try config.validate() }
        #expect(throws: error) { try FeatureExtractor(config: config) }
        #expect(!error.description.isEmpty)
    }

    @Test func sampleRate() { Self.rejects(.invalidSampleRate(0)) { $0.sampleRate = 0 } }
    @Test func windowLength() { Self.rejects(.invalidWindowLength(1)) { $0.windowLength = 1 } }
    @Test func hopLength() { Self.rejects(.invalidHopLength(0)) { $0.hopLength = 0 } }
    @Test func fftNotPowerOfTwo() { Self.rejects(.fftLengthNotPowerOfTwo(1000)) { $0.fftLength = 1000 } }
    @Test func fftShorterThanWindow() {
        Self.rejects(.fftShorterThanWindow(fftLength: 512, windowLength: 640)) { $0.fftLength = 512 }
    }
    @Test func preEmphasis() { Self.rejects(.invalidPreEmphasis(1)) { $0.preEmphasis = 1 } }
    @Test func melBandCount() { Self.rejects(.invalidMelBandCount(0)) { $0.melBandCount = 0 } }
    @Test func frequencyRange() {
        Self.rejects(.invalidFrequencyRange(low: 20, high: 9000, nyquist: 8000)) { $0.highFrequency = 9000 }
    }
    @Test func logFloor() { Self.rejects(.invalidLogFloor(0)) { $0.logFloor = 0 } }
    @Test func coefficientCount() {
        Self.rejects(.invalidCoefficientCount(count: 41, melBandCount: 40)) { $0.coefficientCount = 41 }
    }
    @Test func normalizationLength() {
        Self.rejects(.normalizationLengthMismatch(mean: 3, standardDeviation: 10, featureCount: 10)) {
            $0.featureMean = [0, 0, 0]
            $0.featureStandardDeviation = [Float](repeating: 1, count: 10)
        }
    }
    @Test func standardDeviation() {
        Self.rejects(.invalidStandardDeviation(index: 4, value: 0)) {
            $0.featureMean = [Float](repeating: 0, count: 10)
            $0.featureStandardDeviation = [Float](repeating: 1, count: 10)
            $0.featureStandardDeviation[4] = 0
        }
    }
    @Test func mean() {
        Self.rejects(.invalidMean(index: 2, value: .infinity)) {
            $0.featureMean = [Float](repeating: 0, count: 10)
            $0.featureMean[2] = .infinity
            $0.featureStandardDeviation = [Float](repeating: 1, count: 10)
        }
    }
}
