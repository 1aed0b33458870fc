import HelsebroCore

/// The journal behind one protocol: SQLite now, PostgreSQL when several instances share one journal.
///
/// Every method is synchronous: the ingest loop must know a batch is durable before it acknowledges it to the
/// broker (see `IngestClient`).
public protocol JournalStore: Sendable {
    func addPatient(id: String, name: String?) throws(JournalError)
    func addDevice(_ device: DeviceRecord) throws(JournalError)
    func pair(_ pairing: Pairing) throws(JournalError)
    func devices() throws(JournalError) -> [DeviceRecord]
    func pairings() throws(JournalError) -> [Pairing]
    /// Writes a batch in one transaction; a message whose identity is already journalled is counted as a duplicate
    /// and written nowhere. Returns only after the transaction is durable.
    func write(_ batch: [MessageOutcome]) throws(JournalError) -> BatchResult
    func readings(patient: String, since: Timestamp?) throws(JournalError) -> [StoredReading]
    func quarantine(since: Timestamp?) throws(JournalError) -> [QuarantineRecord]
    /// Readings of every patient with an id above `afterID`, in id order (what arrived since the last look).
    func readings(afterID: Int64, limit: Int) throws(JournalError) -> [StoredReading]
    /// Alert transitions with an id above `afterID`, optionally of one patient, in id order.
    func alertEvents(afterID: Int64, patient: String?, limit: Int) throws(JournalError) -> [StoredAlertEvent]
    /// The highest reading, quarantine and alert-event ids so far (0 when empty).
    func latestIDs() throws(JournalError) -> (reading: Int64, quarantine: Int64, alert: Int64)
    /// Quarantined messages with an id above `afterID`, in id order.
    func quarantine(afterID: Int64, limit: Int) throws(JournalError) -> [QuarantineRecord]
    func statistics() throws(JournalError) -> JournalStatistics
    /// Sets an operational counter (queue depth, backpressure pauses) that `statistics` reports.
    func setCounters(_ counters: [String: Int]) throws(JournalError)
}
