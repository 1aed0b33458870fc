import Foundation
import HelsebroCore
import HelsebroJournal
import HelsebroMQTT
import Synchronization

extension Simulator {
    /// Publishes a steady load and a probe cuff whose readings cycle abnormal, normal, normal (232, 120, 120 mmHg
    /// systolic): each cycle should raise an alert on the first and resolve it on the third (hysteresis of 2). The
    /// time from publishing the deciding reading to receiving its alert is the latency measured. Every message carries
    /// a numeric `seq`: without one, equal payloads in the same second would rightly count as duplicates.
    func runLatencyProbe(_ publisher: MQTTPublisher, mqtt: MQTTConfiguration, seconds: Double) throws {
        /// Deciding publishes not yet answered, in order, with their send time; and the latencies measured.
        let state = Mutex<(expected: [(String, Double)], latencies: [Double], stop: Bool)>(([], [], false))
        let subscribed = Mutex(false)
        let listener = Thread {
            do {
                try BareSubscriber.receive(
                    host: mqtt.host, port: mqtt.port, filter: "\(topicPrefix)/alerts/probe-patient", count: Int.max,
                    onMessage: { _, payload in
                        let t = Date().timeIntervalSince1970
                        let text = String(decoding: payload, as: UTF8.self)
                        state.withLock { s in
                            guard let i = s.expected.firstIndex(where: { text.contains("\"transition\": \"\($0.0)\"") })
                            else { return }
                            s.latencies.append(t - s.expected[i].1)
                            s.expected.removeSubrange(...i)
                        }
                    }, stop: { state.withLock { $0.stop } }, ready: { subscribed.withLock { $0 = true } })
            } catch {
                print("helsebro-sim: probe listener: \(error)")
            }
        }
        listener.start()
        while !subscribed.withLock({ $0 }) { usleep(10_000) }
        // With the journal (--register), also time publish → commit: a reader polls the journal every millisecond for
        // the probe's systolic readings (one per probe message, committed in order).
        let published = Mutex<[Double]>([])
        let commits = Mutex<[Double]>([])
        let store = try register.map { try SQLiteJournal(path: String($0.dropFirst("sqlite:".count))) }
        let poller = Thread {
            guard let store else { return }
            var seen = 0
            while !state.withLock({ $0.stop }) {
                let total =
                    (try? store.searchReadings(
                        patient: "probe-patient", loinc: "8480-6", mdc: nil, from: nil, to: nil, limit: 1, offset: 0))?
                    .total ?? seen
                if total > seen {
                    let t = Date().timeIntervalSince1970
                    let sent = published.withLock { $0 }
                    commits.withLock { c in
                        for k in seen..<min(total, sent.count) { c.append(t - sent[k]) }
                    }
                    seen = total
                }
                usleep(1000)
            }
        }
        poller.start()
        let started = Date().timeIntervalSince1970
        var sent = 0
        var probes = 0
        var nextProbe = started
        while Date().timeIntervalSince1970 - started < seconds {
            let now = Date().timeIntervalSince1970
            // Catch up with the load the rate asks for by now.
            let due = Int((now - started) * rate)
            while sent < due {
                let frame = Encode.bloodPressure(
                    // In range for every threshold: the load raises no alerts of its own.
                    sys: Double(115 + sent % 50), dia: Double(65 + sent % 25), pulse: Double(60 + sent % 30),
                    at: Timestamp(seconds: Int64(now) - 60))
                try publisher.publish(
                    topic: "\(topicPrefix)/devices/bench-cuff/gatt/2a35", payload: frame,
                    userProperties: [("seq", String(sent))])
                sent += 1
            }
            if now >= nextProbe {
                let phase = probes % 3
                let frame = Encode.bloodPressure(
                    sys: phase == 0 ? 232 : 120, dia: 80, pulse: 70, at: Timestamp(seconds: Int64(now)))
                let t = Date().timeIntervalSince1970
                if phase == 0 { state.withLock { $0.expected.append(("raised", t)) } }
                if phase == 2 { state.withLock { $0.expected.append(("resolved", t)) } }
                published.withLock { $0.append(t) }
                try publisher.publish(
                    topic: "\(topicPrefix)/devices/probe-cuff/gatt/2a35", payload: frame,
                    userProperties: [("seq", String(probes))])
                probes += 1
                nextProbe += 0.1
            }
            usleep(1000)
        }
        let elapsed = Date().timeIntervalSince1970 - started
        _ = publisher.flush()
        Thread.sleep(forTimeInterval: 2)
        let (latencies, unanswered) = state.withLock { s in
            s.stop = true
            return (s.latencies.sorted(), s.expected.count)
        }
        func percentiles(_ sorted: [Double]) -> String {
            func p(_ q: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                let i = min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1)
                return String(format: "%.1f", sorted[max(0, i)] * 1000)
            }
            return "p50 \(p(0.5)) p90 \(p(0.9)) p99 \(p(0.99)) max \(p(1.0))"
        }
        print(
            String(format: "helsebro-sim: load %.0f messages/s for %.0f s; ", Double(sent) / elapsed, elapsed)
                + "\(latencies.count) alerts timed (\(unanswered) unanswered); "
                + "publish-to-alert ms: \(percentiles(latencies))")
        let committed = commits.withLock { $0.sorted() }
        if store != nil {
            print(
                "helsebro-sim: \(committed.count) probe messages timed to commit; publish-to-commit ms: \(percentiles(committed))"
            )
        }
    }
}
