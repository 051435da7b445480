import Foundation
import Frontend
import Model
import Testing

@Suite struct MelScaleTests {
    @Test(arguments: MelScale.allCases)
    func roundTrips(scale: MelScale) {
        var hertz = 0.0
        while hertz <= 24000 {
            let back = scale.hertz(fromMel: scale.mel(fromHertz: hertz))
            #expect(abs(back - hertz) <= 1e-9 * max(hertz, 1), "\(scale) \(hertz) Hz -> \(back)")
            hertz += 7.3
        }
    }

    @Test func htkMatchesFormula() {
        for hertz in [0.0, 20, 100, 700, 1000, 4000, 8000] {
            #expect(abs(MelScale.htk.mel(fromHertz: hertz) - 1127 * log1p(hertz / 700)) <= 1e-10)
        }
        // 2595 log10 and 1127 ln agree to 1e-5 relative.
        let mel = MelScale.htk.mel(fromHertz: 4000)
        #expect(abs(mel - 2595 * log10(1 + 4000 / 700.0)) / mel < 1e-5)
    }

    @Test func slaneyMatchesFormula() {
        #expect(MelScale.slaney.mel(fromHertz: 1000) == 15)
        #expect(abs(MelScale.slaney.mel(fromHertz: 500) - 7.5) <= 1e-12)
        #expect(abs(MelScale.slaney.mel(fromHertz: 6400) - 42) <= 1e-12)
        for hertz in [1500.0, 3000, 8000] {
            let expected = 15 + 27 * log(hertz / 1000) / log(6.4)
            #expect(abs(MelScale.slaney.mel(fromHertz: hertz) - expected) <= 1e-12)
        }
    }
}
