"""forum.charts draws columns and bars as SVG text; bench.chart draws `make bench`'s table with it."""

import xml.etree.ElementTree as ET

from bench.chart import share_chart
from forum.charts import bars, columns

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    text = str(markup)
    if "xmlns=" not in text:
        text = text.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ET.fromstring(text)


def bar_rects(svg):
    return [rect for rect in svg.iter(SVG + "rect") if rect.get("class") == "chart-bar"]


def test_columns_are_as_tall_as_their_counts_on_a_rounded_up_axis():
    svg = parse(columns([("1 Dec", 4), ("2 Dec", 0), ("3 Dec", 8), ("4 Dec", 2)], title="Posts per day",
                        desc="14 in all.", label_every=2, id_prefix="posts"))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "posts-title posts-desc"
    assert svg.find(SVG + "title").text == "Posts per day" and svg.find(SVG + "desc").text == "14 in all."
    heights = [float(rect.get("height")) for rect in bar_rects(svg)]
    assert len(heights) == 3  # a day with none draws no column
    assert heights[0] * 2 == heights[1] and heights[2] * 4 == heights[1]
    texts = [text.text for text in svg.iter(SVG + "text")]
    assert texts == ["0", "5", "10", "1 Dec", "3 Dec"]  # the axis goes up to 10 (8 rounded up); every 2nd day
    assert "style=" not in str(columns([("a", 1)], title="t", desc="d"))


def test_a_half_way_line_that_would_not_be_a_whole_count_is_left_out():
    svg = parse(columns([("1 Dec", 1)], title="Sanctions", desc="1"))
    assert [text.text for text in svg.iter(SVG + "text")] == ["0", "1", "1 Dec"]


def test_bars_are_as_long_as_their_values_with_labels_escaped_and_shortened():
    svg = parse(bars([("<b>Tea</b> & cake", 10), ("A very long thread title that goes on and on", 5),
                      ("Nothing", 0)], title="Busiest threads", desc="Three threads.", label_width=150))
    widths = [float(rect.get("width")) for rect in bar_rects(svg)]
    assert len(widths) == 2 and widths[0] == 2 * widths[1]
    texts = [text.text for text in svg.iter(SVG + "text")]
    assert texts[0] == "<b>Tea</b> & cake" and texts[1] == "10"  # escaped in the markup, whole once parsed
    assert texts[2] == "A very long threa…" and texts[3] == "5" and texts[4:] == ["Nothing", "0"]


def test_the_bench_chart_gives_each_page_its_share_of_hello_world():
    text = share_chart([("home, guest", 11_000), ("home, member", 110), ("thread, guest", 5_500)], 10_000,
                       when="2026-12-06 19:26 UTC")
    svg = ET.fromstring(text)  # a file of its own: namespaced, with its own style for light and dark
    assert svg.find(SVG + "style") is not None and "prefers-color-scheme: dark" in svg.find(SVG + "style").text
    assert svg.find(SVG + "title").text.endswith("share of hello-world's requests per second, 2026-12-06 19:26 UTC")
    assert "home, member: 1.1%" in svg.find(SVG + "desc").text
    texts = [text.text for text in svg.iter(SVG + "text")]
    assert texts == [svg.find(SVG + "title").text, "home, guest", "110.0%", "home, member", "1.1%", "thread, guest",
                     "55.0%", "hello-world, 10,000 req/s"]  # the title written out, the bars, the 100% line
    widths = [float(rect.get("width")) for rect in bar_rects(svg)]
    assert widths[0] == 2 * widths[2] and abs(widths[1] - widths[2] / 50) < 0.1  # coordinates to 0.1
