import Timing
import Foundation
import Profiler
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects elements and text while XMLParser reads a document.
private final class Collector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        current = ""
    }
}

/// Parses `svg` as XML; fails the test when it is not well-formed.
private func parse(_ svg: String) -> Collector? {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    let ok = parser.parse()
    #expect(ok, "SVG is not well-formed XML: \(String(describing: parser.parserError))")
    return ok ? collector : nil
}

@Suite("LatencyPlot")
struct LatencyPlotTests {
    @Test("one report: well-formed SVG with a histogram, a CDF line per layer and in total, labels and a legend")
    func singleReport() throws {
        let network = try testNetwork()
        let report = try StepProfiler.run([ProfileTarget(label: "m<&>.earshot", network: network)], source: .random(seed: 2),
                                          settings: ProfileSettings(steps: 200, warmup: 10))[0]
        let svg = LatencyPlot.svg(for: [report])
        let document = try #require(parse(svg))
        #expect(document.elements.first?.name == "svg")
        #expect(document.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        // Step + 3 layers in the CDF panel.
        #expect(document.elements.filter { $0.name == "polyline" }.count == 4)
        #expect(document.elements.filter { $0.name == "path" }.count == 1)
        let texts = document.texts
        #expect(texts.contains("earshot profile: m<&>.earshot"))
        for label in ["step", "layer 0 lstm (lstm)", "layer 1 dense (dense)", "layer 2 softmax"] {
            #expect(texts.contains(label), "legend lacks '\(label)'")
        }
        #expect(texts.contains("latency (µs, log scale)"))
        #expect(texts.contains("99 %"))
        #expect(texts.contains { $0.hasPrefix("p50 ") })
        // Every coordinate is a finite number.
        for element in document.elements {
            for key in ["x", "y", "x1", "x2", "y1", "y2", "width", "height"] {
                if let value = element.attributes[key] { #expect(Double(value)?.isFinite == true, "\(element.name).\(key) = \(value)") }
            }
        }
    }

    @Test("compare: one histogram and one CDF per variant")
    func compare() throws {
        let targets = [ProfileTarget(label: "a.earshot", network: try testNetwork(seed: 1)), ProfileTarget(label: "b.earshot", network: try testNetwork(seed: 2))]
        let reports = try StepProfiler.run(targets, source: .random(seed: 1), settings: ProfileSettings(steps: 50, warmup: 0))
        let document = try #require(parse(LatencyPlot.svg(for: reports)))
        #expect(document.elements.filter { $0.name == "polyline" }.count == 2)
        #expect(document.elements.filter { $0.name == "path" }.count == 2)
        #expect(document.texts.contains("a.earshot step"))
        #expect(document.texts.contains("b.earshot step"))
    }

    @Test("empty and single-value histograms still make a well-formed plot")
    func degenerate() throws {
        let empty = LatencyHistogram()
        let one = LatencyHistogram()
        one.record(0)
        let svg = LatencyPlot.svg(title: "t", subtitle: "s", histograms: [PlotSeries(label: "e", histogram: empty)],
                                  cdfs: [PlotSeries(label: "o", histogram: one)])
        let document = try #require(parse(svg))
        #expect(document.texts.contains("no samples"))
        #expect(document.elements.filter { $0.name == "polyline" }.count == 1)
    }
}
