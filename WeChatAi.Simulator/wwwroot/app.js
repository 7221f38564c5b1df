"use strict";
// The chat page: talks only to the simulator's /sim API; the simulator talks to the real webhook and receives the pushes.
const $ = (id) => document.getElementById(id);
let selected = null;
let users = [];

async function api(path, options = {}) {
  const response = await fetch(path, { headers: { "Content-Type": "application/json" }, ...options });
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body?.error ?? response.statusText);
  return body;
}

function safeMode() { return $("safe-mode").checked; }

async function loadUsers() {
  users = await api("/sim/users");
  const list = $("users");
  list.replaceChildren(...users.map((user) => {
    const item = document.createElement("li");
    item.dataset.openId = user.openId;
    item.className = user.openId === selected ? "selected" : "";
    item.innerHTML = `<span></span><span class="tag">${user.following ? "已关注" : ""}</span>`;
    item.firstChild.textContent = user.name;
    item.onclick = () => select(user.openId);
    return item;
  }));
}

async function select(openId) {
  selected = openId;
  const user = users.find((u) => u.openId === openId);
  $("current-user").textContent = `${user.name} · ${openId}`;
  for (const id of ["message-input", "send", "follow", "unfollow", "send-image", "upload-image", "send-voice", "send-voice-recognized"]) $(id).disabled = false;
  $("messages").replaceChildren();
  showTyping(false);
  (await api(`/sim/users/${encodeURIComponent(openId)}/timeline`)).forEach(render);
  await loadUsers();
  $("message-input").focus();
}

// WeChat shows "对方正在输入…" under the account's name for 15 s, or until a message arrives.
let typingTimer = null;
function showTyping(on, sinceMs) {
  clearTimeout(typingTimer);
  const left = on ? 15000 - (Date.now() - sinceMs) : 0;
  $("typing").hidden = left <= 0;
  if (left > 0) typingTimer = setTimeout(() => { $("typing").hidden = true; }, left);
}

// A note under the bubbles: what the user did (event), what the webhook answered (delivered), or what went wrong.
const noteLabels = { event: "事件", delivered: "已送达", retry: "重试", error: "失败" };
function render(entry) {
  if (entry.openId !== selected) return;
  if (entry.kind === "typing") { showTyping(!!entry.text, entry.atUnixMs); return; }
  if (entry.kind === "push") showTyping(false);
  const box = $("messages");
  const element = document.createElement("div");
  const timing = entry.durationMs != null ? ` · ${entry.durationMs} ms` : "";
  const attempt = entry.attempt != null ? `第${entry.attempt}次 ` : "";
  switch (entry.kind) {
    case "user":
    case "reply":
    case "push":
      element.className = `bubble ${entry.kind}`;
      if (entry.kind === "user") element.textContent = entry.text;
      else fillText(element, entry.text);
      if (entry.kind !== "user") {
        const meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent = entry.kind === "reply" ? `被动回复 ${attempt}${timing}${entry.detail ? " · " + entry.detail : ""}` : "客服消息推送";
        box.append(meta);
      }
      break;
    default:
      element.className = `meta ${entry.kind}`;
      element.textContent = `${noteLabels[entry.kind] ?? entry.kind} ${attempt}${entry.text}${timing}`;
  }
  box.append(element);
  box.scrollTop = box.scrollHeight;
}

// WeChat shows <a href> in a reply as a link; a weixin://bizmsgmenu link (the "继续" link) sends its text when tapped.
const linkPattern = /<a href="([^"]*)">([^<]*)<\/a>/g;
function fillText(element, text) {
  let last = 0;
  for (const match of text.matchAll(linkPattern)) {
    const [whole, href, label] = match;
    const menu = href.match(/^weixin:\/\/bizmsgmenu\?msgmenucontent=([^&]*)&msgmenuid=/);
    if (!menu && !/^https?:\/\//.test(href)) continue;
    element.append(text.slice(last, match.index));
    const link = document.createElement("a");
    link.textContent = label;
    if (menu) {
      link.href = "#";
      link.className = "msgmenu";
      link.onclick = (event) => { event.preventDefault(); sendText(menu[1]); };
    } else if (new URL(href).origin === location.origin && window.openInWeChat) {
      // The API's pages reach the browser through the simulator, which plays WeChat's in-app browser.
      link.href = href;
      link.onclick = (event) => { event.preventDefault(); const url = new URL(href); window.openInWeChat(url.pathname + url.search); };
    } else {
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener";
    }
    element.append(link);
    last = match.index + whole.length;
  }
  element.append(text.slice(last));
}

async function sendText(text) {
  if (!text || !selected) return;
  try {
    await api(`/sim/users/${encodeURIComponent(selected)}/messages`, { method: "POST", body: JSON.stringify({ text, safeMode: safeMode() }) });
  } catch (error) {
    render({ openId: selected, kind: "error", text: error.message });
  }
}

// The menu the API published through /cgi-bin/menu/create, at the bottom of the chat as WeChat shows it.
let menuJson = "";
function renderMenu(menu) {
  const json = JSON.stringify(menu);
  if (json === menuJson) return;
  menuJson = json;
  const bar = $("menu-bar");
  bar.replaceChildren(...menu.button.map((button) => {
    const cell = document.createElement("div");
    cell.className = "menu-cell";
    const top = document.createElement("button");
    top.type = "button";
    top.className = "menu-button";
    top.textContent = button.name;
    cell.append(top);
    if (button.sub_button) {
      const list = document.createElement("div");
      list.className = "submenu";
      list.hidden = true;
      list.append(...button.sub_button.map((sub) => menuAction(sub, () => { list.hidden = true; })));
      top.onclick = () => { list.hidden = !list.hidden; };
      cell.append(list);
    } else {
      top.onclick = () => tap(button);
    }
    return cell;
  }));
  bar.hidden = menu.button.length === 0;
}

function menuAction(button, done) {
  const item = document.createElement("button");
  item.type = "button";
  item.className = "submenu-item";
  item.textContent = button.name;
  item.onclick = () => { done(); tap(button); };
  return item;
}

async function tap(button) {
  if (button.type === "view") { window.open(button.url, "_blank", "noopener"); return; }
  if (!selected) return;
  try {
    await api(`/sim/users/${encodeURIComponent(selected)}/click`, { method: "POST", body: JSON.stringify({ key: button.key, safeMode: safeMode() }) });
  } catch (error) {
    render({ openId: selected, kind: "error", text: error.message });
  }
}

$("create-user-form").onsubmit = async (event) => {
  event.preventDefault();
  const user = await api("/sim/users", { method: "POST", body: JSON.stringify({ name: $("new-user-name").value }) });
  $("new-user-name").value = "";
  await loadUsers();
  await select(user.openId);
};

$("send-form").onsubmit = async (event) => {
  event.preventDefault();
  const input = $("message-input");
  const text = input.value.trim();
  if (!text || !selected) return;
  input.value = "";
  await sendText(text);
};

async function sendMedia(kind, body) {
  if (!selected) return;
  try {
    await api(`/sim/users/${encodeURIComponent(selected)}/${kind}`, { method: "POST", body: JSON.stringify({ ...body, safeMode: safeMode() }) });
  } catch (error) {
    render({ openId: selected, kind: "error", text: error.message });
  }
}

// Images: drawn by the simulator (one colour with a white band, so the fake vision model's answer can be checked), or a real file.
$("send-image").onclick = () => sendMedia("image", { color: $("image-color").value, format: $("image-format").value, width: 320, height: 240 });
$("upload-image").onchange = async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  await sendMedia("image", { base64: btoa(binary), contentType: file.type });
};

// Voice: the simulator's real AMR tone, without Recognition (transcribed by the worker) or with the input's text as WeChat's recognition.
$("send-voice").onclick = () => sendMedia("voice", {});
$("send-voice-recognized").onclick = () => {
  const recognition = $("message-input").value.trim() || "今天天气怎么样";
  $("message-input").value = "";
  return sendMedia("voice", { recognition });
};

for (const [id, action] of [["follow", "follow"], ["unfollow", "unfollow"]]) {
  $(id).onclick = async () => {
    await api(`/sim/users/${encodeURIComponent(selected)}/${action}?safeMode=${safeMode()}`, { method: "POST" });
    await loadUsers();
  };
}

$("burst-form").onsubmit = async (event) => {
  event.preventDefault();
  try {
    await api("/sim/burst", { method: "POST", body: JSON.stringify({
      messages: +$("burst-messages").value, users: +$("burst-users").value,
      concurrency: +$("burst-concurrency").value, safeMode: safeMode() }) });
  } catch (error) { alert(error.message); }
};

$("llm-form").onsubmit = async (event) => {
  event.preventDefault();
  await api("/sim/llm", { method: "POST", body: JSON.stringify({
    latencyMs: +$("llm-latency").value, rateLimitedRate: +$("llm-429").value,
    unavailableRate: +$("llm-503").value, keepAliveRate: +$("llm-keepalive").value }) });
};

$("invalidate-token").onclick = () => api("/sim/token/invalidate", { method: "POST" });

function stats(element, rows) {
  element.replaceChildren(...rows.flatMap(([label, value]) => {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = value;
    return [dt, dd];
  }));
}

// The webhook lets a user send PerUserBurst messages back to back; a burst above that from each user is partly refused.
let burstLimits = null;
function burstHint() {
  if (!burstLimits) return;
  const messages = +$("burst-messages").value, users = +$("burst-users").value;
  const needed = Math.ceil(messages / burstLimits.perUserBurst);
  $("burst-hint").textContent = users >= needed
    ? `每个用户最多连发 ${burstLimits.perUserBurst} 条（RateLimits:PerUserBurst，之后每分钟 ${burstLimits.perUserPerMinute} 条）：${messages} 条消息用 ${users} 个用户不会被限流。`
    : `每个用户最多连发 ${burstLimits.perUserBurst} 条（RateLimits:PerUserBurst）：${messages} 条消息至少要 ${needed} 个用户，否则约 ${messages - users * burstLimits.perUserBurst} 条会被限流、没有答案。`;
  $("burst-hint").classList.toggle("warning", users < needed);
}
for (const id of ["burst-messages", "burst-users"]) $(id).addEventListener("input", burstHint);

const burstPhases = { sending: "发送中", answering: "等待答案", idle: "空闲" };
async function refresh() {
  const burst = await api("/sim/burst");
  burstLimits = burst.limits;
  burstHint();
  stats($("burst-status"), [
    ["状态", burstPhases[burst.phase] ?? burst.phase], ["已发送", burst.sent], ["已应答", burst.acknowledged],
    ["失败", burst.failed], ["被限流", `${burst.rateLimited}（每用户连发 ${burst.limits.perUserBurst} 条）`],
    ["已推送答案", burst.answered], ["发送/秒", burst.sentPerSecond.toFixed(0)],
    ["答案/秒", burst.answeredPerSecond.toFixed(0)], ["应答 p50/p99", `${burst.ackP50Ms} / ${burst.ackP99Ms} ms`]]);
  const status = await api("/sim/status");
  stats($("status"), [
    ["stable_token 发放", status.tokens.issued], ["强制刷新", status.tokens.forcedRefreshes],
    ["/cgi-bin/token 调用", status.tokens.classicTokenCalls], ["客服消息", status.pushes],
    ["LLM 调用", status.llm.calls], ["LLM 429/503", `${status.llm.rateLimited} / ${status.llm.unavailable}`]]);
  if (!document.activeElement?.closest("#llm-form")) {
    $("llm-latency").value = status.llm.faults.latencyMs;
    $("llm-429").value = status.llm.faults.rateLimitedRate;
    $("llm-503").value = status.llm.faults.unavailableRate;
    $("llm-keepalive").value = status.llm.faults.keepAliveRate;
  }
  renderMenu(await api("/sim/menu"));
  $("safe-mode").disabled = !status.safeModeAvailable;
  if (!status.safeModeAvailable) $("safe-mode").checked = false;
}

const stream = new EventSource("/sim/stream");
stream.addEventListener("entry", (event) => render(JSON.parse(event.data)));

loadUsers().then(refresh);
setInterval(() => refresh().catch(() => {}), 1000);
