/// The lifecycle of one alert (one patient, metric and kind): open, acknowledged, snoozed, resolved.
///
/// One open alert per patient, metric and kind: a new crossing while open updates it (a worse severity is re-sent,
/// the same severity is not) instead of raising another, so there are no alert storms. Resolving needs
/// `resolveAfter` consecutive readings back in range (hysteresis). A snooze silences an open warning until a time;
/// a critical alert cannot be snoozed. An alert not acknowledged within `escalateAfterSeconds` is escalated once
/// (re-sent one severity higher, critical at most). Time comes from the caller, so tests need no clock and no sleeping.
public struct AlertStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case inactive
        case open(severity: AlertSeverity, since: Timestamp, escalated: Bool)
        case acknowledged(severity: AlertSeverity, by: String, at: Timestamp)
        case snoozed(severity: AlertSeverity, until: Timestamp)
    }

    /// What to publish and record.
    public enum Action: Sendable, Equatable {
        case raise(AlertSeverity)
        case update(AlertSeverity)
        case escalate(AlertSeverity)
        /// A snooze ended with the condition still open.
        case reopen(AlertSeverity)
        case acknowledge(by: String)
        case snooze(until: Timestamp)
        case resolve
        case refuse(String)
        case none
    }

    public private(set) var state: State = .inactive
    public let resolveAfter: Int
    public let escalateAfterSeconds: Int64
    /// Besides `resolveAfter` readings, the condition must have been absent this long before resolving (NEWS2 from
    /// continuous monitors: a score hovering at its trigger would otherwise raise and resolve every few readings).
    public let resolveHoldSeconds: Int64
    var inRange = 0
    var inRangeSince: Timestamp?

    public init(resolveAfter: Int = 2, escalateAfterSeconds: Int64 = 900, resolveHoldSeconds: Int64 = 0) {
        self.resolveAfter = max(1, resolveAfter)
        self.escalateAfterSeconds = escalateAfterSeconds
        self.resolveHoldSeconds = resolveHoldSeconds
    }

    /// A machine in `state`, as the journal recorded it (after a restart).
    public init(
        restoring state: State, resolveAfter: Int = 2, escalateAfterSeconds: Int64 = 900, resolveHoldSeconds: Int64 = 0
    ) {
        self.init(
            resolveAfter: resolveAfter, escalateAfterSeconds: escalateAfterSeconds,
            resolveHoldSeconds: resolveHoldSeconds)
        self.state = state
    }

    public var severity: AlertSeverity? {
        switch state {
        case .inactive: nil
        case .open(let s, _, _), .acknowledged(let s, _, _), .snoozed(let s, _): s
        }
    }

    /// A reading that establishes the condition at `severity`, or (nil) one back in range.
    public mutating func reading(_ condition: AlertSeverity?, at time: Timestamp) -> Action {
        guard let condition else {
            guard severity != nil else { return .none }
            inRange += 1
            let since = inRangeSince ?? time
            inRangeSince = since
            guard inRange >= resolveAfter, time.microseconds - since.microseconds >= resolveHoldSeconds * 1_000_000
            else { return .none }
            state = .inactive
            inRange = 0
            inRangeSince = nil
            return .resolve
        }
        inRange = 0
        inRangeSince = nil
        switch state {
        case .inactive:
            state = .open(severity: condition, since: time, escalated: false)
            return .raise(condition)
        case .open(let s, let since, let escalated):
            guard condition > s else { return .none }
            state = .open(severity: condition, since: since, escalated: escalated)
            return .update(condition)
        case .acknowledged(let s, _, _):
            guard condition > s else { return .none }
            // Worse than what was acknowledged: it needs a new acknowledgement.
            state = .open(severity: condition, since: time, escalated: false)
            return .update(condition)
        case .snoozed(let s, _):
            guard condition > s else { return .none }
            state = .open(severity: condition, since: time, escalated: false)
            return .update(condition)
        }
    }

    public mutating func acknowledge(by who: String, at time: Timestamp) -> Action {
        guard let s = severity else { return .refuse("no open alert") }
        if case .acknowledged = state { return .none }
        state = .acknowledged(severity: s, by: who, at: time)
        return .acknowledge(by: who)
    }

    public mutating func snooze(until: Timestamp, at time: Timestamp) -> Action {
        guard let s = severity else { return .refuse("no open alert") }
        guard s != .critical else { return .refuse("a critical alert cannot be snoozed") }
        guard until > time else { return .refuse("snooze must end in the future") }
        state = .snoozed(severity: s, until: until)
        return .snooze(until: until)
    }

    /// Advances time: a snooze that ended reopens the alert; an unacknowledged alert escalates once.
    public mutating func tick(_ now: Timestamp) -> Action {
        switch state {
        case .snoozed(let s, let until) where now >= until:
            state = .open(severity: s, since: now, escalated: false)
            return .reopen(s)
        case .open(let s, let since, false)
        where now.microseconds - since.microseconds >= escalateAfterSeconds * 1_000_000:
            state = .open(severity: s.escalated, since: since, escalated: true)
            return .escalate(s.escalated)
        default:
            return .none
        }
    }
}
