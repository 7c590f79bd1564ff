"""Times an sgaudit HTML report in headless Chromium: how long the page takes to load, and how long each thing a
reader does takes until the page has laid itself out again (one severity box, the text search, opening a group
of findings, selecting a finding, expanding a folded VPC and going back).

Usage: bench-html-page.py REPORT.html [RUNS]

Each figure is the median of RUNS fresh page loads (default 5), in milliseconds. The network is off, as in the
browser tests.
"""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "browser"))
from check_report import driver, no_console_errors  # noqa: E402

# One click on the "low" severity box: it hides the low findings, and a second click shows them again.
TOGGLE_LOW = """
        const box = document.querySelector('input[name=severity][value=low]');
        const t = performance.now();
        box.click();
        document.body.offsetHeight;
        return performance.now() - t;"""

# Each action runs in the page and returns its time in milliseconds, reading a layout property at the end so
# that the style and layout work the action caused is inside the time.
ACTIONS = {
    "hide one severity (low)": TOGGLE_LOW,
    "show it again": TOGGLE_LOW,
    "text search (one group ID)": """
        const q = document.querySelector('input[name=q]');
        const t = performance.now();
        q.value = 'sg-00000000000000007';
        q.dispatchEvent(new Event('input', {bubbles: true}));
        document.body.offsetHeight;
        const ms = performance.now() - t;
        q.value = '';
        q.dispatchEvent(new Event('input', {bubbles: true}));
        return ms;""",
    "open the largest group": """
        let best = null;
        document.querySelectorAll('tbody.group').forEach(g => {
          const n = document.querySelectorAll('tbody.finding[data-in-group="' + g.dataset.group + '"]').length;
          if (!best || n > best.n) best = {g, n};
        });
        const t = performance.now();
        best.g.querySelector('.group-toggle').click();
        document.body.offsetHeight;
        return performance.now() - t;""",
    "select a finding (highlight)": """
        const row = document.querySelector('tbody.finding[data-hl]:not([hidden])') ||
                    document.querySelector('tbody.finding[data-hl]');
        const t = performance.now();
        row.querySelector('tr.summary').click();
        document.body.offsetHeight;
        return performance.now() - t;""",
    "expand a folded VPC": """
        const node = document.querySelector('.sg-graph .node.vpc');
        if (!node) return -1;
        const t = performance.now();
        node.dispatchEvent(new MouseEvent('click', {bubbles: true}));
        document.body.offsetHeight;
        return performance.now() - t;""",
    "back to the overview": """
        const b = document.querySelector('.to-overview');
        if (!b || b.closest('[hidden]')) return -1;
        const t = performance.now();
        b.click();
        document.body.offsetHeight;
        return performance.now() - t;""",
}


def main(html, runs):
    figures = {"load (navigation to load event end)": []}
    figures.update({name: [] for name in ACTIONS})
    url = "file://" + os.path.abspath(html)
    with tempfile.TemporaryDirectory() as profile:
        d = driver(profile)
        try:
            for _ in range(runs):
                d.get("about:blank")
                d.get(url)
                nav = d.execute_script("const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd;")
                figures["load (navigation to load event end)"].append(nav)
                for name, script in ACTIONS.items():
                    figures[name].append(d.execute_script(script))
            rows = d.execute_script("return document.querySelectorAll('tbody.finding').length")
            no_console_errors(d)
        finally:
            d.quit()
    size = os.path.getsize(html)
    print(f"{rows} findings, {size / 1e6:.1f} MB page, median of {runs} loads:")
    for name, values in figures.items():
        values = [v for v in values if v >= 0]
        if values:
            print(f"  {name}: {statistics.median(values):.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
