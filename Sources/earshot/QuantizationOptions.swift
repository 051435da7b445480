import ArgumentParser
import Converter
import Glibc  // vsnprintf (number formatting)
import Model
import NumPyFile
import SystemFile

/// `earshot convert`'s weight options: the stored type, layers kept in fp32, and the calibration
/// input of the per-layer error report.
struct QuantizationOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Weight type of the matrices: fp32, fp16 or int8.",
        discussion: "int8: symmetric per output row (scale = max|w|/127); activations are quantized per step. "
            + "fp16: weights stored half, widened when multiplied. Biases stay fp32."))
    var weights: String = "fp32"

    @Option(name: .customLong("keep-fp32"), help: ArgumentHelp(
        "Layers whose matrices stay fp32: comma-separated indices (as `inspect` numbers them), first, last, "
            + "or a kind (dense, lstm, gru, rnn).",
        discussion: "Typical: --keep-fp32 last (the classifier), which costs few bytes.",
        valueName: "list"))
    var keepFloat32: String?

    @Option(help: ArgumentHelp(
        "Calibration features for the per-layer error report: a float32 .npy of shape [T, F] "
            + "(default: 200 random standard-normal frames).",
        valueName: "X.npy"))
    var calibration: String?

    @Option(name: .customLong("input-weights"), help: ArgumentHelp(
        "Type of the matrix that multiplies the raw feature frame (the first layer's input weights): "
            + "auto, fp32, fp16 or int8.",
        discussion: "auto: the --weights type, except fp16 under --weights int8 when the model declares an audio "
            + "front end, whose log-mel/MFCC channels differ in scale too much for one int8 scale per step "
            + "(e.g. MFCC c0 against c9). --keep-fp32 on that layer wins.",
        valueName: "type"))
    var inputWeights: String = "auto"

    var weightType: TensorType? { TensorType(name: weights) }

    func validate() throws {
        guard weightType != nil else {
            throw ValidationError("unknown weight type '\(weights)'; use fp32, fp16 or int8")
        }
        guard inputWeights == "auto" || TensorType(name: inputWeights) != nil else {
            throw ValidationError("unknown --input-weights type '\(inputWeights)'; use auto, fp32, fp16 or int8")
        }
    }

    /// Converts `imported` as the options say and prints the per-layer report.
    /// Progress goes to standard error when the work takes longer than half a second.
    func apply(to imported: ImportedModel) throws -> ImportedModel {
        let description = imported.description
        var plan = WeightPlan(weightType: weightType ?? .float32)
        for name in WeightPlan.inputMatrices(of: description) {
            if inputWeights != "auto" {
                plan.tensorTypes[name] = TensorType(name: inputWeights)
            } else if weightType == .int8 {
                plan.tensorTypes[name] = WeightPlan.defaultInt8InputType(for: description)
            }
        }
        if let keepFloat32 {
            plan.float32Layers = try WeightPlan.layers(selectedBy: keepFloat32, in: description)
        }
        let progress = Progress()
        let converted = try Quantizer.apply(plan, to: imported) { layer, count in
            progress.say("storing weights: layer \(layer + 1) of \(count)")
        }

        let frames: [Float]
        let source: String
        if let calibration {
            let array = try NumPyFormat.parse(SystemFile.readAll(path: calibration))
            guard array.elementType == .float32 else {
                throw CLIError("--calibration '\(calibration)' holds \(array.elementType.rawValue); expected float32")
            }
            guard array.shape.count == 2, array.shape[0] >= 1, array.shape[1] == description.inputSize else {
                throw CLIError("--calibration '\(calibration)' has shape \(array.shape); "
                    + "the model needs [T, \(description.inputSize)] with T >= 1")
            }
            frames = array.floats()
            if let bad = frames.firstIndex(where: { !$0.isFinite }) {
                throw CLIError("--calibration '\(calibration)' holds \(frames[bad]) at "
                    + "[\(bad / description.inputSize), \(bad % description.inputSize)]; features must be finite")
            }
            source = "\(calibration) (\(array.shape[0]) frames)"
        } else {
            frames = QuantizationReport.randomFrames(count: 200, size: description.inputSize)
            source = "200 random standard-normal frames (use --calibration X.npy for real features)"
        }
        let report = try QuantizationReport(float32: imported, converted: converted, frames: frames) { done, total in
            progress.say("calibration: step \(done) of \(total)")
        }
        print(QuantizationOptions.render(report, source: source))
        return converted
    }

    /// The report as a table: one line per layer, then the totals.
    static func render(_ report: QuantizationReport, source: String) -> String {
        var rows: [[String]] = [["#", "layer", "weights", "bytes", "fp32 bytes", "SQNR dB", "max abs err"]]
        for layer in report.layers {
            rows.append([
                String(layer.index), layer.kind.rawValue,
                layer.weightTypes.isEmpty ? "-" : layer.weightTypes.map(\.description).joined(separator: "+"),
                String(layer.byteCount), String(layer.float32ByteCount),
                layer.sqnr.isNaN ? "-" : layer.sqnr.isInfinite ? "exact" : format(layer.sqnr, 1),
                layer.maxAbsError.isNaN ? "-" : format(layer.maxAbsError, 3, exponent: true),
            ])
        }
        let total = report.layers.reduce(0) { $0 + $1.byteCount }
        let total32 = report.layers.reduce(0) { $0 + $1.float32ByteCount }
        rows.append(["", "total", "", String(total), String(total32), "", ""])
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var lines = ["per-layer error of the converted model vs fp32, both streaming \(source):"]
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += (i <= 2 ? cell + pad : pad + cell) + (i + 1 < row.count ? "  " : "")
            }
            while line.last == " " { line.removeLast() }
            lines.append("  " + line)
        }
        lines.append("  top-1 of the last layer agrees with fp32 on \(format(report.top1Agreement * 100, 2)) % of \(report.steps) steps")
        return lines.joined(separator: "\n")
    }

    /// `value` with `decimals` digits after the point (or in d.ddde±x form).
    static func format(_ value: Double, _ decimals: Int, exponent: Bool = false) -> String {
        if value.isNaN || value.isInfinite { return String(value) }
        let specifier = "%.\(decimals)\(exponent ? "e" : "f")"
        let size = 64
        var buffer = [CChar](repeating: 0, count: size)
        _ = withVaList([value]) { vsnprintf(&buffer, size, specifier, $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Progress lines on standard error, shown only once the work has taken half a second.
private final class Progress {
    private let start = ContinuousClock.now
    private var shown = false

    func say(_ message: String) {
        if !shown && ContinuousClock.now - start < .milliseconds(500) { return }
        shown = true
        SystemProcess.writeAll(2, "earshot convert: \(message)\n")
    }
}

extension OpenWakeWordEmbeddingWeights: ExpressibleByArgument {}
