/// What one axis of a value flowing through the graph means for a stream of frames.
enum AxisRole: Equatable {
    /// The sequence axis: one entry per `step` call.
    case time
    /// An axis of size 1: batch, direction, or an added dimension.
    case unit
    /// The feature axis of size n (n ≥ 1).
    case feature(Int)
}

/// The shape of a value with a role per axis, e.g. `[T, 1, 40]` for an LSTM input of 40 features.
struct SymbolicShape: Equatable, CustomStringConvertible {
    var axes: [AxisRole]

    init(_ axes: [AxisRole]) { self.axes = axes }

    var rank: Int { axes.count }

    var timeAxis: Int? {
        for (index, axis) in axes.enumerated() where axis == .time { return index }
        return nil
    }

    /// Index of the (single) feature axis, nil when the features are a single squeezed-away value.
    var featureAxis: Int? {
        for (index, axis) in axes.enumerated() {
            if case .feature = axis { return index }
        }
        return nil
    }

    /// Number of values per time step.
    var featureSize: Int {
        var size = 1
        for axis in axes {
            if case let .feature(n) = axis { size *= n }
        }
        return size
    }

    /// Size of the axis at `index` when it is fixed (nil for time).
    func size(_ index: Int) -> Int? {
        switch axes[index] {
        case .time: return nil
        case .unit: return 1
        case let .feature(n): return n
        }
    }

    /// Whether the per-step features are laid out as one vector in the last axis
    /// (what MatMul, Gemm and recurrent layers need).
    var hasFeatureLast: Bool {
        guard let last = axes.last, case .feature = last else { return false }
        var featureAxes = 0
        for axis in axes {
            if case .feature = axis { featureAxes += 1 }
        }
        return featureAxes == 1
    }

    static func role(size: Int) -> AxisRole { size == 1 ? .unit : .feature(size) }

    var description: String {
        "[" + axes.map { axis -> String in
            switch axis {
            case .time: return "T"
            case .unit: return "1"
            case let .feature(n): return "\(n)"
            }
        }.joined(separator: ", ") + "]"
    }
}
