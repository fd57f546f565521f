import XCTest
@testable import MTData
final class MTDataPlaceholderTests: XCTestCase { func testNothingYet() {} }
