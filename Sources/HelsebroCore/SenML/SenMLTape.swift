#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One JSON or CBOR item of a SenML pack as the readers leave it on the tape: what it is and where its bytes are,
/// not a copy.
///
/// Items are laid out in document order. A map's members follow it as key, value, key, value; an array's items
/// follow it; `end` is the index after the item and everything inside it, so a nested value is skipped in one step.
struct SenMLItem {
    enum Kind: UInt8 { case map, array, text, bytes, number, bool, null, other }

    var kind: Kind
    /// For text: the bytes are in the tape's scratch buffer (a JSON string with escapes, unescaped there).
    var inScratch = false
    var flag = false
    /// Members of a map, items of an array.
    var count: Int32 = 0
    var end: Int32 = 0
    /// Text and byte strings: where the bytes are, in the payload or in scratch.
    var start: Int32 = 0
    var length: Int32 = 0
    var double = 0.0
    var exact: DecimalValue?

    init(_ kind: Kind) { self.kind = kind }

    static func number(_ double: Double, _ exact: DecimalValue?) -> SenMLItem {
        var item = SenMLItem(.number)
        item.double = double
        item.exact = exact
        return item
    }

    static func bool(_ value: Bool) -> SenMLItem {
        var item = SenMLItem(.bool)
        item.flag = value
        return item
    }
}

/// The items of one payload, in memory kept by the reading thread (`SenMLTapeMemory`), so that reading a pack
/// allocates nothing.
struct SenMLTape {
    let payload: UnsafeRawBufferPointer
    let scratch: UnsafeMutableRawBufferPointer
    let items: UnsafeMutableBufferPointer<SenMLItem>
    private(set) var count = 0
    var scratchUsed = 0

    /// Calls `body` with an empty tape for `payload`. Every item takes at least one byte of a payload (a key
    /// two), so the tape never needs more items than the payload has bytes; an unescaped JSON string is never
    /// longer than its escaped form, so the scratch buffer never needs more.
    static func with<R>(
        _ payload: UnsafeRawBufferPointer, scratch needsScratch: Bool, _ body: (inout SenMLTape) -> R
    ) -> R {
        let capacity = max(payload.count, 1)
        return SenMLTapeMemory.with(items: capacity, scratch: needsScratch ? capacity : 0) { items, scratch in
            var tape = SenMLTape(payload: payload, scratch: scratch, items: items)
            return body(&tape)
        }
    }

    /// Appends `item` and returns its index.
    @discardableResult
    mutating func append(_ item: SenMLItem) -> Int {
        precondition(count < items.count, "SenML tape overflow")
        (items.baseAddress! + count).initialize(to: item)
        items[count].end = Int32(count + 1)
        count += 1
        return count - 1
    }

    /// Drops the items from `index` on (a CBOR tag's content replaced by one item).
    mutating func truncate(to index: Int) { count = index }

    /// Sets a container's member or item count and where it ends, once its contents are on the tape.
    mutating func close(_ index: Int, count members: Int) {
        items[index].count = Int32(members)
        items[index].end = Int32(count)
    }

    subscript(_ index: Int) -> SenMLItem { items[index] }

    /// The bytes of a text or byte-string item.
    func bytes(_ item: SenMLItem) -> UnsafeRawBufferPointer {
        let base = item.inScratch ? UnsafeRawBufferPointer(scratch) : payload
        return UnsafeRawBufferPointer(rebasing: base[Int(item.start)..<Int(item.start + item.length)])
    }
}

/// Memory for tapes, kept per thread and reused: the decode loop reads one pack after another on one thread.
///
/// A temporary allocation on the stack would do for a tape of up to 1 KiB only; above that the standard library
/// asks the C library for the thread's stack bounds, which itself allocates (and for the main thread reads
/// /proc/self/maps). A thread keeps up to 1 MiB (a pack of about 20 KiB); a larger pack, or a pack read while
/// another is being read on the same thread, gets memory of its own for the time it is read.
enum SenMLTapeMemory {
    static let keep = 1 << 20

    /// One block per thread: a header, then the items, then the scratch bytes.
    struct Header {
        var bytes: Int
        var inUse: Bool
    }

    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { $0?.deallocate() }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    static func with<R>(
        items count: Int, scratch: Int,
        _ body: (UnsafeMutableBufferPointer<SenMLItem>, UnsafeMutableRawBufferPointer) -> R
    ) -> R {
        let itemsOffset = (MemoryLayout<Header>.stride + 15) & ~15
        let scratchOffset = itemsOffset + count * MemoryLayout<SenMLItem>.stride
        let bytes = scratchOffset + scratch
        func run(_ block: UnsafeMutableRawPointer) -> R {
            let items = (block + itemsOffset).bindMemory(to: SenMLItem.self, capacity: count)
            return body(
                UnsafeMutableBufferPointer(start: items, count: count),
                UnsafeMutableRawBufferPointer(start: block + scratchOffset, count: scratch))
        }
        var block = pthread_getspecific(key)
        if let held = block, held.load(as: Header.self).inUse || bytes > keep {
            // In use further up this thread's stack, or too large to keep: a block of its own.
            let own = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            defer { own.deallocate() }
            return run(own)
        }
        if block == nil || block!.load(as: Header.self).bytes < bytes {
            block?.deallocate()
            let size = max(bytes, 16 * 1024)
            block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            block!.storeBytes(of: Header(bytes: size, inUse: false), as: Header.self)
            pthread_setspecific(key, block)
        }
        let held = block!
        held.storeBytes(of: Header(bytes: held.load(as: Header.self).bytes, inUse: true), as: Header.self)
        defer { held.storeBytes(of: Header(bytes: held.load(as: Header.self).bytes, inUse: false), as: Header.self) }
        return run(held)
    }
}
