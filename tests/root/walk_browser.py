#!/usr/bin/python3
"""Drives an overlaylab walk page in Debian's headless Chromium.

  walk_browser.py walk FILE --hops N --last "HOST:IF DIR" --reply-at N
                  --hop5 "HOST:IF DIR" --port P --screenshot PNG
  walk_browser.py compare FILE --columns N --screenshot PNG

Uses the page as a class would (arrow keys, the URL fragment, a click on a
header layer) with the network switched off, and checks what it shows; that
it logs no error and makes no request; that at 1920x1080 no text is under
14 px; that at 1280x720 nothing scrolls sideways. Writes a 1920x1080
screenshot. Exits 0 when every check passed, 1 otherwise (also when
Chromium, chromedriver or Selenium is missing: the check did not run).
Debian's python3 is named outright: python3-selenium is installed for it.
"""
import argparse
import json
import pathlib
import shutil
import struct
import sys
import time

MIN_TEXT_PX = 14
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'

# Every text the page shows with the size it is drawn at: the computed
# font-size for HTML, font-size times the drawing's scale for SVG text.
TEXT_SIZES_JS = """
const out = [];
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
for (const t of document.querySelectorAll('svg text')) {
  if (!visible(t) || !t.textContent.trim()) continue;
  const m = t.getScreenCTM();
  out.push([t.textContent.trim(), parseFloat(t.getAttribute('font-size') || '14') * Math.hypot(m.a, m.b)]);
}
const walker = document.createTreeWalker(document.getElementById('app'), NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const e = n.parentElement;
  if (!n.textContent.trim() || e.closest('svg') || !visible(e)) continue;
  out.push([n.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(e).fontSize)]);
}
return out;
"""


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, ok, what):
        print(('ok    ' if ok else 'FAIL  ') + what, flush=True)
        if not ok:
            self.failures.append(what)


def missing_tools():
    """The first missing prerequisite as a sentence, or None."""
    for path, package in [(CHROMIUM, 'chromium'), (CHROMEDRIVER, 'chromium-driver')]:
        if not shutil.which(path):
            return f'{path} is missing; install the Debian package {package} (./scripts/install-deps does)'
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'Selenium is missing; install the Debian package python3-selenium (./scripts/install-deps does)'
    return None


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                '--hide-scrollbars', '--no-first-run', '--disable-extensions',
                '--disable-background-networking', '--disable-component-update', '--disable-sync']:
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL', 'performance': 'ALL'})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd('Network.enable', {})
    driver.execute_cdp_cmd('Network.emulateNetworkConditions', {
        'offline': True, 'latency': 0, 'downloadThroughput': 0, 'uploadThroughput': 0})
    return driver


def viewport(driver, width, height):
    driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {
        'width': width, 'height': height, 'deviceScaleFactor': 1, 'mobile': False})


def open_at(driver, url, fragment=''):
    from selenium.webdriver.common.by import By
    driver.get('about:blank')
    driver.get(url + fragment)
    driver.find_element(By.CSS_SELECTOR, '.panel[data-seq]')


def panels(driver):
    """What each panel (one per walk) shows: hop number, where, leg."""
    from selenium.webdriver.common.by import By
    out = []
    for panel in driver.find_elements(By.CSS_SELECTOR, '.panel'):
        where = panel.find_elements(By.CSS_SELECTOR, '.where')
        leg = panel.find_elements(By.CSS_SELECTOR, '.leg')
        out.append({'seq': panel.get_attribute('data-seq'),
                    'where': where[0].text if where else '', 'leg': leg[0].text if leg else ''})
    return out


def shown(driver):
    return panels(driver)[0]


def press(driver, key, times=1):
    from selenium.webdriver.common.action_chains import ActionChains
    actions = ActionChains(driver)
    for _ in range(times):
        actions.send_keys(key)
    actions.perform()


def png_size(path):
    header = pathlib.Path(path).read_bytes()[:24]
    return struct.unpack('>II', header[16:24]) if header[:8] == b'\x89PNG\r\n\x1a\n' else None


def check_stepping(driver, url, args, c):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    open_at(driver, url)
    c.expect(shown(driver)['seq'] == '1', 'the walk opens on hop 1')
    press(driver, Keys.ARROW_RIGHT, args.hops - 1)
    s = shown(driver)
    c.expect(s['seq'] == str(args.hops), f'Right {args.hops - 1} times shows hop {args.hops} (got {s["seq"]})')
    c.expect(s['where'] == args.last, f'hop {args.hops} is "{args.last}" (got "{s["where"]}")')
    c.expect('reply' in s['leg'], f'hop {args.hops} is on the reply leg (got "{s["leg"]}")')
    press(driver, Keys.ARROW_LEFT)
    s = shown(driver)
    c.expect(s['seq'] == str(args.hops - 1), f'Left once shows hop {args.hops - 1} (got {s["seq"]})')
    c.expect(driver.current_url.endswith(f'#hop={args.hops - 1}'), 'the URL fragment follows the hop')
    press(driver, Keys.HOME)
    c.expect(shown(driver)['seq'] == '1', 'Home shows hop 1')
    press(driver, Keys.END)
    c.expect(shown(driver)['seq'] == str(args.hops), 'End shows the last hop')
    press(driver, Keys.HOME)
    press(driver, 'r')
    s = shown(driver)
    c.expect(s['seq'] == str(args.reply_at) and 'reply' in s['leg'], f'r jumps to the reply leg (got {s})')
    driver.find_element(By.CSS_SELECTOR, '.hoplist li[data-step="2"]').click()
    c.expect(shown(driver)['seq'] == '3', 'clicking hop 3 in the list shows it')
    press(driver, Keys.SPACE)
    c.expect(shown(driver)['seq'] == '4', 'Space shows the next hop')


def check_playing(driver, url, c):
    from selenium.webdriver.common.by import By
    open_at(driver, url, '#hop=2')
    driver.find_element(By.CSS_SELECTOR, 'select[aria-label="pace"] option[value="0.5"]').click()
    driver.find_element(By.TAG_NAME, 'body').click()
    press(driver, 'p')
    time.sleep(1.3)
    press(driver, 'p')
    seq = int(shown(driver)['seq'])
    c.expect(seq >= 3, f'p plays at the chosen pace (hop 2 became {seq} after 1.3 s at 0.5 s a hop)')


def check_encapsulation(driver, url, args, c):
    from selenium.webdriver.common.by import By
    open_at(driver, url, '#hop=5')
    s = shown(driver)
    c.expect(s['seq'] == '5' and s['where'] == args.hop5, f'#hop=5 opens on "{args.hop5}" (got {s})')
    udp = driver.find_elements(By.CSS_SELECTOR, '.panel .layers li[data-proto="udp"]')
    c.expect(len(udp) == 1, 'hop 5 shows one UDP layer')
    if not udp:
        return
    c.expect('added' in udp[0].get_attribute('class').split(), 'the UDP layer is marked as added')
    c.expect(str(args.port) in udp[0].text, f'the UDP layer names port {args.port} (got "{udp[0].text}")')
    udp[0].click()
    selected = driver.find_elements(By.CSS_SELECTOR, '.panel .hex .b.sel')
    c.expect(len(selected) == 8, f'clicking the UDP layer highlights exactly 8 bytes (got {len(selected)})')
    port = format(args.port, '04x')
    c.expect(''.join(b.text for b in selected[2:4]) == port, f'the highlighted bytes hold port {args.port}')


def check_screenshot(driver, path, c):
    driver.save_screenshot(path)
    size, written = png_size(path), pathlib.Path(path).stat().st_size
    c.expect(size == (1920, 1080) and written > 50_000,
             f'the screenshot {path} is 1920x1080 and not blank ({size}, {written} bytes)')


def check_legible(driver, url, fragments, c):
    worst = None
    for fragment in fragments:
        open_at(driver, url, fragment)
        for text, size in driver.execute_script(TEXT_SIZES_JS):
            if worst is None or size < worst[1]:
                worst = (text, size)
    c.expect(worst is not None and worst[1] >= MIN_TEXT_PX - 0.01,
             f'at 1920x1080 no text is under {MIN_TEXT_PX} px (the smallest: {worst})')


def check_narrow(driver, url, c):
    viewport(driver, 1280, 720)
    for fragment in ['#hop=1', '#hop=5']:
        open_at(driver, url, fragment)
        wide = driver.execute_script('const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth];')
        c.expect(wide[0] <= wide[1], f'at 1280x720 ({fragment}) the page does not scroll sideways ({wide})')
    viewport(driver, 1920, 1080)


def check_offline(driver, url, c):
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    c.expect(resources == [], f'the page loaded no resource ({resources})')
    requests = []
    for entry in driver.get_log('performance'):
        message = json.loads(entry['message'])['message']
        if message['method'] == 'Network.requestWillBeSent':
            requests.append(message['params']['request']['url'])
    others = [r for r in requests if not r.startswith(url) and r != 'about:blank']
    c.expect(others == [], f'the page made no network request ({others})')


def check_console(driver, c):
    problems = [e for e in driver.get_log('browser') if e['level'] in ('SEVERE', 'WARNING')]
    c.expect(problems == [], f'no console errors or warnings ({problems})')


def walk(driver, url, args, c):
    check_stepping(driver, url, args, c)
    check_playing(driver, url, c)
    check_encapsulation(driver, url, args, c)
    check_screenshot(driver, args.screenshot, c)
    check_legible(driver, url, ['#hop=1', '#hop=5', f'#hop={args.reply_at}'], c)
    check_narrow(driver, url, c)


def compare(driver, url, args, c):
    from selenium.webdriver.common.keys import Keys
    open_at(driver, url)
    p = panels(driver)
    c.expect(len(p) == args.columns, f'{args.columns} walks side by side (got {len(p)})')
    c.expect(all(x['seq'] == '1' for x in p), f'every walk opens on its hop 1 ({p})')
    press(driver, Keys.ARROW_RIGHT)
    p = panels(driver)
    c.expect(all(x['seq'] == '2' for x in p), f'Right steps every walk together ({p})')
    press(driver, 'r')
    p = panels(driver)
    c.expect(all('reply' in x['leg'] for x in p), f'r takes every walk to its reply leg ({p})')
    c.expect(driver.find_elements('css selector', '.summary table tbody tr') != [], 'the table is on top')
    check_screenshot(driver, args.screenshot, c)
    check_narrow(driver, url, c)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest='mode', required=True)
    w = modes.add_parser('walk', help='a walk-<probe>.html')
    w.add_argument('file')
    w.add_argument('--hops', type=int, required=True, help='hops in the walk')
    w.add_argument('--last', required=True, help='the last hop, "host:iface dir"')
    w.add_argument('--reply-at', type=int, required=True, help='the first hop of the reply leg')
    w.add_argument('--hop5', required=True, help='hop 5, "host:iface dir"')
    w.add_argument('--port', type=int, required=True, help="hop 5's overlay UDP port")
    w.add_argument('--screenshot', required=True, help='where to write the 1920x1080 screenshot')
    k = modes.add_parser('compare', help='a compare.html')
    k.add_argument('file')
    k.add_argument('--columns', type=int, required=True, help='walks side by side')
    k.add_argument('--screenshot', required=True, help='where to write the 1920x1080 screenshot')
    args = parser.parse_args()
    problem = missing_tools()
    if problem:
        print(f'walk_browser.py: {problem}', file=sys.stderr)
        return 1
    url = pathlib.Path(args.file).resolve().as_uri()
    c = Checks()
    driver = browser()
    try:
        viewport(driver, 1920, 1080)
        (walk if args.mode == 'walk' else compare)(driver, url, args, c)
        check_offline(driver, url, c)
        check_console(driver, c)
    finally:
        driver.quit()
    if c.failures:
        print(f'walk_browser.py: {len(c.failures)} checks failed', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
