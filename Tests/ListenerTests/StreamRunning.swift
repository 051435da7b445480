import AllocationCounter
import Pipeline

/// Every event of `stream` over `signal`, fed in periods of `period` samples (the last one
/// partial), flushed at the end.
func streamEvents(_ stream: PipelineStream, _ signal: [Float], period: Int) -> [PipelineEvent] {
    var events: [PipelineEvent] = []
    signal.withUnsafeBufferPointer { samples in
        var offset = 0
        while offset < samples.count {
            let count = min(period, samples.count - offset)
            stream.process(samples: UnsafeBufferPointer(start: samples.baseAddress! + offset, count: count))
            events += stream.events
            offset += count
        }
    }
    stream.flush()
    return events + stream.events
}

/// The heap allocations `stream` makes over `signal` fed in periods of `period` samples and
/// flushed, counted from its first period, with the detections and events it reported.
func countStreamAllocations(_ stream: PipelineStream, _ signal: [Float], period: Int)
    -> (allocations: Int, detections: Int, events: Int)
{
    var detections = 0
    var events = 0
    let allocations = signal.withUnsafeBufferPointer { samples -> Int in
        allocation_counter_begin()
        var offset = 0
        while offset < samples.count {
            // No Slice here: its one-time type metadata would be counted as the stream's.
            let count = min(period, samples.count &- offset)
            detections &+= stream.process(samples: UnsafeBufferPointer(start: samples.baseAddress! + offset, count: count))
            events &+= stream.events.count
            offset &+= count
        }
        detections &+= stream.flush()
        events &+= stream.events.count
        return allocation_counter_end()
    }
    return (allocations, detections, events)
}
