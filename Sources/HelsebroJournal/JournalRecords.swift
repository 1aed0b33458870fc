import HelsebroCore

/// A registered device and the profile and firmware it is decoded with.
public struct DeviceRecord: Sendable, Equatable {
    public var id: String
    public var profile: String
    public var firmware: String?
    public init(id: String, profile: String, firmware: String?) {
        self.id = id
        self.profile = profile
        self.firmware = firmware
    }
}

/// What registration changes touched (`JournalStore.registrationChanges`).
public struct RegistrationChanges: Sendable, Equatable {
    /// Devices whose record or pairings changed.
    public var devices: Set<String> = []
    /// Patients whose thresholds changed.
    public var patients: Set<String> = []
    public init(devices: Set<String> = [], patients: Set<String> = []) {
        self.devices = devices
        self.patients = patients
    }
}

/// A device worn by a patient from `from` until `to` (open-ended when nil).
public struct Pairing: Sendable, Equatable {
    public var device: String
    public var patient: String
    public var from: Timestamp
    public var to: Timestamp?
    public init(device: String, patient: String, from: Timestamp, to: Timestamp?) {
        self.device = device
        self.patient = patient
        self.from = from
        self.to = to
    }

    public func covers(_ t: Timestamp) -> Bool { t >= from && (to.map { t < $0 } ?? true) }
}

/// One reading ready for the journal.
public struct JournalReading: Sendable, Equatable {
    public var patient: String
    public var device: String
    public var metric: String
    public var value: MeasuredValue
    public var unit: String
    public var loinc: String?
    public var mdc: UInt32?
    public var time: Timestamp
    public var status: [String]
    /// The version of the device profile the reading was decoded and validated with.
    public var profileVersion: Int?
    public init(
        patient: String, device: String, metric: String, value: MeasuredValue, unit: String, loinc: String?,
        mdc: UInt32?, time: Timestamp, status: [String], profileVersion: Int? = nil
    ) {
        self.profileVersion = profileVersion
        self.patient = patient
        self.device = device
        self.metric = metric
        self.value = value
        self.unit = unit
        self.loinc = loinc
        self.mdc = mdc
        self.time = time
        self.status = status
    }
}

/// What became of one message: readings for the journal, or quarantine with a reason.
public struct MessageOutcome: Sendable {
    public enum Result: Sendable {
        case readings([JournalReading])
        /// `code` groups reasons for statistics (`unregistered-device`, `decode`, `validation`, …).
        case quarantine(code: String, reason: String)
    }

    /// The stable identity that recognises a redelivered or repeated message.
    public var identity: String
    public var topic: String
    public var device: String?
    public var payload: [UInt8]
    public var received: Timestamp
    public var result: Result
    /// Parts of a message refused one by one beside its readings (an HL7 OBX that failed), each quarantined.
    public var partialQuarantine: [QuarantinedPart]
    /// Alert transitions the message's readings caused; written with them, published after commit.
    public var alerts: [AlertEngine.Event] = []
    /// Decision support for this message runs in the one instance that evaluates for a shared group: the message
    /// is queued for it in the same transaction as its readings (`pendingEvaluations`).
    public var evaluateLater = false
    /// When the message arrived from the broker (microseconds since 1970; 0 when not known): the order in which
    /// decision support takes the queue.
    public var arrived: Int64 = 0
    /// For an identity that begins with the device's stated time (`MessageIdentity.stated`): that time, and the
    /// identity the message had before identities began with it. A journal upgraded from before then
    /// (`SQLJournal.statedIdentitiesBefore`) may hold a copy of the message under the earlier identity.
    public var stated: (time: Timestamp, earlierIdentity: String)?

    public struct QuarantinedPart: Sendable, Equatable {
        public var code: String
        public var reason: String
        public init(code: String, reason: String) {
            self.code = code
            self.reason = reason
        }
    }

    public init(
        identity: String, topic: String, device: String?, payload: [UInt8], received: Timestamp, result: Result,
        partialQuarantine: [QuarantinedPart] = []
    ) {
        self.identity = identity
        self.topic = topic
        self.device = device
        self.payload = payload
        self.received = received
        self.result = result
        self.partialQuarantine = partialQuarantine
    }
}

/// A reading as stored.
public struct StoredReading: Sendable, Equatable {
    public var id: Int64
    public var reading: JournalReading
    public var received: Timestamp
    /// The identity of the message it came in (the duplicate key).
    public var message: String = ""
}

/// A quarantined message as stored.
public struct QuarantineRecord: Sendable, Equatable {
    public var id: Int64
    public var topic: String
    public var device: String?
    public var code: String
    public var reason: String
    public var payload: [UInt8]
    public var received: Timestamp
}

/// Counts for `helsebro stats`.
public struct JournalStatistics: Sendable, Equatable {
    public var messages: Int
    public var readings: Int
    public var duplicates: Int
    public var quarantined: [String: Int]
    public var counters: [String: Int]
}

/// What a batch write did.
public struct BatchResult: Sendable, Equatable {
    /// Alert transitions written (those of duplicate messages are not).
    public var alerts: [AlertEngine.Event] = []
    public var readings = 0
    public var quarantined = 0
    public var duplicates = 0
    public init() {}
}

/// An alert transition as stored.
public struct StoredAlertEvent: Sendable, Equatable {
    public var id: Int64
    public var event: AlertEngine.Event
}

/// A clinician's observation for NEWS2: consciousness (ACVPU), air or supplemental oxygen, and the SpO2 scale chosen
/// for the patient.
public struct ClinicalObservation: Sendable, Equatable {
    public var patient: String
    public var consciousness: News2Score.Consciousness?
    public var onOxygen: Bool?
    public var scale: News2Score.SpO2Scale?
    public var by: String
    public var time: Timestamp

    public init(
        patient: String, consciousness: News2Score.Consciousness?, onOxygen: Bool?, scale: News2Score.SpO2Scale?,
        by: String, time: Timestamp
    ) {
        self.patient = patient
        self.consciousness = consciousness
        self.onOxygen = onOxygen
        self.scale = scale
        self.by = by
        self.time = time
    }
}

public struct StoredObservation: Sendable, Equatable {
    public var id: Int64
    public var observation: ClinicalObservation
}

/// A summary of one patient's metric over a period, as JSON, with the codes FHIR will carry.
public struct SummaryRecord: Sendable, Equatable {
    public var id: Int64 = 0
    public var patient: String
    public var metric: String
    /// `daily`, `cgm` or `home-bp`.
    public var kind: String
    public var start: Timestamp
    public var end: Timestamp
    public var body: String

    public init(
        id: Int64 = 0, patient: String, metric: String, kind: String, start: Timestamp, end: Timestamp, body: String
    ) {
        self.id = id
        self.patient = patient
        self.metric = metric
        self.kind = kind
        self.start = start
        self.end = end
        self.body = body
    }
}

/// A patient's consent: a clinician (`grantee` = their subject) or an organisation (`org:NAME`) may read the journal
/// (`journal`) and receive alerts (`alerts`) until `expires` or until revoked.
public struct Consent: Sendable, Equatable {
    public var id: Int64
    public var patient: String
    public var grantee: String
    public var scopes: [String]
    public var granted: Timestamp
    public var expires: Timestamp?
    public var revoked: Timestamp?
    public var revokedBy: String?

    public func inForce(at t: Timestamp) -> Bool {
        revoked == nil && t >= granted && (expires.map { t < $0 } ?? true)
    }
}

/// Emergency access ("break the glass"): a clinician reads a patient's journal without consent, for a stated reason,
/// for a limited time; recorded and shown to the patient.
public struct EmergencyAccess: Sendable, Equatable {
    public var id: Int64
    public var patient: String
    public var clinician: String
    public var reason: String
    public var from: Timestamp
    public var to: Timestamp
}

/// One entry of the append-only access log, chained to the one before by SHA-256.
public struct AccessLogEntry: Sendable, Equatable {
    public var id: Int64
    public var time: Timestamp
    /// The token's subject.
    public var actor: String
    public var role: String
    public var patient: String
    /// What was asked, such as `GET /fhir/Observation`.
    public var action: String
    /// `allowed` or `refused`.
    public var outcome: String
    /// Why: `own record`, `consent 3`, `emergency 2: <reason>`, `no consent`.
    public var basis: String
    public var previousHash: String
    public var hash: String

    public init(
        id: Int64 = 0, time: Timestamp, actor: String, role: String, patient: String, action: String,
        outcome: String, basis: String, previousHash: String = "", hash: String = ""
    ) {
        self.id = id
        self.time = time
        self.actor = actor
        self.role = role
        self.patient = patient
        self.action = action
        self.outcome = outcome
        self.basis = basis
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// What `helsebro audit verify` found.
public struct AccessLogVerification: Sendable, Equatable {
    public var entries: Int
    /// The first entry that does not fit the chain, and why; nil when the chain is intact.
    public var problem: (id: Int64, reason: String)?

    public static func == (a: Self, b: Self) -> Bool {
        a.entries == b.entries && a.problem?.id == b.problem?.id && a.problem?.reason == b.problem?.reason
    }
}

/// A device profile or firmware spec uploaded by a technician: every version is kept.
public struct ConfigDocument: Sendable, Equatable {
    /// `profile` or `firmware`.
    public var kind: String
    public var id: String
    public var version: Int
    public var yaml: String
    public var created: Timestamp
    public var createdBy: String

    public init(kind: String, id: String, version: Int, yaml: String, created: Timestamp, createdBy: String) {
        self.kind = kind
        self.id = id
        self.version = version
        self.yaml = yaml
        self.created = created
        self.createdBy = createdBy
    }
}

extension ClinicalObservation {
    /// Reads an observation as a clinician writes it (`A`…`U`, `air`/`oxygen`, scale `1`/`2`); the error names the
    /// field at fault, in the words of `fields` (option or JSON names).
    public init(
        patient: String, consciousness: String?, oxygen: String?, spo2Scale: Int?, by: String, time: Timestamp,
        fields: (consciousness: String, oxygen: String, scale: String)
    ) throws(JournalError) {
        var c: News2Score.Consciousness?
        if let text = consciousness {
            guard let v = News2Score.Consciousness(rawValue: text.uppercased()) else {
                throw JournalError(.invalidArgument, "\(fields.consciousness) must be A, C, V, P or U")
            }
            c = v
        }
        if let oxygen, oxygen != "air" && oxygen != "oxygen" {
            throw JournalError(.invalidArgument, "\(fields.oxygen) must be air or oxygen")
        }
        if let spo2Scale, spo2Scale != 1 && spo2Scale != 2 {
            throw JournalError(.invalidArgument, "\(fields.scale) must be 1 or 2")
        }
        guard c != nil || oxygen != nil || spo2Scale != nil else {
            throw JournalError(
                .invalidArgument, "give \(fields.consciousness), \(fields.oxygen) or \(fields.scale)")
        }
        self.init(
            patient: patient, consciousness: c, onOxygen: oxygen.map { $0 == "oxygen" },
            scale: spo2Scale.map { $0 == 2 ? .scale2 : .scale1 }, by: by, time: time)
    }
}

/// A journalled message waiting for decision support (instances sharing a group and a journal), with its readings.
public struct PendingEvaluation: Sendable {
    public var seq: Int64
    public var message: String
    public var device: String
    public var received: Timestamp
    public var readings: [StoredReading]

    public init(seq: Int64, message: String, device: String, received: Timestamp, readings: [StoredReading]) {
        self.seq = seq
        self.message = message
        self.device = device
        self.received = received
        self.readings = readings
    }
}
