import HelsebroConfig
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT

#if canImport(Glibc)
    import CMalloc
#endif

/// Turns received messages into journal outcomes: route by topic, decode and validate with the device's plan,
/// bind each reading to the patient paired with the device at the reading's time, or quarantine with a reason.
///
/// Used only from the ingest thread. Devices and pairings are cached from the journal and reloaded at most once a
/// batch when a device or pairing is missing, and every `refreshMilliseconds`, so `helsebro device add` and
/// `helsebro device pair` take effect while `serve` runs.
public final class IngestPipeline {
    var registry: Registry
    /// Where a new registry comes from when a technician uploads a profile or firmware spec.
    let library: ConfigLibrary?
    var configRevision: Int64 = 0
    var registrationRevision = -1
    /// Devices whose profile expects a message at least this often (`expect-every`), from the last reload, and when
    /// `tick` next looks at each.
    var silenceSchedule = SilenceSchedule(devices: [])
    /// How many times `tick` has looked at a device's silence (for the tests: the work follows the devices due).
    var silenceLooks = 0
    /// How many times every device, pairing and threshold was read (for the tests: a change reads only itself).
    var fullReloads = 0
    let store: any JournalStore
    let topicPrefix: String
    let refreshMilliseconds: Int64
    /// Larger payloads are quarantined without being decoded (kept whole, as every quarantined message is).
    let maxPayloadBytes: Int
    /// 256 KiB: a bedside monitor's ORU^R01 with every vital sign is a few KB, a day of CGM records in SenML tens.
    public static let defaultMaxPayloadBytes = 256 * 1024
    var devices: [String: DeviceRecord] = [:]
    var pairings: [String: [Pairing]] = [:]
    /// When `reload` last looked (set first when the pipeline is made).
    var loadedAt: Int64 = 0
    var readings: [Reading] = []
    /// One message's inputs to decision support, in storage kept from message to message.
    var alertInputs: [AlertInput] = []
    /// Decision support, evaluated per journalled reading and on every `tick`.
    public var alerts: AlertEngine
    /// Clinicians' thresholds in force, by patient and metric.
    var overrides: [String: [String: [ThresholdOverride]]] = [:]
    /// When each device was last heard from (receive time), for missing-data rules.
    var lastSeen: [String: Timestamp] = [:]
    /// Devices whose pairings changed since the last tick, whose device alerts the tick ends where the device no
    /// longer belongs to the alert's patient (`endDeviceAlerts`); nil, all devices, after reading every registration.
    var pairingsChanged: Set<String>? = nil
    /// The earliest end (`to`) of a pairing after `pairingEndsSeen`, when the tick ends that device's alerts too.
    var nextPairingEnd: Timestamp?
    var pairingEndsSeen: Timestamp
    let startedAt: Timestamp
    /// Clinicians' observations and alert actions read so far (in commit order, see `CommitOrderCursor`).
    var observationCursor = CommitOrderCursor(after: 0)
    var alertEventCursor = CommitOrderCursor(after: 0)
    /// With a shared group: decision support is not evaluated here but by the one instance that holds it
    /// (`SharedDecisionSupport`, from the journal's queue); messages are queued for it.
    public var deferAlerts = false

    /// Restores the journal's open alerts and clinicians' observations into the engine.
    public init(
        registry: Registry, store: any JournalStore, topicPrefix: String, refreshMilliseconds: Int64 = 2000,
        alertSettings: AlertEngine.Settings = AlertEngine.Settings(), library: ConfigLibrary? = nil,
        maxPayloadBytes: Int = IngestPipeline.defaultMaxPayloadBytes, now: Timestamp
    ) throws(JournalError) {
        self.maxPayloadBytes = maxPayloadBytes
        self.registry = registry
        self.library = library
        configRevision = try store.configRevision()
        self.store = store
        self.topicPrefix = topicPrefix
        self.refreshMilliseconds = refreshMilliseconds
        self.startedAt = now
        pairingEndsSeen = now
        alerts = AlertEngine(settings: alertSettings)
        readings.reserveCapacity(256)
        let active = try store.alerts(patient: nil, states: ["open", "acknowledged", "snoozed"], limit: Int.max)
        alerts.restore(active)
        // A device that was silent before a restart is silent still: it was last heard from no later than its
        // alert's raise time less the minutes of silence the alert recorded (hearing from it would have resolved
        // the alert). Without this, the silence was counted from the restart and the first tick told clinicians
        // the alert was resolved.
        for a in active where a.key.kind == AlertEngine.Kind.missingData {
            lastSeen[a.key.device] = Timestamp(seconds: a.raised.seconds - max(0, a.value.mantissa) * 60)
        }
        alertEventCursor = CommitOrderCursor(after: try store.latestIDs().alert)
        _ = try applyObservations(now: now)
        // Devices and pairings now, before the service subscribes: loaded at the first message, 100,000 devices held
        // up the first messages by about half a second (`Tools/alert-latency.sh 7000 20 1 100000`).
        try reload()
    }

    /// `reload`, once `refreshMilliseconds` have passed since the last look.
    func reloadIfDue() throws(JournalError) {
        if IngestClient.nowMilliseconds() - loadedAt > refreshMilliseconds { try reload() }
    }

    /// Reloads what changed since the last look: the registry when a profile or firmware spec was uploaded; the
    /// devices, pairings and thresholds that a registration change touched (two small reads when nothing changed,
    /// whatever the number of devices). Everything is read again at the first look, after a bulk registration, and
    /// when the journal cannot say what changed.
    func reload() throws(JournalError) {
        loadedAt = IngestClient.nowMilliseconds()
        let revision = try store.configRevision()
        if revision != configRevision, let library {
            configRevision = revision
            registry = library.registry()
            try reloadRegistrations(through: try store.registrationRevision())
            return
        }
        let registrations = try store.registrationRevision()
        guard registrations != registrationRevision else { return }
        // More than a thousand changes since the last look (a registration of many devices one at a time): reading
        // everything once is quicker than a few queries for each.
        if registrationRevision >= 0,
            let changes = try store.registrationChanges(after: registrationRevision, through: registrations),
            changes.devices.count + changes.patients.count <= 1_000
        {
            try apply(changes)
            registrationRevision = registrations
        } else {
            try reloadRegistrations(through: registrations)
        }
    }

    /// Reads every device, pairing and threshold again, and schedules every expecting device's first look.
    func reloadRegistrations(through registrations: Int) throws(JournalError) {
        // Profile, firmware and patient ids repeat across devices and pairings: one copy of each (with 100,000
        // devices, a third of the service's memory was copies of the same few strings).
        var names: [String: String] = [:]
        func one(_ s: String) -> String {
            if let known = names[s] { return known }
            names[s] = s
            return s
        }
        // Read first (a failed read keeps the tables as they were), then built in place with the old tables
        // dropped: with 100,000 devices the copies side by side were 40 MB at their peak, which glibc kept.
        let deviceRows = try store.devices()
        let pairingRows = try store.pairings()
        let overrideRows = try store.overrides(patient: nil)
        registrationRevision = registrations
        fullReloads += 1
        devices = [:]
        pairings = [:]
        devices.reserveCapacity(deviceRows.count)
        for d in deviceRows where devices[d.id] == nil {
            let id = one(d.id)
            devices[id] = DeviceRecord(id: id, profile: one(d.profile), firmware: d.firmware.map(one))
        }
        for p in pairingRows {
            let device = one(p.device)
            pairings[device, default: []].append(
                Pairing(device: device, patient: one(p.patient), from: p.from, to: p.to))
        }
        pairingsChanged = nil
        nextPairingEnd = pairingEnd(after: pairingEndsSeen, of: pairings.values)
        overrides = [:]
        for o in overrideRows {
            overrides[o.patient, default: [:]][o.metric, default: []].append(o)
        }
        silenceSchedule = SilenceSchedule(
            devices: devices.values.compactMap { d in expectEvery(d).map { (d.id, $0) } }, firstLook: firstLook)
        releaseFreeMemory()
    }

    /// Reads again only the devices and patients' thresholds that changed.
    func apply(_ changes: RegistrationChanges) throws(JournalError) {
        let (deviceRows, pairingRows) = try store.registrations(devices: changes.devices)
        var overrideRows: [String: [ThresholdOverride]] = [:]
        for patient in changes.patients { overrideRows[patient] = try store.overrides(patient: patient) }
        for id in changes.devices {
            devices[id] = nil
            pairings[id] = nil
        }
        pairingsChanged?.formUnion(changes.devices)
        for d in deviceRows { devices[d.id] = d }
        for p in pairingRows { pairings[p.device, default: []].append(p) }
        if let end = pairingEnd(after: pairingEndsSeen, of: [pairingRows]), nextPairingEnd.map({ end < $0 }) ?? true {
            nextPairingEnd = end
        }
        for (patient, rows) in overrideRows {
            overrides[patient] = rows.isEmpty ? nil : Dictionary(grouping: rows, by: \.metric)
        }
        for id in changes.devices {
            let seconds = devices[id].flatMap(expectEvery)
            silenceSchedule.watch(id, every: seconds, firstLook: seconds.map { firstLook(id, every: $0) } ?? .max)
        }
    }

    /// When the tick first looks at a device expected every `seconds`: if heard from, when its interval has passed
    /// since; if not heard from since the start, when its interval has passed since the start, which is no later than
    /// its silence can begin (counted from the start or from a later pairing). A look too early only schedules the
    /// next.
    func firstLook(_ device: String, every seconds: Int64) -> Int64 {
        (lastSeen[device] ?? startedAt).seconds + seconds + 1
    }

    /// How often the device's profile expects a message (`expect-every`), if it does.
    func expectEvery(_ d: DeviceRecord) -> Int64? {
        (try? registry.plan(profile: d.profile, firmware: d.firmware))?.profile.expectEverySeconds.map(Int64.init)
    }

    /// After a reload, gives the allocator's free pages back to the system, which glibc otherwise keeps: with
    /// 100,000 devices it held 122 MB for 60 MB in use after loading them and a few batches (`malloc_stats`). Not
    /// periodically: a trim holds the allocator for long enough to show in the 99th percentile from publish to
    /// alert (`Tools/alert-latency.sh 4500 20 1`, alternated: p99 26.2 and 33.6 ms with a trim every 30 s, 8.4 and
    /// 24.9 ms without).
    func releaseFreeMemory() {
        #if canImport(Glibc)
            malloc_trim(0)
        #endif
    }

    /// What a tick produced: transitions to record and publish, and clinicians' transitions (already in the journal)
    /// to publish.
    public struct TickResult: Sendable {
        public var toRecord: [AlertEngine.Event] = []
        public var toPublish: [AlertEngine.Event] = []
    }

    /// Advances decision support to `now`: clinicians' observations (NEWS2), acknowledgements and snoozes made with
    /// `helsebro alerts`, escalations, snoozes ending, and devices silent for longer than their profile expects.
    public func tick(now: Timestamp) throws(JournalError) -> TickResult {
        try reloadIfDue()
        var result = TickResult()
        if deferAlerts { return result }
        result.toRecord += try applyObservations(now: now)
        let recent = try store.alertEvents(afterID: alertEventCursor.floor, patient: nil, limit: 10_000)
        defer { alertEventCursor.advance(now: IngestClient.nowMilliseconds()) }
        for stored in recent where alertEventCursor.accept(stored.id) {
            let e = stored.event
            guard e.actor != AlertEngine.system else { continue }
            switch e.transition {
            case "acknowledged": alerts.acknowledge(e.key, severity: e.severity, by: e.actor, at: e.time)
            case "snoozed": if let until = e.until { alerts.snooze(e.key, until: until, at: e.time) }
            default: break
            }
            result.toPublish.append(e)
        }
        result.toRecord += endDeviceAlerts(now: now)
        result.toRecord += alerts.tick(now)
        while let i = silenceSchedule.next(dueBy: now.seconds) {
            silenceLooks += 1
            let (id, seconds) = silenceSchedule.devices[i]
            let heard = lastSeen[id]
            // Heard from within its interval: its last message already resolved any silence alert (the reading path
            // calls `silence` too), so there is nothing to do until the interval has passed.
            if let heard, now.seconds - heard.seconds <= seconds {
                silenceSchedule.schedule(
                    i, at: SilenceSchedule.nextLook(last: heard.seconds, interval: seconds, now: now.seconds))
                continue
            }
            guard let pairing = pairing(of: id, at: now) else {
                // Not paired now: nothing to watch until one of its pairings begins or ends (a new one reloads).
                if let next = nextPairingChange(id, after: now) { silenceSchedule.schedule(i, at: next) }
                continue
            }
            // Silent since it was last heard from, the start, or its pairing began, whichever is latest: a device
            // that was silent before it was paired is not yet silent for its new patient.
            let last = max(heard ?? startedAt, pairing.from)
            result.toRecord += alerts.silence(
                patient: pairing.patient, device: id, lastSeen: last, expectedSeconds: seconds, now: now)
            silenceSchedule.schedule(
                i, at: SilenceSchedule.nextLook(last: last.seconds, interval: seconds, now: now.seconds))
        }
        return result
    }

    /// Ends the device alerts, where the device no longer belongs to the alert's patient, of the devices whose
    /// pairings changed and of those whose pairing ended with time (at its `to`) since the last tick.
    func endDeviceAlerts(now: Timestamp) -> [AlertEngine.Event] {
        var devices = pairingsChanged
        if let end = nextPairingEnd, end <= now {
            // Rare (a pairing made with an end): one pass over the pairings finds whose ended and the next end.
            let seen = pairingEndsSeen
            for (device, list) in pairings
            where list.contains(where: { p in p.to.map { $0 > seen && $0 <= now } ?? false }) {
                devices?.insert(device)
            }
            nextPairingEnd = pairingEnd(after: now, of: pairings.values)
        }
        pairingEndsSeen = now
        pairingsChanged = []
        if devices?.isEmpty == true { return [] }
        return alerts.endDeviceAlerts(of: devices, at: now) { device, patient in
            pairing(of: device, at: now)?.patient == patient
        }
    }

    /// The device's pairing in force at `t`, if any.
    func pairing(of device: String, at t: Timestamp) -> Pairing? { pairings[device]?.inForce(at: t) }

    /// The earliest end of one of these pairings later than `t`, if any.
    func pairingEnd(after t: Timestamp, of lists: some Sequence<[Pairing]>) -> Timestamp? {
        var next: Timestamp?
        for list in lists {
            for p in list {
                if let to = p.to, to > t, next.map({ to < $0 }) ?? true { next = to }
            }
        }
        return next
    }

    /// The first whole second after the next start or end of one of the device's pairings, if any is to come.
    func nextPairingChange(_ device: String, after now: Timestamp) -> Int64? {
        var next: Timestamp?
        for p in pairings[device] ?? [] {
            for b in [p.from, p.to] {
                if let b, b > now, next.map({ b < $0 }) ?? true { next = b }
            }
        }
        return next.map { $0.seconds + 1 }
    }

    /// Feeds observations recorded since the last look to NEWS2; returns the alert transitions they cause.
    func applyObservations(now: Timestamp) throws(JournalError) -> [AlertEngine.Event] {
        var events: [AlertEngine.Event] = []
        defer { observationCursor.advance(now: IngestClient.nowMilliseconds()) }
        for stored in try store.observations(afterID: observationCursor.floor) where observationCursor.accept(stored.id)
        {
            let o = stored.observation
            alerts.recordObservation(
                patient: o.patient, consciousness: o.consciousness, onOxygen: o.onOxygen, scale: o.scale, at: o.time)
            events += alerts.evaluateNEWS2(patient: o.patient, now: max(now, o.time))
        }
        return events
    }

    /// Prepares one batch; `now` is Helsebro's receive time for all of it.
    public func prepare(_ messages: [InboundMessage], now: Timestamp) throws(JournalError) -> [MessageOutcome] {
        try reloadIfDue()
        var reloaded = false
        var outcomes: [MessageOutcome] = []
        outcomes.reserveCapacity(messages.count)
        for m in messages {
            var outcome = try prepare(m, now: now)
            if case .quarantine(let code, _) = outcome.result, !reloaded,
                code == "unregistered-device" || code == "unpaired-device"
            {
                // Perhaps registered or paired a moment ago: look again once for this batch.
                try reload()
                reloaded = true
                outcome = try prepare(m, now: now)
            }
            outcomes.append(outcome)
        }
        return outcomes
    }

    func prepare(_ m: InboundMessage, now: Timestamp) throws(JournalError) -> MessageOutcome {
        guard let route = TopicRoute(topic: m.topic, prefix: topicPrefix) else {
            return MessageOutcome(
                identity: "topic:" + MessageIdentity.hash128(Array(m.topic.utf8) + [0] + m.payload), topic: m.topic,
                device: nil, payload: m.payload, received: now,
                result: .quarantine(
                    code: "unroutable-topic", reason: "topic is not \(topicPrefix)/devices/{deviceId}/{channel}"))
        }
        // HL7: MSH-10 is the message's identity, and PID-3 names the patient the gateway believes it is about.
        var hl7: (controlID: String, patients: [String])?
        let oversized = m.payload.count > maxPayloadBytes
        let channel = Channel(route.channelText)
        if channel == .hl7v2 && !oversized {
            if let header = HL7Header.scan(m.payload) {
                hl7 = (header.controlID, header.patients)
            } else if case .success(let message) = HL7Message.parse(m.payload), let msh = message.segments.first {
                let patients = message.segments("PID").flatMap { pid in
                    message.repetitions(pid[3]).filter { !$0.isEmpty }.map { message.components($0)[0] }
                }
                hl7 = (msh[10], patients)
            }
        }
        let baseIdentity =
            if let hl7, !hl7.controlID.isEmpty {
                "hl7:\(route.device)/\(hl7.controlID)"
            } else {
                MessageIdentity.of(
                    device: route.device, channel: route.channelText, sequence: m.sequence, payload: m.payload,
                    receivedIfNoDeviceTime: nil)
            }
        func quarantine(_ code: String, _ reason: String) -> MessageOutcome {
            MessageOutcome(
                identity: baseIdentity, topic: m.topic, device: route.device, payload: m.payload, received: now,
                result: .quarantine(code: code, reason: reason))
        }
        if oversized {
            return quarantine(
                "payload-too-large",
                "payload of \(m.payload.count) bytes is larger than the \(maxPayloadBytes) bytes Helsebro decodes; not decoded"
            )
        }
        guard let device = devices[route.device] else {
            return quarantine("unregistered-device", "device is not registered: register it with 'helsebro device add'")
        }
        guard let channel, channel.isSupported else {
            return quarantine("unknown-channel", "channel '\(route.channelText)' is not a channel Helsebro decodes")
        }
        guard let plan = try? registry.plan(profile: device.profile, firmware: device.firmware) else {
            return quarantine(
                "profile-missing",
                "device profile '\(device.profile)' or firmware spec '\(device.firmware ?? "-")' is not loaded: run 'helsebro profile lint'"
            )
        }
        guard let index = plan.channelIndex(channel) else {
            return quarantine("unknown-channel", "profile '\(device.profile)' does not list channel \(channel.name)")
        }
        // The gateway's receive time places readings without a device time, and bounds how far ahead a device time
        // may be. A gateway time ahead of Helsebro's own clock by more than that allowance is not believed: it
        // would let future-dated readings through.
        let receiveTime =
            m.gatewayTime.flatMap(Timestamp.init(rfc3339:)).flatMap {
                $0.microseconds <= now.adding(seconds: plan.timePolicy.futureSkewSeconds).microseconds ? $0 : nil
            } ?? now
        readings.removeAll(keepingCapacity: true)
        var ignored = 0
        var partial: [Rejection] = []
        let rejection = m.payload.withUnsafeBytes {
            plan.process(
                channelIndex: index, payload: $0, receiveTime: receiveTime, into: &readings, ignored: &ignored,
                partial: &partial)
        }
        if let rejection { return quarantine(rejection.category, rejection.description(plan: plan)) }
        var rows: [JournalReading] = []
        rows.reserveCapacity(readings.count)
        var timeFromReceive = false
        let devicePairings = pairings[device.id] ?? []
        for r in readings {
            guard let time = r.time else { return quarantine("validation", "reading has no time") }
            guard let pairing = devicePairings.inForce(at: time) else {
                return quarantine(
                    "unpaired-device",
                    "device is not paired with a patient at the reading's time: pair it with 'helsebro device pair'")
            }
            if let hl7, !hl7.patients.isEmpty, !hl7.patients.contains(pairing.patient) {
                return quarantine(
                    "patient-mismatch",
                    "PID-3 does not name the patient the device is paired with: check the pairing or the gateway's admission"
                )
            }
            if r.status.contains(.timeFromReceiveTime) || r.status.contains(.timeRelativeToReceive) {
                timeFromReceive = true
            }
            let metric = plan.metrics[Int(r.metric)]
            rows.append(
                JournalReading(
                    patient: pairing.patient, device: device.id, metric: metric.key, value: r.value,
                    unit: metric.unit.code,
                    loinc: metric.loinc, mdc: metric.mdc == 0 ? nil : metric.mdc, time: time,
                    status: plan.statusNames(of: r), profileVersion: plan.profile.version))
        }
        // Readings in the device's own time: the identity begins with it (`MessageIdentity.stated`). Placed by the
        // receive time: the identity takes that time only without a sequence number (as before).
        var stated: (time: Timestamp, earlierIdentity: String)?
        let identity: String
        if timeFromReceive {
            identity =
                m.sequence == nil
                ? MessageIdentity.of(
                    device: route.device, channel: route.channelText, sequence: nil, payload: m.payload,
                    receivedIfNoDeviceTime: receiveTime)
                : baseIdentity
        } else if let first = rows.first {
            identity = MessageIdentity.stated(first.time, baseIdentity)
            stated = (first.time, baseIdentity)
        } else {
            identity = baseIdentity
        }
        var outcome = MessageOutcome(
            identity: identity, topic: m.topic, device: device.id, payload: m.payload, received: now,
            result: .readings(rows),
            partialQuarantine: partial.map { .init(code: $0.category, reason: $0.description(plan: plan)) })
        outcome.stated = stated
        if deferAlerts {
            outcome.evaluateLater = true
            outcome.arrived = m.arrived
        } else {
            alertInputs.removeAll(keepingCapacity: true)
            for (r, row) in zip(readings, rows) {
                alertInputs.append(
                    AlertInput(
                        patient: row.patient, value: row.value, time: row.time, metric: Int(r.metric), status: r.status)
                )
            }
            evaluateAlerts(
                alertInputs, plan: plan, device: device.id,
                owner: devicePairings.inForce(at: now)?.patient,
                received: now, into: &outcome.alerts)
        }
        return outcome
    }

    /// Decision support for messages other instances of a shared group journalled (or this one): the same
    /// evaluation as `prepare` makes for one instance, from the journalled readings, in queue order.
    public func evaluate(_ pending: [PendingEvaluation], now: Timestamp) throws(JournalError)
        -> [(event: AlertEngine.Event, message: String)]
    {
        try reloadIfDue()
        var result: [(event: AlertEngine.Event, message: String)] = []
        for p in pending {
            if devices[p.device] == nil { try reload() }
            guard let device = devices[p.device], !p.readings.isEmpty,
                let plan = try? registry.plan(profile: device.profile, firmware: device.firmware)
            else { continue }
            let inputs = p.readings.compactMap { stored -> AlertInput? in
                guard let metric = plan.metrics.firstIndex(where: { $0.key == stored.reading.metric }) else {
                    return nil
                }
                var status = StatusSet()
                for flag in StatusFlag.allCases where stored.reading.status.contains(flag.name) { status.insert(flag) }
                let r = stored.reading
                return AlertInput(patient: r.patient, value: r.value, time: r.time, metric: metric, status: status)
            }
            var events: [AlertEngine.Event] = []
            evaluateAlerts(
                inputs, plan: plan, device: device.id,
                owner: pairing(of: device.id, at: p.received)?.patient, received: p.received, into: &events)
            result += events.map { ($0, p.message) }
        }
        return result
    }

    /// What decision support reads of one reading: the patient, value and time of its journal row, and its metric's
    /// index and status flags from the decoder. Not the whole row: copying each `JournalReading` (its strings and
    /// status array) into a tuple and destroying it again was about 2,000 of the 127,000 instructions per message of
    /// `serve` under the realistic mix (callgrind).
    struct AlertInput {
        let patient: String
        let value: MeasuredValue
        let time: Timestamp
        let metric: Int
        let status: StatusSet
    }

    /// Decision support for one message's readings: each metric's rules with the patient's thresholds at the
    /// reading's local time of day, NEWS2 of each patient a vital sign arrived for, and the device's alerts — its
    /// status flags and its silence ended — for `owner`, the patient the device belongs to at `received`.
    ///
    /// Device alerts only for the owner: a late message, measured during an earlier pairing and arriving after the
    /// device went to someone else or was unpaired, journals its readings for the old patient and raises their
    /// threshold alerts, but says nothing about the device as that patient has it now; a device-status alert raised
    /// for them would stay open (nothing more from the device is theirs to resolve it) and escalate to their
    /// clinicians. Such a message still tells that the device is heard from, which ends the owner's silence alert.
    func evaluateAlerts(
        _ inputs: [AlertInput], plan: DecodePlan, device: String, owner: String?, received: Timestamp,
        into events: inout [AlertEngine.Event]
    ) {
        guard let first = inputs.first?.patient else { return }
        // Heard from: set here, with the silence alert resolved below, so that `tick` may skip a device heard from
        // within its interval.
        lastSeen[device] = received
        // The alert engine and the thresholds taken once for the whole message: each use of a stored property of
        // this class is checked for exclusive access at run time, about nine times a message as written before.
        let overrides = overrides
        Self.modifying(&alerts) { alerts in
            var ownerStatus = StatusSet()
            var ownerHasReadings = false
            // NEWS2 again for each patient a vital sign arrived for, at the latest: the first patient's in the loop,
            // any other's (a message whose readings span a change of pairing) in a table made only then.
            var news2At: Timestamp?
            var news2Others: [String: Timestamp] = [:]
            for row in inputs {
                if row.patient == owner {
                    ownerStatus.formUnion(row.status)
                    ownerHasReadings = true
                }
                guard case .number(let v) = row.value else { continue }
                let metric = plan.metrics[row.metric]
                var thresholds = metric.alerts
                if let o = overrides[row.patient]?[metric.key] {
                    thresholds = thresholds.effective(o, minuteOfDay: DeviceClock.oslo.minuteOfDay(row.time))
                }
                events += alerts.evaluate(
                    patient: row.patient, metric: metric, thresholds: thresholds, value: v, at: row.time)
                if let p = News2Parameter(loinc: metric.loinc) {
                    alerts.recordVital(p, patient: row.patient, value: v.double, at: row.time)
                    if row.patient == first {
                        news2At = max(news2At ?? row.time, row.time)
                    } else {
                        news2Others[row.patient] = max(news2Others[row.patient] ?? row.time, row.time)
                    }
                }
            }
            if let news2At { events += alerts.evaluateNEWS2(patient: first, now: news2At) }
            if !news2Others.isEmpty {
                for (patient, at) in news2Others.sorted(by: { $0.key < $1.key }) {
                    events += alerts.evaluateNEWS2(patient: patient, now: at)
                }
            }
            guard let owner else { return }
            if ownerHasReadings && !plan.profile.statusAlerts.isEmpty {
                events += alerts.deviceStatus(
                    patient: owner, device: device, status: ownerStatus, watched: plan.profile.statusAlerts,
                    at: received)
            }
            if let expected = plan.profile.expectEverySeconds {
                events += alerts.silence(
                    patient: owner, device: device, lastSeen: received, expectedSeconds: Int64(expected), now: received)
            }
        }
    }

    /// `body` with `value` held for modification once (see `evaluateAlerts`).
    @inline(__always)
    static func modifying<T>(_ value: inout T, _ body: (inout T) -> Void) { body(&value) }
}

extension [Pairing] {
    /// The pairing in force at `t`: the latest made, where pairings overlap; nil when none covers `t`.
    func inForce(at t: Timestamp) -> Pairing? { last(where: { $0.covers(t) }) }
}
