/// When to connect again after a connection is lost: exponential backoff with a cap, reset by a good connection.
///
/// Testable without a broker: the caller feeds events and gets actions, as postgres-nio's state machines do.
public struct ReconnectStateMachine: Sendable {
    public enum State: Equatable, Sendable {
        case disconnected(attempts: Int)
        case connecting(attempts: Int)
        case connected
    }

    public enum Action: Equatable, Sendable {
        /// Connect now.
        case connect
        /// Wait this many milliseconds, then connect.
        case wait(milliseconds: Int)
        /// Subscribe (the session is new or the broker lost it).
        case subscribe
        case none
    }

    public private(set) var state: State = .disconnected(attempts: 0)
    public let initialDelayMilliseconds: Int
    public let maximumDelayMilliseconds: Int

    public init(initialDelayMilliseconds: Int = 100, maximumDelayMilliseconds: Int = 30_000) {
        self.initialDelayMilliseconds = initialDelayMilliseconds
        self.maximumDelayMilliseconds = maximumDelayMilliseconds
    }

    /// Asks what to do when disconnected.
    public mutating func start() -> Action {
        guard case .disconnected(let attempts) = state else { return .none }
        state = .connecting(attempts: attempts)
        return attempts == 0 ? .connect : .wait(milliseconds: delay(attempts))
    }

    /// The broker accepted the connection; `sessionPresent` says whether it kept our subscription.
    public mutating func connected(sessionPresent: Bool) -> Action {
        state = .connected
        // Subscribing again is harmless with a present session and required without one.
        return .subscribe
    }

    /// A connection attempt failed or an established connection was lost.
    public mutating func connectionLost() -> Action {
        switch state {
        case .connected: state = .disconnected(attempts: 1)
        case .connecting(let a): state = .disconnected(attempts: a + 1)
        case .disconnected(let a): state = .disconnected(attempts: a + 1)
        }
        return .none
    }

    /// Backoff before attempt `n` (n ≥ 1): initial × 2^(n−1), capped.
    func delay(_ attempts: Int) -> Int {
        var d = initialDelayMilliseconds
        for _ in 1..<attempts where d < maximumDelayMilliseconds { d *= 2 }
        return min(d, maximumDelayMilliseconds)
    }
}
