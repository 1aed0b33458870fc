import HelsebroCore
import Testing

@Suite("When the tick looks at a device's silence")
struct SilenceScheduleTests {
    @Test("devices come due in order of their seconds, each once, and only when their second has come")
    func order() {
        var generator = SystemRandomNumberGenerator()
        let count = 2_000
        var schedule = SilenceSchedule(devices: (0..<count).map { ("d-\($0)", 300) })
        // At first every device is due.
        var first: [Int] = []
        while let i = schedule.next(dueBy: 0) { first.append(i) }
        #expect(first.sorted() == Array(0..<count))
        var due: [Int: Int64] = [:]
        for i in 0..<count {
            let second = Int64.random(in: 1...500, using: &generator)
            due[i] = second
            schedule.schedule(i, at: second)
        }
        #expect(schedule.next(dueBy: 0) == nil)
        var taken: [(Int, Int64)] = []
        for second in Int64(1)...500 {
            while let i = schedule.next(dueBy: second) {
                #expect(due[i] == second, "device \(i) due at \(due[i] ?? -1), taken at \(second)")
                taken.append((i, second))
            }
        }
        #expect(taken.count == count && Set(taken.map(\.0)).count == count && schedule.scheduled == 0)
        // Devices given their first looks at the start come due the same way.
        let names = (0..<count).map { "d-\($0)" }
        let firstDue = Dictionary(
            uniqueKeysWithValues: names.map { ($0, Int64.random(in: 1...500, using: &generator)) })
        var fresh = SilenceSchedule(devices: names.map { ($0, 300) }) { device, _ in firstDue[device]! }
        var freshTaken = 0
        for second in Int64(0)...500 {
            while let i = fresh.next(dueBy: second) {
                #expect(firstDue[names[i]] == second)
                freshTaken += 1
            }
        }
        #expect(freshTaken == count)
        // A late tick takes everything due before it at once.
        schedule.schedule(7, at: 10)
        schedule.schedule(8, at: 20)
        schedule.schedule(9, at: 30)
        #expect([schedule.next(dueBy: 25), schedule.next(dueBy: 25), schedule.next(dueBy: 25)] == [7, 8, nil])
        #expect(schedule.scheduled == 1)
    }

    @Test("a device watched anew keeps only its new time; one no longer watched is not due; a new one joins")
    func watch() {
        var schedule = SilenceSchedule(devices: [("a", 300), ("b", 300)]) { device, _ in device == "a" ? 100 : 200 }
        schedule.watch("a", every: 60, firstLook: 50)
        schedule.watch("b", every: nil, firstLook: .max)
        schedule.watch("c", every: 30, firstLook: 150)
        var taken: [String] = []
        for second in Int64(0)...400 {
            while let i = schedule.next(dueBy: second) { taken.append("\(second) \(schedule.devices[i].device)") }
        }
        #expect(taken == ["50 a", "150 c"])
        #expect(schedule.devices.map(\.seconds) == [60, 0, 30] && schedule.scheduled == 0)
    }

    @Test("a device heard from is looked at when its interval has passed; a silent one when its minutes go up")
    func nextLook() {
        // Heard at 100, expected every 300 s: silent from 401 on (more than 300 s).
        #expect(SilenceSchedule.nextLook(last: 100, interval: 300, now: 150) == 401)
        #expect(SilenceSchedule.nextLook(last: 100, interval: 300, now: 400) == 401)
        // Silent 301 s (5 min): 6 min at 460; silent exactly 360 s: 7 min at 520.
        #expect(SilenceSchedule.nextLook(last: 100, interval: 300, now: 401) == 460)
        #expect(SilenceSchedule.nextLook(last: 100, interval: 300, now: 460) == 520)
        #expect(SilenceSchedule.nextLook(last: 100, interval: 300, now: 519) == 520)
        // Expected every 10 s: silent from 111; while silent, looked at every 10 s (it may be heard from meanwhile).
        #expect(SilenceSchedule.nextLook(last: 100, interval: 10, now: 105) == 111)
        #expect(SilenceSchedule.nextLook(last: 100, interval: 10, now: 111) == 121)
        #expect(SilenceSchedule.nextLook(last: 100, interval: 10, now: 155) == 160)
    }

    @Test(
        "whatever the interval and however the device is heard from, no silence begins and no minute of it passes unseen"
    )
    func neverLate() {
        var generator = SystemRandomNumberGenerator()
        for interval: Int64 in [1, 5, 10, 30, 59, 60, 61, 90, 300] {
            // Heard from at random, sometimes within its interval and sometimes long after.
            var heard: [Int64] = [0]
            while heard.last! < 3_000 {
                heard.append(heard.last! + Int64.random(in: 1...(interval * 4), using: &generator))
            }
            var look: Int64 = 0
            var latest = 0
            for now in Int64(0)...3_000 {
                while latest + 1 < heard.count && heard[latest + 1] <= now { latest += 1 }
                let silent = now - heard[latest]
                // The tick must look when a silence begins and when its minutes go up.
                let needed = silent > interval && (silent == interval + 1 || silent % 60 == 0)
                if now >= look {
                    look = SilenceSchedule.nextLook(last: heard[latest], interval: interval, now: now)
                    #expect(look > now)
                } else {
                    #expect(!needed, "interval \(interval): no look at \(now), \(silent) s after the device was heard")
                }
            }
        }
    }
}
