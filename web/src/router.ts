// History-API routing over the URLs of the FastAPI blog. The gateway answers each of these
// paths with index.html; links inside the app change pages without a reload.

export interface PageContext {
  /** Captured groups of the route's pattern (ids). */
  params: string[];
  query: URLSearchParams;
  /** The element the page draws into. */
  outlet: HTMLElement;
  /** False once the user has moved on: async pages check it before drawing late results. */
  isCurrent: () => boolean;
}

export type Page = (context: PageContext) => void | Promise<void>;

export interface Route {
  pattern: RegExp;
  page: Page;
}

interface RouterSetup {
  routes: Route[];
  notFound: Page;
  outlet: HTMLElement;
  /** Runs before every page (flash messages, closing dialogs, the document title). */
  beforeEach: () => void;
  /** Draws a page that failed to load. */
  onError: (error: unknown, context: PageContext) => void;
}

let setup: RouterSetup | null = null;
let visit = 0;

export function startRouter(config: RouterSetup): void {
  setup = config;
  window.addEventListener('popstate', () => void render());
  document.addEventListener('click', followLink);
  void render();
}

/** Shows `to` (a path with optional query), adding a history entry unless `replace`. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  void render();
}

/** Draws the current URL's page again (after signing in or out). */
export function refresh(): void {
  void render();
}

/** The current path and query, for "come back here after logging in". */
export function currentLocation(): string {
  return location.pathname + location.search;
}

async function render(): Promise<void> {
  if (!setup) return;
  const current = ++visit;
  const { routes, notFound, outlet, beforeEach, onError } = setup;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  let page = notFound;
  let params: string[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match) {
      page = route.page;
      params = match.slice(1);
      break;
    }
  }
  const context: PageContext = {
    params,
    query: new URLSearchParams(location.search),
    outlet,
    isCurrent: () => current === visit,
  };
  outlet.replaceChildren();
  beforeEach();
  try {
    await page(context);
  } catch (error) {
    if (context.isCurrent()) onError(error, context);
  }
}

function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = (event.target as Element | null)?.closest('a');
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  // In-page anchors (the skip link) are the browser's job.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
  // API docs, pictures and other origins are real pages, not app routes.
  if (url.origin !== location.origin || /^\/(api|media|static|docs)\b/.test(url.pathname)) return;
  event.preventDefault();
  if (url.pathname + url.search !== currentLocation()) navigate(url.pathname + url.search);
}
