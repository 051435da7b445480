import Foundation
import Profiler
import Testing

/// Parses `text` with Foundation's JSON parser (independent of the writer under test).
private func parse(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
}

@Suite("ProfileReport")
struct ProfileReportTests {
    static func report() throws -> ProfileReport {
        let network = try testNetwork()
        return try StepProfiler.run([ProfileTarget(label: "dir/model \"q\".earshot", network: network)], source: .random(seed: 1),
                                    settings: ProfileSettings(steps: 64, warmup: 4, hopNanoseconds: 20_000_000, hopSource: "test"))[0]
    }

    @Test("JSON has the documented keys with the documented types")
    func jsonSchema() throws {
        let report = try Self.report()
        for indent in [2, nil] {
            let object = try parse(report.json.serialized(indent: indent))
            #expect(object["model"] as? String == "dir/model \"q\".earshot")
            #expect(object["steps"] as? Int == 64)
            #expect(object["warmup"] as? Int == 4)
            #expect(object["input_size"] as? Int == 8)
            #expect(object["output_size"] as? Int == 4)
            #expect(object["weight_types"] as? [String] == ["fp32"])
            #expect(object["clock"] as? String == "CLOCK_MONOTONIC_RAW")
            let step = try #require(object["step_us"] as? [String: Any])
            for key in ["p50", "p90", "p99", "p999", "max", "min", "mean"] {
                #expect(step[key] is Double || step[key] is Int, "step_us.\(key) is \(String(describing: step[key]))")
            }
            #expect(step["count"] as? Int == 64)
            let layers = try #require(object["layers"] as? [[String: Any]])
            #expect(layers.count == 3)
            #expect(layers.map { $0["name"] as? String } == ["lstm", "dense", ""])
            #expect(layers.map { $0["kind"] as? String } == ["lstm", "dense", "softmax"])
            #expect(layers.map { $0["index"] as? Int } == [0, 1, 2])
            for layer in layers {
                for key in ["p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us"] {
                    #expect(layer[key] is Double || layer[key] is Int, "layers[].\(key)")
                }
            }
            #expect(object["frontend_us_per_hop"] is NSNull)
            #expect(object["frontend_us"] is NSNull)
            for key in ["realtime_factor", "timer_overhead_us", "hop_us", "layer_p50_sum_us", "layer_p50_sum_ratio"] {
                #expect(object[key] is Double || object[key] is Int, "\(key) is \(String(describing: object[key]))")
            }
            for key in ["arena_bytes", "model_mapped_bytes", "peak_rss_bytes", "hops", "deadline_misses"] {
                #expect(object[key] is Int, "\(key) is \(String(describing: object[key]))")
            }
            #expect(object["arena_bytes"] as? Int == report.arenaBytes)
            #expect(object["hops"] as? Int == 128)
            #expect(object["hop_source"] as? String == "test")
            #expect(object["layer_sum_us"] is [String: Any])
            #expect(object["execution"] as? String == "streaming")
            #expect(object["window"] is NSNull)
            #expect(object["step_realtime_factor"] is Double || object["step_realtime_factor"] is Int)
        }
    }

    @Test("JSON numbers round-trip the report's figures (µs, 4 decimals)")
    func jsonValues() throws {
        let report = try Self.report()
        let object = try parse(report.json.serialized())
        let step = try #require(object["step_us"] as? [String: Double])
        #expect(abs(step["p50"]! - report.step.p50 / 1000) <= 0.00005)
        #expect(abs(step["max"]! - report.step.maximum / 1000) <= 0.00005)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(abs((layers[0]["p50_us"] as! Double) - report.layers[0].latency.p50 / 1000) <= 0.00005)
    }

    @Test("comparison JSON wraps one report per variant")
    func comparisonJSON() throws {
        let targets = [ProfileTarget(label: "a", network: try testNetwork(seed: 1)), ProfileTarget(label: "b", network: try testNetwork(seed: 2))]
        let reports = try StepProfiler.run(targets, source: .random(seed: 1), settings: ProfileSettings(steps: 16, warmup: 0))
        let object = try parse(ProfileReport.comparisonJSON(reports).serialized())
        let variants = try #require(object["variants"] as? [[String: Any]])
        #expect(variants.map { $0["model"] as? String } == ["a", "b"])
        #expect(variants.allSatisfy { $0["step_us"] is [String: Any] && $0["layers"] is [Any] })
        let text = ProfileReport.comparisonText(reports)
        #expect(text.contains("step p99.9 µs"))
        #expect(text.contains("0 lstm (lstm) p50 µs"))
    }

    @Test("text names every layer and the figures the issue asks for")
    func text() throws {
        let text = try Self.report().text
        for needle in ["p50", "p90", "p99", "p99.9", "max", "0 lstm (lstm)", "1 dense (dense)", "2 softmax", "real-time factor",
                       "deadline misses", "arena", "model mapped", "peak RSS", "CLOCK_MONOTONIC_RAW", "sum of layer medians"] {
            #expect(text.contains(needle), "missing '\(needle)'")
        }
    }
}

@Suite("Format")
struct FormatTests {
    @Test("fixed-point numbers")
    func fixed() {
        #expect(Format.fixed(17.675, decimals: 2) == "17.68")
        #expect(Format.fixed(0.05, decimals: 2) == "0.05")
        #expect(Format.fixed(-3, decimals: 2) == "-3.00")
        #expect(Format.fixed(-0.0001, decimals: 2) == "0.00")
        #expect(Format.fixed(2.5, decimals: 3, trimZeros: true) == "2.5")
        #expect(Format.fixed(7, decimals: 3, trimZeros: true) == "7")
        #expect(Format.grouped(1_234_567) == "1,234,567")
        #expect(Format.grouped(999) == "999")
        #expect(Format.bytes(25_608_192) == "24.4 MiB")
    }
}
