import Foundation
import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import Logging
import Synchronization

/// Decision support for instances that share one group and one journal: exactly one of them evaluates it.
///
/// Alert state (the open alerts, rule windows, NEWS2 vital signs, missing-data and escalation timers) must see a
/// patient's whole stream, but the broker spreads the stream over the instances. So every instance journals its
/// messages with a row in the journal's decision-support queue (same transaction), and one instance, the one that
/// holds the journal's decision-support lock (a PostgreSQL advisory lock, released by the server when that
/// instance's connection ends, as when it dies), takes the queue in order and evaluates it with the same engine
/// one instance uses, recording the transitions and removing what it evaluated in one transaction. The others
/// try for the lock every second. A new holder starts as a restarted instance does: open alerts and clinicians'
/// observations restored from the journal.
final class SharedDecisionSupport: @unchecked Sendable {
    // @unchecked Sendable: everything but `stopped` is used only on the thread `start()` makes.
    let store: any JournalStore
    let makePipeline: () throws(JournalError) -> IngestPipeline
    let publisher: AlertPublisher
    let logger: Logger
    let stopped = Atomic<Bool>(false)
    var thread: Thread?
    var pipeline: IngestPipeline?
    var lastTick: Int64 = 0
    /// How long the holder waits when the queue is empty; the others wait a second between tries.
    static let pollMilliseconds: UInt32 = 20
    static let batch = 1000
    /// How far behind arrival the queue is taken: longer than an ingest batch takes to commit.
    static let holdBackMilliseconds: Int64 = 500

    init(
        store: any JournalStore, configuration: MQTTConfiguration, logger: Logger,
        makePipeline: @escaping () throws(JournalError) -> IngestPipeline
    ) {
        self.store = store
        self.makePipeline = makePipeline
        var alerts = configuration
        alerts.clientID += "-decisions"
        publisher = AlertPublisher(configuration: alerts, logger: logger)
        self.logger = logger
    }

    func start() {
        let t = Thread { [self] in
            while !stopped.load(ordering: .relaxed) { step() }
        }
        t.name = "helsebro-decisions"
        thread = t
        t.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// One turn: take or check the lock; evaluate what is queued; once a second, the engine's own tick.
    func step() {
        do {
            guard try store.holdDecisionSupport() else {
                if pipeline != nil {
                    pipeline = nil
                    logger.warning("this instance no longer evaluates decision support for the group")
                }
                usleep(1_000_000)
                return
            }
            if pipeline == nil {
                pipeline = try makePipeline()
                logger.notice("this instance evaluates decision support for the group")
            }
            guard let pipeline else { return }
            // Messages of one device may reach two instances and commit in either order: the queue is taken
            // `holdBackMilliseconds` behind arrival, so that what arrived by then has committed, in the order the
            // instances took the messages from the broker, as one instance would see the stream.
            let before = Timestamp(microseconds: Timestamp.now.microseconds - Self.holdBackMilliseconds * 1000)
            let pending = try store.pendingEvaluations(limit: Self.batch, arrivedBefore: before)
            if !pending.isEmpty {
                let events = try pipeline.evaluate(pending, now: Timestamp.now)
                let seqs = pending.map(\.seq)
                do {
                    publisher.publish(try store.completeEvaluations(seqs, events: events))
                } catch  where !error.isJournalFault && error.code != .conflict {
                    // A transition the journal refuses (as the ingest path treats one): the queue moves on without
                    // these transitions, and their loss is logged, rather than the same batch failing for ever.
                    _ = try store.completeEvaluations(seqs, events: [])
                    logger.error(
                        "the journal refused alert transitions of queued messages; they are dropped",
                        metadata: ["error": "\(error)", "transitions": "\(events.count)"])
                }
            }
            let now = IngestClient.nowMilliseconds()
            if now - lastTick >= 1000 {
                lastTick = now
                let t = try pipeline.tick(now: Timestamp.now)
                let recorded = try store.recordAlertEvents(t.toRecord)
                publisher.publish(t.toPublish + recorded)
            } else if pending.isEmpty {
                publisher.publish([])
                usleep(Self.pollMilliseconds * 1000)
            }
        } catch {
            // The engine's state may no longer match the journal (another instance evaluated part of the queue, or
            // a write failed): it is rebuilt from the journal on the next turn.
            pipeline = nil
            logger.error(
                "decision support failed; it is restarted from the journal", metadata: ["error": "\(error)"])
            usleep(1_000_000)
        }
    }
}
