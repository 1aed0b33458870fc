/// The journal module's error. `description` is safe to log: no SQL arguments, no patient data.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: Hashable, Sendable { case cannotOpen, notFound, alreadyExists, invalidArgument, conflict, storage }
        let base: Base
        public static let cannotOpen = Code(base: .cannotOpen)
        public static let notFound = Code(base: .notFound)
        public static let alreadyExists = Code(base: .alreadyExists)
        public static let invalidArgument = Code(base: .invalidArgument)
        /// The request does not fit the record's current state (acknowledging a resolved alert).
        public static let conflict = Code(base: .conflict)
        public static let storage = Code(base: .storage)
        public var description: String { "\(base)" }
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil, file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    public var description: String { message }

    /// The journal itself cannot be used (disk full, locked, unreadable): nothing can be written until that clears.
    /// Otherwise the journal refused what it was given (a constraint, a value it cannot hold), and other writes
    /// would still work.
    public var isJournalFault: Bool { code == .storage || code == .cannotOpen }
}
