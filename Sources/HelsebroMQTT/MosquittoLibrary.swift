import CMosquitto

/// The libmosquitto library this process is linked against.
///
/// The ingest service checks the version at start-up: MQTT 5 user properties (`seq`, `ts`) need libmosquitto 1.6
/// or newer.
public enum MosquittoLibrary {
    /// The linked library's version as (major, minor, revision).
    public static var version: (major: Int, minor: Int, revision: Int) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)
        return (Int(major), Int(minor), Int(revision))
    }

    /// `mosquitto_lib_init`, once per process.
    static let initialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    static func initialize() { _ = initialized }

    /// The version as `major.minor.revision`.
    public static var versionString: String {
        let v = version
        return "\(v.major).\(v.minor).\(v.revision)"
    }
}
