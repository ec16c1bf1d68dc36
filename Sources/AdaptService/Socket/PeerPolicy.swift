internal import Foundation

/// Who may use the control socket: its owner (the user the service runs as), root, and the members of one group
/// the operator names. The socket file's 0600 mode already keeps others out; this check is the second lock, for a
/// file made reachable by mistake (a chmod, a shared directory) — the kernel's SO_PEERCRED cannot be forged.
struct PeerPolicy: Sendable, Equatable {
    /// The service's own uid.
    var owner: UInt32
    /// A group whose members are let in too (`serve --allow-group`); nil: none.
    var group: UInt32?

    enum Verdict: Equatable {
        case allowed
        /// Refused, with the reason for the service's log.
        case refused(String)
    }

    /// `groups(uid)` lists a user's supplementary groups (only asked when a group is configured).
    func verdict(for peer: UnixSocket.Peer, groups: (UInt32) -> [UInt32]) -> Verdict {
        if peer.uid == owner || peer.uid == 0 { return .allowed }
        if let group, peer.gid == group || groups(peer.uid).contains(group) { return .allowed }
        return .refused("uid \(peer.uid) (pid \(peer.pid)) is neither the service's owner (uid \(owner)) nor root"
                        + (group.map { " nor in group \($0)" } ?? ""))
    }
}

extension PeerPolicy {
    /// A user's groups from the group database (getgrouplist), for the configured-group rule.
    static func supplementaryGroups(of uid: UInt32) -> [UInt32] {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var text = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &text, text.count, &result) == 0, result != nil, let name = entry.pw_name else { return [] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, entry.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, entry.pw_gid, &groups, &count) >= 0 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
