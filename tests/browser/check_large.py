"""Opens the HTML report of a large generated account in headless Chromium and checks what a reader does there.

Usage: check_large.py REPORT.html FINDINGS

FINDINGS is the number of findings in the report. The script asserts the count, a severity filter through
the folded groups, that a folded VPC expands in the page (its sets drawn one by one) and back, that a finding
about the expanded VPC lights nodes that are drawn, the node panel, and that the console has no errors.
Exits non-zero with the failed assertion on stderr.
"""
import json
import sys
import tempfile

from selenium.webdriver.common.by import By

from check_report import driver, no_console_errors, open_offline


def shown(d):
    return d.find_element(By.ID, "shown").text


def drawn_nodes(d):
    return [n.get_attribute("data-node") for n in d.find_elements(By.CSS_SELECTOR, ".sg-graph .node")]


def main(html, total):
    with tempfile.TemporaryDirectory() as profile:
        d = driver(profile)
        try:
            open_offline(d, html)
            rows = d.find_elements(By.CSS_SELECTOR, "tbody.finding")
            assert len(rows) == total, f"{len(rows)} rows, the report has {total} findings"
            assert shown(d) == f"{total} of {total} finding(s) shown", shown(d)

            # A severity filter counts through folded groups.
            high = len(d.find_elements(By.CSS_SELECTOR, 'tbody.finding[data-severity="high"]'))
            for box in d.find_elements(By.CSS_SELECTOR, "input[name=severity]"):
                if (box.get_attribute("value") == "high") != box.is_selected():
                    box.click()
            assert shown(d) == f"{high} of {total} finding(s) shown", shown(d)
            for box in d.find_elements(By.CSS_SELECTOR, "input[name=severity]"):
                if not box.is_selected():
                    box.click()
            assert shown(d) == f"{total} of {total} finding(s) shown", shown(d)

            # The first view folds: VPC nodes, and a few sets drawn one by one.
            data = json.loads(d.find_element(By.ID, "sg-data").get_attribute("textContent"))
            views = data["graphs"][0]["views"]
            assert views, "no expansions in the page"
            before = drawn_nodes(d)
            vpc = next(v for v in views if views[v]["hl"])
            assert vpc in before, f"{vpc} is not drawn"
            nav = d.find_element(By.ID, "g0-nav")
            assert not nav.is_displayed()

            # Selecting the VPC draws its sets in the page.
            node = d.find_element(By.CSS_SELECTOR, f'.sg-graph .node[data-node="{vpc}"]')
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", node)
            node.click()
            after = drawn_nodes(d)
            assert vpc not in after, f"{vpc} is still folded"
            assert len([n for n in after if n.startswith("c")]) > len([n for n in before if n.startswith("c")])
            assert nav.is_displayed() and views[vpc]["title"] in nav.text, nav.text

            # A finding about the expanded VPC lights what this view draws.
            fid = next(iter(views[vpc]["hl"]))
            row = d.find_element(By.CSS_SELECTOR, f'tbody.finding[data-id="{fid}"]')
            group = row.get_attribute("data-in-group")
            if group is not None:
                owner = d.find_element(By.ID, f"group-{group}")
                if owner.get_attribute("data-folded") == "1":
                    owner.find_element(By.CSS_SELECTOR, ".group-toggle").click()
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
            row.find_element(By.CSS_SELECTOR, "tr.summary").click()
            lit = [e.get_attribute("data-node") for e in d.find_elements(By.CSS_SELECTOR, ".sg-graph .node.hl")]
            wanted = [i.split("g0-n-", 1)[1] for i in views[vpc]["hl"][fid].split() if i.startswith("g0-n-")]
            assert sorted(lit) == sorted(wanted), f"lit {lit}, wanted {wanted}"
            assert all(n in after for n in lit)

            # A node of the expansion: the panel lists its groups.
            own = next(n for n in after if n.startswith("c") and n not in before)
            node = d.find_element(By.CSS_SELECTOR, f'.sg-graph .node[data-node="{own}"]')
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", node)
            node.click()
            panel = d.find_element(By.ID, "g0-panel")
            assert "Groups" in panel.text, panel.text

            # Back to the first view.
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", nav)
            nav.find_element(By.CSS_SELECTOR, "button").click()
            assert drawn_nodes(d) == before, "the first view did not come back"
            assert not nav.is_displayed()

            no_console_errors(d)
        finally:
            d.quit()
    print(f"ok: {total} findings, {len(views)} VPC expansions, {vpc} expanded and back")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
