// Layout operators: they move unit axes around or select the last time step, and never change
// the feature vector of a step.

extension ChainWalk {
    /// Transpose: any permutation of the tracked axes (default: reversed).
    mutating func convertTranspose(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let rank = shape.rank
        var perm = [Int]()
        if let attribute = node.attribute("perm") {
            var seen = [Bool](repeating: false, count: rank)
            guard attribute.ints.count == rank else {
                throw .unsupportedAttribute(node: nodeName, attribute: "perm", value: "\(attribute.ints) for rank \(rank)")
            }
            for axis in attribute.ints {
                guard axis >= 0, axis < Int64(rank), !seen[Int(axis)] else {
                    throw .unsupportedAttribute(node: nodeName, attribute: "perm", value: "\(attribute.ints)")
                }
                seen[Int(axis)] = true
                perm.append(Int(axis))
            }
        } else {
            perm = Array((0..<rank).reversed())
        }
        if let axis = convolutionChannelAxis { convolutionChannelAxis = perm.firstIndex(of: axis) }
        if let axis = directionAxis { directionAxis = perm.firstIndex(of: axis) }
        try advance(node, output: 0, shape: SymbolicShape(perm.map { shape.axes[$0] }))
    }

    /// Squeeze: removes axes of size 1 (all of them when no axes are given). The time axis stays.
    mutating func convertSqueeze(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let rank = shape.rank
        var remove = [Bool](repeating: false, count: rank)
        if let axes = try intList(node, attribute: "axes", input: 1, inputSince: 13) {
            for axis in axes {
                let index = try normalizedAxis(axis, rank: rank, attribute: "axes")
                guard shape.size(index) == 1 else {
                    throw .shapeMismatch(node: nodeName, expected: "axis \(axis) of size 1", found: "\(shape)")
                }
                remove[index] = true
            }
        } else {
            for index in 0..<rank where shape.size(index) == 1 { remove[index] = true }
        }
        var axes = [AxisRole]()
        for index in 0..<rank where !remove[index] { axes.append(shape.axes[index]) }
        try advance(node, output: 0, shape: SymbolicShape(axes))
    }

    /// Unsqueeze: inserts unit axes at the given positions of the output.
    mutating func convertUnsqueeze(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        guard let axes = try intList(node, attribute: "axes", input: 1, inputSince: 13), !axes.isEmpty else {
            throw .unsupportedAttribute(node: nodeName, attribute: "axes", value: "missing")
        }
        guard axes.count <= 8 else {
            throw .unsupportedAttribute(node: nodeName, attribute: "axes", value: "\(axes)")
        }
        let outputRank = shape.rank + axes.count
        var inserted = [Bool](repeating: false, count: outputRank)
        for axis in axes {
            let index = try normalizedAxis(axis, rank: outputRank, attribute: "axes")
            guard !inserted[index] else {
                throw .unsupportedAttribute(node: nodeName, attribute: "axes", value: "\(axes) (repeated axis)")
            }
            inserted[index] = true
        }
        var result = [AxisRole]()
        var source = 0
        for index in 0..<outputRank {
            if inserted[index] {
                result.append(.unit)
            } else {
                result.append(shape.axes[source])
                source += 1
            }
        }
        try advance(node, output: 0, shape: SymbolicShape(result))
    }

    /// Reshape to a constant shape (0 copies an input dim, one -1 is inferred). Accepted only when it
    /// keeps the time axis and the feature vector of each step: it may add or remove unit axes.
    mutating func convertReshape(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        guard let target = try intList(node, attribute: "shape", input: 1, inputSince: 5) else {
            throw .missingInitializer(node: nodeName, input: "shape")
        }
        let allowZero = intAttribute(node, "allowzero", default: 0) != 0
        try checkTimeBeforeFeature()

        enum Entry { case time, size(Int), infer }
        var entries = [Entry]()
        var inferCount = 0
        var product = 1
        var hasTime = false
        // Only unit entries so far: a literal time length here is still the leading (time) axis.
        var onlyUnitsSoFar = true
        // A graph exported for a fixed window spells the time axis as its length W ([W, 1, -1],
        // [1, W, -1], [W, F]...). Outside a Conv's rows the time axis still has the input's W.
        let windowFrames = convolutionRows == nil ? inputTimeFrames : nil
        let mismatch = ConversionError.shapeMismatch(
            node: nodeName, expected: "a reshape that keeps the time axis and the \(shape.featureSize) features per step",
            found: "\(shape) → \(target)")
        for (position, value) in target.enumerated() {
            if value == 0 && !allowZero {
                guard position < shape.rank else { throw mismatch }
                if shape.axes[position] == .time {
                    entries.append(.time)
                    hasTime = true
                } else {
                    let size = shape.size(position) ?? 1
                    entries.append(.size(size))
                    product *= size
                }
            } else if value == -1 {
                entries.append(.infer)
                inferCount += 1
            } else if let rows = convolutionRows, position == shape.timeAxis, value == Int64(rows) {
                // After a Conv the window's row count is fixed, so graphs spell the time axis out.
                entries.append(.time)
                hasTime = true
            } else if let frames = windowFrames, frames > 1, shape.timeAxis != nil, !hasTime, onlyUnitsSoFar,
                      value == Int64(frames) {
                // The window length W as the first non-unit entry: the time axis, written literally.
                // After a wider entry W is read as a size, as before.
                entries.append(.time)
                hasTime = true
            } else {
                guard value >= 1, value <= Int64(Int32.max) else { throw mismatch }
                entries.append(.size(Int(value)))
                let (next, overflow) = product.multipliedReportingOverflow(by: Int(value))
                guard !overflow else { throw mismatch }
                product = next
            }
            if case let .size(size)? = entries.last, size <= 1 { continue }
            onlyUnitsSoFar = false
        }
        guard inferCount <= 1 else { throw mismatch }
        let features = shape.featureSize
        let streamHasTime = shape.timeAxis != nil
        var inferred = 0
        if streamHasTime && !hasTime {
            // The inferred dimension must be the time axis: the literals cover one step exactly.
            guard inferCount == 1, product == features else { throw mismatch }
        } else if inferCount == 1 {
            guard product > 0, features % product == 0 else { throw mismatch }
            inferred = features / product
        } else {
            guard product == features else { throw mismatch }
        }
        var axes = [AxisRole]()
        var wideAxes = 0
        for entry in entries {
            switch entry {
            case .time: axes.append(.time)
            case .infer:
                if streamHasTime && !hasTime {
                    axes.append(.time)
                } else {
                    axes.append(SymbolicShape.role(size: inferred))
                    if inferred > 1 { wideAxes += 1 }
                }
            case let .size(size):
                axes.append(SymbolicShape.role(size: size))
                if size > 1 { wideAxes += 1 }
            }
        }
        guard wideAxes <= 1 else { throw mismatch }
        var result = SymbolicShape(axes)
        if wideAxes == 0 && shape.featureAxis != nil {
            // A single feature: keep it marked on the last non-time axis so MatMul still finds it.
            if let last = result.axes.lastIndex(where: { $0 == .unit }) { result.axes[last] = .feature(1) }
        }
        if let time = result.timeAxis, let feature = result.featureAxis, feature < time { throw mismatch }
        try advance(node, output: 0, shape: result)
    }

    /// Flatten(axis): [prod(dims[..<axis]), prod(dims[axis...])], accepted when it only merges unit axes
    /// into the time axis and the feature axis.
    mutating func convertFlatten(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let rank = shape.rank
        let axisValue = intAttribute(node, "axis", default: 1)
        guard axisValue >= -Int64(rank), axisValue <= Int64(rank) else {
            throw .unsupportedAttribute(node: nodeName, attribute: "axis", value: "\(axisValue) (rank \(rank))")
        }
        let axis = axisValue < 0 ? Int(axisValue) + rank : Int(axisValue)
        try checkTimeBeforeFeature()
        var result = [AxisRole]()
        for group in [0..<axis, axis..<rank] {
            var containsTime = false
            var containsFeature = false
            var size = 1
            for index in group {
                switch shape.axes[index] {
                case .time: containsTime = true
                case .unit: break
                case let .feature(n):
                    containsFeature = true
                    size *= n
                }
            }
            if containsTime && containsFeature {
                throw .shapeMismatch(
                    node: nodeName, expected: "a flatten that keeps time and features apart", found: "\(shape), axis \(axisValue)")
            }
            result.append(containsTime ? .time : containsFeature ? .feature(size) : .unit)
        }
        try advance(node, output: 0, shape: SymbolicShape(result))
    }

    /// Slice: on the time axis only `[-1:]` (starts=-1, ends ≥ INT32_MAX, step 1) → last step;
    /// on other axes only the whole axis.
    mutating func convertSlice(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let starts: [Int64]
        let ends: [Int64]
        var axes: [Int64]?
        var steps: [Int64]?
        if opset >= 10 {
            starts = try constant(node, input: 1, role: "starts").intValues()
            ends = try constant(node, input: 2, role: "ends").intValues()
            axes = try optionalConstant(node, input: 3, role: "axes")?.intValues()
            steps = try optionalConstant(node, input: 4, role: "steps")?.intValues()
        } else {
            starts = node.attribute("starts")?.ints ?? []
            ends = node.attribute("ends")?.ints ?? []
            axes = node.attribute("axes")?.ints
        }
        let rank = shape.rank
        let count = starts.count
        let axisList = axes ?? (0..<Int64(min(count, rank))).map { $0 }
        guard ends.count == count, axisList.count == count, steps == nil || steps!.count == count, count > 0 else {
            throw .unsupportedAttribute(
                node: nodeName, attribute: "starts/ends/axes",
                value: "starts=\(starts), ends=\(ends), axes=\(axes ?? []) (lengths differ)")
        }
        var result = shape
        var seen = [Bool](repeating: false, count: rank)
        for entry in 0..<count {
            let axis = try normalizedAxis(axisList[entry], rank: rank, attribute: "axes")
            guard !seen[axis] else {
                throw .unsupportedAttribute(node: nodeName, attribute: "axes", value: "\(axisList) (repeated axis)")
            }
            seen[axis] = true
            let step = steps?[entry] ?? 1
            let start = starts[entry]
            let end = ends[entry]
            let sliceText = "starts=\(start), ends=\(end), steps=\(step) on axis \(axisList[entry])"
            guard step == 1 else { throw .unsupportedAttribute(node: nodeName, attribute: "steps", value: sliceText) }
            if let size = shape.size(axis) {
                // Must keep the whole axis.
                let lower = start < 0 ? max(0, start + Int64(size)) : min(start, Int64(size))
                let upper = end < 0 ? max(0, end + Int64(size)) : min(end, Int64(size))
                guard lower == 0, upper == Int64(size) else {
                    throw .unsupportedPlacement(
                        node: nodeName, op: "Slice",
                        reason: "may only take the last time step or keep whole axes; found \(sliceText) of \(shape)")
                }
            } else {
                guard start == -1, end >= Int64(Int32.max) else {
                    throw .unsupportedPlacement(
                        node: nodeName, op: "Slice",
                        reason: "on the time axis must take exactly the last step (starts=-1, ends=INT_MAX); found \(sliceText)")
                }
                result.axes[axis] = .unit
                lastStepSelected = true
            }
        }
        try advance(node, output: 0, shape: result)
    }

    /// Gather with a constant index -1 on the time axis → last step (a scalar index drops the axis).
    /// On a unit axis, index 0 or -1 is a no-op.
    mutating func convertGather(_ node: ONNXNode) throws(ConversionError) {
        try requireStreamInput(node, at: 0)
        let indices = try constant(node, input: 1, role: "indices")
        let values = try indices.intValues()
        let indicesRank = indices.dims.count
        let axis = try normalizedAxis(intAttribute(node, "axis", default: 0), rank: shape.rank, attribute: "axis")
        guard values.count == 1, indicesRank <= 4 else {
            throw .unsupportedPlacement(
                node: nodeName, op: "Gather", reason: "may only select the last time step (index -1); found indices \(values)")
        }
        let index = values[0]
        if shape.axes[axis] == .time {
            guard index == -1 else {
                throw .unsupportedPlacement(
                    node: nodeName, op: "Gather",
                    reason: "on the time axis must select the last step (index -1); found index \(index)")
            }
            lastStepSelected = true
        } else {
            guard shape.axes[axis] == .unit, index == 0 || index == -1 else {
                throw .unsupportedPlacement(
                    node: nodeName, op: "Gather",
                    reason: "may only select the last time step; found index \(index) on axis \(axis) of \(shape)")
            }
        }
        var axes = shape.axes
        axes.replaceSubrange(axis...axis, with: [AxisRole](repeating: .unit, count: indicesRank))
        try advance(node, output: 0, shape: SymbolicShape(axes))
    }

    /// Layout operators that reorder memory need the features of a step after the time axis.
    func checkTimeBeforeFeature() throws(ConversionError) {
        if let time = shape.timeAxis, let feature = shape.featureAxis, feature < time {
            throw .shapeMismatch(node: nodeName, expected: "the time axis before the feature axis", found: "\(shape)")
        }
    }
}
