import FuzzTarget

@_cdecl("fuzz_hl7_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzMain(.hl7, argc, argv)
}
