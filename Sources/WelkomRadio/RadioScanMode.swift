/// How the driver scans, chosen from the controller's LE features after reset.
public enum RadioScanMode: String, Sendable {
    /// LE Set Scan Parameters/Enable; the controller sends LE Advertising Reports.
    case legacy
    /// LE Set Extended Scan Parameters/Enable; LE Extended Advertising Reports.
    case extended
    /// A btsnoop capture replayed at its recorded pace.
    case replay
}
