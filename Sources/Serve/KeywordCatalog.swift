/// Every keyword the server offers, across its models, with the name clients see.
///
/// A keyword's name is its label; when two models share a label, both become MODEL:LABEL so a
/// `detection` always says which one fired.
struct KeywordCatalog: Sendable {
    struct Entry: Sendable {
        var name: String
        var model: Int
        var label: String
    }

    let entries: [Entry]
    /// Per model, per output label: the entry's index, or -1 for ignored labels.
    let tables: [[Int32]]

    init(models: [ServedModel]) {
        var counts: [String: Int] = [:]
        for model in models { for keyword in model.keywords { counts[keyword, default: 0] += 1 } }
        var entries: [Entry] = []
        var tables: [[Int32]] = []
        for (m, model) in models.enumerated() {
            var table: [Int32] = []
            for label in model.labels {
                guard model.keywords.contains(label) else { table.append(-1); continue }
                let name = counts[label]! > 1 ? "\(model.name):\(label)" : label
                table.append(Int32(entries.count))
                entries.append(Entry(name: name, model: m, label: label))
            }
            tables.append(table)
        }
        self.entries = entries
        self.tables = tables
    }

    /// Per entry, whether `names` asks for it: all when `names` is nil; a name matches a keyword's
    /// name, its label, or its model's name (all of that model's keywords).
    func selection(names: [String]?, models: [ServedModel]) -> [Bool] {
        guard let names else { return Array(repeating: true, count: entries.count) }
        let wanted = Set(names)
        return entries.map { wanted.contains($0.name) || wanted.contains($0.label) || wanted.contains(models[$0.model].name) }
    }
}
