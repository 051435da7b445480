import Timing
import JSON
import Model
import Runtime

/// The results of profiling one model: whole-step and per-layer latency, front end, real-time
/// figures and memory. Latencies are in nanoseconds (the `_us` JSON fields are microseconds).
public struct ProfileReport {
    /// One layer's timings (from `Network.stepLayer`).
    public struct Layer {
        public var index: Int
        public var kind: String
        /// The layer's name in the model file, or "" when it has none.
        public var name: String
        public var latency: LatencySummary
        public var histogram: LatencyHistogram

        /// "0 lstm" or "0 lstm (name)".
        public var label: String { name.isEmpty ? "\(index) \(kind)" : "\(index) \(kind) (\(name))" }
    }

    /// The model file's path (or the label given).
    public var model: String
    public var inputSize: Int
    public var outputSize: Int
    /// Element types of the weight matrices ("fp32", "fp16", "int8").
    public var weightTypes: [String]
    /// Timed whole steps (and, as many, timed layer-by-layer steps).
    public var steps: Int
    public var warmup: Int
    /// What the frames were.
    public var input: String
    public var clock: String
    /// The measured cost of one clock read, subtracted from every interval.
    public var timerOverheadNanoseconds: UInt64

    /// Whole `step` calls.
    public var step: LatencySummary
    public var stepHistogram: LatencyHistogram
    public var layers: [Layer]
    /// Per layer-by-layer step: the sum of its layers' times.
    public var layerSum: LatencySummary
    /// The front end, per hop (audio input only).
    public var frontend: LatencySummary?
    public var frontendHistogram: LatencyHistogram?
    public var frontendDescription: String?

    /// The real-time budget of one step.
    public var hopNanoseconds: UInt64
    public var hopSource: String
    /// Timed hops (whole and layer-by-layer steps), and those whose front end + step took
    /// longer than the hop.
    public var hops: Int
    public var deadlineMisses: Int
    /// Busy time over the audio time it stands for: per step (front end + one step per hop)
    /// for streaming models, per window run (`window.realtimeFactor`) for windowed ones.
    public var realtimeFactor: Double
    /// Front end + one step per hop, whatever the execution mode.
    public var stepRealtimeFactor: Double
    /// Windowed models only: timed window runs.
    public var window: WindowFigures?
    /// "streaming" or "windowed (W frames, every K)".
    public var execution: String

    public var arenaBytes: Int
    /// Bytes of the model file mapped into memory.
    public var modelMappedBytes: Int
    /// The process's peak resident set size, in bytes, at the end of the run.
    public var peakRSSBytes: Int

    init(state: TargetState, settings: ProfileSettings, input: String, frontend: LatencyHistogram?,
         frontendDescription: String?, hopNanoseconds: UInt64, hopSource: String, timerOverhead: UInt64,
         peakRSSBytes: Int) {
        let network = state.network
        let file = network.model
        model = state.label
        inputSize = network.inputSize
        outputSize = network.outputSize
        weightTypes = ProfileReport.weightTypes(of: file)
        steps = settings.steps
        warmup = settings.warmup
        self.input = input
        clock = MonotonicClock.name
        timerOverheadNanoseconds = timerOverhead
        step = state.step.summary
        stepHistogram = state.step
        layers = file.description.layers.enumerated().map { index, layer in
            Layer(index: index, kind: layer.kind.rawValue, name: layer.name,
                  latency: state.layers[index].summary, histogram: state.layers[index])
        }
        layerSum = state.layerSum.summary
        self.frontend = frontend?.summary
        frontendHistogram = frontend
        self.frontendDescription = frontendDescription
        self.hopNanoseconds = hopNanoseconds
        self.hopSource = hopSource
        hops = state.hops
        deadlineMisses = state.deadlineMisses
        stepRealtimeFactor = state.hops == 0 ? 0 : Double(state.busy) / (Double(state.hops) * Double(hopNanoseconds))
        window = state.window
        realtimeFactor = state.window?.realtimeFactor ?? stepRealtimeFactor
        execution = file.description.execution.description
        arenaBytes = network.arenaByteCount
        modelMappedBytes = file.fileByteCount
        self.peakRSSBytes = peakRSSBytes
    }

    static func weightTypes(of file: ModelFile) -> [String] {
        var types: [String] = []
        for (index, layer) in file.description.layers.enumerated() {
            for (role, _) in layer.requiredTensors where role.isMatrix {
                if let tensor = file.tensor(layer: index, role: role), !types.contains(tensor.type.description) {
                    types.append(tensor.type.description)
                }
            }
        }
        return types
    }

    /// Sum of the layers' median times.
    public var layerMedianSum: Double { layers.reduce(0) { $0 + $1.latency.p50 } }

    /// `layerMedianSum` over the whole step's median: 1 when per-layer timing accounts for
    /// the step exactly. The profiler's own consistency check (expected within 0.9...1.1).
    public var layerMedianRatio: Double { step.p50 > 0 ? layerMedianSum / step.p50 : 0 }

    /// The front end's mean cost per hop in ns, or nil without a front end.
    public var frontendMeanPerHop: Double? { frontend?.mean }
}

// MARK: - Text

extension ProfileReport {
    static func micro(_ nanoseconds: Double) -> String { Format.fixed(nanoseconds / 1000, decimals: 2) }

    /// The report as text for a terminal.
    public var text: String {
        var lines: [String] = []
        lines.append("earshot profile: \(model)")
        lines.append("  model     input \(inputSize), output \(outputSize), \(layers.count) layers, weights \(weightTypes.joined(separator: ",")), \(execution)")
        lines.append(contentsOf: ProfileReport.commonLines(self))
        lines.append("")
        let header = ["latency µs", "p50", "p90", "p99", "p99.9", "max", "mean"]
        var rows: [[String]] = [header]
        func row(_ label: String, _ s: LatencySummary) -> [String] {
            [label] + [s.p50, s.p90, s.p99, s.p999, s.maximum, s.mean].map { ProfileReport.micro($0) }
        }
        rows.append(row("step", step))
        for layer in layers { rows.append(row("  " + layer.label, layer.latency)) }
        rows.append(row("  layers summed", layerSum))
        if let frontend { rows.append(row("front end / hop", frontend)) }
        lines.append(contentsOf: ProfileReport.table(rows))
        lines.append("")
        let ratio = layerMedianRatio
        lines.append("  sum of layer medians \(ProfileReport.micro(layerMedianSum)) µs = \(Format.fixed(ratio * 100, decimals: 1)) % of the step median"
            + " (\(abs(ratio - 1) <= 0.1 ? "within" : "NOT within") 10 %)")
        let work = frontend == nil ? "step" : "front end + step"
        lines.append("  real-time factor \(Format.fixed(stepRealtimeFactor, decimals: 5)) (\(work) time / audio time, one step per hop)")
        lines.append("  deadline misses \(deadlineMisses) of \(hops) hops (budget \(Format.fixed(Double(hopNanoseconds) / 1000, decimals: 0)) µs, \(hopSource))")
        if let window {
            let s = window.histogram.summary
            lines.append("  windowed execution: \(window.frames) steps from zero state every \(window.hop) hops, \(s.count) runs timed:")
            lines.append("    run µs p50 \(ProfileReport.micro(s.p50))  p90 \(ProfileReport.micro(s.p90))  p99 \(ProfileReport.micro(s.p99))  max \(ProfileReport.micro(s.maximum))")
            lines.append("    real-time factor \(Format.fixed(window.realtimeFactor, decimals: 5)); runs over the hop (with the front end's mean) \(window.deadlineMisses) of \(s.count)")
            lines.append("    latency bound: window + hop = \(window.latencyBoundFrames) frames = \(Format.fixed(window.latencyBoundMilliseconds(hopNanoseconds: hopNanoseconds), decimals: 1)) ms (plus one run)")
        }
        lines.append("  memory: arena \(Format.grouped(arenaBytes)) bytes; model mapped \(Format.grouped(modelMappedBytes)) bytes; peak RSS \(Format.grouped(peakRSSBytes)) bytes (\(Format.bytes(peakRSSBytes)))")
        return lines.joined(separator: "\n")
    }

    /// Lines every report of one run shares.
    static func commonLines(_ report: ProfileReport) -> [String] {
        var lines: [String] = []
        lines.append("  input     \(report.input)")
        lines.append("  run       \(report.steps) whole steps + \(report.steps) layer-by-layer steps, alternating, after \(report.warmup) warm-up")
        lines.append("  timer     \(report.clock), \(Format.fixed(Double(report.timerOverheadNanoseconds) / 1000, decimals: 3)) µs per read (subtracted from every interval)")
        return lines
    }

    /// Several reports of one run, side by side (for `--compare`).
    public static func comparisonText(_ reports: [ProfileReport]) -> String {
        guard let first = reports.first else { return "" }
        var lines: [String] = []
        lines.append("earshot profile --compare: \(reports.count) variants of one model (input \(first.inputSize), output \(first.outputSize), \(first.layers.count) layers)")
        lines.append(contentsOf: commonLines(first))
        lines.append("  budget    \(Format.fixed(Double(first.hopNanoseconds) / 1000, decimals: 0)) µs per hop (\(first.hopSource))")
        lines.append("")
        var rows: [[String]] = [[""] + reports.map { shortName($0.model) }]
        rows.append(["weights"] + reports.map { $0.weightTypes.joined(separator: ",") })
        let figures: [(String, (LatencySummary) -> Double)] = [
            ("step p50 µs", { $0.p50 }), ("step p90 µs", { $0.p90 }), ("step p99 µs", { $0.p99 }),
            ("step p99.9 µs", { $0.p999 }), ("step max µs", { $0.maximum }), ("step mean µs", { $0.mean }),
        ]
        for (label, pick) in figures { rows.append([label] + reports.map { micro(pick($0.step)) }) }
        rows.append(["p50 vs first"] + reports.map { Format.fixed(first.step.p50 > 0 ? $0.step.p50 / first.step.p50 : 0, decimals: 2) })
        for (index, layer) in first.layers.enumerated() {
            rows.append(["  \(layer.label) p50 µs"] + reports.map { micro($0.layers[index].latency.p50) })
        }
        rows.append(["  layer medians / step"] + reports.map { Format.fixed($0.layerMedianRatio * 100, decimals: 1) + " %" })
        if first.frontend != nil {
            rows.append(["front end p50 µs"] + reports.map { micro($0.frontend?.p50 ?? 0) })
        }
        rows.append(["real-time factor"] + reports.map { Format.fixed($0.realtimeFactor, decimals: 5) })
        rows.append(["deadline misses"] + reports.map { "\($0.deadlineMisses) / \($0.hops)" })
        rows.append(["arena bytes"] + reports.map { Format.grouped($0.arenaBytes) })
        rows.append(["model mapped bytes"] + reports.map { Format.grouped($0.modelMappedBytes) })
        lines.append(contentsOf: table(rows))
        lines.append("")
        lines.append("  peak RSS \(Format.grouped(first.peakRSSBytes)) bytes (\(Format.bytes(first.peakRSSBytes))) for the whole run (all variants loaded)")
        return lines.joined(separator: "\n")
    }

    /// The last path component.
    static func shortName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Rows as aligned columns (two-space indent): the first left-aligned, the rest right-aligned.
    public static func table(_ rows: [[String]]) -> [String] {
        let columns = rows.map { $0.count }.max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            var line = "  "
            for (index, cell) in row.enumerated() {
                line += index == 0 ? Format.pad(cell, widths[index]) : "  " + Format.pad(cell, widths[index], right: true)
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}

// MARK: - JSON

extension ProfileReport {
    static func microNumber(_ nanoseconds: Double) -> JSON { LatencySummary.microsecondsJSON(nanoseconds) }

    static func summaryJSON(_ s: LatencySummary) -> JSON { LatencySummary.microsecondsJSON(s) }

    /// The report as JSON (the schema is in the README's "Profiling" section).
    public var json: JSON {
        let layerValues: [JSON] = layers.map { layer in
            let s = layer.latency
            return .members([
                ("index", .int(layer.index)), ("kind", .string(layer.kind)), ("name", .string(layer.name)),
                ("p50_us", ProfileReport.microNumber(s.p50)), ("p90_us", ProfileReport.microNumber(s.p90)),
                ("p99_us", ProfileReport.microNumber(s.p99)), ("p999_us", ProfileReport.microNumber(s.p999)),
                ("max_us", ProfileReport.microNumber(s.maximum)), ("mean_us", ProfileReport.microNumber(s.mean)),
            ])
        }
        var members: [(String, JSON)] = [
            ("model", .string(model)),
            ("input_size", .int(inputSize)),
            ("output_size", .int(outputSize)),
            ("weight_types", .array(weightTypes.map { .string($0) })),
            ("steps", .int(steps)),
            ("warmup", .int(warmup)),
            ("input", .string(input)),
            ("clock", .string(clock)),
            ("timer_overhead_us", .fixed(Double(timerOverheadNanoseconds) / 1000, decimals: 4)),
            ("step_us", ProfileReport.summaryJSON(step)),
            ("layers", .array(layerValues)),
            ("layer_sum_us", ProfileReport.summaryJSON(layerSum)),
            ("layer_p50_sum_us", ProfileReport.microNumber(layerMedianSum)),
            ("layer_p50_sum_ratio", .fixed(layerMedianRatio, decimals: 4)),
        ]
        members += [
            ("frontend_us_per_hop", frontend.map { ProfileReport.microNumber($0.mean) } ?? .null),
            ("frontend_us", frontend.map { ProfileReport.summaryJSON($0) } ?? .null),
            ("frontend", frontendDescription.map { .string($0) } ?? .null),
            ("hop_us", .fixed(Double(hopNanoseconds) / 1000, decimals: 3)),
            ("hop_source", .string(hopSource)),
            ("hops", .int(hops)),
            ("deadline_misses", .int(deadlineMisses)),
            ("realtime_factor", .fixed(realtimeFactor, decimals: 7)),
            ("step_realtime_factor", .fixed(stepRealtimeFactor, decimals: 7)),
            ("execution", .string(execution)),
            ("window", windowJSON),
            ("arena_bytes", .int(arenaBytes)),
            ("model_mapped_bytes", .int(modelMappedBytes)),
            ("peak_rss_bytes", .int(peakRSSBytes)),
        ]
        return .members(members)
    }

    /// The window runs of a windowed model, or null.
    var windowJSON: JSON {
        guard let window else { return .null }
        let members: [(String, JSON)] = [
            ("frames", .int(window.frames)),
            ("hop", .int(window.hop)),
            ("run_us", ProfileReport.summaryJSON(window.histogram.summary)),
            ("deadline_misses", .int(window.deadlineMisses)),
            ("realtime_factor", .fixed(window.realtimeFactor, decimals: 7)),
            ("latency_bound_frames", .int(window.latencyBoundFrames)),
            ("latency_bound_ms", .fixed(window.latencyBoundMilliseconds(hopNanoseconds: hopNanoseconds), decimals: 3)),
        ]
        return .members(members)
    }

    /// Several reports of one run as one JSON object: {"variants": [report, ...]}.
    public static func comparisonJSON(_ reports: [ProfileReport]) -> JSON {
        .members([("variants", .array(reports.map { $0.json }))])
    }
}
