// Drives headless Chromium (Debian's /usr/bin/chromium through playwright-core) over a running portal and
// prints what a person would see as one JSON object; tests/browser/test_site.py makes the assertions.
// Usage: node runner.mjs BASE_URL JSON_ARGS   (JSON_ARGS: {"dataset": name, "geo": name, "shots": dir})
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const [base, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson);
const out = {};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

// A page that records console errors, uncaught exceptions and CSP violations.
async function open(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => { if (m.type() === "error") page.problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => page.problems.push(`exception: ${e.message}`));
  await page.exposeFunction("__violation", (v) => page.problems.push(`csp: ${v}`));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) =>
    window.__violation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`)));
  return page;
}

const heading = (page) => page.locator("#results-heading").textContent();

async function step(name, fn) {
  try { out[name] = await fn(); } catch (e) { out[name] = { error: String(e.stack || e) }; }
}

const viewport = { width: 1280, height: 900 };
const nojs = await browser.newContext({ javaScriptEnabled: false, viewport });
const js = await browser.newContext({ viewport });

await step("nojs", async () => {
  const page = await nojs.newPage();
  await page.goto(`${base}/search?lang=en`);
  const all = await heading(page);
  await page.goto(`${base}/?lang=en`);
  await page.fill("#home-q", "公交");
  await Promise.all([page.waitForURL(/\/search\?/), page.press("#home-q", "Enter")]);
  const query = { url: page.url(), heading: await heading(page) };
  const facet = page.locator("aside.facets a").first();
  await Promise.all([page.waitForURL((u) => u.href !== query.url), facet.click()]);
  return { all, query, filtered: { url: page.url(), heading: await heading(page) } };
});

await step("search_map", async () => {
  const page = await open(js);
  await page.goto(`${base}/search?q=bus&lang=en`);
  await page.waitForSelector("#search-map.leaflet-container:not([hidden])");
  await page.waitForLoadState("networkidle");
  return { shapes: await page.locator("#search-map path").count(), problems: page.problems };
});

await step("swagger", async () => {
  const page = await open(js);
  await page.goto(`${base}/api/1/docs?lang=en`);
  await page.waitForSelector(".opblock", { timeout: 20000 });
  return { operations: await page.locator(".opblock").count(),
           paths: await page.locator(".opblock-summary-path").allTextContents(), problems: page.problems };
});

await step("preview", async () => {
  const page = await open(js);
  await page.goto(`${base}/dataset/${args.geo}?lang=en`);
  const link = page.locator('a[href$="/distributions/0/preview"]').first();
  await Promise.all([page.waitForURL(/\/preview$/), link.click()]);
  await page.waitForSelector("#preview-map .leaflet-overlay-pane path.leaflet-interactive", { timeout: 20000 });
  await page.waitForLoadState("networkidle");
  return { url: page.url(), features: await page.locator("#preview-map path.leaflet-interactive").count(),
           problems: page.problems };
});

await step("home_map", async () => {
  const page = await open(js);
  await page.goto(`${base}/?lang=en`);
  await page.waitForSelector("#region-map.leaflet-container");
  await page.waitForLoadState("networkidle");
  return { shapes: await page.locator("#region-map path").count(), problems: page.problems };
});

await step("keyboard", async () => {
  const page = await js.newPage();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement, box = el.getBoundingClientRect();
    return { id: el.id, cls: el.className, tag: el.tagName, text: el.textContent.trim().slice(0, 40),
             outline: getComputedStyle(el).outlineStyle,
             visible: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0 };
  });
  await page.goto(`${base}/?lang=en`);
  await page.keyboard.press("Tab");
  const first = await focused();
  await page.keyboard.press("Enter");
  const skipped = { hash: new URL(page.url()).hash, focus: await focused() };
  const order = [];
  for (let i = 0; i < 15 && (order.at(-1) || {}).id !== "home-q"; i++) {
    await page.keyboard.press("Tab");
    order.push(await focused());
  }
  await page.goto(`${base}/search?lang=en`);
  const searchOrder = [];
  for (let i = 0; i < 15 && (searchOrder.at(-1) || {}).id !== "q"; i++) {
    await page.keyboard.press("Tab");
    searchOrder.push(await focused());
  }
  return { first, skipped, order, searchOrder };
});

await step("language", async () => {
  const page = await js.newPage();
  const state = async () => ({ lang: await page.getAttribute("html", "lang"),
                               nav: await page.locator("header nav").first().innerText(),
                               h2: await page.locator("main h2").first().innerText() });
  await page.goto(`${base}/?lang=zh`);
  const zh = await state();
  await Promise.all([page.waitForURL(/lang=en/), page.click('nav.language a[hreflang="en"]')]);
  const en = await state();
  await page.goto(`${base}/themes`);  // the choice is remembered without ?lang=
  return { zh, en, remembered: await page.getAttribute("html", "lang") };
});

await step("axe", async () => {
  const pages = { home: "/", search: "/search?q=bus", dataset: `/dataset/${args.dataset}`,
                  publishers: "/publishers", api: "/api", login: "/user/login" };
  const found = {};
  const page = await js.newPage();
  for (const lang of ["zh", "en"]) {
    for (const [name, path] of Object.entries(pages)) {
      await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
      await page.waitForLoadState("networkidle");
      await page.evaluate(AXE);
      const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
                                         WCAG);
      found[`${name}/${lang}`] = result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })) }));
    }
  }
  return found;
});

await step("screenshots", async () => {
  const page = await js.newPage();
  const shots = [];
  for (const [name, path] of [["home-en", "/?lang=en"], ["home-zh", "/?lang=zh"], ["search-en", "/search?q=bus&lang=en"],
                              ["search-zh", "/search?q=公交&lang=zh"]]) {
    await page.goto(`${base}${path}`);
    await page.waitForLoadState("networkidle");
    const file = `${args.shots}/${name}.png`;
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
  }
  return shots;
});

await browser.close();
process.stdout.write(JSON.stringify(out));
