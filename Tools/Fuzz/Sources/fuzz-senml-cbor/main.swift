import FuzzTarget

@_cdecl("fuzz_senml_cbor_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzMain(.senmlCBOR, argc, argv)
}
