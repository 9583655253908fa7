// A small client of the Todo API, served by the API itself (REST's code on demand).
// Its calls go through openapi-fetch, typed by api.d.ts, which openapi-typescript generates from
// openapi/openapi.json (make clients); esbuild bundles both into ../app.js, the file the page
// loads, so the page needs no build step and loads nothing from another origin.
// Every edit sends If-Match with the ETag the API gave for the resource, so an edit made
// elsewhere in the meantime is refused (412) instead of silently overwritten.
// Behind API Management the page authenticates the way the gateway expects, as the API's
// settings say (meta tags, since the page's CSP allows no inline script): an Entra ID token
// obtained with MSAL, or a subscription key asked for once per browser session.
import createClient, { type Middleware } from "openapi-fetch";
import type * as Msal from "@azure/msal-browser";
import type { components, paths } from "./api";

type TodoList = components["schemas"]["TodoList"];
type TodoItem = components["schemas"]["TodoItem"];
type ItemState = components["schemas"]["ItemState"];
type Problem = components["schemas"]["Problem"];
type GatewayError = { statusCode: number; message: string }; // API Management's own refusals

// The vendored MSAL bundle (static/vendor/msal-browser) defines this global in entra mode only.
declare const msal: typeof Msal;

interface Auth {
  start(): Promise<boolean>;
  headers(): Promise<Record<string, string>>;
  refused(): void;
}

class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const api = new URL("./", document.baseURI); // /api/ wherever the page is served from
const state = {
  lists: [] as TodoList[],
  current: null as string | null,
  listEtag: "",
  items: [] as TodoItem[],
  etags: new Map<string, string>(),
  filter: "" as ItemState | "",
};
const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const setting = (name: string): string =>
  document.querySelector<HTMLMetaElement>(`meta[name="todo-${name}"]`)?.content || "";

// Local development: no gateway, nothing to send.
const noAuth: Auth = { start: async () => true, headers: async () => ({}), refused() {} };

// Subscription mode: the key lives in sessionStorage, so it is asked for once per tab session.
function subscriptionAuth(): Auth {
  const storageKey = "todo-subscription-key";
  const ask = (): boolean => {
    $("key-form").hidden = false;
    input("subscription-key").focus();
    show("Enter your API subscription key.");
    return false;
  };
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(storageKey, input("subscription-key").value.trim());
    input("subscription-key").value = "";
    $("key-form").hidden = true;
    show("");
    loadLists().catch(explain);
  });
  return {
    start: async () => Boolean(sessionStorage.getItem(storageKey)) || ask(),
    headers: async () => ({ "Ocp-Apim-Subscription-Key": sessionStorage.getItem(storageKey) || "" }),
    refused() {
      sessionStorage.removeItem(storageKey);
      ask();
    },
  };
}

// Entra ID mode: MSAL (vendored @azure/msal-browser) signs the user in with a redirect and
// returns access tokens for the API's scope, from its cache or renewed silently.
function entraAuth(): Auth {
  const scopes = [setting("api-scope")];
  const msalApp = new msal.PublicClientApplication({
    auth: {
      clientId: setting("client-id"),
      authority: `https://login.microsoftonline.com/${setting("tenant-id")}`,
      redirectUri: new URL(location.pathname, location.origin).href, // this page, as registered
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  let account: Msal.AccountInfo | null = null;
  const signedIn = (who: Msal.AccountInfo | null): boolean => {
    account = who;
    $("sign-in").hidden = Boolean(account);
    $("account").hidden = !account;
    $("account-name").textContent = account ? account.username || account.name || "" : "";
    if (!account) show("Sign in to see your lists.");
    return Boolean(account);
  };
  $("sign-in").addEventListener("click", () => msalApp.loginRedirect({ scopes }).catch(explain));
  $("sign-out").addEventListener("click", () => msalApp.logoutRedirect({ account }).catch(explain));
  return {
    async start() {
      await msalApp.initialize();
      const result = await msalApp.handleRedirectPromise();
      return signedIn(result?.account || msalApp.getAllAccounts()[0] || null);
    },
    async headers() {
      try {
        const { accessToken } = await msalApp.acquireTokenSilent({ scopes, account: account ?? undefined });
        return { Authorization: `Bearer ${accessToken}` };
      } catch (error) {
        // Consent or sign-in needed again, or the refresh token expired and MSAL 5's hidden-frame
        // renewal needs a redirect bridge page this app does not have: sign in again by redirect.
        await msalApp.acquireTokenRedirect({ scopes, account: account ?? undefined }); // leaves the page
        throw error;
      }
    },
    refused() {
      signedIn(null);
    },
  };
}

const modes: Record<string, () => Auth> = { none: () => noAuth, subscription: subscriptionAuth, entra: entraAuth };
const auth = (modes[setting("auth-mode")] || modes.none)();

// Every call carries the mode's credentials; a 401 (none, or one the gateway rejected) asks again.
const credentials: Middleware = {
  async onRequest({ request }) {
    for (const [name, value] of Object.entries(await auth.headers())) request.headers.set(name, value);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) auth.refused();
    return undefined;
  },
};
const client = createClient<paths>({ baseUrl: api.href.replace(/\/$/, "") });
client.use(credentials);

// The data of a successful answer with its ETag; an error answer throws with its problem's detail
// (or the message of a gateway's own error body, which is not a problem document).
function ok<T>(result: { data?: T; error?: unknown; response: Response }): { data: T; etag: string } {
  if (!result.response.ok) {
    const body = (typeof result.error === "object" ? result.error : null) as Partial<Problem & GatewayError> | null;
    throw new ApiError(result.response.status, body?.detail || body?.message || result.response.statusText);
  }
  return { data: result.data as T, etag: result.response.headers.get("ETag") || "" };
}

const MERGE_PATCH = { "Content-Type": "application/merge-patch+json" };

function show(text: string, isError = false): void {
  const message = $("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
  message.hidden = !text;
}

function explain(error: unknown): void {
  const status = error instanceof ApiError ? error.status : "";
  if (status === 412) {
    show("Conflict: this was changed somewhere else since you loaded it. The latest version is shown; try again.", true);
  } else {
    show(`Error ${status}: ${error instanceof Error ? error.message : String(error)}`, true);
  }
}

async function loadLists(): Promise<void> {
  state.lists = ok(await client.GET("/lists", { params: { query: { top: 1000 } } })).data;
  renderLists();
}

function renderLists(): void {
  $("lists").replaceChildren(...state.lists.map((list) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.textContent = list.name;
    button.dataset.id = list.id;
    button.setAttribute("aria-current", String(state.current === list.id));
    button.addEventListener("click", () => openList(list.id));
    li.append(button);
    return li;
  }));
  $("list-view").hidden = !state.current;
  $("empty").hidden = Boolean(state.current);
}

async function openList(id: string): Promise<void> {
  state.current = id;
  const { data, etag } = ok(await client.GET("/lists/{listId}", { params: { path: { listId: id } } }));
  state.listEtag = etag;
  input("list-name").value = data.name;
  renderLists();
  await loadItems();
}

async function loadItems(): Promise<void> {
  const listId = state.current || "";
  const query = { top: 1000 };
  const result = state.filter
    ? await client.GET("/lists/{listId}/items/state/{state}", {
        params: { path: { listId, state: state.filter }, query },
      })
    : await client.GET("/lists/{listId}/items", { params: { path: { listId }, query } });
  state.items = ok(result).data;
  renderItems();
}

function renderItems(): void {
  $("items").replaceChildren(...state.items.map((item) => {
    const li = document.createElement("li");
    li.dataset.id = item.id;
    li.className = item.state || "todo";
    const done = document.createElement("input");
    done.type = "checkbox";
    done.checked = item.state === "done";
    done.setAttribute("aria-label", `Complete ${item.name}`);
    done.className = "complete";
    done.addEventListener("change", () => editItem(item, { state: done.checked ? "done" : "todo" }));
    const name = document.createElement("input");
    name.value = item.name;
    name.className = "item-name";
    name.setAttribute("aria-label", "Item name");
    const badge = document.createElement("span");
    badge.className = "state";
    badge.textContent = item.state || "todo";
    const save = document.createElement("button");
    save.textContent = "Save";
    save.className = "save";
    save.addEventListener("click", () => editItem(item, { name: name.value }));
    const remove = document.createElement("button");
    remove.textContent = "Delete";
    remove.className = "delete danger";
    remove.addEventListener("click", () => deleteItem(item));
    li.append(done, name, badge, save, remove);
    return li;
  }));
}

const itemPath = (item: TodoItem) => ({ listId: item.listId, itemId: item.id });

async function itemEtag(item: TodoItem): Promise<string> {
  if (!state.etags.has(item.id)) {
    const { etag } = ok(await client.GET("/lists/{listId}/items/{itemId}", { params: { path: itemPath(item) } }));
    state.etags.set(item.id, etag);
  }
  return state.etags.get(item.id) || "";
}

async function editItem(item: TodoItem, changes: components["schemas"]["TodoItemPatch"]): Promise<void> {
  try {
    const header = { "If-Match": await itemEtag(item) };
    const { etag } = ok(await client.PATCH("/lists/{listId}/items/{itemId}", {
      params: { path: itemPath(item), header }, body: changes, headers: MERGE_PATCH,
    }));
    state.etags.set(item.id, etag);
    show("Saved.");
  } catch (error) {
    state.etags.delete(item.id);
    explain(error);
  }
  await loadItems();
}

async function deleteItem(item: TodoItem): Promise<void> {
  try {
    const header = { "If-Match": await itemEtag(item) };
    ok(await client.DELETE("/lists/{listId}/items/{itemId}", { params: { path: itemPath(item), header } }));
    state.etags.delete(item.id);
    show("Deleted.");
  } catch (error) {
    state.etags.delete(item.id);
    explain(error);
  }
  await loadItems();
}

$("new-list").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const { data } = ok(await client.POST("/lists", { body: { name: input("new-list-name").value } }));
    input("new-list-name").value = "";
    await loadLists();
    await openList(data.id);
    show("List created.");
  } catch (error) { explain(error); }
});

$("new-item").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const { data, etag } = ok(await client.POST("/lists/{listId}/items", {
      params: { path: { listId: state.current || "" } }, body: { name: input("new-item-name").value },
    }));
    state.etags.set(data.id, etag);
    input("new-item-name").value = "";
    await loadItems();
    show("Item added.");
  } catch (error) { explain(error); }
});

$("rename-list").addEventListener("click", async () => {
  const listId = state.current || "";
  try {
    const { data, etag } = ok(await client.PATCH("/lists/{listId}", {
      params: { path: { listId }, header: { "If-Match": state.listEtag } },
      body: { name: input("list-name").value }, headers: MERGE_PATCH,
    }));
    state.listEtag = etag;
    input("list-name").value = data.name;
    await loadLists();
    show("List renamed.");
  } catch (error) {
    explain(error);
    await openList(listId);
  }
});

$("delete-list").addEventListener("click", async () => {
  try {
    const header = { "If-Match": state.listEtag };
    ok(await client.DELETE("/lists/{listId}", { params: { path: { listId: state.current || "" }, header } }));
    state.current = null;
    await loadLists();
    show("List deleted.");
  } catch (error) { explain(error); }
});

for (const button of document.querySelectorAll<HTMLButtonElement>("button.filter")) {
  button.addEventListener("click", async () => {
    state.filter = (button.dataset.state || "") as ItemState | "";
    for (const other of document.querySelectorAll("button.filter")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    await loadItems();
  });
}

auth.start().then(async (ready) => { if (ready) await loadLists(); }).catch(explain);
