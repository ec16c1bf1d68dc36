import Testing
@testable import AdaptService

@Suite struct PeerPolicyTests {
    func peer(uid: UInt32, gid: UInt32 = 100) -> UnixSocket.Peer {
        UnixSocket.Peer(pid: 4242, uid: uid, gid: gid)
    }

    @Test func theOwnerAndRootGetInOthersAreRefusedWithAReason() {
        let policy = PeerPolicy(owner: 1000, group: nil)
        #expect(policy.verdict(for: peer(uid: 1000), groups: { _ in [] }) == .allowed)
        #expect(policy.verdict(for: peer(uid: 0), groups: { _ in [] }) == .allowed)
        #expect(policy.verdict(for: peer(uid: 1001), groups: { _ in [50] })
                == .refused("uid 1001 (pid 4242) is neither the service's owner (uid 1000) nor root"))
    }

    /// A configured group lets in its members, by primary or supplementary group; no one else.
    @Test func aConfiguredGroupLetsItsMembersIn() {
        let policy = PeerPolicy(owner: 1000, group: 50)
        #expect(policy.verdict(for: peer(uid: 1001, gid: 50), groups: { _ in [] }) == .allowed)
        #expect(policy.verdict(for: peer(uid: 1002), groups: { $0 == 1002 ? [7, 50] : [] }) == .allowed)
        #expect(policy.verdict(for: peer(uid: 1003), groups: { _ in [7] })
                == .refused("uid 1003 (pid 4242) is neither the service's owner (uid 1000) nor root nor in group 50"))
    }
}
