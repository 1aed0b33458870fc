import HelsebroCore
import Testing

@Suite("Following rows committed out of id order")
struct CommitOrderCursorTests {
    /// Offers `ids` in turn; which were accepted.
    static func offer(_ c: inout CommitOrderCursor, _ ids: [Int64]) -> [Bool] {
        ids.map { c.accept($0) }
    }

    @Test("rows in order: each handled once, the floor follows")
    func inOrder() {
        var c = CommitOrderCursor(after: 0)
        let first = Self.offer(&c, [1, 2, 3])
        #expect(first == [true, true, true])
        c.advance(now: 0)
        #expect(c.floor == 3)
        let again = Self.offer(&c, [2, 3])
        #expect(again == [false, false])
    }

    @Test("a smaller id committed late is still handled, once; the floor waits for it")
    func lateCommit() {
        var c = CommitOrderCursor(after: 10)
        let first = Self.offer(&c, [12, 13])
        c.advance(now: 0)
        #expect(first == [true, true] && c.floor == 10)  // 11 not yet seen: read again from 10
        let second = Self.offer(&c, [11, 12, 13])  // that read offers 12 and 13 again
        #expect(second == [true, false, false])
        c.advance(now: 5)
        #expect(c.floor == 13)
    }

    @Test("a gap never filled (a rolled-back insert) is given up after the limit")
    func abandonedGap() {
        var c = CommitOrderCursor(after: 0, gapMilliseconds: 1000)
        _ = Self.offer(&c, [2, 3])
        c.advance(now: 0)
        c.advance(now: 900)
        #expect(c.floor == 0)
        c.advance(now: 1001)
        #expect(c.floor == 3)
        let later = Self.offer(&c, [4, 1])
        #expect(later == [true, false])
    }
}
