#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Minimal file access for the soundness test, so the Core test target needs no Foundation either.
func readText(_ path: String) throws -> String {
    guard let f = fopen(path, "rb") else { throw FileAccessError(path: path) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func swiftFiles(_ directory: String) throws -> [String] {
    guard let d = opendir(directory) else { throw FileAccessError(path: directory) }
    defer { closedir(d) }
    var out: [String] = []
    while let entry = readdir(d) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        let path = directory + "/" + name
        if name.hasSuffix(".swift") {
            out.append(path)
        } else if entry.pointee.d_type == UInt8(DT_DIR) {
            out += try swiftFiles(path)
        }
    }
    return out
}

struct FileAccessError: Error { var path: String }
