import Hummingbird
import Logging
import WharfCore

/// `/api/v1/schedules`: list and show (open reads), define, pause, resume, trigger, remove
/// (actions: the bearer token). Schedules made here have source `api`.
extension AdminAPI {
    func registerSchedules(on api: RouterGroup<BasicRequestContext>) {
        api.get("schedules") { _, _ in try await listSchedules() }
        api.get("schedules/:name") { _, context in try await showSchedule(context) }
        api.put("schedules/:name") { request, context in try await defineSchedule(request, context) }
        api.post("schedules/:name/pause") { request, context in try await setSchedulePaused(request, context, true) }
        api.post("schedules/:name/resume") { request, context in try await setSchedulePaused(request, context, false) }
        api.post("schedules/:name/trigger") { request, context in try await triggerSchedule(request, context) }
        api.delete("schedules/:name") { request, context in try await removeSchedule(request, context) }
    }

    func listSchedules() async throws -> Response {
        API.json(ScheduleList(try await call { try await store.schedules() }))
    }

    func showSchedule(_ context: some RequestContext) async throws -> Response {
        let name = scheduleName(context)
        guard let status = try await call({ try await store.schedule(named: name) }) else { throw noSchedule(name) }
        return API.json(ScheduleShape(status))
    }

    func defineSchedule(_ request: Request, _ context: some RequestContext) async throws -> Response {
        var request = request
        try await authorize(request)
        let name = scheduleName(context)
        let body = try await API.jsonBody(&request, limit: bodyLimit, allowed: Set(ScheduleDefinition.jsonKeys))
        let definition: ScheduleDefinition
        switch ScheduleDefinition.fromJSON(name: name, .object(body.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })) {
        case .success(let parsed): definition = parsed
        case .failure(let problems): throw API.bad(problems.description)
        }
        let outcome = try await call { try await store.defineSchedule(definition, source: "api") }
        switch outcome {
        case .ownedByConfig(let source):
            throw HTTPError(.conflict, message: "schedule \"\(name)\" belongs to \(source): change it in that deployment's config file")
        case .created, .replaced:
            let created = outcome == .created
            logger.notice(created ? "Schedule created" : "Schedule replaced", metadata: [
                "schedule.name": "\(name)", "schedule.cron": "\(definition.expression)", "job.kind": "\(definition.kind)", "source": "api",
            ])
            return API.json(ScheduleActionShape(name: name, action: created ? "created" : "replaced"), status: created ? .created : .ok)
        }
    }

    func setSchedulePaused(_ request: Request, _ context: some RequestContext, _ paused: Bool) async throws -> Response {
        try await authorize(request)
        let name = scheduleName(context)
        guard try await call({ try await store.setSchedulePaused(name, paused: paused) }) else { throw noSchedule(name) }
        logger.notice(paused ? "Schedule paused" : "Schedule resumed", metadata: ["schedule.name": "\(name)", "source": "api"])
        return API.json(ScheduleActionShape(name: name, action: paused ? "paused" : "resumed"))
    }

    func triggerSchedule(_ request: Request, _ context: some RequestContext) async throws -> Response {
        try await authorize(request)
        let name = scheduleName(context)
        guard let id = try await call({ try await store.triggerSchedule(name) }) else { throw noSchedule(name) }
        logger.notice("Schedule triggered", metadata: ["schedule.name": "\(name)", "job.id": "\(id)", "source": "api"])
        return API.json(ScheduleActionShape(name: name, action: "triggered", jobID: id.rawValue), status: .created)
    }

    func removeSchedule(_ request: Request, _ context: some RequestContext) async throws -> Response {
        try await authorize(request)
        let name = scheduleName(context)
        guard let source = try await call({ try await store.removeSchedule(name) }) else { throw noSchedule(name) }
        logger.notice("Schedule removed", metadata: ["schedule.name": "\(name)", "schedule.source": "\(source)", "source": "api"])
        return API.json(ScheduleActionShape(name: name, action: "removed"))
    }

    private func scheduleName(_ context: some RequestContext) -> String { context.parameters.get("name") ?? "" }
    private func noSchedule(_ name: String) -> HTTPError { HTTPError(.notFound, message: "schedule \"\(name)\" not found") }
}
