import WelkomCore

extension TillAction {
    var parts: (promptID: String, till: TillID, reason: RemovalReason) {
        switch self {
        case .acknowledge(let promptID, let till): (promptID, till, .acknowledged)
        case .dismiss(let promptID, let till): (promptID, till, .dismissed)
        }
    }
}
