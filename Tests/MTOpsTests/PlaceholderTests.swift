import XCTest
@testable import MTOps
final class MTOpsPlaceholderTests: XCTestCase { func testNothingYet() {} }
