import JSON
import ArgumentParser
import SystemFile

/// `earshot eval`: accuracy of a model on a folder of labelled clips.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure accuracy on a folder of labelled WAV clips (one subfolder per label).",
        discussion: """
            DIR holds one folder per label, named as the model's labels, each with .wav clips. Every clip is \
            classified as `earshot detect` does. Prints the accuracy, the accuracy per class and the confusion \
            matrix (rows: true label, columns: predicted); with --json, one object: {"accuracy", "per_class", \
            "confusion", "labels", "files": [{"path", "label", "predicted", "score", "scores" (all labels')}]}. A progress bar is drawn \
            on standard error when it is a terminal.
            """
    )

    @Argument(help: "The folder of labelled clips.")
    var directory: String

    @Option(help: "The model file: an Earshot model or a multi-class openWakeWord model (default: the project's models/default.earshot).")
    var model: String?

    @Flag(help: "Print one JSON object with every prediction.")
    var json = false


    struct Item {
        var path: String
        var label: Int
    }

    /// The clips under `directory`, sorted by folder then file name.
    static func listClips(_ directory: String, labels: [String]) throws -> [Item] {
        guard FileSystem.kind(atPath: directory) == .directory else {
            throw CLIError("'\(directory)' is not a directory")
        }
        let entries = try FileSystem.entries(ofDirectory: directory).sorted()
        var items: [Item] = []
        var folders = 0
        for entry in entries where !entry.hasPrefix(".") {
            let folder = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            guard FileSystem.kind(atPath: folder) == .directory else { continue }
            guard let label = labels.firstIndex(of: entry) else {
                throw CLIError("folder '\(entry)' in '\(directory)' is not one of the model's labels: "
                               + labels.joined(separator: ", "))
            }
            folders += 1
            let files = try FileSystem.entries(ofDirectory: folder).sorted()
            for file in files where file.lowercased().hasSuffix(".wav") && !file.hasPrefix(".") {
                items.append(Item(path: entry + "/" + file, label: label))
            }
        }
        guard folders > 0 else { throw CLIError("'\(directory)' has no label folders") }
        guard !items.isEmpty else { throw CLIError("'\(directory)' has no .wav clips in its label folders") }
        return items
    }

    func run() throws {
        let classifier = try ClipClassifier(modelPath: DefaultModel.resolve(model))
        let labels = classifier.labels
        let items = try Self.listClips(directory, labels: labels)
        let progress = ProgressBar(total: items.count)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
        var files: [JSON] = []
        var correct = 0
        for (index, item) in items.enumerated() {
            let path = directory.hasSuffix("/") ? directory + item.path : directory + "/" + item.path
            let (scores, _) = try classifier.classify(path: path)
            let top = ClipClassifier.top(scores)
            confusion[item.label][top.index] += 1
            if top.index == item.label { correct += 1 }
            files.append(.members([
                ("path", .string(item.path)), ("label", .string(labels[item.label])),
                ("predicted", .string(labels[top.index])), ("score", .double(Double(top.score))),
                ("scores", .array(scores.map { .double(Double($0)) })),
            ]))
            progress.update(index + 1)
        }
        progress.finish()

        let accuracy = Double(correct) / Double(items.count)
        var perClass: [(String, Double)] = []
        for (index, label) in labels.enumerated() {
            let total = confusion[index].reduce(0, +)
            guard total > 0 else { continue }
            perClass.append((label, Double(confusion[index][index]) / Double(total)))
        }
        if json {
            let object: JSON = .members([
                ("accuracy", .double(accuracy)),
                ("per_class", .members(perClass.map { ($0.0, .double($0.1)) })),
                ("confusion", .array(confusion.map { row in .array(row.map { .int($0) }) })),
                ("labels", .array(labels.map { .string($0) })),
                ("files", .array(files)),
            ])
            print(object.serialized())
            return
        }
        print("accuracy \(percent(accuracy)) (\(correct) of \(items.count) clips)")
        print("")
        let width = max(labels.map(\.count).max() ?? 0, 5)
        print("class".rightPadded(width) + "  accuracy   clips")
        for (label, value) in perClass {
            let total = confusion[labels.firstIndex(of: label)!].reduce(0, +)
            print(label.rightPadded(width) + "  "
                  + percent(value).leftPadded(8) + "  " + String(total).leftPadded(6))
        }
        print("")
        print("confusion (rows: true label, columns: predicted, in label order)")
        let cell = max(String(confusion.joined().max() ?? 0).count, 3) + 1
        for (index, row) in confusion.enumerated() {
            print(labels[index].rightPadded(width) + " "
                  + row.map { String($0).leftPadded(cell) }.joined())
        }
    }

    private func percent(_ value: Double) -> String {
        DecimalText.fixed(value * 100, decimals: 2) + "%"
    }
}

extension String {
    /// Cut or space-padded at the end to exactly `width` characters.
    fileprivate func rightPadded(_ width: Int) -> String {
        count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count)
    }

    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar {
    private let total: Int
    private let enabled: Bool
    private var lastDrawn = -1

    init(total: Int) {
        self.total = total
        enabled = FileSystem.standardErrorIsTerminal && total > 0
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let width = 40
        let filled = done * width / total
        guard filled != lastDrawn || done == total else { return }
        lastDrawn = filled
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileSystem.writeStandardError("\r[\(bar)] \(done)/\(total)")
    }

    func finish() {
        guard enabled else { return }
        FileSystem.writeStandardError("\n")
    }
}
