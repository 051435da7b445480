import Foundation

/// ../shared, found from this file's location (Tests/FrontendTests/Support -> package root -> ..).
let sharedDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Support
    .deletingLastPathComponent()  // FrontendTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root
    .deletingLastPathComponent()  // its parent
    .appendingPathComponent("shared")

/// The bytes of a file, or nil when it does not exist.
func readBytes(_ url: URL) -> [UInt8]? {
    guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
    return [UInt8](data)
}
