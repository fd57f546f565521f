@testable import MTServe
import XCTest

/// format html: which text is translated, what is kept byte for byte, entities in and out.
final class HTMLTextTests: XCTestCase {
    /// Segments of `html`, and the fragment rendered with each segment upper-cased.
    func check(_ html: String, segments: [String], rendered: String, line: UInt = #line) {
        let doc = HTMLText(html)
        XCTAssertEqual(doc.segments, segments, line: line)
        XCTAssertEqual(doc.render(doc.segments.map { $0.uppercased() }), rendered, line: line)
    }

    func testTextNodesAreSegmentsAndMarkupIsKept() {
        check("<p class=\"a>b\" title='x'>A man\n  walks.</p> <br/><img alt=\"a dog\">The dog.",
              segments: ["A man walks.", "The dog."],
              rendered: "<p class=\"a>b\" title='x'>A MAN WALKS.</p> <br/><img alt=\"a dog\">THE DOG.")
        // Leading and trailing whitespace stays; whitespace-only nodes are not segments.
        check("<div>\n  <span> two  words </span>\n</div>", segments: ["two words"],
              rendered: "<div>\n  <span> TWO WORDS </span>\n</div>")
        // Unchanged segments give the input back.
        let html = "<ul><li>one</li> <li>two words</li></ul>"
        let doc = HTMLText(html)
        XCTAssertEqual(doc.render(doc.segments), html)
    }

    func testEntitiesDecodedForTheModelAndEscapedBack() {
        check("Fish &amp; chips &lt;3 &eacute;t&#233; &#x263A;&nbsp;ok &unknown; &amp", segments: ["Fish & chips <3 été ☺ ok &unknown; &amp"],
              rendered: "FISH &amp; CHIPS &lt;3 ÉTÉ ☺ OK &amp;UNKNOWN; &amp;AMP")
        XCTAssertEqual(HTMLEntities.decode("&#0;&#xD800;&#x110000;&AElig;&yuml;&euro;"), "\u{FFFD}\u{FFFD}\u{FFFD}Æÿ€")
    }

    func testKeptElementsCommentsAndNoTranslate() {
        check("<script>if (a < b) { x = \"</p>\"; }</script><style>p>b{}</style>Hi<!-- a comment -->there<code>ls -l</code>",
              segments: ["Hi", "there"],
              rendered: "<script>if (a < b) { x = \"</p>\"; }</script><style>p>b{}</style>HI<!-- a comment -->THERE<code>ls -l</code>")
        check("<div translate=\"no\">keep <div>nested</div> still</div>go <span class=\"x notranslate\">brand</span> on",
              segments: ["go", "on"],
              rendered: "<div translate=\"no\">keep <div>nested</div> still</div>GO <span class=\"x notranslate\">brand</span> ON")
        check("<!DOCTYPE html><?xml version=\"1.0\"?><P>Up<BR>per</P>", segments: ["Up", "per"],
              rendered: "<!DOCTYPE html><?xml version=\"1.0\"?><P>UP<BR>PER</P>")
    }

    func testAngleBracketsThatAreNotTags() {
        check("a < b and c > d", segments: ["a < b and c > d"], rendered: "A &lt; B AND C &gt; D")
        check("x <3 y", segments: ["x <3 y"], rendered: "X &lt;3 Y")
        check("open <b", segments: ["open <b"], rendered: "OPEN &lt;B")
        check("", segments: [], rendered: "")
    }

    /// The reviewers' cases: attribute look-alikes, unquoted classes, end tags left out.
    func testNoTranslateAttributesExactly() {
        check("<p data-translate=\"no\" title='translate=no'>go</p><b class=notranslate>keep</b><i class=\"a notranslatex\">on</i>",
              segments: ["go", "on"],
              rendered: "<p data-translate=\"no\" title='translate=no'>GO</p><b class=notranslate>keep</b><i class=\"a notranslatex\">ON</i>")
        check("<p translate=\"no\">a<p>b</p>c", segments: ["b", "c"], rendered: "<p translate=\"no\">a<p>B</p>C")
        check("<span class=\"notranslate\"><code>x</span> y", segments: ["y"], rendered: "<span class=\"notranslate\"><code>x</span> Y")
    }

    /// `&nbsp;` and spaces at a node's edges stay outside the segment; numeric references take
    /// digits only; an oversized one is U+FFFD.
    func testEdgesAndNumericReferences() {
        check("&nbsp;Hello&nbsp; world\u{A0}", segments: ["Hello world"], rendered: "\u{A0}HELLO WORLD\u{A0}")
        check("&nbsp;&#160;", segments: [], rendered: "&nbsp;&#160;")
        XCTAssertEqual(HTMLEntities.decode("&#+65;&#x+41;&#65;&#99999999999;&#x;"), "&#+65;&#x+41;A\u{FFFD}&#x;")
    }

    /// A tag left open to the end of the input ends the markup: the rest is text, and the scan
    /// stays linear (this input took tens of seconds when each `<` rescanned to the end).
    func testUnterminatedTagsAreTextInLinearTime() {
        check("go <a href=\"x\" title", segments: ["go <a href=\"x\" title"], rendered: "GO &lt;A HREF=\"X\" TITLE")
        check("<b>ok</b> <a title=\"x>y", segments: ["ok", "<a title=\"x>y"], rendered: "<b>OK</b> &lt;A TITLE=\"X&gt;Y")
        let start = ContinuousClock.now
        let doc = HTMLText(String(repeating: "<a", count: 200_000))
        XCTAssertEqual(doc.segments.count, 1)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5), "the scan is not linear")
    }
}
