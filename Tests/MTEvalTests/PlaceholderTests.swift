import XCTest
@testable import MTEval
final class MTEvalPlaceholderTests: XCTestCase { func testNothingYet() {} }
