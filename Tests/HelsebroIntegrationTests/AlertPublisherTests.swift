import Foundation
import HelsebroCore
import HelsebroMQTT
import Logging
import Testing

@testable import HelsebroIngest

/// The service's alert publisher against a real mosquitto broker.
@Suite("Alert publisher against a real broker", .serialized)
struct AlertPublisherTests {
    static func events(_ count: Int) -> [AlertEngine.Event] {
        (0..<count).map { i in
            AlertEngine.Event(
                key: .init(patient: "patient-\(i % 3)", metric: "systolic", kind: "threshold-high"),
                severity: .critical, transition: "updated", state: "open",
                value: DecimalValue(mantissa: Int64(200 + i), exponent: 0), unit: .mmHg,
                threshold: DecimalValue(mantissa: 180, exponent: 0), time: Timestamp(seconds: 1_790_000_000))
        }
    }

    static func configuration(_ broker: TestBroker, clientID: String) -> MQTTConfiguration {
        var configuration = MQTTConfiguration()
        configuration.port = broker.port
        configuration.clientID = clientID
        return configuration
    }

    /// Publishes nothing new until nothing waits (30 s at most), as the service does with each batch and tick.
    static func drain(_ publisher: AlertPublisher) {
        let deadline = Date().addingTimeInterval(30)
        while !publisher.pending.isEmpty && Date() < deadline {
            usleep(1000)
            publisher.publish([])
        }
    }

    @Test("a burst of more transitions than the cap, to a broker that takes them: none is dropped")
    func burstBeyondTheCap() throws {
        let broker = try TestBroker()
        let count = 90
        let listener = try AlertListener(broker: broker, count: count)
        defer { listener.stop() }
        let configuration = Self.configuration(broker, clientID: "test-alert-burst")
        // Many devices falling silent at once: far more transitions in one call than the cap.
        let publisher = AlertPublisher(
            configuration: configuration, logger: Logger(label: "test"), window: 4, maxPending: 20)
        publisher.publish(Self.events(count))
        Self.drain(publisher)
        let messages = listener.waitForAll()
        #expect(messages.compactMap { $0.json?["value"] as? Int } == (0..<count).map { 200 + $0 })
        // Sent, the burst's storage is given back.
        #expect(publisher.pending.capacity == 0)
    }

    @Test("while the broker is away, the newest transitions up to the cap wait")
    func capWhileAway() throws {
        let broker = try TestBroker()
        broker.stop()
        let configuration = Self.configuration(broker, clientID: "test-alert-away")
        let publisher = AlertPublisher(
            configuration: configuration, logger: Logger(label: "test"), window: 4, maxPending: 20)
        publisher.publish(Self.events(60))
        #expect(publisher.failing)
        #expect(publisher.pending.map(\.value.mantissa) == (40..<60).map { Int64(200 + $0) })
    }

    @Test("more transitions than the window: the rest wait in order, and every one arrives once")
    func window() throws {
        let broker = try TestBroker()
        let count = 60
        let listener = try AlertListener(broker: broker, count: count)
        defer { listener.stop() }
        let configuration = Self.configuration(broker, clientID: "test-alert-window")
        let publisher = AlertPublisher(configuration: configuration, logger: Logger(label: "test"), window: 4)
        let events = Self.events(count)
        publisher.publish(Array(events[..<30]))
        publisher.publish(Array(events[30...]))
        // What did not fit goes with later calls (the service makes one per batch and per tick).
        Self.drain(publisher)
        #expect(publisher.pending.isEmpty)
        let messages = listener.waitForAll()
        #expect(messages.count == count)
        // One subscriber, one publisher, QoS 1: the broker keeps the order they were sent in.
        #expect(messages.compactMap { $0.json?["value"] as? Int } == (0..<count).map { 200 + $0 })
        #expect(messages.map(\.topic) == (0..<count).map { "helsebro/v1/alerts/patient-\($0 % 3)" })
    }
}
