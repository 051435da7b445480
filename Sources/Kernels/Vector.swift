// MARK: - Element-wise vector helpers

/// Element-wise operations on float32 vectors given as typed pointers and a count.
///
/// Every function: `count` ≥ 0, pointers valid for `count` floats, in-place allowed where the
/// name says so. Allocates: never.
public enum Vector {
    /// y[i] += x[i].
    @inlinable
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            y[i] += x[i]
            i &+= 1
        }
    }

    /// y[i] *= x[i].
    @inlinable
    public static func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            y[i] *= x[i]
            i &+= 1
        }
    }

    /// y[i] = min(max(y[i], −limit), limit), for limit > 0.
    @inlinable
    public static func clampInPlace(_ y: UnsafeMutablePointer<Float>, limit: Float, count: Int) {
        var i = 0
        while i < count {
            y[i] = Swift.min(Swift.max(y[i], -limit), limit)
            i &+= 1
        }
    }

    /// y[i] = max(y[i], 0). NaN stays NaN.
    @inlinable
    public static func reluInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let v = y[i]
            y[i] = v < 0 ? 0 : v
            i &+= 1
        }
    }

    /// y[i] = tanh(y[i]) (`ElementaryMath.tanh`).
    @inlinable
    public static func tanhInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            y[i] = ElementaryMath.tanh(y[i])
            i &+= 1
        }
    }

    /// y[i] = σ(y[i]) (`ElementaryMath.sigmoid`).
    @inlinable
    public static func sigmoidInPlace(_ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            y[i] = ElementaryMath.sigmoid(y[i])
            i &+= 1
        }
    }

    /// y = exp(x − max x) / Σ exp(x − max x); the sum is in Double. `y` may equal `x`.
    /// count ≥ 1. A NaN anywhere in x makes every output NaN.
    @inlinable
    public static func softmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        var hasNaN = false
        var i = 0
        while i < count {
            let v = x[i]
            if v.isNaN { hasNaN = true }
            if v > maximum { maximum = v }
            i &+= 1
        }
        if hasNaN || maximum == .infinity {
            // exp(x − max) is undefined; report the failure instead of a plausible distribution.
            i = 0
            while i < count {
                y[i] = .nan
                i &+= 1
            }
            return
        }
        var sum = 0.0
        i = 0
        while i < count {
            let e = ElementaryMath.exp(x[i] - maximum)
            y[i] = e
            sum += Double(e)
            i &+= 1
        }
        let inverse = 1 / sum
        i = 0
        while i < count {
            y[i] = Float(Double(y[i]) * inverse)
            i &+= 1
        }
    }
}
