public import Hummingbird
import Foundation
import Logging
import WharfCore
import WharfRuntime

/// The JSON admin API under `/api/v1`: reads are open (bind to loopback or put the server behind
/// your proxy), actions need `Authorization: Bearer <token>` and are off when no token is
/// configured. README lists every endpoint.
struct AdminAPI: Sendable {
    let store: any AdminStore
    let sampler: MonitoringSampler
    let token: APIToken?
    let bodyLimit: Int
    /// Runs before every action: the schema must be the one this binary knows (a newer one
    /// may have changed what an action's statements mean). The same check as /readyz.
    let schemaGate: SchemaGate
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("api/v1")
        api.get("overview") { _, _ in try overview() }
        api.get("queues") { _, _ in try queues() }
        api.get("workers") { _, _ in try await workers() }
        api.get("jobs") { request, _ in try await listJobs(request) }
        api.get("jobs/:id") { _, context in try await showJob(context) }
        api.get("dead-jobs") { request, _ in try await listDeadJobs(request) }
        api.get("dead-jobs/:id") { _, context in try await showDeadJob(context) }

        api.post("jobs") { request, _ in try await enqueue(request) }
        api.post("jobs/:id/cancel") { request, context in try await cancel(request, context) }
        api.post("dead-jobs/retry") { request, _ in try await retryMatching(request) }
        api.post("dead-jobs/purge") { request, _ in try await purgeMatching(request) }
        api.post("dead-jobs/:id/retry") { request, context in try await retryDead(request, context) }
        api.delete("dead-jobs/:id") { request, context in try await purgeDead(request, context) }
        api.post("queues/:queue/pause") { request, context in try await setPaused(request, context, true) }
        api.post("queues/:queue/resume") { request, context in try await setPaused(request, context, false) }
        registerSchedules(on: api)
    }

    // MARK: Reads

    func overview() throws -> Response {
        guard let snapshot = sampler.latest else {
            throw HTTPError(.serviceUnavailable, message: "no sample yet: " + (sampler.lastError ?? "the first one is being taken"))
        }
        return API.json(OverviewShape(snapshot, history: sampler.history, lastError: sampler.lastError))
    }

    func queues() throws -> Response {
        guard let snapshot = sampler.latest else { throw HTTPError(.serviceUnavailable, message: "no sample yet") }
        return API.json(QueuesShape(snapshot))
    }

    func workers() async throws -> Response {
        let workers = try await call { try await store.workers() }
        return API.json(WorkerList(workers.map { WorkerShape($0) }))
    }

    func listJobs(_ request: Request) async throws -> Response {
        let filter = try API.filter(request, allowState: true)
        let jobs = try await call { try await store.jobs(filter) }
        return API.json(JobPage(jobs: jobs.map(JobShape.init), nextBefore: nextBefore(jobs.map(\.id), filter)))
    }

    func listDeadJobs(_ request: Request) async throws -> Response {
        let filter = try API.filter(request, allowState: false)
        let dead = try await call { try await store.deadJobs(filter) }
        return API.json(JobPage(jobs: dead.map(JobShape.init), nextBefore: nextBefore(dead.map(\.job.id), filter), dead: true))
    }

    /// The `before` of the next page: the last id of a full page, `nil` after a short one.
    private func nextBefore(_ ids: [JobID], _ filter: JobFilter) -> JobID? {
        ids.count == filter.limit ? ids.last : nil
    }

    /// A job from either table: the job page works for dead jobs too.
    func showJob(_ context: some RequestContext) async throws -> Response {
        let id = try API.jobID(context)
        if let job = try await call({ try await store.job(id) }) { return API.json(JobShape(job)) }
        if let dead = try await call({ try await store.deadJob(id) }) { return API.json(JobShape(dead)) }
        throw HTTPError(.notFound, message: "job \(id) not found in jobs or dead jobs (finished jobs are deleted after the retention period)")
    }

    func showDeadJob(_ context: some RequestContext) async throws -> Response {
        let id = try API.jobID(context)
        guard let dead = try await call({ try await store.deadJob(id) }) else { throw HTTPError(.notFound, message: "dead job \(id) not found") }
        return API.json(JobShape(dead))
    }

    // MARK: Actions

    func enqueue(_ request: Request) async throws -> Response {
        var request = request
        try await authorize(request)
        let body = try await API.jsonBody(&request, limit: bodyLimit, allowed: EnqueueBody.fields.union(["jobs"]))
        if let batch = try EnqueueBody.batch(body) {
            // One store call: usually one statement, all or nothing. A key that changes hands
            // meanwhile is retried in further statements (JobInsertMany), so a batch that finally
            // fails that way may leave its first statement's jobs enqueued.
            let results = try await call { try await store.enqueue(batch) }
            guard results.count == batch.count else {
                throw HTTPError(.internalServerError, message: "the store returned \(results.count) results for \(batch.count) jobs")
            }
            zip(batch, results).forEach(recordEnqueue)
            let shapes = results.map { EnqueuedShape(id: $0.id.rawValue, inserted: $0.inserted) }
            return API.json(EnqueuedBatchShape(jobs: shapes), status: results.contains(where: \.inserted) ? .created : .ok)
        }
        let enqueueRequest = try EnqueueBody.parse(body)
        guard let result = try await call({ try await store.enqueue([enqueueRequest]) }).first else {
            throw HTTPError(.internalServerError, message: "the store returned no result for the enqueued job")
        }
        recordEnqueue(enqueueRequest, result)
        return API.json(EnqueuedShape(id: result.id.rawValue, inserted: result.inserted), status: result.inserted ? .created : .ok)
    }

    /// The metric and the log line of one enqueued job; nothing for a job a unique key refused.
    private func recordEnqueue(_ request: EnqueueRequest, _ result: EnqueueResult) {
        guard result.inserted else { return }
        RuntimeMetrics.enqueued(request.options.queue, request.kind)
        logger.info("Job enqueued", metadata: [
            "job.id": "\(result.id)", "job.queue": "\(request.options.queue)", "job.kind": "\(request.kind)",
            "job.state.from": "\(JobPlacement.new)", "job.state.to": "available", "source": "api",
        ])
    }

    func cancel(_ request: Request, _ context: some RequestContext) async throws -> Response {
        try await authorize(request)
        let id = try API.jobID(context)
        guard let before = try await call({ try await store.job(id) }) else { throw HTTPError(.notFound, message: "job \(id) not found") }
        let job = try await call { try await store.cancel(id) }
        RuntimeMetrics.cancelled(job)
        logger.info("Job cancelled", metadata: stateChange(job, from: before.state.rawValue, to: "cancelled"))
        return API.json(JobShape(job))
    }

    func retryDead(_ request: Request, _ context: some RequestContext) async throws -> Response {
        try await authorize(request)
        let id = try API.jobID(context)
        guard try await call({ try await store.deadJob(id) }) != nil else { throw HTTPError(.notFound, message: "dead job \(id) not found") }
        let job = try await call { try await store.retryDead(id) }
        RuntimeMetrics.deadJobsRetried(job.queue, count: 1)
        logger.info("Dead job retried", metadata: stateChange(job, from: "dead", to: "available"))
        return API.json(JobShape(job))
    }

    func purgeDead(_ request: Request, _ context: some RequestContext) async throws -> Response {
        try await authorize(request)
        let id = try API.jobID(context)
        guard try await call({ try await store.deadJob(id) }) != nil else { throw HTTPError(.notFound, message: "dead job \(id) not found") }
        try await call { try await store.purgeDead(id) }
        logger.info("Dead job purged", metadata: ["job.id": "\(id)", "source": "api"])
        return API.json(PurgedShape(purged: 1))
    }

    func retryMatching(_ request: Request) async throws -> Response {
        var request = request
        try await authorize(request)
        let selection = try selection(try await API.jsonBody(&request, limit: bodyLimit, allowed: ["queue", "kind", "all"]))
        let result = try await call { try await store.retryAllDead(selection) }
        RuntimeMetrics.deadJobsRetried(selection.queue, count: result.retried)
        logger.info("Dead jobs retried", metadata: [
            "jobs.count": "\(result.retried)", "jobs.skipped": "\(result.skipped)", "job.queue": "\(selection.queue?.rawValue ?? "*")",
            "job.kind": "\(selection.kind?.rawValue ?? "*")", "source": "api",
        ])
        return API.json(BulkRetryShape(retried: result.retried, skipped: result.skipped))
    }

    func purgeMatching(_ request: Request) async throws -> Response {
        var request = request
        try await authorize(request)
        let selection = try selection(try await API.jsonBody(&request, limit: bodyLimit, allowed: ["queue", "kind", "all"]))
        let count = try await call { try await store.purgeAllDead(selection) }
        logger.info("Dead jobs purged", metadata: [
            "jobs.count": "\(count)", "job.queue": "\(selection.queue?.rawValue ?? "*")", "job.kind": "\(selection.kind?.rawValue ?? "*")", "source": "api",
        ])
        return API.json(PurgedShape(purged: count))
    }

    func setPaused(_ request: Request, _ context: some RequestContext, _ paused: Bool) async throws -> Response {
        try await authorize(request)
        let name = context.parameters.get("queue") ?? ""
        let queue = try API.validated { () throws(ValidationError) in try QueueName(name) }
        try await call { try await store.setPaused(queue, paused: paused) }
        logger.notice(paused ? "Queue paused" : "Queue resumed", metadata: ["queue.name": "\(queue)", "source": "api"])
        return API.json(QueuePausedShape(queue: queue.rawValue, paused: paused))
    }

    // MARK: Helpers

    /// 401 unless the request carries the configured token; 403 when actions are off.
    func authorize(_ request: Request) async throws {
        guard let token else {
            throw HTTPError(.forbidden, message: "actions are disabled: configure an API token (WHARF_API_TOKEN or --api-token-file)")
        }
        guard token.accepts(authorization: request.headers[.authorization]) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"wharf\""], message: "missing or wrong bearer token")
        }
        do {
            try await schemaGate.pass()
        } catch {
            throw HTTPError(.serviceUnavailable, message: "actions refused: \(error)")
        }
    }

    /// A bulk selection; an empty one must say `"all": true`, so a forgotten filter cannot
    /// retry or purge everything by accident.
    func selection(_ body: [String: JSONValue]) throws -> DeadJobSelection {
        let queue = try API.string(body, "queue").map { name in try API.validated { () throws(ValidationError) in try QueueName(name) } }
        let kind = try API.string(body, "kind").map { name in try API.validated { () throws(ValidationError) in try JobKind(name) } }
        let all = try API.boolean(body, "all") ?? false
        if queue == nil && kind == nil && !all {
            throw API.bad("give \"queue\" and/or \"kind\", or \"all\": true to act on every dead job")
        }
        return DeadJobSelection(queue: queue, kind: kind)
    }

    func stateChange(_ job: Job, from: String, to: String) -> Logger.Metadata {
        ["job.id": "\(job.id)", "job.queue": "\(job.queue)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)",
         "job.state.from": "\(from)", "job.state.to": "\(to)", "source": "api"]
    }

    /// Runs a store call, mapping its failure onto an HTTP status.
    @discardableResult
    func call<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withTimeLimit(.seconds(10), "admin api", body)
        } catch {
            throw API.storeFailure(error)
        }
    }
}
