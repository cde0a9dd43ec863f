import ArgumentParser
import Wharf

/// A setting's flag as ArgumentParser declares it, from the one table of settings.
extension WorkerSettings {
    static func name(_ id: WorkerSettingID) -> NameSpecification { .customLong(self[id].flag ?? id.rawValue) }
    static func help(_ id: WorkerSettingID) -> ArgumentHelp { ArgumentHelp(self[id].flagHelp) }

    /// The first of the flag's text and the setting's variable that is set.
    static func given(_ id: WorkerSettingID, flag: String?, environment: [String: String]) -> String? {
        flag ?? self[id].environment.flatMap { environment[$0] }
    }
}
