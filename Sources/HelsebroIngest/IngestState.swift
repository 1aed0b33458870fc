import Foundation

/// What the running service says of itself: taking messages, or stopped taking them because the journal cannot be
/// written (since when, and why), or stopped. `helsebro stats` shows it.
public struct IngestState: Equatable, Sendable {
    public enum Phase: String, Sendable {
        case running
        /// The journal cannot be written: the service takes nothing from the broker, which keeps the messages.
        case paused
        case stopped
    }

    public var phase: Phase
    public var pid: Int32
    /// UNIX seconds when this phase began.
    public var since: Int64
    /// Why the journal cannot be written (no patient data: the journal's own error text).
    public var reason: String

    public init(phase: Phase, pid: Int32, since: Int64, reason: String = "") {
        self.phase = phase
        self.pid = pid
        self.since = since
        self.reason = reason
    }
}

/// The state kept in a small file beside the journal (`PATH-ingest-state`), a separate file because the journal may be
/// the thing that cannot be written. It is made at start at its full size and then rewritten in place, so that it
/// can still be updated on a full disk.
public struct IngestStateFile: Sendable {
    public static let size = 1024
    public let path: String

    /// The state file of a journal given as `sqlite:PATH`; nil for other journals.
    public init?(journal: String) {
        guard journal.hasPrefix("sqlite:") else { return nil }
        path = String(journal.dropFirst("sqlite:".count)) + "-ingest-state"
    }

    /// Best effort: a state that cannot be written is not a reason to stop ingesting.
    public func write(_ state: IngestState) {
        let reason = state.reason.replacingOccurrences(of: "\n", with: " ")
        var text = "phase=\(state.phase.rawValue)\npid=\(state.pid)\nsince=\(state.since)\nreason=\(reason)\n"
        if text.utf8.count > Self.size - 1 {
            text = String(decoding: Array(text.utf8.prefix(Self.size - 2)), as: UTF8.self) + "\n"
        }
        var bytes = Array(text.utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: Self.size - bytes.count)
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    public func read() -> IngestState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var fields: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard let phase = fields["phase"].flatMap(IngestState.Phase.init(rawValue:)),
            let pid = fields["pid"].flatMap({ Int32($0) }), let since = fields["since"].flatMap({ Int64($0) })
        else { return nil }
        return IngestState(phase: phase, pid: pid, since: since, reason: fields["reason"] ?? "")
    }
}
