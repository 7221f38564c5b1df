// WeixinJSBridge as WeChat's in-app browser provides it, injected by the simulator's "WeChat browser" into the API's
// pages. getBrandWCPayRequest shows the payment sheet; "pay" asks the simulated WeChat Pay, which checks paySign,
// marks the order paid and posts the signed notification to the merchant. Answers: get_brand_wcpay_request:ok|cancel|fail.
(function () {
  'use strict';
  function payVariant() {
    try { return window.parent !== window && window.parent.simPayVariant ? window.parent.simPayVariant() : ''; } catch (e) { return ''; }
  }

  function pay(params, callback) {
    var prepayId = String(params.package || '').replace('prepay_id=', '');
    fetch('/sim/pay/prepay/' + encodeURIComponent(prepayId))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (order) {
        if (!order) { callback({ err_msg: 'get_brand_wcpay_request:fail', err_desc: '订单不存在' }); return null; }
        if (!window.confirm('微信支付\n' + order.description + '\n¥' + (order.total / 100).toFixed(2) + '\n\n确认支付？')) {
          callback({ err_msg: 'get_brand_wcpay_request:cancel' });
          return null;
        }
        var variant = payVariant();
        return fetch('/sim/pay/confirm' + (variant ? '?variant=' + encodeURIComponent(variant) : ''), {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params)
        }).then(function (r) { return r.json(); }).then(callback);
      })
      .catch(function () { callback({ err_msg: 'get_brand_wcpay_request:fail' }); });
  }

  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      callback = callback || function () {};
      if (name === 'getBrandWCPayRequest') { pay(params || {}, callback); } else { callback({ err_msg: name + ':fail' }); }
    },
    on: function () {},
    call: function () {}
  };
  document.addEventListener('DOMContentLoaded', function () {
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  });
})();
