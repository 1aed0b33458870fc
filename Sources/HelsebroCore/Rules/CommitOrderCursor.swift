/// Follows rows by id when ids are not committed in id order: with several writers (PostgreSQL, instances sharing a
/// journal, a clinician's command beside the service), a row with a smaller id can commit after one with a larger
/// id, and a reader that only asks for `id > last` would never see it.
///
/// The reader asks from `floor` (every id up to it handled) and skips what it already handled above it; the floor
/// moves up over contiguous handled ids. A gap (an id not seen) holds the floor until it is filled or, since a
/// rolled-back insert leaves a gap for ever, until it is older than `gapMilliseconds`.
public struct CommitOrderCursor: Sendable {
    public private(set) var floor: Int64
    var handled: Set<Int64> = []
    var gapSince: Int64?
    public let gapMilliseconds: Int64

    public init(after id: Int64, gapMilliseconds: Int64 = 10_000) {
        floor = id
        self.gapMilliseconds = gapMilliseconds
    }

    /// True the first time `id` is offered: the caller handles that row.
    public mutating func accept(_ id: Int64) -> Bool {
        id > floor && handled.insert(id).inserted
    }

    /// Moves the floor over what was handled; at `now` (milliseconds), gives up on a gap older than the limit.
    public mutating func advance(now: Int64) {
        while handled.remove(floor + 1) != nil { floor += 1 }
        guard let lowest = handled.min() else {
            gapSince = nil
            return
        }
        if let since = gapSince, now - since > gapMilliseconds {
            floor = lowest - 1
            gapSince = nil
            advance(now: now)
        } else if gapSince == nil {
            gapSince = now
        }
    }
}
