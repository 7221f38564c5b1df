// The chat page's "WeChat browser": opens a page of the API (through the simulator, which injects WeixinJSBridge) as
// the selected user's phone would, and lists what the simulated WeChat Pay holds.
(function () {
  "use strict";
  const byId = (id) => document.getElementById(id);
  window.simPayVariant = () => byId("pay-variant").value;

  async function openInWeChat(path) {
    if (!selected) { alert("先选择一个用户"); return; }
    await fetch("/sim/browser/user", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ openId: selected }) });
    byId("browser-frame").src = path;
    byId("browser").showModal();
  }

  async function refreshOrders() {
    const response = await fetch("/sim/pay/orders");
    const orders = response.ok ? await response.json() : [];
    byId("pay-orders").replaceChildren(...orders.map((o) => {
      const item = document.createElement("li");
      item.textContent = `${o.outTradeNo} ¥${(o.total / 100).toFixed(2)} ${o.tradeState} `;
      if (o.tradeState === "SUCCESS") {
        const again = document.createElement("button");
        again.textContent = "再发通知";
        again.onclick = () => fetch(`/sim/pay/orders/${encodeURIComponent(o.outTradeNo)}/notify?variant=${byId("pay-variant").value || "Duplicate"}`, { method: "POST" });
        item.append(again);
      }
      return item;
    }));
  }

  window.openInWeChat = openInWeChat; // links in messages to the API's pages open here too
  byId("open-pay").onclick = () => openInWeChat("/pay");
  byId("browser-close").onclick = () => byId("browser").close();
  byId("pay-refresh").onclick = refreshOrders;
  setInterval(refreshOrders, 5000);
})();
