/// Where the registry comes from while the service runs: the shipped `DeviceProfiles/` and `Firmware-Specs/` files,
/// with the versions technicians uploaded (kept in the journal) over them.
public struct ConfigLibrary: Sendable {
    public let profilesDirectory: String
    public let firmwareDirectory: String
    let stored: @Sendable () throws -> [Registry.Source]

    /// `stored` gives the uploaded documents, oldest first; the latest of each kind and id wins.
    public init(
        profilesDirectory: String, firmwareDirectory: String, stored: @escaping @Sendable () throws -> [Registry.Source]
    ) {
        self.profilesDirectory = profilesDirectory
        self.firmwareDirectory = firmwareDirectory
        self.stored = stored
    }

    /// The registry now, with `extra` (a document being checked) over everything else.
    public func registry(adding extra: [Registry.Source] = []) -> Registry {
        let (files, problems) = Registry.sources(
            profilesDirectory: profilesDirectory, firmwareDirectory: firmwareDirectory)
        var registry = Registry.load(sources: files + ((try? stored()) ?? []) + extra)
        registry.issues = problems + registry.issues
        return registry
    }

    /// The shipped file of a profile or firmware spec, if there is one.
    public func shippedText(id: String, firmware: Bool) -> String? {
        let (files, _) = Registry.sources(profilesDirectory: profilesDirectory, firmwareDirectory: firmwareDirectory)
        return files.first { $0.id == id && $0.isFirmware == firmware }?.text
    }
}
