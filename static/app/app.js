// A small client of the Todo API, served by the API itself (REST's code on demand).
// Every edit sends If-Match with the ETag the API gave for the resource, so an edit made
// elsewhere in the meantime is refused (412) instead of silently overwritten.
// Behind API Management the page authenticates the way the gateway expects, as the API's
// settings say (meta tags, since the page's CSP allows no inline script): an Entra ID token
// obtained with MSAL, or a subscription key asked for once per browser session.
"use strict";

const api = new URL("./", document.baseURI); // /api/ wherever the page is served from
const state = { lists: [], current: null, listEtag: null, items: [], etags: new Map(), filter: "" };
const $ = (id) => document.getElementById(id);
const setting = (name) => document.querySelector(`meta[name="todo-${name}"]`)?.content || "";

// Local development: no gateway, nothing to send.
const noAuth = { start: async () => true, headers: async () => ({}), refused() {} };

// Subscription mode: the key lives in sessionStorage, so it is asked for once per tab session.
function subscriptionAuth() {
  const storageKey = "todo-subscription-key";
  const ask = () => {
    $("key-form").hidden = false;
    $("subscription-key").focus();
    show("Enter your API subscription key.");
    return false;
  };
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(storageKey, $("subscription-key").value.trim());
    $("subscription-key").value = "";
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
function entraAuth() {
  const scopes = [setting("api-scope")];
  const msalApp = new msal.PublicClientApplication({
    auth: {
      clientId: setting("client-id"),
      authority: `https://login.microsoftonline.com/${setting("tenant-id")}`,
      redirectUri: new URL(location.pathname, location.origin).href, // this page, as registered
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  let account = null;
  const signedIn = (who) => {
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
        const { accessToken } = await msalApp.acquireTokenSilent({ scopes, account });
        return { Authorization: `Bearer ${accessToken}` };
      } catch (error) {
        // Consent or sign-in needed again, or the refresh token expired and MSAL 5's hidden-frame
        // renewal needs a redirect bridge page this app does not have: sign in again by redirect.
        await msalApp.acquireTokenRedirect({ scopes, account }); // leaves the page
        throw error;
      }
    },
    refused() {
      signedIn(null);
    },
  };
}

const modes = { none: () => noAuth, subscription: subscriptionAuth, entra: entraAuth };
const auth = (modes[setting("auth-mode")] || modes.none)();

async function call(method, path, body, headers = {}) {
  const init = { method, headers: { ...(await auth.headers()), ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
  }
  const response = await fetch(new URL(path, api), init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    auth.refused(); // no credential, or one the gateway rejected: ask again
  }
  if (!response.ok) {
    const error = new Error((data && (data.detail || data.message)) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return { data, etag: response.headers.get("ETag") };
}

function show(text, isError = false) {
  const message = $("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
  message.hidden = !text;
}

function explain(error) {
  if (error.status === 412) {
    show("Conflict: this was changed somewhere else since you loaded it. The latest version is shown; try again.", true);
  } else {
    show(`Error ${error.status || ""}: ${error.message}`, true);
  }
}

async function loadLists() {
  const { data } = await call("GET", "lists?top=1000");
  state.lists = data;
  renderLists();
}

function renderLists() {
  const ul = $("lists");
  ul.replaceChildren(...state.lists.map((list) => {
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

async function openList(id) {
  state.current = id;
  const { data, etag } = await call("GET", `lists/${id}`);
  state.listEtag = etag;
  $("list-name").value = data.name;
  renderLists();
  await loadItems();
}

async function loadItems() {
  const path = state.filter
    ? `lists/${state.current}/items/state/${state.filter}?top=1000`
    : `lists/${state.current}/items?top=1000`;
  const { data } = await call("GET", path);
  state.items = data;
  renderItems();
}

function renderItems() {
  $("items").replaceChildren(...state.items.map((item) => {
    const li = document.createElement("li");
    li.dataset.id = item.id;
    li.className = item.state;
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
    badge.textContent = item.state;
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

async function itemEtag(item) {
  if (!state.etags.has(item.id)) {
    const { etag } = await call("GET", `lists/${item.listId}/items/${item.id}`);
    state.etags.set(item.id, etag);
  }
  return state.etags.get(item.id);
}

async function editItem(item, changes) {
  try {
    const { etag } = await call("PATCH", `lists/${item.listId}/items/${item.id}`, changes,
      { "If-Match": await itemEtag(item) });
    state.etags.set(item.id, etag);
    show("Saved.");
  } catch (error) {
    state.etags.delete(item.id);
    explain(error);
  }
  await loadItems();
}

async function deleteItem(item) {
  try {
    await call("DELETE", `lists/${item.listId}/items/${item.id}`, undefined, { "If-Match": await itemEtag(item) });
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
    const { data } = await call("POST", "lists", { name: $("new-list-name").value });
    $("new-list-name").value = "";
    await loadLists();
    await openList(data.id);
    show("List created.");
  } catch (error) { explain(error); }
});

$("new-item").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const { data, etag } = await call("POST", `lists/${state.current}/items`, { name: $("new-item-name").value });
    state.etags.set(data.id, etag);
    $("new-item-name").value = "";
    await loadItems();
    show("Item added.");
  } catch (error) { explain(error); }
});

$("rename-list").addEventListener("click", async () => {
  try {
    const { data, etag } = await call("PATCH", `lists/${state.current}`, { name: $("list-name").value },
      { "If-Match": state.listEtag });
    state.listEtag = etag;
    $("list-name").value = data.name;
    await loadLists();
    show("List renamed.");
  } catch (error) {
    explain(error);
    await openList(state.current);
  }
});

$("delete-list").addEventListener("click", async () => {
  try {
    await call("DELETE", `lists/${state.current}`, undefined, { "If-Match": state.listEtag });
    state.current = null;
    await loadLists();
    show("List deleted.");
  } catch (error) { explain(error); }
});

for (const button of document.querySelectorAll("button.filter")) {
  button.addEventListener("click", async () => {
    state.filter = button.dataset.state;
    for (const other of document.querySelectorAll("button.filter")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    await loadItems();
  });
}

auth.start().then((ready) => ready && loadLists()).catch(explain);
