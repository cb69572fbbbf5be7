// Two people's errands in headless Chromium (Debian's /usr/bin/chromium through playwright-core), printed
// as one JSON object of what they saw, step by step; tests/browser/test_flows.py makes the assertions.
//   citizen: home search -> facet -> dataset page (its area on a map) -> language switch; the search map's
//            box drawing and "use current map view"; a CSV distribution's preview table.
//   editor:  signs in through the form, adds an inventory source with an uploaded mapping, dry-runs and
//            runs it, reads the report, fixes the failing record by uploading a corrected mapping, re-runs.
//   org admin: signs in, adds an existing user to the organisation as an editor.
// Usage: node flows.mjs BASE_URL JSON_ARGS   (see the `flows` fixture in conftest.py for the arguments)
import { chromium } from "playwright-core";

const [base, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson);
const out = {};
const favicon = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const viewport = { width: 1280, height: 900 };

// A page that records console errors, uncaught exceptions and CSP violations.
async function open(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => {
    if (m.type() !== "error") { return; }
    // The browser asks every site for /favicon.ico; that one miss is kept apart (out.favicon).
    if ((m.location().url || "").endsWith("/favicon.ico")) { favicon.push(page.url()); return; }
    page.problems.push(`console: ${m.text()} ${m.location().url || ""}`);
  });
  page.on("pageerror", (e) => page.problems.push(`exception: ${e.message}`));
  await page.exposeFunction("__violation", (v) => page.problems.push(`csp: ${v}`));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) =>
    window.__violation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`)));
  return page;
}

async function step(name, fn) {
  try { out[name] = await fn(); } catch (e) { out[name] = { error: String(e.stack || e) }; }
}

async function shot(page, name) {
  const file = `${args.shots}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const heading = (page) => page.locator("#results-heading").textContent();
// the results, by dataset name (titles show in the query's language, highlighted)
const names = (page) => page.locator(".results-list .result h3 a").evaluateAll((links) =>
  links.map((a) => decodeURIComponent(new URL(a.href).pathname.split("/dataset/")[1])));
// the map's interactive shapes (the drawn area, the results' extents) by stroke colour
const strokes = (page) => page.locator("#search-map .leaflet-overlay-pane path.leaflet-interactive")
  .evaluateAll((paths) => paths.map((p) => p.getAttribute("stroke")));
const bbox = (page) => page.evaluate(() => Object.fromEntries(["west", "south", "east", "north"].map(
  (n) => [n, document.getElementById(`bbox-${n}`).value])));
const query = (page) => Object.fromEntries(new URL(page.url()).searchParams);

// ---------------------------------------------------------------------------------------------- citizen
const citizen = await browser.newContext({ viewport });

await step("citizen_search", async () => {
  const page = await open(citizen);
  await page.goto(`${base}/?lang=en`);
  await page.fill("#home-q", "公交");
  await Promise.all([page.waitForURL(/\/search\?/), page.press("#home-q", "Enter")]);
  await page.waitForLoadState("networkidle");
  const searched = { url: page.url(), heading: await heading(page), names: await names(page),
                     shot: await shot(page, "citizen-1-search") };
  const facet = page.locator("aside.facets a", { hasText: "Transport Commission" }).first();
  const facetText = (await facet.textContent()).trim();
  await Promise.all([page.waitForURL((u) => u.href !== searched.url), facet.click()]);
  await page.waitForLoadState("networkidle");
  const faceted = { facet: facetText, url: page.url(), query: query(page), heading: await heading(page),
                    names: await names(page), shot: await shot(page, "citizen-2-facet") };
  const result = page.locator(`.results-list .result h3 a[href^="/dataset/${args.bus}"]`);
  await Promise.all([page.waitForURL(/\/dataset\//), result.click()]);
  await page.waitForLoadState("networkidle");
  // the dataset's area drawn on a map: a Leaflet map on the page with an interactive shape in it
  const drawn = await page.waitForSelector("main .leaflet-container path.leaflet-interactive", { timeout: 5000 })
    .then(() => true, () => false);
  const area = page.locator("dt", { hasText: "Area covered" }).locator("xpath=following-sibling::dd[1]");
  const dataset = { url: page.url(), h1: await page.locator("h1").innerText(),
                    area: (await area.count()) ? (await area.innerText()).trim() : null, drawn,
                    maps: await page.locator("main .leaflet-container").count(),
                    shapes: await page.locator("main .leaflet-container path.leaflet-interactive").count(),
                    problems: [...page.problems], shot: await shot(page, "citizen-3-dataset") };
  await Promise.all([page.waitForURL(/lang=zh/), page.click('nav.language a[hreflang="zh"]')]);
  await page.waitForLoadState("networkidle");
  const zh = { url: page.url(), lang: await page.getAttribute("html", "lang"), h1: await page.locator("h1").innerText(),
               dt: await page.locator("main dt").allTextContents(), shot: await shot(page, "citizen-4-dataset-zh") };
  return { searched, faceted, dataset, zh, problems: page.problems };
});

await step("citizen_map_area", async () => {
  const page = await open(citizen);
  await page.goto(`${base}/search?q=${encodeURIComponent("公交")}&lang=en`);
  await page.waitForSelector("#search-map.leaflet-container:not([hidden])");
  await page.waitForLoadState("networkidle");
  const before = { heading: await heading(page), names: await names(page) };
  // Find the bus stops' extent among the results' shapes by its tooltip. Shanghai's extent lies over it,
  // so a real hover reaches only the top one: each shape gets the pointer event itself.
  const shapes = page.locator("#search-map .leaflet-overlay-pane path.leaflet-interactive");
  let target = null;
  const tooltips = [], boxes = [];
  for (let i = 0; i < await shapes.count(); i++) {
    await shapes.nth(i).dispatchEvent("mouseover");
    const tip = await page.locator(".leaflet-tooltip").last().textContent();  // the one just opened
    tooltips.push(tip);
    boxes.push(await shapes.nth(i).boundingBox());
    if (tip.includes("Bus stop locations")) { target = boxes.at(-1); }
    await shapes.nth(i).dispatchEvent("mouseout");
  }
  before.boxes = boxes;
  before.target = target;
  before.strokes = await strokes(page);
  if (!target) { throw new Error(`no extent titled "Bus stop locations" on the map; tooltips: ${tooltips}`); }
  // Draw a box a little larger than that extent: press "Draw a box", then drag.
  await page.click("#map-draw");
  const pressed = await page.getAttribute("#map-draw", "aria-pressed");
  const [x0, y0] = [target.x - 12, target.y - 12], [x1, y1] = [target.x + target.width + 12, target.y + target.height + 12];
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 5 });
  await page.mouse.move(x1, y1, { steps: 5 });
  await page.mouse.up();
  const drawn = { pressed, released: await page.getAttribute("#map-draw", "aria-pressed"), box: await bbox(page),
                  shot: await shot(page, "citizen-5-map-drawn") };
  await Promise.all([page.waitForURL(/west=/), page.click("button:has-text('Search in this area')")]);
  await page.waitForSelector("#search-map.leaflet-container");
  await page.waitForLoadState("networkidle");
  const filtered = { query: query(page), heading: await heading(page), names: await names(page), box: await bbox(page),
                     strokes: await strokes(page), chips: await page.locator(".chip").allTextContents(),
                     shot: await shot(page, "citizen-6-map-filtered") };
  // Zoom out one step, take the map's view as the area, search again.
  await page.click(".leaflet-control-zoom-out");
  await page.waitForTimeout(600);  // Leaflet's zoom animation
  await page.click("#map-view");
  const view = { box: await bbox(page) };
  const drawnUrl = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== drawnUrl), page.click("button:has-text('Search in this area')")]);
  await page.waitForLoadState("networkidle");
  Object.assign(view, { query: query(page), heading: await heading(page), names: await names(page),
                        shot: await shot(page, "citizen-7-map-view") });
  return { before, tooltips, drawn, filtered, view, problems: page.problems };
});

await step("citizen_csv", async () => {
  const page = await open(citizen);
  await page.goto(`${base}/search?q=${encodeURIComponent("transport open data list")}&lang=en`);
  const result = page.locator(".results-list .result h3 a", { hasText: "Shanghai transport open data list" });
  await Promise.all([page.waitForURL(/\/dataset\//), result.click()]);
  const link = page.locator('a[href$="/distributions/0/preview"]');
  await Promise.all([page.waitForURL(/\/preview$/), link.click()]);
  await page.waitForSelector("table.preview");
  const cells = (row) => row.locator("th, td").allTextContents();
  const body = page.locator("table.preview tbody tr");
  const rows = [];
  for (let i = 0; i < Math.min(3, await body.count()); i++) { rows.push(await cells(body.nth(i))); }
  return { url: page.url(), h1: await page.locator("h1").innerText(),
           note: await page.locator("main p", { hasText: "rows" }).first().innerText(),
           header: await cells(page.locator("table.preview thead tr")), rows, count: await body.count(),
           problems: page.problems, shot: await shot(page, "citizen-8-csv-preview") };
});

// ----------------------------------------------------------------------------------------------- editor
const editor = await browser.newContext({ viewport });
const source = "shanghai-inventory";

// The job table on the source page, newest first, once `count` jobs exist and none is running.
async function waitForJobs(page, count) {
  const deadline = Date.now() + 90000;
  for (;;) {
    await page.goto(`${base}/workspace/sources/${source}?lang=en`);
    const rows = await page.locator("table.trend tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    if (rows.length >= count && rows.every((r) => !r[2].startsWith("running"))) { return rows; }
    if (Date.now() > deadline) { throw new Error(`jobs did not finish: ${JSON.stringify(rows)}`); }
    await page.waitForTimeout(500);
  }
}

// What a job page says: its heading, the counts table, and each failed record.
async function report(page, shotName) {
  await page.locator("table.trend tbody tr").first().locator("a").click();
  await page.waitForURL(/\/jobs\/\d+/);
  const keys = await page.locator("table.counts thead th").allTextContents();
  const values = await page.locator("table.counts tbody td").allTextContents();
  const records = await page.locator("section.record").evaluateAll((sections) => sections.map((s) => ({
    heading: s.querySelector("h3").textContent.trim(),
    messages: [...s.querySelectorAll("p")].map((p) => p.textContent.trim()),
    snippet: (s.querySelector("pre") || {}).textContent || null,
    snippetHtml: (s.querySelector("pre") || {}).innerHTML || null,
    elements: s.querySelectorAll("pre *").length })));
  return { url: page.url(), h1: await page.locator("h1").innerText(),
           counts: Object.fromEntries(keys.map((k, i) => [k.trim(), Number(values[i])])), records,
           scripts: await page.locator("main script").count(), problems: [...page.problems],
           width: await page.evaluate(() => document.documentElement.scrollWidth),  // fits the window?
           shot: await shot(page, shotName) };
}

// Submit a workspace form; a form that comes back with errors says which.
async function save(page, done) {
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  if (!done.test(page.url())) {
    throw new Error(`not saved: ${await page.locator("main").innerText()}`);
  }
}

async function run(page, button) {
  await Promise.all([page.waitForURL(/started=/), page.click(`button:has-text('${button}')`)]);
  return (await page.locator('[role="status"], [role="alert"]').allTextContents()).map((t) => t.trim());
}

await step("editor", async () => {
  const page = await open(editor);
  await page.goto(`${base}/workspace?lang=en`);
  const login = { url: page.url() };
  await page.fill("#username", args.user);
  await page.fill("#password", args.password);
  await Promise.all([page.waitForURL(/\/workspace\/sources/), page.click("main button[type=submit]")]);
  login.after = page.url();
  login.shot = await shot(page, "editor-1-signed-in");

  await page.click("text=Add a harvest source");
  await page.fill("#name", source);
  await page.selectOption("#organisation", { label: "上海市大数据中心" });
  await page.selectOption("#type", "inventory");
  await page.fill("#url", args.inventory);
  await page.setInputFiles("#mapping_file", args.mapping);
  await save(page, new RegExp(`/workspace/sources/${source}$`));
  const added = { url: page.url(), h1: await page.locator("h1").innerText(),
                  details: await page.locator("main dl").innerText(), shot: await shot(page, "editor-2-source") };

  const dry = { started: await run(page, "Dry run") };
  dry.jobs = await waitForJobs(page, 1);
  Object.assign(dry, await report(page, "editor-3-dry-run-report"));

  await page.goto(`${base}/workspace/sources/${source}?lang=en`);
  const real = { started: await run(page, "Run now") };
  real.jobs = await waitForJobs(page, 2);
  Object.assign(real, await report(page, "editor-4-run-report"));

  return { login, added, dry, real, problems: page.problems };
});

// The fix, in the same signed-in session: the failing record names its title in 资源名称; the editor
// uploads the mapping that reads that column too, and runs the source again.
await step("editor_fix", async () => {
  const page = await open(editor);
  await page.goto(`${base}/workspace/sources/${source}?lang=en`);
  await Promise.all([page.waitForURL(/\/edit/), page.click("main a:has-text('Edit')")]);
  const kept = await page.inputValue("#mapping");  // the uploaded mapping stays chosen
  await page.setInputFiles("#mapping_file", args.fixed);
  await save(page, new RegExp(`/workspace/sources/${source}$`));
  const changes = await page.locator("h2:has-text('Changes') + ul li").allTextContents();
  const fixed = { kept, changes, started: await run(page, "Run now") };
  fixed.jobs = await waitForJobs(page, 3);
  Object.assign(fixed, await report(page, "editor-5-fixed-report"));

  const response = await page.goto(`${base}/dataset/${args.fixed_dataset}?lang=en`);
  const dataset = { status: response.status(), h1: await page.locator("h1").innerText(),
                    description: await page.locator("section.description").innerText(),
                    scripts: await page.locator("main script").count(), shot: await shot(page, "editor-6-fixed-dataset") };
  return { fixed, dataset, problems: page.problems };
});

// ------------------------------------------------------------------------------------------- org admin
// An organisation's admin signs in, adds an existing user by e-mail address as an editor.
await step("org_admin", async () => {
  const page = await open(await browser.newContext({ viewport }));
  await page.goto(`${base}/workspace/orgs/sh-data?lang=en`);
  await page.fill("#username", args.admin);
  await page.fill("#password", args.password);
  await Promise.all([page.waitForURL(/\/workspace\/orgs\/sh-data$/), page.click("main button[type=submit]")]);
  await page.fill("#member-user", args.newcomer);
  await page.selectOption("#member-role", "editor");
  await Promise.all([page.waitForNavigation(), page.click("main button:has-text('Add')")]);
  const members = await page.locator("table.members tbody tr").evaluateAll((trs) => trs.map((tr) =>
    [tr.cells[0].textContent.trim(), tr.cells[1].textContent.trim(), tr.querySelector("select").value]));
  const history = await page.locator("table.history tbody tr").allInnerTexts();
  return { url: page.url(), members, history, problems: page.problems, shot: await shot(page, "org-admin-1-added") };
});

out.favicon = favicon;
await browser.close();
process.stdout.write(JSON.stringify(out));
