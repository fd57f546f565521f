import XCTest
@testable import MTText
final class MTTextPlaceholderTests: XCTestCase { func testNothingYet() {} }
