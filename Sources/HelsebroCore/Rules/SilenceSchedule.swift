/// When next to look at each device whose profile expects a message at least every so often (`expect-every`).
///
/// The once-a-second tick looked at every such device each second: a lookup per device heard from in time, and a
/// step of the alert engine per device already alerting, 100,000 and 18,182 a second in `Tools/sustained-bench.sh`,
/// for nothing. A device needs looking at only when it may have fallen silent (its interval has passed since it was
/// last heard from) and, while it is silent, when the minutes its alert reports change. The tick takes the devices
/// whose time has come, and gives each its next time.
///
/// A min-heap of (second, device): a message from a device changes nothing here (the tick finds it heard from and
/// looks again an interval later), so the work per tick is the devices due, not the fleet. A device registered or
/// changed while the service runs is watched anew (`watch`) without rebuilding the rest.
public struct SilenceSchedule: Sendable {
    /// The devices watched and their intervals; an interval of 0 is a device no longer watched.
    public private(set) var devices: [(device: String, seconds: Int64)]
    /// Each device's second on the schedule (`Int64.max`: none). A heap entry with another second is stale (the
    /// device was given a new one since), and is dropped when it comes to the top.
    private var due: [Int64]
    /// Entries are (second due, index into `devices`); the parent of `i` is `(i - 1) / 2`, due no later.
    private var heap: [(due: Int64, index: Int32)]
    /// Index of each device in `devices`, made at the first `watch` (registrations rarely change in a run).
    private var positions: [String: Int32]?

    /// Each device is first due at `firstLook(device, seconds)`; by default at once (the first tick looks at all).
    public init(
        devices: [(device: String, seconds: Int64)], firstLook: (String, Int64) -> Int64 = { _, _ in .min }
    ) {
        self.devices = devices
        let first = devices.map { firstLook($0.device, $0.seconds) }
        due = first
        heap = first.indices.map { (first[$0], Int32($0)) }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    /// The next device due at or before `second`, taken off the schedule; `schedule` gives it its next time.
    public mutating func next(dueBy second: Int64) -> Int? {
        while let top = heap.first, top.due <= second {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
            let i = Int(top.index)
            guard due[i] == top.due else { continue }
            due[i] = .max
            return i
        }
        return nil
    }

    /// Puts the device on the schedule, due at `second` (any second it had is dropped).
    public mutating func schedule(_ index: Int, at second: Int64) {
        due[index] = second
        heap.append((second, Int32(index)))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// A device registered or changed: watched every `seconds` from `firstLook` on, or no longer (nil).
    public mutating func watch(_ device: String, every seconds: Int64?, firstLook: Int64) {
        if positions == nil {
            positions = Dictionary(uniqueKeysWithValues: devices.indices.map { (devices[$0].device, Int32($0)) })
        }
        if let i = positions?[device].map(Int.init) {
            devices[i].seconds = seconds ?? 0
            if seconds == nil { due[i] = .max } else { schedule(i, at: firstLook) }
        } else if let seconds {
            devices.append((device, seconds))
            due.append(.max)
            positions?[device] = Int32(devices.count - 1)
            schedule(devices.count - 1, at: firstLook)
        }
    }

    /// How many devices are on the schedule.
    public var scheduled: Int { due.count { $0 != .max } }

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
