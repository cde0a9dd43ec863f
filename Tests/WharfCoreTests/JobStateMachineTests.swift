import Testing
import WharfCore

@Suite("Job state machine")
struct JobStateMachineTests {
    static let legal: [(JobEvent, JobPlacement, JobPlacement)] = [
        (.claimed, .state(.available), .state(.running)),
        (.succeeded, .state(.running), .state(.completed)),
        (.failedWillRetry, .state(.running), .state(.available)),
        (.deadLettered, .state(.running), .dead),
        (.leaseExpired, .state(.running), .state(.available)),
        (.released, .state(.running), .state(.available)),
        (.cancelled, .state(.available), .state(.cancelled)),
        (.cancelled, .state(.running), .state(.cancelled)),
        (.retriedFromDead, .dead, .state(.available)),
    ]

    static let placements: [JobPlacement] = JobState.allCases.map { .state($0) } + [.dead]

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
}
