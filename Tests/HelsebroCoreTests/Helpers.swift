@testable import HelsebroCore

/// Bytes from hex text, ignoring spaces.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd hex")
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

/// Date Time (0x2A08) bytes.
func dateTime(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> [UInt8] {
    le16(UInt16(y)) + [UInt8(mo), UInt8(d), UInt8(h), UInt8(mi), UInt8(s)]
}

func decode(_ c: GattCharacteristic, _ bytes: [UInt8], _ options: GattOptions = GattOptions()) -> Result<
    [Reading], Rejection
> {
    var out: [Reading] = []
    if let r = GattDecoder.decode(c, bytes, options: options, into: &out) { return .failure(r) }
    return .success(out)
}

func readings(_ c: GattCharacteristic, _ bytes: [UInt8], _ options: GattOptions = GattOptions()) throws -> [Reading] {
    try decode(c, bytes, options).get()
}

func rejection(_ c: GattCharacteristic, _ bytes: [UInt8], _ options: GattOptions = GattOptions()) -> Rejection? {
    if case .failure(let r) = decode(c, bytes, options) { return r }
    return nil
}

extension MeasuredValue {
    var text: String {
        switch self {
        case .number(let d): d.description
        case .absent(let a): a.code
        }
    }
}
