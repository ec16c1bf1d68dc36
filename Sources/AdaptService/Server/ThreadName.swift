internal import Foundation

/// Names the calling thread for the kernel, so `top -H`, htop and /proc show it (Foundation's `Thread.name` stays
/// in-process on Linux, and glibc's pthread_setname_np is hidden from Swift behind _GNU_SOURCE).
enum ThreadName {
    static func set(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
