import WelkomAgent
import WelkomChain

/// The agent knows the chain only through this protocol (it does not depend on WelkomChain).
extension ChainDesk: TillCentralRegistry {}
