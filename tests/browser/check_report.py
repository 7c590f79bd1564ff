"""Opens an sgaudit HTML report in headless Chromium through WebDriver and checks what a reader does with it.

Usage: check_report.py REPORT.html REPORT.json SCREENSHOT.png

The network is off (Chromium's offline emulation, and the page's own Content-Security-Policy forbids any
fetch); the script asserts the finding count, a severity filter, that selecting the internet-path finding
highlights its hops in the SVG, the node panel, a narrow window, and that the console has no errors. It
saves a screenshot. Exits non-zero with the failed assertion on stderr.
"""
import json
import os
import re
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = os.environ.get("SGAUDIT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SGAUDIT_CHROMEDRIVER", "/usr/bin/chromedriver")


def driver(profile):
    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        # Nothing may leave the machine: every host name fails to resolve, every proxy is refused.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)


def open_offline(d, html):
    """Opens a report with the network off (Chromium's offline emulation) and checks it is one."""
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    d.get("file://" + os.path.abspath(html))
    assert d.title == "sgaudit report", d.title


def no_console_errors(d):
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"console errors: {errors}"


def visible_rows(d):
    return [r for r in d.find_elements(By.CSS_SELECTOR, "tbody.finding") if r.is_displayed()]


def main(html, report_json, screenshot):
    report = json.load(open(report_json))
    active = [f for f in report["findings"] if not f.get("suppressed")]
    with tempfile.TemporaryDirectory() as profile:
        d = driver(profile)
        try:
            open_offline(d, html)
            fetched = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            assert fetched == [], f"the page fetched {fetched}"

            # Every finding is listed, and the count says so.
            rows = visible_rows(d)
            assert len(rows) == len(active), f"{len(rows)} rows shown, the report has {len(active)} findings"
            shown = d.find_element(By.ID, "shown").text
            assert shown == f"{len(active)} of {len(active)} finding(s) shown", shown

            # A severity filter: only high findings.
            for box in d.find_elements(By.CSS_SELECTOR, "input[name=severity]"):
                if (box.get_attribute("value") == "high") != box.is_selected():
                    box.click()
            rows = visible_rows(d)
            high = [f for f in active if f["severity"] == "high"]
            assert len(rows) == len(high) > 0, f"{len(rows)} rows after the filter, {len(high)} high findings"
            assert all(r.get_attribute("data-severity") == "high" for r in rows)
            for box in d.find_elements(By.CSS_SELECTOR, "input[name=severity]"):
                if not box.is_selected():
                    box.click()
            assert len(visible_rows(d)) == len(active)

            # The text search.
            search = d.find_element(By.CSS_SELECTOR, "input[name=q]")
            search.send_keys(active[0]["resource"]["id"])
            rows = visible_rows(d)
            assert rows and all(active[0]["resource"]["id"] in r.text for r in rows)
            search.clear()
            search.send_keys(" ")
            search.clear()
            d.execute_script("document.getElementById('filters').dispatchEvent(new Event('input'))")
            assert len(visible_rows(d)) == len(active)

            # A group of findings that share a cause folds and opens; the count of findings shown stays.
            group = d.find_element(By.CSS_SELECTOR, "tbody.group")
            members = f'tbody.finding[data-in-group="{group.get_attribute("data-group")}"]'
            inside = [r for r in d.find_elements(By.CSS_SELECTOR, members) if r.is_displayed()]
            assert len(inside) >= 2, f"{len(inside)} findings shown in the first group"
            shown = d.find_element(By.ID, "shown").text
            group.find_element(By.CSS_SELECTOR, ".group-toggle").click()
            assert not [r for r in d.find_elements(By.CSS_SELECTOR, members) if r.is_displayed()], "the group did not fold"
            assert d.find_element(By.ID, "shown").text == shown
            group.find_element(By.CSS_SELECTOR, ".group-toggle").click()
            assert len([r for r in d.find_elements(By.CSS_SELECTOR, members) if r.is_displayed()]) == len(inside)

            # The internet-path finding: its row opens, and its hops light up in the graph.
            paths = [f for f in active if f["check"] == "internet-path-to-database"]
            worst = paths[0]
            hops = max(int(m) for e in worst["evidence"] for m in re.findall(r"^hop (\d+)", e["detail"]))
            row = d.find_element(By.CSS_SELECTOR, f'tbody.finding[data-id="{worst["id"]}"]')
            row.find_element(By.CSS_SELECTOR, "tr.summary").click()
            assert row.find_element(By.CSS_SELECTOR, "tr.detail").is_displayed(), "the finding did not open"
            assert worst["remediation"]["summary"] in row.text
            lit = d.find_elements(By.CSS_SELECTOR, ".sg-graph .hl")
            lit_edges = [e for e in lit if "edge" in e.get_attribute("class")]
            lit_nodes = [e.get_attribute("data-node") for e in lit if "node" in e.get_attribute("class")]
            assert len(lit_edges) == hops, f"{len(lit_edges)} edges lit for a path of {hops} hops"
            assert "internet" in lit_nodes and len(lit_nodes) == hops + 1, lit_nodes
            ends = {(e.get_attribute("data-from"), e.get_attribute("data-to")) for e in lit_edges}
            assert any(a == "internet" for a, _ in ends), ends
            highlighting = d.find_elements(By.CSS_SELECTOR, ".sg-graph.highlighting")
            assert len(highlighting) == 1

            # A node: the panel lists its groups and findings.
            last = [n for n in lit_nodes if n != "internet"]
            node = d.find_element(By.CSS_SELECTOR, f'.sg-graph .node[data-node="{last[-1]}"]')
            node.click()
            panel = d.find_element(By.CSS_SELECTOR, ".node-panel")
            assert "Groups" in panel.text and "Findings (" in panel.text, panel.text
            assert panel.find_elements(By.CSS_SELECTOR, "a[data-finding]"), "no findings listed for the node"
            d.execute_script("window.scrollTo(0, 0)")
            d.save_screenshot(screenshot)

            # A narrow window: nothing wider than the window but the graph's own scroll box.
            d.set_window_size(420, 900)
            wide = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 1, f"the page is {wide}px wider than a 420px window"

            no_console_errors(d)
        finally:
            d.quit()
    print(f"ok: {len(active)} findings, path of {hops} hops highlighted, screenshot {screenshot}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
