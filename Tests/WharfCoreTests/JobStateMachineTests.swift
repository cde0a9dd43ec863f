import Foundation
import Testing
import WharfCore

@Suite("Job state machine")
struct JobStateMachineTests {
    static let legal: [(JobEvent, JobPlacement, JobPlacement)] = [
        (.enqueued, .new, .state(.available)),
        (.claimed, .state(.available), .state(.running)),
        (.succeeded, .state(.running), .state(.completed)),
        (.failedWillRetry, .state(.running), .state(.available)),
        (.deadLettered, .state(.running), .dead),
        (.leaseExpired, .state(.running), .state(.available)),
        (.released, .state(.running), .state(.available)),
        (.snoozed, .state(.running), .state(.available)),
        (.cancelled, .state(.available), .state(.cancelled)),
        (.cancelled, .state(.running), .state(.cancelled)),
        (.retriedFromDead, .dead, .state(.available)),
    ]

    static let placements: [JobPlacement] = [.new] + JobState.allCases.map { .state($0) } + [.dead]

    @Test("every legal transition lands where the table says", arguments: legal)
    func legalTransitionsLandWhereTheTableSays(event: JobEvent, from: JobPlacement, to: JobPlacement) throws {
        #expect(try JobStateMachine.apply(event, from: from) == Transition(event: event, from: from, to: to))
    }

    @Test("every other event and placement pair is refused", arguments: JobEvent.allCases)
    func everyOtherPairIsRefused(event: JobEvent) {
        for from in Self.placements where !Self.legal.contains(where: { $0.0 == event && $0.1 == from }) {
            #expect(throws: TransitionError(event: event, from: from)) { try JobStateMachine.apply(event, from: from) }
        }
    }

    @Test("finished jobs accept no event and the refusal says so")
    func finishedJobsAcceptNothing() {
        for state in [JobState.completed, .cancelled] {
            let error = TransitionError(event: .cancelled, from: .state(state))
            #expect(error.description == "a job that is \(state.rawValue) cannot be cancelled (possible here: none: the job is finished)")
        }
    }

    @Test("a refusal lists the events that are possible")
    func refusalListsPossibleEvents() {
        let error = TransitionError(event: .succeeded, from: .state(.available))
        #expect(error.description.contains("possible here: claimed, cancelled"))
    }

    @Test("placements read back from the names history stores", arguments: placements)
    func placementsRoundTripThroughHistoryNames(placement: JobPlacement) {
        #expect(JobPlacement(historyName: placement.historyName) == placement)
    }

    @Test("a history entry with a name Wharf never writes has no transition")
    func unknownHistoryNamesHaveNoTransition() {
        let at = Date(timeIntervalSince1970: 0)
        #expect(HistoryEntry(at: at, event: "claimed", from: "available", to: "running", attempt: 1).transition
            == Transition(event: .claimed, from: .state(.available), to: .state(.running)))
        #expect(HistoryEntry(at: at, event: "exploded", from: "available", to: "running", attempt: 1).transition == nil)
        #expect(HistoryEntry(at: at, event: "claimed", from: "limbo", to: "running", attempt: 1).transition == nil)
        #expect(JobPlacement(historyName: "limbo") == nil)
    }
}
