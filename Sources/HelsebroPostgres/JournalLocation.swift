import HelsebroJournal

extension SQLJournal {
    /// Opens the journal a `--journal` value names: `sqlite:PATH`, or `postgres://…` (`postgresql://…`). Nil for any
    /// other form, so each caller can say what it takes.
    public static func open(location: String) throws(JournalError) -> SQLJournal? {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            do {
                return SQLJournal(database: try PostgresDatabase(url: location))
            } catch let e as JournalError {
                throw e
            } catch {
                // The URL's password stays out of the message.
                throw JournalError(
                    .cannotOpen, "cannot open the PostgreSQL journal: \(PostgresDatabase.describe(error))",
                    underlying: error)
            }
        }
        guard location.hasPrefix("sqlite:") else { return nil }
        let path = String(location.dropFirst("sqlite:".count))
        guard !path.isEmpty else {
            throw JournalError(.invalidArgument, "a SQLite journal needs a file path: sqlite:PATH")
        }
        return try SQLJournal(path: path)
    }
}
