"""The web page in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven
by Selenium types into the page, waits for the typeset answer, reads the MathML and what the copy
buttons put in the clipboard, sees an error marked at its position, and keeps a screenshot in
test-artifacts/.

Skipped, with the reason, when Chromium, its driver or Selenium is missing, unless
MATCALC_REQUIRE_BROWSER is set (as .ci/run does), in which case their absence fails.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

import matcalc
from conftest import ROOT
from matcalc.web.server import start

ARTIFACTS = os.path.join(ROOT, "test-artifacts")
WAIT = 30.0   # seconds for a page to answer (the first request builds nothing: workers are warm)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1100,940")


def _find(*names):
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    return None


def _missing() -> str:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    if not _find("chromium", "chromium-browser"):
        return "chromium is not installed (apt-get install chromium chromium-driver)"
    if not _find("chromedriver"):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return ""


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("MATCALC_REQUIRE_BROWSER", "").strip() not in ("", "0"):
            pytest.fail(f"MATCALC_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _find("chromium", "chromium-browser")
    profile = tempfile.mkdtemp(prefix="matcalc-chromium-")
    for flag in CHROMIUM_FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(_find("chromedriver")))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser):
    server = start(port=0, workers=1, time_limit=20.0)  # the page asks one thing at a time
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": server.url.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    try:
        yield browser, server.url
    finally:
        server.close()


def open_page(driver, url: str, **state):
    driver.get(url + ("#" + urlencode(state) if state else ""))
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def wait_for(driver, condition, message: str = ""):
    """Wait until `condition(driver)` holds; an element the page replaced while it was read (the output
    re-rendered between finding a row and reading it) is read again at the next poll."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def answered(driver, key: str, text: str):
    """Wait until the row `key` shows `text` (the answer to what was typed); return the row."""
    css = f'#output[data-state="done"] .result-row[data-key="{key}"]'

    def shown(d):
        rows = d.find_elements("css selector", css)
        return rows[0] if rows and rows[0].get_attribute("data-text") == text else False
    return wait_for(driver, shown, f"no row {key} showing {text!r}")


def type_into(driver, field: str, text: str):
    """Select what the field holds and type over it, key by key, as a person would."""
    from selenium.webdriver.common.keys import Keys
    el = driver.find_element("id", field)
    el.click()
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    if text:
        el.send_keys(text)


def mathml_text(mathml: str) -> str:
    """The text content of MathML, as the browser's textContent gives it."""
    return "".join(ET.fromstring(mathml).itertext())


def clipboard(driver) -> str:
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, (e) => done('clipboard error: ' + e));")


def test_typed_expression_is_answered_with_its_gradient_typeset_as_mathml(page):
    from latex2mathml.converter import convert
    driver, url = page
    open_page(driver, url, expr="", wrt="", where="")
    type_into(driver, "where", "A: matrix(n,n)")
    type_into(driver, "wrt", "x")
    type_into(driver, "expr", "x'Ax + log(sum(exp(x)))")
    r = matcalc.grad("x'Ax + log(sum(exp(x)))", "x", where="A: matrix(n,n)")
    row = answered(driver, "result", str(r))
    math = row.find_element("css selector", ".math > *")
    assert math.tag_name == "math"
    assert driver.execute_script("return arguments[0].namespaceURI", math) == "http://www.w3.org/1998/Math/MathML"
    assert math.get_attribute("textContent") == mathml_text(convert(r.latex_label() + " = " + r.latex(),
                                                                    display="block"))
    df = driver.find_element("css selector", '.result-row[data-key="differential"]')
    assert df.get_attribute("data-text") == str(r.differential)
    read = driver.find_element("css selector", '.result-row[data-key="read"]')
    assert read.get_attribute("data-text") == str(matcalc.parse("x'Ax + log(sum(exp(x)))", where="A: matrix(n,n)"))


def test_copy_buttons_put_the_latex_and_the_generated_code_in_the_clipboard(page):
    driver, url = page
    open_page(driver, url, expr="tr(AX^2BX^-T)", wrt="X")
    r = matcalc.grad("tr(AX^2BX^-T)", "X")
    row = answered(driver, "result", str(r))
    row.find_element("xpath", ".//button[text()='LaTeX']").click()
    wait_for(driver, lambda d: "Copied" in d.find_element("id", "copy-status").text)
    assert clipboard(driver) == r.latex()
    row.find_element("xpath", ".//button[text()='text']").click()
    wait_for(driver, lambda d: clipboard(d) == str(r), "the text was not copied")
    driver.find_element("css selector", '#code-buttons button[data-backend="numpy"]').click()
    wait_for(driver, lambda d: clipboard(d) == r.numpy_source(), "the NumPy code was not copied")


def test_numeric_check_verdict_is_shown(page):
    driver, url = page
    open_page(driver, url, expr="1/2 ||A x - b||^2", wrt="x", check="1")
    answered(driver, "result", str(matcalc.grad("1/2 ||A x - b||^2", "x")))
    verdict = driver.find_element("id", "verdict")
    assert verdict.is_displayed() and verdict.get_attribute("class") == "ok"
    assert verdict.text.startswith("\u2713 numeric check: ok")


def test_parse_error_is_marked_inline_at_the_reported_line_and_column(page):
    driver, url = page
    open_page(driver, url, expr="x'x", wrt="x")
    answered(driver, "result", "2 x")
    text = "x' A x\n  + * y"
    with pytest.raises(matcalc.ParseError) as info:
        matcalc.parse(text)
    line, column = info.value.line, info.value.column
    type_into(driver, "expr", text)
    error = wait_for(driver, lambda d: d.find_element("id", "error").is_displayed()
                     and d.find_element("id", "error"), "no error shown")
    assert error.text.splitlines()[0] == str(info.value).splitlines()[0]
    mark = driver.find_element("css selector", "#expr-mirror mark")
    assert (mark.get_attribute("data-line"), mark.get_attribute("data-column")) == (str(line), str(column))
    assert mark.get_attribute("textContent") == text.splitlines()[line - 1][column - 1] == "*"
    # on screen: the mark lies over that character of the text area (a monospace font, no scrolling)
    box = driver.execute_script(
        "const t = document.getElementById('expr').getBoundingClientRect();"
        "const m = document.querySelector('#expr-mirror mark').getBoundingClientRect();"
        "const s = getComputedStyle(document.getElementById('expr'));"
        "return [t.left + parseFloat(s.paddingLeft), t.top + parseFloat(s.paddingTop), parseFloat(s.lineHeight),"
        "        m.left, m.top, m.width, m.height];")
    left, top, line_height, mark_left, mark_top, char_width, mark_height = box
    assert abs(mark_left - (left + (column - 1) * char_width)) < 1.5
    assert abs((mark_top + mark_height / 2) - (top + (line - 0.5) * line_height)) < line_height / 2
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver.save_screenshot(os.path.join(ARTIFACTS, "web-error.png"))


def test_state_lives_in_the_url_and_a_permalink_restores_the_hessian_view(page):
    driver, url = page
    state = {"expr": "log(det(X)) - 1/2 ||X a - b||^2", "wrt": "X", "kind": "hessian", "where": "",
             "check": "1"}
    open_page(driver, url, **state)
    r = matcalc.hessian(state["expr"], "X", where=state["where"])
    answered(driver, "result", str(r))
    for field in ("expr", "wrt", "where", "kind"):
        assert driver.find_element("id", field).get_attribute("value") == state[field]
    keys = [row.get_attribute("data-key") for row in driver.find_elements("css selector", ".result-row")]
    assert keys == ["read", "differential", "result", "kron", "d2f"]
    kron = driver.find_element("css selector", '.result-row[data-key="kron"]')
    assert kron.get_attribute("data-latex") == r.kron.latex()
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver.save_screenshot(os.path.join(ARTIFACTS, "web-page.png"))
    # typing changes the URL, and the new URL restores what was typed
    type_into(driver, "wrt", "a")
    answered(driver, "result", str(matcalc.hessian(state["expr"], "a", where=state["where"])))
    link = driver.current_url
    assert "wrt=a" in link
    driver.get("about:blank")
    driver.get(link)
    answered(driver, "result", str(matcalc.hessian(state["expr"], "a", where=state["where"])))


def test_cheat_sheet_inserts_an_example_from_the_registry(page):
    driver, url = page
    open_page(driver, url, expr="", wrt="x")
    driver.find_element("id", "toggle-sheet").click()
    sheet = driver.find_element("id", "cheatsheet")
    assert sheet.is_displayed()
    names = {b.text for b in sheet.find_elements("css selector", "#sheet-functions button")}
    assert {"sigmoid(x)", "softplus(x)", "exp(x)"} <= names
    sheet.find_element("xpath", ".//button[text()='softmax(x)']").click()
    assert driver.find_element("id", "expr").get_attribute("value") == "softmax(x)"
    answered(driver, "result", str(matcalc.jacobian("softmax(x)", "x")))


def test_page_loads_nothing_from_elsewhere_and_logs_no_error(page):
    driver, url = page
    driver.get("about:blank")
    driver.get_log("browser")  # start from an empty log
    open_page(driver, url, expr="x'x", wrt="x")
    answered(driver, "result", "2 x")
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert loaded and all(name.startswith(url) for name in loaded), loaded
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors   # a blocked resource or a Content-Security-Policy violation shows here
