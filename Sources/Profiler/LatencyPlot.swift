#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Timing

/// One line (or filled histogram) of a latency plot.
public struct PlotSeries {
    public var label: String
    public var histogram: LatencyHistogram
    /// Drawn thicker (the whole step, against its layers).
    public var emphasized: Bool

    public init(label: String, histogram: LatencyHistogram, emphasized: Bool = false) {
        self.label = label
        self.histogram = histogram
        self.emphasized = emphasized
    }
}

/// Latency plots as standalone SVG, written by hand (no library): a histogram of the whole
/// step's latency on top, and below it the CDF of every series (whole step, each layer, the
/// front end) with latency on a log axis and the cumulative share on a "nines" axis
/// (50 %, 90 %, 99 %, 99.9 %, …), which stretches the tail where deadlines are missed.
public enum LatencyPlot {
    static let width = 980.0
    static let height = 760.0
    static let left = 80.0
    static let plotRight = 720.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                          "#17becf", "#bcbd22", "#7f7f7f"]

    /// The plot for one profiling run: one report (step, its layers, the front end) or several
    /// (`--compare`: each variant's whole step).
    public static func svg(for reports: [ProfileReport]) -> String {
        guard let first = reports.first else { return svg(title: "earshot profile", subtitle: "", histograms: [], cdfs: []) }
        var histograms: [PlotSeries] = []
        var cdfs: [PlotSeries] = []
        if reports.count == 1 {
            histograms.append(PlotSeries(label: "step", histogram: first.stepHistogram, emphasized: true))
            cdfs.append(PlotSeries(label: "step", histogram: first.stepHistogram, emphasized: true))
            for layer in first.layers { cdfs.append(PlotSeries(label: "layer " + layer.label, histogram: layer.histogram)) }
            if let frontend = first.frontendHistogram { cdfs.append(PlotSeries(label: "front end / hop", histogram: frontend)) }
        } else {
            for report in reports {
                let name = ProfileReport.shortName(report.model)
                histograms.append(PlotSeries(label: name, histogram: report.stepHistogram))
                cdfs.append(PlotSeries(label: name + " step", histogram: report.stepHistogram))
            }
        }
        let title = reports.count == 1
            ? "earshot profile: \(ProfileReport.shortName(first.model))"
            : "earshot profile --compare: " + reports.map { ProfileReport.shortName($0.model) }.joined(separator: ", ")
        let subtitle = "\(first.steps) timed steps after \(first.warmup) warm-up, \(first.clock), timer overhead "
            + "\(Format.fixed(Double(first.timerOverheadNanoseconds) / 1000, decimals: 3)) µs subtracted"
        return svg(title: title, subtitle: subtitle, histograms: histograms, cdfs: cdfs)
    }

    /// A plot of arbitrary series: `histograms` overlaid in the top panel, `cdfs` in the bottom.
    public static func svg(title: String, subtitle: String, histograms: [PlotSeries], cdfs: [PlotSeries]) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
            <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="white"/>
            <text x="\(f(left))" y="28" font-size="17" font-weight="bold">\(escape(title))</text>
            <text x="\(f(left))" y="48" fill="#444">\(escape(subtitle))</text>

            """
        out += histogramPanel(histograms, top: 90, bottom: 330)
        out += cdfPanel(cdfs, top: 410, bottom: 700)
        out += "</svg>\n"
        return out
    }

    // MARK: - Panels

    static func histogramPanel(_ series: [PlotSeries], top: Double, bottom: Double) -> String {
        var out = "<g id=\"histogram\">\n"
        out += "<text x=\"\(f(left))\" y=\"\(f(top - 14))\" font-size=\"14\" font-weight=\"bold\">Whole-step latency histogram</text>\n"
        let nonEmpty = series.filter { $0.histogram.count > 0 }
        guard !nonEmpty.isEmpty else { return out + noData(top: top, bottom: bottom) + "</g>\n" }
        let axis = LogAxis(minimum: nonEmpty.map { $0.histogram.minimum }.min()!, maximum: nonEmpty.map { $0.histogram.maximum }.max()!,
                           left: left, right: plotRight)
        // Display bins: 40 per decade, log-spaced; each histogram bucket goes to the bin of its midpoint.
        let binsPerDecade = 40.0
        let binCount = Int(((axis.highDecade - axis.lowDecade) * binsPerDecade).rounded())
        var shares: [[Double]] = []
        var peak = 0.0
        for s in nonEmpty {
            var bins = [Double](repeating: 0, count: max(binCount, 1))
            for bucket in s.histogram.nonEmptyBuckets() {
                let middle = max(Double(bucket.lower) + Double(bucket.upper - bucket.lower - 1) / 2, 1) / 1000
                let position = (log10(middle) - axis.lowDecade) * binsPerDecade
                let index = min(max(Int(position), 0), bins.count - 1)
                bins[index] += Double(bucket.count) / Double(s.histogram.count) * 100
            }
            peak = max(peak, bins.max() ?? 0)
            shares.append(bins)
        }
        let tickStep = niceStep(peak / 4)
        let tickCount = max(1, Int((peak / tickStep).rounded(.up)))
        let yTop = tickStep * Double(tickCount)
        func y(_ share: Double) -> Double { bottom - share / yTop * (bottom - top) }
        out += frame(top: top, bottom: bottom)
        for tick in 0...tickCount {
            let value = tickStep * Double(tick)
            out += gridLine(y: y(value)) + "<text x=\"\(f(left - 8))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">\(Format.fixed(value, decimals: 2, trimZeros: true))</text>\n"
        }
        out += axis.ticks(top: top, bottom: bottom)
        out += "<text x=\"\(f(left - 52))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(left - 52)) \(f((top + bottom) / 2)))\">% of steps per bin (40 bins per decade)</text>\n"
        out += "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f(bottom + 36))\" text-anchor=\"middle\">latency per step (µs, log scale)</text>\n"
        for (index, bins) in shares.enumerated() {
            let color = nonEmpty.count == 1 ? "#1f77b4" : palette[index % palette.count]
            var path = "M \(f(left)) \(f(bottom))"
            for (bin, share) in bins.enumerated() {
                let x0 = axis.x(microseconds: pow10(axis.lowDecade + Double(bin) / binsPerDecade))
                let x1 = axis.x(microseconds: pow10(axis.lowDecade + Double(bin + 1) / binsPerDecade))
                path += " L \(f(x0)) \(f(y(share))) L \(f(x1)) \(f(y(share)))"
            }
            path += " L \(f(plotRight)) \(f(bottom)) Z"
            out += "<path d=\"\(path)\" fill=\"\(color)\" fill-opacity=\"\(nonEmpty.count == 1 ? "0.55" : "0.25")\" stroke=\"\(color)\" stroke-width=\"1.2\"/>\n"
        }
        // Percentile markers of the first series.
        let h = nonEmpty[0].histogram
        for (index, (name, p)) in [("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9)].enumerated() {
            let value = h.value(atPercentile: p) / 1000
            let x = axis.x(microseconds: max(value, 0.001))
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n"
            // Near the right edge the label goes to the left of its line.
            let anchor = x > plotRight - 140 ? "x=\"\(f(x - 4))\" text-anchor=\"end\"" : "x=\"\(f(x + 4))\""
            let owner = nonEmpty.count > 1 ? nonEmpty[0].label + " " : ""
            out += "<text \(anchor) y=\"\(f(top + 14 + Double(index) * 14))\" fill=\"#333\">\(escape(owner))\(name) \(Format.fixed(value, decimals: 2)) µs</text>\n"
        }
        out += legend(nonEmpty.enumerated().map { index, s in
            (s.label, "p50 \(Format.fixed(s.histogram.value(atPercentile: 50) / 1000, decimals: 2)) µs",
             nonEmpty.count == 1 ? "#1f77b4" : palette[index % palette.count], false)
        }, top: top)
        return out + "</g>\n"
    }

    static func cdfPanel(_ series: [PlotSeries], top: Double, bottom: Double) -> String {
        var out = "<g id=\"cdf\">\n"
        let title = series.count > 1 && series.allSatisfy({ !$0.emphasized }) ? "Whole-step latency CDF per variant" : "Latency CDF per layer and in total"
        out += "<text x=\"\(f(left))\" y=\"\(f(top - 14))\" font-size=\"14\" font-weight=\"bold\">\(title)</text>\n"
        let nonEmpty = series.filter { $0.histogram.count > 0 }
        guard !nonEmpty.isEmpty else { return out + noData(top: top, bottom: bottom) + "</g>\n" }
        let axis = LogAxis(minimum: nonEmpty.map { $0.histogram.minimum }.min()!, maximum: nonEmpty.map { $0.histogram.maximum }.max()!,
                           left: left, right: plotRight)
        let largest = nonEmpty.map { $0.histogram.count }.max()!
        let nines = min(max(log10(Double(largest)).rounded(.up), 2), 6)
        func y(_ fraction: Double) -> Double {
            let level = fraction >= 1 ? nines : min(log10(1 / (1 - fraction)), nines)
            return bottom - level / nines * (bottom - top)
        }
        out += frame(top: top, bottom: bottom)
        var ticks: [(Double, String)] = [(0, "0 %"), (0.5, "50 %")]
        var level = 1.0
        while level <= nines {
            ticks.append((1 - pow10(-level), (level == 1 ? "90" : "99." + String(repeating: "9", count: Int(level) - 2)).replacingTrailingDot() + " %"))
            level += 1
        }
        for (fraction, text) in ticks {
            out += gridLine(y: y(fraction)) + "<text x=\"\(f(left - 8))\" y=\"\(f(y(fraction) + 4))\" text-anchor=\"end\">\(text)</text>\n"
        }
        out += axis.ticks(top: top, bottom: bottom)
        out += "<text x=\"\(f(left - 60))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(left - 60)) \(f((top + bottom) / 2)))\">share of steps at or below (tail scale)</text>\n"
        out += "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f(bottom + 36))\" text-anchor=\"middle\">latency (µs, log scale)</text>\n"
        var entries: [(name: String, detail: String, color: String, bold: Bool)] = []
        for (index, s) in nonEmpty.enumerated() {
            let color = s.emphasized ? "#000000" : palette[index % palette.count]
            let h = s.histogram
            var points = "\(f(axis.x(microseconds: max(Double(h.minimum), 1) / 1000))),\(f(y(0)))"
            var last = ""
            func add(_ x: Double, _ y: Double) {
                let point = "\(f(x)),\(f(y))"
                if point != last { points += " " + point }  // buckets closer than 0.1 px add nothing
                last = point
            }
            var seen: UInt64 = 0
            for bucket in h.nonEmptyBuckets() {
                let before = y(Double(seen) / Double(h.count))
                seen += bucket.count
                add(axis.x(microseconds: max(Double(bucket.lower), 1) / 1000), before)
                add(axis.x(microseconds: max(Double(bucket.upper), 1) / 1000), y(Double(seen) / Double(h.count)))
            }
            out += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(s.emphasized ? "2.6" : "1.6")\" stroke-linejoin=\"round\"/>\n"
            entries.append((s.label, "p50 \(Format.fixed(h.value(atPercentile: 50) / 1000, decimals: 2)), p99 \(Format.fixed(h.value(atPercentile: 99) / 1000, decimals: 2)) µs", color, s.emphasized))
        }
        out += legend(entries, top: top)
        return out + "</g>\n"
    }

    // MARK: - Pieces

    /// A log10 latency axis over whole decades of microseconds.
    struct LogAxis {
        var lowDecade: Double
        var highDecade: Double
        var left: Double
        var right: Double

        init(minimum: UInt64, maximum: UInt64, left: Double, right: Double) {
            let low = max(Double(minimum), 1) / 1000
            let high = max(Double(maximum), Double(minimum) + 1, 2) / 1000
            lowDecade = log10(low).rounded(.down)
            highDecade = max(log10(high).rounded(.up), lowDecade + 1)
            self.left = left
            self.right = right
        }

        func x(microseconds: Double) -> Double {
            let position = (log10(max(microseconds, 1e-9)) - lowDecade) / (highDecade - lowDecade)
            return left + min(max(position, 0), 1) * (right - left)
        }

        func ticks(top: Double, bottom: Double) -> String {
            var out = ""
            var decade = lowDecade
            while decade <= highDecade {
                let value = pow10(decade)
                let x = self.x(microseconds: value)
                out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#ddd\"/>\n"
                out += "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 6))\" stroke=\"#000\"/>\n"
                out += "<text x=\"\(f(x))\" y=\"\(f(bottom + 19))\" text-anchor=\"middle\">\(LatencyPlot.decadeLabel(decade))</text>\n"
                if decade < highDecade {
                    for multiple in [2.0, 5.0] {
                        let minor = self.x(microseconds: value * multiple)
                        out += "<line x1=\"\(f(minor))\" y1=\"\(f(bottom))\" x2=\"\(f(minor))\" y2=\"\(f(bottom + 4))\" stroke=\"#000\"/>\n"
                        // Labels for 2 and 5 only while the decades are wide enough to hold them.
                        if highDecade - lowDecade <= 5 {
                            out += "<text x=\"\(f(minor))\" y=\"\(f(bottom + 17))\" text-anchor=\"middle\" font-size=\"9\" fill=\"#666\">\(Int(multiple))</text>\n"
                        }
                    }
                }
                decade += 1
            }
            return out
        }
    }

    static func decadeLabel(_ decade: Double) -> String {
        let exponent = Int(decade)
        if exponent >= 0 { return "1" + String(repeating: "0", count: exponent) }
        return "0." + String(repeating: "0", count: -exponent - 1) + "1"
    }

    static func frame(top: Double, bottom: Double) -> String {
        "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotRight - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#000\"/>\n"
    }

    static func gridLine(y: Double) -> String {
        "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(plotRight))\" y2=\"\(f(y))\" stroke=\"#e4e4e4\"/>\n"
    }

    static func noData(top: Double, bottom: Double) -> String {
        frame(top: top, bottom: bottom) + "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\">no samples</text>\n"
    }

    /// Legend entries in the right-hand column: a line in the series' color, the name, and the
    /// figures in smaller type below it.
    static func legend(_ entries: [(name: String, detail: String, color: String, bold: Bool)], top: Double) -> String {
        var out = ""
        let x = plotRight + 16
        for (index, entry) in entries.enumerated() {
            let y = top + 10 + Double(index) * 36
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 22))\" y2=\"\(f(y))\" stroke=\"\(entry.color)\" stroke-width=\"\(entry.bold ? 3 : 2)\"/>\n"
            out += "<text x=\"\(f(x + 28))\" y=\"\(f(y + 4))\"\(entry.bold ? " font-weight=\"bold\"" : "")>\(escape(entry.name))</text>\n"
            out += "<text x=\"\(f(x + 28))\" y=\"\(f(y + 19))\" font-size=\"10\" fill=\"#444\">\(escape(entry.detail))</text>\n"
        }
        return out
    }

    /// The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `value`.
    static func niceStep(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow10(log10(value).rounded(.down))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    /// XML text escaping.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    static func f(_ value: Double) -> String { Format.fixed(value, decimals: 1, trimZeros: true) }
}

/// 10^x.
func pow10(_ x: Double) -> Double { pow(10, x) }

extension String {
    func replacingTrailingDot() -> String { hasSuffix(".") ? String(dropLast()) : self }
}
