/// Where a job is in its life. `dead` is not a state: dead jobs live in their own table.
///
/// available → running → completed; running → available (retry, hand-back, lease expiry);
/// available/running → cancelled. See ``JobStateMachine``.
public enum JobState: String, Sendable, CaseIterable, Codable {
    /// Waiting to be claimed; if `runAt` is in the future it is "scheduled".
    case available
    /// Claimed by a worker that holds its lease.
    case running
    /// Finished successfully. Terminal.
    case completed
    /// Cancelled by an operator. Terminal.
    case cancelled

    public var isTerminal: Bool { self == .completed || self == .cancelled }
}
