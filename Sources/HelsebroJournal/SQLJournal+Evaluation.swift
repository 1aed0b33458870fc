import HelsebroCore

extension SQLJournal {
    static let evaluationColumns: [String] = [
        "message", "device", "received_us", "arrived_us",
    ]

    public func pendingEvaluations(limit: Int, arrivedBefore: Timestamp?) throws(JournalError) -> [PendingEvaluation] {
        try run("reading the decision-support queue") {
            try database.read { db in
                let queued = try db.fetchAll(
                    sql: """
                        SELECT seq, message, device, received_us FROM evaluation_queue WHERE arrived_us <= ?
                        ORDER BY arrived_us, seq LIMIT ?
                        """,
                    arguments: [arrivedBefore?.microseconds ?? Int64.max, limit])
                guard !queued.isEmpty else { return [] }
                let messages: [String] = queued.map { $0["message"] }
                var readings: [String: [StoredReading]] = [:]
                let rows = try db.fetchAll(
                    sql: "SELECT * FROM reading WHERE message IN ("
                        + messages.map { _ in "?" }.joined(separator: ", ") + ") ORDER BY id",
                    arguments: messages)
                for row in rows {
                    let r = Self.storedReading(row)
                    readings[r.message, default: []].append(r)
                }
                return queued.map { q in
                    let message: String = q["message"]
                    return PendingEvaluation(
                        seq: q["seq"], message: message, device: q["device"],
                        received: Timestamp(microseconds: q["received_us"]), readings: readings[message] ?? [])
                }
            }
        }
    }

    public func completeEvaluations(_ seqs: [Int64], events: [(event: AlertEngine.Event, message: String)])
        throws(JournalError) -> [AlertEngine.Event]
    {
        guard !seqs.isEmpty else { return [] }
        return try run("recording decision support", onConstraint: "an alert's key is already open") {
            try database.write { db in
                let taken = try db.execute(
                    sql: "DELETE FROM evaluation_queue WHERE seq IN ("
                        + seqs.map { _ in "?" }.joined(separator: ", ") + ")",
                    arguments: seqs)
                guard taken == seqs.count else {
                    throw JournalError(
                        .conflict, "another instance evaluated part of this batch: decision support is restarted")
                }
                var recorded: [AlertEngine.Event] = []
                for (event, message) in events {
                    var e = event
                    try Self.insertAlertEvent(db, &e, message: message)
                    recorded.append(e)
                }
                return recorded
            }
        }
    }

    public func holdDecisionSupport() throws(JournalError) -> Bool {
        try run("taking decision support") { try database.holdLeadership(7_140_002) }
    }
}
