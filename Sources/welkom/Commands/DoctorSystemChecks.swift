import CBluetooth
import Foundation
import WelkomConfig
import WelkomRadio
import WelkomStorage

/// One finding of `welkom doctor`: fine, or what to do about it.
struct DoctorFinding {
    var ok: Bool
    var text: String

    static func ok(_ text: String) -> Self { Self(ok: true, text: text) }
    static func fix(_ text: String) -> Self { Self(ok: false, text: text) }

    var line: String { (ok ? "OK " : "FIX ") + text }
}

/// The radio and the machine under it: the kernel's Bluetooth, the adapters, rfkill, bluetoothd,
/// the capabilities this process holds, the clock and the data directory. Every check asks the
/// kernel or /proc and /sys directly; nothing is assumed from the config alone.
enum DoctorSystemChecks {
    // MARK: Radio

    /// The kernel adapters (hciN) the config names, with the channel each is opened on.
    static func kernelAdapters(_ config: WelkomConfig) -> [UInt16] {
        let transports = [config.radio.transport] + config.radio.receivers.map(\.transport)
        return transports.compactMap { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, case let .kernel(device)? = try? TransportSpec(parsing: trimmed) else { return nil }
            return device
        }
    }

    static func radio(_ config: WelkomConfig) -> [DoctorFinding] {
        let wanted = kernelAdapters(config)
        guard !wanted.isEmpty else {
            let transport = config.radio.transport.isEmpty ? "\"\" (no radio)" : config.radio.transport
            return [.ok("radio: no kernel adapter configured ([radio] transport = \(transport)); kernel checks skipped")]
        }
        var findings: [DoctorFinding] = []
        let channel = config.radio.kernelChannel
        let fd = socket(AF_BLUETOOTH, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), BTPROTO_HCI)
        if fd < 0 {
            let code = errno
            if code == EAFNOSUPPORT {
                findings.append(.fix("kernel: the kernel has no Bluetooth: socket(AF_BLUETOOTH) failed with errno 97 "
                    + "(EAFNOSUPPORT); fix: boot a kernel with Bluetooth (CONFIG_BT, the distribution's kernels have it) and "
                    + "`modprobe bluetooth`, or attach an H4 controller and set [radio] transport = \"serial:/dev/ttyACM0\""))
            } else {
                findings.append(.fix("kernel: socket(AF_BLUETOOTH) failed: \(String(cString: strerror(code))) (errno \(code))"))
            }
        } else {
            defer { close(fd) }
            findings.append(.ok("kernel: Bluetooth sockets are available"))
            findings += adapters(fd: fd, wanted: wanted, channel: channel)
        }
        findings += rfkill()
        findings.append(bluetoothd(channel: channel))
        findings.append(capabilities(channel: channel))
        return findings
    }

    /// HCIGETDEVLIST, then HCIGETDEVINFO (libbluetooth's hci_devinfo) for each adapter.
    static func adapters(fd: Int32, wanted: [UInt16], channel: KernelChannel) -> [DoctorFinding] {
        // struct hci_dev_list_req: a u16 count, then HCI_MAX_DEV × struct hci_dev_req {u16 id; u32 opt}.
        let maxDevices = Int(HCI_MAX_DEV)
        let entry = MemoryLayout<hci_dev_req>.stride
        let header = MemoryLayout<hci_dev_req>.alignment
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: header + maxDevices * entry, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: header + maxDevices * entry)
        buffer.storeBytes(of: UInt16(maxDevices), as: UInt16.self)
        let hciGetDevList: UInt = 0x8004_48D2  // _IOR('H', 210, int)
        guard ioctl(fd, hciGetDevList, buffer) == 0 else {
            let code = errno
            return [.fix("adapters: HCIGETDEVLIST failed: \(String(cString: strerror(code))) (errno \(code))")]
        }
        let count = Int(buffer.load(as: UInt16.self))
        var present: [UInt16: (name: String, address: String, up: Bool)] = [:]
        for index in 0..<min(count, maxDevices) {
            let id = buffer.load(fromByteOffset: header + index * entry, as: hci_dev_req.self).dev_id
            var info = hci_dev_info()
            guard hci_devinfo(Int32(id), &info) == 0 else { continue }
            let name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let address = withUnsafeBytes(of: info.bdaddr.b) { $0.reversed().map { String(format: "%02X", $0) }.joined(separator: ":") }
            present[id] = (name, address, info.flags & (1 << UInt32(HCI_UP)) != 0)
        }
        var findings: [DoctorFinding] = []
        if present.isEmpty && wanted.isEmpty { findings.append(.ok("adapters: none")) }
        for id in wanted {
            guard let adapter = present[id] else {
                let others = present.keys.sorted().map { "hci\($0)" }
                findings.append(.fix("adapter hci\(id): not present (the config names it; the kernel has "
                    + (others.isEmpty ? "no adapter" : others.joined(separator: ", "))
                    + "); fix: plug in the dongle and check `dmesg` for its firmware, or set [radio] transport to an adapter that exists"))
                continue
            }
            let what = "adapter hci\(id) (\(adapter.address)), named by the config, \(adapter.up ? "up" : "down")"
            switch channel {
            case .raw where !adapter.up:
                findings.append(.fix("\(what): the raw channel (kernel_channel = \"raw\") needs it up; fix: `bluetoothctl power on` "
                    + "(or `hciconfig hci\(id) up`), or set kernel_channel = \"user\""))
            case .raw, .rawThenUser:
                findings.append(.ok("\(what): kernel_channel = \"\(channel.rawValue)\""))
            case .user:
                findings.append(.ok("\(what): the user channel takes it over exclusively (BlueZ must not be using it)"))
            }
        }
        for (id, adapter) in present.sorted(by: { $0.key < $1.key }) where !wanted.contains(id) {
            findings.append(.ok("adapter hci\(id) (\(adapter.address)): \(adapter.up ? "up" : "down"), not used by the config"))
        }
        return findings
    }

    /// /sys/class/rfkill: Bluetooth switches that are soft- or hard-blocked.
    static func rfkill(root: String = "/sys/class/rfkill") -> [DoctorFinding] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var findings: [DoctorFinding] = []
        for entry in entries.sorted() {
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(root)/\(entry)/\(name)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard read("type") == "bluetooth" else { continue }
            let name = read("name") ?? entry
            if read("hard") == "1" {
                findings.append(.fix("rfkill: \(name) is hard-blocked (a switch, a key or the firmware settings); "
                    + "fix: turn the radio on there, then `rfkill unblock bluetooth`"))
            } else if read("soft") == "1" {
                findings.append(.fix("rfkill: \(name) is soft-blocked; fix: `rfkill unblock bluetooth`"))
            } else {
                findings.append(.ok("rfkill: \(name) is not blocked"))
            }
        }
        return findings.isEmpty ? [.ok("rfkill: no Bluetooth switch is blocked")] : findings
    }

    /// Whether BlueZ's daemon runs (a scan of /proc/*/comm, as pgrep does).
    static func bluetoothd(channel: KernelChannel) -> DoctorFinding {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { $0.allSatisfy(\.isNumber) }
        let running = pids.filter {
            (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "bluetoothd"
        }
        guard let pid = running.first else {
            return .ok("bluetoothd: not running" + (channel == .raw ? " (the raw channel needs the adapter up: `hciconfig hciN up`)" : ""))
        }
        switch channel {
        case .raw, .rawThenUser:
            return .ok("bluetoothd: running (pid \(pid)); the raw channel listens beside it")
        case .user:
            return .ok("bluetoothd: running (pid \(pid)); the user channel needs the adapter powered off in BlueZ (`bluetoothctl power off`)")
        }
    }

    /// CapEff of this process (/proc/self/status) against what the channel needs.
    static func capabilities(channel: KernelChannel, status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) -> DoctorFinding {
        let netAdmin: UInt64 = 1 << 12, netRaw: UInt64 = 1 << 13
        let effective = status?.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
            .flatMap { UInt64($0.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        let needed: [(String, UInt64)] = switch channel {
        case .raw: [("CAP_NET_RAW", netRaw)]
        case .user: [("CAP_NET_ADMIN", netAdmin)]
        case .rawThenUser: [("CAP_NET_RAW", netRaw), ("CAP_NET_ADMIN", netAdmin)]
        }
        let missing = needed.filter { effective & $0.1 == 0 }.map(\.0)
        guard !missing.isEmpty else {
            return .ok("capabilities: this process holds \(needed.map(\.0).joined(separator: " and ")) (kernel_channel = \"\(channel.rawValue)\")")
        }
        return .fix("capabilities: this process lacks \(missing.joined(separator: " and ")), which kernel_channel = \"\(channel.rawValue)\" needs; "
            + "fix: run the agent from the shipped unit (AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN), or "
            + "`setcap cap_net_raw,cap_net_admin+ep /usr/bin/welkom`, or run this check as root")
    }

    // MARK: System

    /// The kernel's view of time synchronisation (adjtimex), and systemd's when it answers.
    static func clock(recognitionOn: Bool) -> DoctorFinding {
        var synchronised: Bool
        var source: String
        if let kernel = adjtimexSynchronised() {
            synchronised = kernel
            source = "adjtimex: " + (kernel ? "synchronised" : "STA_UNSYNC")
        } else {
            synchronised = false
            source = "adjtimex unavailable"
        }
        if !synchronised, let ntp = timedatectlNTPSynchronized() {
            synchronised = ntp
            source += ", timedatectl NTPSynchronized=\(ntp ? "yes" : "no")"
        }
        if synchronised { return .ok("clock: synchronised (\(source))") }
        let fix = "`timedatectl set-ntp true` (systemd-timesyncd) or install chrony"
        // Only recognition needs the clock (WLK1 windows, the ledger's times of prompts).
        guard recognitionOn else {
            return .ok("clock: not synchronised (\(source)); recognition is off, so nothing depends on it yet; "
                + "before turning it on: \(fix)")
        }
        return .fix("clock: not synchronised (\(source)); WLK1 tokens change every 10 minutes, so a clock off by more than "
            + "recognition.skew_windows × 10 min recognises nobody, and the ledger's times are wrong; fix: \(fix)")
    }

    /// adjtimex(2) with modes 0 (reads only): TIME_ERROR or STA_UNSYNC mean nobody disciplines
    /// the clock. Glibc's module leaves out <sys/timex.h>, so the call goes through dlsym with the
    /// LP64 layout of struct timex (x86-64 and arm64 alike: `status` at byte 40).
    private static func adjtimexSynchronised() -> Bool? {
        typealias AdjTimex = @convention(c) (UnsafeMutableRawPointer) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "adjtimex") else { return nil }
        let call = unsafeBitCast(symbol, to: AdjTimex.self)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        let timeError: Int32 = 5, staUnsync: Int32 = 0x0040
        let state = call(buffer)
        guard state >= 0 else { return nil }
        let status = buffer.load(fromByteOffset: 40, as: Int32.self)
        return state != timeError && status & staUnsync == 0
    }

    private static func timedatectlNTPSynchronized() -> Bool? {
        let candidates = ["/usr/bin/timedatectl", "/bin/timedatectl"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["show", "-p", "NTPSynchronized", "--value"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else { return nil }
        return out == "yes" ? true : out == "no" ? false : nil
    }

    /// The data directory, by the one check the agent and the CLI apply before writing
    /// (DataDirectory: no symlink on the way, ours and nobody else's to write, parents included,
    /// key files regular 0600 files of ours), as the agent's user sees it.
    static func dataDirectory(_ path: String) -> [DoctorFinding] {
        let owner = expectedOwner()
        let url = URL(fileURLWithPath: path, isDirectory: true)
        let problems = DataDirectory.check(url, forWriting: true, user: owner?.uid ?? geteuid())
        let dir = DataDirectory.normalisedPath(url)
        var findings = problems.map { problem in
            DoctorFinding.fix(problem.path == dir ? "data directory \(path): \(problem.what); fix: \(problem.fix)" : problem.description)
        }
        var st = stat()
        if lstat(path, &st) != 0 {
            return findings + [.ok("data directory \(path): does not exist yet; `welkom run` creates it 0700")]
        }
        if findings.isEmpty && st.st_mode & 0o077 != 0 {
            findings.append(.fix("data directory \(path): mode 0\(String(st.st_mode & 0o777, radix: 8)), should be 0700 "
                + "(only the agent reads consents); fix: `chmod 0700 \(path)`"))
        }
        if findings.isEmpty {
            findings.append(.ok("data directory \(path): 0700, owned by \(owner?.name ?? "uid \(st.st_uid)"), no symlinks, "
                + "key and store files 0600"))
        }
        return findings
    }

    /// Who should own the data directory: the welkom user when root runs the doctor for the
    /// packaged agent (User=welkom), else whoever runs it.
    private static func expectedOwner() -> (name: String, uid: uid_t)? {
        let euid = geteuid()
        if euid == 0, let pw = getpwnam("welkom") { return ("welkom", pw.pointee.pw_uid) }
        guard let pw = getpwuid(euid) else { return ("uid \(euid)", euid) }
        return (String(cString: pw.pointee.pw_name), euid)
    }
}
