// The frame: the API key, the navigation, the hash routes, and the change stream that keeps
// the page on screen up to date.

import { apiKey, call, follow, setApiKey } from "./api.js";
import { warmUp } from "./draw.js";
import { fill, h } from "./dom.js";
import { errorBox, type Page, type Render } from "./page.js";
import { actorPage } from "./pages/actor.js";
import { actorsPage } from "./pages/actors.js";
import { deployPage } from "./pages/deploy.js";
import { rescuePage } from "./pages/rescue.js";
import { versionPage } from "./pages/version.js";
import { versionsPage } from "./pages/versions.js";
import { webhookPage, webhooksPage } from "./pages/webhooks.js";

const ROUTES: [RegExp, Render, string][] = [
  [/^\/?$/, (m) => versionsPage(m), "Versions"],
  [/^\/versions$/, (m) => versionsPage(m), "Versions"],
  [/^\/version\/(.+)$/, versionPage, "Version"],
  [/^\/actors$/, actorsPage, "Actors"],
  [/^\/actor\/(.+)$/, actorPage, "Actor"],
  [/^\/deploy$/, deployPage, "Deploy"],
  [/^\/rescue$/, rescuePage, "Needs rescue"],
  [/^\/webhooks$/, (m) => webhooksPage(m), "Webhooks"],
  [/^\/webhook\/(.+)$/, webhookPage, "Webhook"],
];

const NAV: [string, string][] = [
  ["/", "Versions"],
  ["/actors", "Actors"],
  ["/deploy", "Deploy"],
  ["/rescue", "Needs rescue"],
  ["/webhooks", "Webhooks"],
];

const app = document.getElementById("app")!;
let current: Page = {};
let stopFollowing: (() => void) | null = null;
let rendering = 0;

function signIn(): void {
  stopFollowing?.();
  stopFollowing = null;
  const input = h("input", { id: "key", name: "key", type: "password", autocomplete: "off", required: true, "aria-describedby": "key-hint" });
  const message = h("div");
  const form = h(
    "form",
    { class: "signin" },
    h("h1", {}, "statekeep"),
    h("label", { for: "key" }, "API key"),
    input,
    h("p", { id: "key-hint", class: "hint" }, "Kept for this tab only (sessionStorage). A read key sees everything; deploying takes an admin key."),
    h("button", { type: "submit", class: "primary" }, "Use this key"),
    message,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setApiKey(input.value.trim());
    call("GET", "/v1/definitions?limit=1").then(
      () => start(),
      (err) => {
        setApiKey(null);
        fill(message, errorBox(err));
      },
    );
  });
  fill(app, h("main", { id: "main" }, form));
  input.focus();
}

function start(): void {
  const live = h("span", { class: "live", role: "status" }, "connecting…");
  const nav = h(
    "nav",
    { "aria-label": "pages" },
    h("ul", {}, NAV.map(([route, label]) => h("li", {}, h("a", { href: `#${route}`, "data-route": route }, label)))),
  );
  const main = h("main", { id: "main", tabindex: "-1" });
  fill(
    app,
    h("a", { href: "#main", class: "skip", onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, "Skip to the page"),
    h(
      "header",
      {},
      h("span", { class: "brand" }, "statekeep"),
      nav,
      live,
      h("button", { type: "button", onclick: () => { setApiKey(null); signIn(); } }, "Forget the key"),
    ),
    main,
  );
  stopFollowing?.();
  stopFollowing = follow(
    (c) => current.onChange?.(c),
    (state) => {
      live.textContent = state === "live" ? "live" : "reconnecting…";
      live.dataset.state = state;
    },
  );
  window.onhashchange = () => void route(main, nav);
  void route(main, nav).then(() => {
    // Unless the first page drew a chart already: the first chart need not wait for ELK's warm-up.
    if (!main.querySelector("svg.chart")) setTimeout(warmUp, 0);
  });
}

async function route(main: HTMLElement, nav: HTMLElement): Promise<void> {
  const [path = "/", query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  current.dispose?.();
  current = {};
  const mine = ++rendering;
  for (const a of nav.querySelectorAll("a")) {
    const r = a.getAttribute("data-route")!;
    const here = r === "/" ? path === "/" || path === "" || path.startsWith("/version") : path.startsWith(r.replace(/s$/, ""));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  for (const [pattern, render, title] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    const arg = m[1] ? decodeURIComponent(m[1]) : "";
    document.title = `${title}${arg ? ` ${arg}` : ""} · statekeep`;
    try {
      const page = await render(main, arg, params);
      if (mine === rendering) current = page;
      else page.dispose?.();
    } catch (e) {
      if (mine === rendering) fill(main, h("h1", {}, title), errorBox(e));
    }
    return;
  }
  fill(main, h("h1", {}, "Not found"), h("p", {}, `No page is ${path}.`));
}

if (apiKey()) start();
else signIn();
