import FuzzTarget

@_cdecl("fuzz_profile_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzMain(.profile, argc, argv)
}
