import FuzzTarget

@_cdecl("fuzz_frames_main")
func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    fuzzMain(.frames, argc, argv)
}
