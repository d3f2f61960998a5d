"""bench-results/bench.svg: bench.txt's "x hello" column as a picture, each forum page's requests per
second as a share of the hello-world's, drawn by the same SVG code as the admin charts (forum.charts)."""

from forum.charts import bars


def share_chart(rates: list[tuple[str, float]], hello_rate: float, when: str = "") -> str:
    """rates: (page and who, requests per second) in the table's order; hello_rate: the ceiling's."""
    shares = [(label, rate / hello_rate if hello_rate else 0.0) for label, rate in rates]
    listed = "; ".join(f"{label}: {share:.1%}" for label, share in shares)
    title = "Forum pages as a share of hello-world's requests per second" + (f", {when}" if when else "")
    return str(bars(shares, title=title, desc=f"hello-world: {hello_rate:,.0f} requests per second = 100%. {listed}.",
                    value_label=lambda share: f"{share:.1%}", ceiling=max(1.0, *(share for _, share in shares)),
                    width=720, label_width=260, heading=True, marker=(1.0, f"hello-world, {hello_rate:,.0f} req/s"),
                    standalone=True, id_prefix="bench")) + "\n"
