import HelsebroConfig
import HelsebroJournal

extension ConfigLibrary {
    /// The library of a running service: the directories, and the versions uploaded into `store`.
    public static func serving(store: any JournalStore, profilesDirectory: String, firmwareDirectory: String)
        -> ConfigLibrary
    {
        ConfigLibrary(profilesDirectory: profilesDirectory, firmwareDirectory: firmwareDirectory) {
            try store.configDocuments(kind: nil, id: nil).map { d in
                let firmware = d.kind == "firmware"
                return Registry.Source(
                    path: "journal:\(firmware ? "Firmware-Specs" : "DeviceProfiles")/\(d.id).yaml@v\(d.version)",
                    id: d.id, isFirmware: firmware, text: d.yaml)
            }
        }
    }
}
