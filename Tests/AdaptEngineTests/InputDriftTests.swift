import AdaptInference
import Foundation
import Testing
@testable import AdaptEngine

@Suite struct InputDriftTests {
    static func drifted(_ kind: InputDrift.Kind, _ severity: Int, _ pixels: [UInt8], height: Int = 28, width: Int = 28) throws -> [Float] {
        var output: [Float] = [], scratch: [Float] = []
        try InputDrift(kind, severity: severity).apply(pixels[...], height: height, width: width, seed: 7, into: &output, scratch: &scratch)
        return output
    }

    static func mean(_ values: [Float]) -> Float { values.reduce(0, +) / Float(values.count) }

    @Test func brightnessAndContrastMoveTheStatisticsAsStated() throws {
        let grey = [UInt8](repeating: 100, count: 28 * 28)
        #expect(Self.mean(try Self.drifted(.brightness, 2, grey)) == 150)
        let stripes = (0..<(28 * 28)).map { UInt8($0 % 2 == 0 ? 50 : 150) }
        let flattened = try Self.drifted(.contrast, 5, stripes)  // factor 0.1 around the mean 100
        #expect(flattened[0] == 95 && flattened[1] == 105)
    }

    /// On mid-grey the added noise has the stated σ (at severity 5, σ 95 around 128, clipping to 0…255 trims the
    /// tails), and the same seed gives the same frame.
    @Test func noiseHasTheStatedSpread() throws {
        let grey = [UInt8](repeating: 128, count: 64 * 64)
        for severity in 1...5 {
            let noisy = try Self.drifted(.noise, severity, grey, height: 64, width: 64)
            let deviation = (noisy.map { ($0 - 128) * ($0 - 128) }.reduce(0, +) / Float(noisy.count)).squareRoot()
            let sigma = Float(try InputDrift(.noise, severity: severity).strength)
            if severity < 5 {
                #expect(abs(deviation - sigma) < 0.08 * sigma, "severity \(severity): σ \(deviation) vs \(sigma)")
            } else {
                #expect(deviation > 0.75 * sigma && deviation < sigma, "severity 5: σ \(deviation) vs \(sigma)")
            }
        }
        #expect(try Self.drifted(.noise, 3, grey, height: 64, width: 64) == (try Self.drifted(.noise, 3, grey, height: 64, width: 64)))
    }

    /// Blur spreads a point and keeps its mass; rotation turns an off-centre dot counter-clockwise about the centre.
    @Test func blurSpreadsAndRotationTurns() throws {
        var dot = [UInt8](repeating: 0, count: 28 * 28)
        dot[14 * 28 + 14] = 255
        let blurred = try Self.drifted(.blur, 3, dot)
        #expect(blurred[14 * 28 + 14] < 255 && blurred[14 * 28 + 15] > 0)
        #expect(abs(blurred.reduce(0, +) - 255) < 1)

        // A 3×3 bright patch right of the centre (13.5, 13.5), 8 px away; 30° (severity 3) moves it up-right.
        var patch = [UInt8](repeating: 0, count: 28 * 28)
        for y in 12...15 { for x in 20...23 { patch[y * 28 + x] = 255 } }
        let turned = try Self.drifted(.rotation, 3, patch)
        var (sumX, sumY, mass): (Float, Float, Float) = (0, 0, 0)
        for y in 0..<28 { for x in 0..<28 { let v = turned[y * 28 + x]; sumX += v * Float(x); sumY += v * Float(y); mass += v } }
        let (centreX, centreY) = (sumX / mass - 13.5, sumY / mass - 13.5)
        #expect(abs(centreX - 8 * Float(cos(Double.pi / 6))) < 0.5 && abs(centreY + 8 * Float(sin(Double.pi / 6))) < 0.5,
                "centre at (\(centreX), \(centreY))")
    }

    @Test func severityOutsideOneToFiveIsAClearError() {
        #expect(throws: InjectionError.invalid("drift severity must be 1…5, 6 given")) { try InputDrift(.blur, severity: 6) }
    }

    /// The model really sees the drift: on 1000 test images, strong noise costs cnn-w50 far more accuracy than mild
    /// noise, and a frame source with a drift writes different frames than without.
    @Test func driftedFramesCostTheModelAccuracy() throws {
        let manifest = try FamilyManifest.load(contentsOf: DemoFamilyTests.manifestPath)
        let images = try MNISTStyleDataset.load(directory: manifest.dataset.path, split: manifest.dataset.split)
        let spec = try #require(manifest.variants.first { $0.id == "cnn-w50" })
        let model = try InferenceSession(contentsOf: spec.file).model
        func accuracy(_ drift: InputDrift?) throws -> Double {
            var source = DatasetFrameSource(images: images, normalization: manifest.input.normalization)
            source.drift = drift
            var correct = 0
            for _ in 0..<1000 {
                let frame = try #require(try source.next(into: model.inputBuffer(0)))
                try model.run()
                if AccuracyEvaluator.argmax(model.outputBuffer(0)) == frame.label { correct += 1 }
            }
            return Double(correct) / 1000
        }
        let clean = try accuracy(nil)
        let mild = try accuracy(InputDrift(.noise, severity: 1)), strong = try accuracy(InputDrift(.noise, severity: 5))
        let rotated = try accuracy(InputDrift(.rotation, severity: 5))
        #expect(clean > 0.85)
        #expect(strong < mild - 0.05, "noise 5: \(strong), noise 1: \(mild)")
        #expect(rotated < clean - 0.2, "rotation 5: \(rotated), clean: \(clean)")
    }
}
