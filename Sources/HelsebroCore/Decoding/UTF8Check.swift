/// UTF-8 and ASCII checks on bytes, without making a String (which allocates beyond 15 bytes).
enum UTF8Check {
    /// Whether every byte is ASCII.
    static func isASCII(_ bytes: some Sequence<UInt8>) -> Bool { bytes.allSatisfy { $0 < 0x80 } }

    /// Whether the bytes are valid UTF-8, by the standard library's validating parser (the one `String(validating:)`
    /// uses).
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if isASCII(bytes) { return true }
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
