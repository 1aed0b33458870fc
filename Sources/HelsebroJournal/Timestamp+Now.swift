import Foundation
import HelsebroCore

extension Timestamp {
    /// The current time from the system clock (HelsebroCore has no clock; every module with I/O uses this one).
    public static var now: Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }
}
