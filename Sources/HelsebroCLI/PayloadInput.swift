import Foundation
import HelsebroCore

/// Reads a payload from `--hex`, `--file` or standard input.
enum PayloadInput {
    /// Hex digits, ignoring white space, `:` and `-` separators and an optional `0x`.
    static func bytes(hex: String) -> [UInt8]? {
        var text = Substring(hex)
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        let digits = text.filter { !$0.isWhitespace && $0 != ":" && $0 != "-" }
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            guard let b = UInt8(digits[i..<j], radix: 16) else { return nil }
            out.append(b)
            i = j
        }
        return out
    }

    static func standardInput() -> [UInt8] {
        Array(FileHandle.standardInput.readDataToEndOfFile())
    }

    static func file(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(path)")
        }
        return Array(data)
    }

    /// Splits a frames file: each payload is a 16-bit little-endian length and then that many bytes.
    static func frames(_ data: [UInt8]) throws -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var o = 0
        while o < data.count {
            guard o + 2 <= data.count else { throw CLIError("frames file ends inside a length prefix at byte \(o)") }
            let n = Int(data[o]) | Int(data[o + 1]) << 8
            o += 2
            guard o + n <= data.count else {
                throw CLIError("frame at byte \(o - 2) announces \(n) bytes; the file ends first")
            }
            ranges.append(o..<(o + n))
            o += n
        }
        return ranges
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
