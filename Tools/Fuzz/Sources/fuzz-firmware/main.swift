import FuzzTarget

@_cdecl("fuzz_firmware_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzMain(.firmware, argc, argv)
}
