import FuzzTarget

@_cdecl("fuzz_gatt_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzMain(.gatt, argc, argv)
}
