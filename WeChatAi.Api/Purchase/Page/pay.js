// The purchase page: lists products, creates an order, pays through WeixinJSBridge (or a QR code outside WeChat's
// phone browser), then polls /api/me until the server says PAID — the bridge's "ok" is never taken as proof.
(function () {
  'use strict';
  var csrf = null;
  var waitingFor = null;
  var $ = function (id) { return document.getElementById(id); };
  var yuan = function (fen) { return (fen / 100).toFixed(2); };
  var states = { PENDING: '待支付', PAID: '已支付', CLOSED: '已关闭', REFUNDING: '退款中', REFUNDED: '已退款' };

  function status(text) { $('status').textContent = text; }

  function api(method, path, body) {
    var headers = { 'Accept': 'application/json' };
    if (body) { headers['Content-Type'] = 'application/json'; headers['X-CSRF-Token'] = csrf; }
    return fetch(path, { method: method, headers: headers, credentials: 'same-origin', body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        if (response.status === 401) { location.href = '/pay'; throw new Error('not signed in'); }
        return response.json().then(function (json) {
          if (!response.ok) { throw new Error(json.detail || json.title || ('HTTP ' + response.status)); }
          return json;
        });
      });
  }

  function showMe(me) {
    csrf = me.csrfToken;
    var expiry = me.creditsExpireAt ? '（' + me.creditsExpireAt.slice(0, 10) + ' 起陆续到期）' : '';
    $('quota').textContent = '今日免费提问剩余 ' + me.freeLeftToday + '/' + me.freeDaily + ' 次；积分 ' + me.credits + expiry;
    var rows = me.orders.map(function (o) {
      return '<tr><td>' + o.productName.replace(/[<&]/g, '') + '</td><td>¥' + yuan(o.amountFen) + '</td><td>' + (states[o.state] || o.state) + '</td></tr>';
    });
    $('orders').innerHTML = rows.join('') || '<tr><td class="muted">暂无订单</td></tr>';
    return me;
  }

  function refresh() { return api('GET', '/api/me').then(showMe); }

  function poll(outTradeNo, tries) {
    waitingFor = outTradeNo;
    refresh().then(function (me) {
      var order = me.orders.filter(function (o) { return o.outTradeNo === outTradeNo; })[0];
      if (order && order.state === 'PAID') {
        waitingFor = null;
        $('qr').hidden = true;
        status('支付成功，积分已到账。');
      } else if (tries > 0 && waitingFor === outTradeNo) {
        setTimeout(function () { poll(outTradeNo, tries - 1); }, 2000);
      } else if (waitingFor === outTradeNo) {
        status('还没有收到支付结果；如已付款，请稍后刷新本页。');
      }
    }).catch(function (e) { status('查询失败：' + e.message); });
  }

  function pay(order) {
    if (order.codeUrl) {
      $('qr').hidden = false;
      $('qr').querySelector('img').src = order.qrImage;
      status('等待扫码付款…');
      poll(order.outTradeNo, 150);
      return;
    }

    var invoke = function () {
      window.WeixinJSBridge.invoke('getBrandWCPayRequest', {
        appId: order.appId, timeStamp: order.timeStamp, nonceStr: order.nonceStr,
        package: order.package, signType: order.signType, paySign: order.paySign
      }, function (result) {
        if (result.err_msg === 'get_brand_wcpay_request:cancel') { status('已取消支付。'); return; }
        status('正在确认支付结果…');
        poll(order.outTradeNo, 30);
      });
    };
    if (window.WeixinJSBridge) { invoke(); } else { document.addEventListener('WeixinJSBridgeReady', invoke, false); }
  }

  function buy(productId, button) {
    button.disabled = true;
    status('正在下单…');
    api('POST', '/api/orders', { productId: productId })
      .then(pay)
      .catch(function (e) { status('下单失败：' + e.message); })
      .then(function () { button.disabled = false; });
  }

  api('GET', '/api/products').then(function (products) {
    var list = $('products');
    products.forEach(function (p) {
      var row = document.createElement('div');
      row.className = 'product';
      var label = document.createElement('div');
      label.innerHTML = '<div></div><div class="muted"></div>';
      label.firstChild.textContent = p.name;
      label.lastChild.textContent = p.credits + ' 积分，' + p.validityDays + ' 天内有效';
      var button = document.createElement('button');
      button.textContent = '¥' + yuan(p.priceFen);
      button.addEventListener('click', function () { buy(p.id, button); });
      row.appendChild(label);
      row.appendChild(button);
      list.appendChild(row);
    });
    if (products.length === 0) { list.textContent = '暂无可购买的商品。'; }
  }).catch(function (e) { status('读取商品失败：' + e.message); });
  refresh().catch(function (e) { status('读取额度失败：' + e.message); });
})();
