/// When next to look at each device whose profile expects a message at least every so often (`expect-every`).
///
/// The once-a-second tick looked at every such device each second: a lookup per device heard from in time, and a
/// step of the alert engine per device already alerting, 100,000 and 18,182 a second in `Tools/sustained-bench.sh`,
/// for nothing. A device needs looking at only when it may have fallen silent (its interval has passed since it was
/// last heard from) and, while it is silent, when the minutes its alert reports change. The tick takes the devices
/// whose time has come, and gives each its next time.
///
/// A min-heap of (second, device), one entry per device: a message from a device changes nothing here (the tick
/// finds it heard from and looks again an interval later), so the work per tick is the devices due, not the fleet.
public struct SilenceSchedule: Sendable {
    /// The devices watched and their intervals, in the order given.
    public let devices: [(device: String, seconds: Int64)]
    /// Entries are (second due, index into `devices`); the parent of `i` is `(i - 1) / 2`, due no later.
    private var heap: [(due: Int64, index: Int32)]

    /// Every device is due at once: the first tick looks at them all.
    public init(devices: [(device: String, seconds: Int64)]) {
        self.devices = devices
        heap = devices.indices.map { (Int64.min, Int32($0)) }
    }

    /// The next device due at or before `second`, taken off the schedule; `schedule` gives it its next time.
    public mutating func next(dueBy second: Int64) -> Int? {
        guard let top = heap.first, top.due <= second else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return Int(top.index)
    }

    /// Puts the device back on the schedule, due at `second`.
    public mutating func schedule(_ index: Int, at second: Int64) {
        heap.append((second, Int32(index)))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// How many devices are on the schedule (each is once, unless taken and not put back).
    public var scheduled: Int { heap.count }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let child = right < heap.count && heap[right].due < heap[left].due ? right : left
            guard heap[child].due < heap[parent].due else { return }
            heap.swapAt(child, parent)
            parent = child
        }
    }

    /// When to look again at a device last heard from at `last` (seconds) and expected every `interval` seconds,
    /// looked at in `now`: if it is not silent yet, the first second it counts as silent (more than `interval` since
    /// `last`). If it is, the next second at which its whole minutes of silence (the value its alert reports) go up,
    /// or an interval from now if sooner: a device heard from again may fall silent again an interval later, and with
    /// an interval under a minute that comes before the next minute.
    public static func nextLook(last: Int64, interval: Int64, now: Int64) -> Int64 {
        let silent = now - last
        if silent <= interval { return last + interval + 1 }
        return min(last + (silent / 60 + 1) * 60, now + interval)
    }
}
