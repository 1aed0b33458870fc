import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import Logging

/// The ingest service: MQTT in, journal out, acknowledged only after commit.
public final class IngestService: @unchecked Sendable {
    // @unchecked Sendable: `pipeline` is used only on the thread that runs `run()` (the client's handler runs
    // there); `stop()` only touches the client, whose control state is a Mutex.

    let client: IngestClient
    let store: any JournalStore
    let pipeline: IngestPipeline
    let logger: Logger
    let stateFile: IngestStateFile?
    /// With a shared group: decision support, in whichever instance of the group holds it.
    let decisions: SharedDecisionSupport?

    public init(
        configuration: MQTTConfiguration, store: any JournalStore, registry: Registry, maxBatch: Int = 1000,
        alertSettings: AlertEngine.Settings = AlertEngine.Settings(), scheduledSummaries: Bool = true,
        library: ConfigLibrary? = nil, stateFile: IngestStateFile? = nil, logger: Logger
    ) throws(JournalError) {
        self.store = store
        self.logger = logger
        self.stateFile = stateFile
        let pipeline = try IngestPipeline(
            registry: registry, store: store, topicPrefix: configuration.topicPrefix, alertSettings: alertSettings,
            library: library, now: Timestamp.now)
        self.pipeline = pipeline
        if configuration.sharedGroup != nil {
            pipeline.deferAlerts = true
            decisions = SharedDecisionSupport(store: store, configuration: configuration, logger: logger) {
                () throws(JournalError) in
                try IngestPipeline(
                    registry: library?.registry() ?? registry, store: store, topicPrefix: configuration.topicPrefix,
                    alertSettings: alertSettings, library: library, now: Timestamp.now)
            }
        } else {
            decisions = nil
        }
        let alertPublisher = AlertPublisher(configuration: configuration, logger: logger)
        let summaries = scheduledSummaries ? SummarySchedule(store: store, registry: registry, logger: logger) : nil
        let tick = {
            let now = Timestamp.now
            do {
                let t = try pipeline.tick(now: now)
                let recorded = try store.recordAlertEvents(t.toRecord)
                alertPublisher.publish(t.toPublish + recorded)
            } catch {
                logger.error("alert tick failed; it is tried again in a second", metadata: ["error": "\(error)"])
            }
            summaries?.tick(now: now)
        }
        var lastCounters: Int64 = 0
        var clientRef: IngestClient?
        // Fault injection for the acknowledgement test: exit after a batch was received and before it is committed.
        // A message then survives only if its PUBACK was still unsent (reference/libmosquitto.md §1.3).
        let exitBeforeCommit = ProcessInfo.processInfo.environment["HELSEBRO_FAULT_INJECTION"] == "exit-before-commit"
        // After a failed commit, the client waits for this small write to succeed before it takes messages again.
        let probe = { () -> String? in
            do {
                try store.setCounters(["journal-probe": Int(Date().timeIntervalSince1970)])
                return nil
            } catch {
                return "\(error)"
            }
        }
        let fault = { (reason: String?) -> Void in
            stateFile?.write(Self.state(reason == nil ? .running : .paused, reason: reason ?? ""))
        }
        client = IngestClient(
            configuration: configuration, maxBatch: maxBatch, logger: logger, tick: tick, journalProbe: probe,
            journalFault: fault
        ) { batch in
            if exitBeforeCommit { _exit(70) }
            let now = Timestamp.now
            let outcomes = try pipeline.prepare(batch, now: now)
            let result = try Self.write(outcomes, to: store, logger: logger)
            // Also with no new transitions: those still waiting for room in the window go now.
            alertPublisher.publish(result.alerts)
            logger.debug(
                "batch committed",
                metadata: [
                    "messages": "\(batch.count)", "readings": "\(result.readings)",
                    "quarantined": "\(result.quarantined)",
                ])
            let t = IngestClient.nowMilliseconds()
            if t - lastCounters > 1000, let c = clientRef {
                lastCounters = t
                let s = c.statistics
                try? store.setCounters([
                    "queue-depth": batch.count, "backpressure-pauses": s.pausedForBackpressure, "connects": s.connects,
                    "commit-failures": s.handlerFailures,
                ])
            }
        }
        clientRef = client
    }

    /// Writes a batch. When the journal refuses it for a reason of the batch's own (a constraint, a value it cannot
    /// hold) rather than a fault of the journal (disk, lock: thrown, and ingest pauses), the batch is written in halves
    /// until each refused message is alone; that message is written without its alert transitions, and if that is
    /// refused too, quarantined with its payload, so that one message cannot stop ingest for everyone or be
    /// redelivered for ever.
    static func write(_ outcomes: [MessageOutcome], to store: any JournalStore, logger: Logger) throws(JournalError)
        -> BatchResult
    {
        do {
            return try store.write(outcomes)
        } catch  where !error.isJournalFault && !outcomes.isEmpty {
            guard outcomes.count > 1 else {
                var refused = outcomes[0]
                let channel = refused.topic.split(separator: "/").last ?? ""
                if !refused.alerts.isEmpty {
                    // The alert transitions may be what was refused (an alert's key already open): the readings
                    // matter more. They are written without them, and the loss of the transitions is logged.
                    refused.alerts = []
                    do {
                        let result = try store.write([refused])
                        logger.error(
                            "the journal refused a message's alert transitions; its readings are journalled without them",
                            metadata: ["error": "\(error)", "channel": "\(channel)"])
                        return result
                    } catch  where !error.isJournalFault {}
                }
                logger.error(
                    "the journal refused a message's rows; the message is quarantined",
                    metadata: ["error": "\(error)", "channel": "\(channel)"])
                refused.result = .quarantine(
                    code: "journal-refused",
                    reason: "the journal refused this message's rows (\(error)); nothing of it is in the journal: "
                        + "report it to the operators with this quarantine entry")
                refused.partialQuarantine = []
                return try store.write([refused])
            }
            let half = outcomes.count / 2
            var result = try write(Array(outcomes[..<half]), to: store, logger: logger)
            let rest = try write(Array(outcomes[half...]), to: store, logger: logger)
            result.alerts += rest.alerts
            result.readings += rest.readings
            result.quarantined += rest.quarantined
            result.duplicates += rest.duplicates
            return result
        }
    }

    static func state(_ phase: IngestState.Phase, reason: String = "") -> IngestState {
        IngestState(phase: phase, pid: getpid(), since: Int64(Date().timeIntervalSince1970), reason: reason)
    }

    /// Runs until `stop()`; blocks the calling thread.
    public func run() throws(MQTTError) {
        stateFile?.write(Self.state(.running))
        decisions?.start()
        defer {
            decisions?.stop()
            stateFile?.write(Self.state(.stopped))
        }
        try client.run()
        let s = client.statistics
        try? store.setCounters([
            "queue-depth": 0, "backpressure-pauses": s.pausedForBackpressure, "connects": s.connects,
            "commit-failures": s.handlerFailures,
        ])
    }

    public func stop() { client.stop() }

    public var statistics: IngestClient.Statistics { client.statistics }
}

/// Publishes alert transitions to `{prefix}/alerts/{patientId}` (QoS 1, JSON) after they are committed.
///
/// A separate client connection, made on the first alert. Every transition is in the journal first (`helsebro
/// journal follow` and `alert_event`). Up to `window` are in flight unacknowledged; the ingest thread never waits
/// for the broker: what does not fit waits here in order and goes at the next batch or the once-a-second tick.
/// While the broker cannot take them (an error, or a window full for `stalledMilliseconds`), transitions wait here
/// (up to `maxPending`, oldest dropped first with an error logged) and are tried again at most every
/// `retryMilliseconds`, so an alert raised during a broker outage still reaches clinicians when it is back.
/// While the broker takes them, none is dropped however many come at once: 18,182 devices falling silent together
/// (a cuffs-only benchmark with 100,000 devices registered) raised that many at once, and the cap, applied then,
/// dropped 8,182 from clinicians' feed from a broker that was acknowledging everything.
/// Failures are logged without patient data.
final class AlertPublisher {
    let configuration: MQTTConfiguration
    let logger: Logger
    var publisher: MQTTPublisher?
    var pending: [AlertEngine.Event] = []
    var retryAt: Int64 = 0
    var failing = false
    /// Transitions published and not yet acknowledged by the broker, at most.
    let window: Int
    /// Since when the window has been full with nothing sent; nil while there is room.
    var fullSince: Int64?
    /// Most transitions kept while the broker does not take them.
    let maxPending: Int
    static let retryMilliseconds: Int64 = 2_000
    static let stalledMilliseconds: Int64 = 10_000

    init(configuration: MQTTConfiguration, logger: Logger, window: Int = 1000, maxPending: Int = 10_000) {
        self.configuration = configuration
        self.logger = logger
        self.window = window
        self.maxPending = maxPending
    }

    /// While the broker does not take transitions, keeps the newest `maxPending`.
    func dropOldestWhileFailing() {
        guard failing, pending.count > maxPending else { return }
        let dropped = pending.count - maxPending
        pending.removeFirst(dropped)
        logger.error(
            "alert transitions dropped from the MQTT queue while the broker did not take them; they are in the journal",
            metadata: ["dropped": "\(dropped)"])
    }

    /// Publishes `events` after any still waiting; with none, retries those waiting when it is time.
    func publish(_ events: [AlertEngine.Event]) {
        // Sent, a burst's storage goes too: kept, 18,182 transitions at once held 3.6 MB for good (heaptrack).
        defer { if pending.isEmpty { pending = [] } }
        pending += events
        dropOldestWhileFailing()
        guard !pending.isEmpty, IngestClient.nowMilliseconds() >= retryAt else { return }
        var sent = 0
        do {
            let publisher: MQTTPublisher
            if let connected = self.publisher {
                publisher = connected
            } else {
                // A short wait: this runs on the ingest thread.
                publisher = try MQTTPublisher(
                    host: configuration.host, port: configuration.port, clientID: configuration.clientID + "-alerts",
                    window: window, username: configuration.username, password: configuration.password,
                    connectTimeoutSeconds: 2, windowTimeoutSeconds: 1)
                self.publisher = publisher
            }
            // Never waits for the broker's acknowledgements: with the window full, the rest stay here, in order,
            // for the next batch or tick. Waiting here held the ingest thread: under a flood of blood-pressure
            // alerts it slept for room in the window ~870 times a second (`perf record` of its sleeps).
            for e in pending {
                guard publisher.hasRoom else {
                    // Full, and for long: the broker acknowledges nothing (gone, or overwhelmed). Said once, below.
                    let now = IngestClient.nowMilliseconds()
                    if sent == 0, let since = fullSince, now - since > Self.stalledMilliseconds {
                        throw MQTTError(
                            .publishFailed, "the broker has not acknowledged the last \(window) alert transitions")
                    }
                    if sent > 0 || fullSince == nil { fullSince = now }
                    break
                }
                fullSince = nil
                try publisher.publish(
                    topic: "\(configuration.topicPrefix)/alerts/\(e.patient)", payload: Array(e.json.utf8))
                sent += 1
                logger.info(
                    "alert \(e.transition)",
                    metadata: ["metric": "\(e.metric)", "kind": "\(e.kind)", "severity": "\(e.severity.name)"])
            }
            pending.removeFirst(sent)
            if failing && sent > 0 {
                failing = false
                logger.notice("alert transitions are published to the broker again")
            }
        } catch {
            pending.removeFirst(sent)
            retryAt = IngestClient.nowMilliseconds() + Self.retryMilliseconds
            if !failing {
                failing = true
                logger.warning(
                    "alerts could not be published; they are in the journal and are published when the broker takes them",
                    metadata: ["error": "\(error)", "waiting": "\(pending.count)"])
            }
            dropOldestWhileFailing()
            // A publisher that connected once is kept: its network thread reconnects by itself and resends what
            // it already took, so dropping it would lose those.
        }
    }
}
