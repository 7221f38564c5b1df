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
  for (const id of ["message-input", "send", "follow", "unfollow"]) $(id).disabled = false;
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
      element.textContent = entry.text;
      if (entry.kind !== "user") {
        const meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent = entry.kind === "reply" ? `被动回复 ${attempt}${timing}${entry.detail ? " · " + entry.detail : ""}` : "客服消息推送";
        box.append(meta);
      }
      break;
    default:
      element.className = `meta ${entry.kind}`;
      element.textContent = `${entry.kind === "retry" ? "重试" : entry.kind === "error" ? "失败" : "事件"} ${attempt}${entry.text}${timing}`;
  }
  box.append(element);
  box.scrollTop = box.scrollHeight;
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
  try {
    await api(`/sim/users/${encodeURIComponent(selected)}/messages`, { method: "POST", body: JSON.stringify({ text, safeMode: safeMode() }) });
  } catch (error) {
    render({ openId: selected, kind: "error", text: error.message });
  }
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

async function refresh() {
  const burst = await api("/sim/burst");
  stats($("burst-status"), [
    ["状态", burst.running ? "进行中" : "空闲"], ["已发送", burst.sent], ["已应答", burst.acknowledged],
    ["失败", burst.failed], ["已推送答案", burst.answered], ["发送/秒", burst.sentPerSecond.toFixed(0)],
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
  $("safe-mode").disabled = !status.safeModeAvailable;
  if (!status.safeModeAvailable) $("safe-mode").checked = false;
}

const stream = new EventSource("/sim/stream");
stream.addEventListener("entry", (event) => render(JSON.parse(event.data)));

loadUsers().then(refresh);
setInterval(() => refresh().catch(() => {}), 1000);
