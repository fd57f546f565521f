import XCTest
@testable import MTSearch
final class MTSearchPlaceholderTests: XCTestCase { func testNothingYet() {} }
