import HelsebroCore

/// The journal behind one protocol: SQLite now, PostgreSQL when several instances share one journal.
///
/// Every method is synchronous: the ingest loop must know a batch is durable before it acknowledges it to the
/// broker (see `IngestClient`).
public protocol JournalStore: Sendable {
    func addPatient(id: String, name: String?) throws(JournalError)
    func addDevice(_ device: DeviceRecord) throws(JournalError)
    func pair(_ pairing: Pairing) throws(JournalError)
    /// Changes a registered device's profile or firmware (a firmware update); its readings keep what they were
    /// decoded with.
    func updateDevice(_ device: DeviceRecord) throws(JournalError)
    /// Ends the device's open pairing at `at`; `notFound` when it has none.
    func endPairing(device: String, at: Timestamp) throws(JournalError) -> Pairing
    func devices() throws(JournalError) -> [DeviceRecord]
    /// Changes whenever a device, pairing or threshold override is added or changed.
    func registrationRevision() throws(JournalError) -> Int
    /// What changed after revision `after` up to `through` (values of `registrationRevision`): the devices whose record
    /// or pairings changed and the patients whose thresholds changed. Nil when that is not known (a bulk registration,
    /// or changes made before the journal noted them): then everything is to be read again.
    func registrationChanges(after: Int, through: Int) throws(JournalError) -> RegistrationChanges?
    /// The records and pairings of these devices (none for an id not registered).
    func registrations(devices: Set<String>) throws(JournalError) -> ([DeviceRecord], [Pairing])
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

    // MARK: Alerts

    /// Writes alert transitions that no message caused (escalations, snoozes ending, missing data) in one
    /// transaction; returns them with their alert ids.
    func recordAlertEvents(_ events: [AlertEngine.Event]) throws(JournalError) -> [AlertEngine.Event]
    /// Alerts, newest first, optionally of one patient and in some states (`open`, `acknowledged`, `snoozed`,
    /// `resolved`).
    func alerts(patient: String?, states: [String]?, limit: Int) throws(JournalError) -> [AlertRecord]
    /// A clinician acknowledges an open or snoozed alert; refused (`conflict`) when it is resolved or already
    /// acknowledged. Returns the recorded transition.
    func acknowledgeAlert(id: Int64, by who: String, at time: Timestamp) throws(JournalError) -> AlertEngine.Event
    /// A clinician silences an open warning until `until`; refused for a critical alert and a resolved one.
    func snoozeAlert(id: Int64, until: Timestamp, by who: String, at time: Timestamp) throws(JournalError)
        -> AlertEngine.Event

    // MARK: Clinicians' settings and observations

    /// Records a clinician's thresholds for a patient's metric; returns its id.
    func addOverride(_ o: ThresholdOverride) throws(JournalError) -> Int64
    /// Ends every override in force for the patient's metric, recording who and why; returns how many.
    func endOverrides(patient: String, metric: String, by who: String, reason: String, at time: Timestamp)
        throws(JournalError) -> Int
    /// Overrides in force, in the order they were set.
    func overrides(patient: String?) throws(JournalError) -> [ThresholdOverride]
    func addObservation(_ o: ClinicalObservation) throws(JournalError)
    /// Observations recorded with an id above `afterID`, in id order.
    func observations(afterID: Int64) throws(JournalError) -> [StoredObservation]

    // MARK: Summaries

    /// Readings of one patient's metric measured in [from, to), in time order.
    func readings(patient: String, metric: String, from: Timestamp, to: Timestamp) throws(JournalError)
        -> [StoredReading]
    /// Patient and metric pairs with readings measured in [from, to).
    func readingKeys(from: Timestamp, to: Timestamp) throws(JournalError) -> [(patient: String, metric: String)]
    /// Writes summaries, replacing any of the same patient, metric, kind and period.
    func writeSummaries(_ summaries: [SummaryRecord]) throws(JournalError)
    func summaries(patient: String, metric: String?) throws(JournalError) -> [SummaryRecord]

    // MARK: FHIR reads

    /// The patient's display name, or nil for none; throws `notFound` for an unknown patient.
    func patientName(_ id: String) throws(JournalError) -> String?
    func reading(id: Int64) throws(JournalError) -> StoredReading?
    /// Readings of a patient, optionally of one LOINC or MDC code and a time range [from, to], by time then id, with
    /// the total matching.
    func searchReadings(
        patient: String, loinc: String?, mdc: UInt32?, from: Timestamp?, to: Timestamp?, limit: Int, offset: Int
    ) throws(JournalError) -> (total: Int, rows: [StoredReading])
    func alert(id: Int64) throws(JournalError) -> AlertRecord?

    // MARK: Profiles and firmware specs

    /// Stores a new version of a profile or firmware spec (already checked); `version` must be new for the id.
    func addConfigDocument(_ d: ConfigDocument) throws(JournalError)
    /// Every stored version, oldest first, optionally of one kind and id.
    func configDocuments(kind: String?, id: String?) throws(JournalError) -> [ConfigDocument]
    /// Changes whenever a document is stored (to reload the registry).
    func configRevision() throws(JournalError) -> Int64

    // MARK: Access

    func patientExists(_ id: String) throws(JournalError) -> Bool
    func grantConsent(patient: String, grantee: String, scopes: [String], expires: Timestamp?, at: Timestamp)
        throws(JournalError) -> Consent
    /// Revokes a consent in force; refused (`conflict`) when already revoked.
    func revokeConsent(id: Int64, by who: String, at: Timestamp) throws(JournalError) -> Consent
    func consents(patient: String) throws(JournalError) -> [Consent]
    func grantEmergencyAccess(patient: String, clinician: String, reason: String, at: Timestamp, seconds: Int64)
        throws(JournalError) -> EmergencyAccess
    func emergencyAccess(patient: String, clinician: String, at: Timestamp) throws(JournalError) -> EmergencyAccess?
    func emergencyAccesses(patient: String) throws(JournalError) -> [EmergencyAccess]
    /// Appends an entry to the access log, chained to the last one, in one transaction; returns it with id and hash.
    func appendAccessLog(_ entry: AccessLogEntry) throws(JournalError) -> AccessLogEntry
    func accessLog(patient: String?) throws(JournalError) -> [AccessLogEntry]
    /// Recomputes the chain: a changed, removed or reordered entry is found.
    func verifyAccessLog() throws(JournalError) -> AccessLogVerification

    // MARK: Decision support for a shared group (several instances, one journal)

    /// Messages queued for decision support (`MessageOutcome.evaluateLater`) in order of arrival from the broker,
    /// with their readings; only those that arrived at or before `arrivedBefore` when given.
    func pendingEvaluations(limit: Int, arrivedBefore: Timestamp?) throws(JournalError) -> [PendingEvaluation]
    /// Records the transitions the queued messages `seqs` caused (each with its message) and takes them off the
    /// queue, in one transaction. Throws `.conflict`, recording nothing, when any of them is no longer queued (another
    /// instance evaluated it).
    func completeEvaluations(_ seqs: [Int64], events: [(event: AlertEngine.Event, message: String)])
        throws(JournalError) -> [AlertEngine.Event]
    /// Tries to become the one instance that evaluates decision support for the journal (held until the connection
    /// that took it ends); true while held.
    func holdDecisionSupport() throws(JournalError) -> Bool
}
