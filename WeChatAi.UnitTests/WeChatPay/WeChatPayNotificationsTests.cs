using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.UnitTests.WeChatPay;

/// <summary>
/// <see cref="WeChatPayNotifications"/> on wechatpay-go's whole notification (notify_test.go), then on notifications
/// signed here with the same SDK key pair: forged, stale, probing and re-serialized ones are refused.
/// </summary>
public sealed class WeChatPayNotificationsTests
{
    private const string Serial = "PUB_KEY_ID_0112345678901234567890";
    private static readonly byte[] ApiV3Key = Encoding.UTF8.GetBytes("0123456789abcdefABCDEF0123456789");

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(OfficialVectors.NotifyClock));

    [Fact]
    public void ReadsTheSdkNotificationWithItsPlatformCertificate()
    {
        var options = new WeChatPayOptions { PlatformCertificates = OfficialVectors.NotifyCertificate };
        using var verifier = new WeChatPayVerifier(WeChatPayKeys.LoadVerificationKeys(options), _clock);
        var notifications = new WeChatPayNotifications(verifier, Encoding.UTF8.GetBytes(OfficialVectors.NotifyApiV3Key));

        var notification = notifications.Read(SdkHeaders(), Encoding.UTF8.GetBytes(OfficialVectors.NotifyBody));

        Assert.Equal("3119dfba-e649-5eec-ab1e-3412bc4d2e17", notification.Id);
        Assert.Equal("PAYSCORE.USER_OPEN_SERVICE", notification.EventType);
        Assert.Equal(new DateTimeOffset(2021, 6, 24, 16, 37, 26, TimeSpan.FromHours(8)), notification.CreateTime);
        Assert.Equal("encrypt-resource", notification.ResourceType);
        Assert.Equal("签约成功", notification.Summary);
        Assert.Equal("payscore", notification.OriginalType);
        Assert.Equal(OfficialVectors.NotifyPlaintext, notification.Plaintext);
        Assert.Null(notification.Transaction);
        Assert.Null(notification.Refund);
    }

    [Fact]
    public void TheSdkNotificationIsRefusedOnceStaleOrReserialized()
    {
        var options = new WeChatPayOptions { PlatformCertificates = OfficialVectors.NotifyCertificate };
        using var verifier = new WeChatPayVerifier(WeChatPayKeys.LoadVerificationKeys(options), _clock);
        var notifications = new WeChatPayNotifications(verifier, Encoding.UTF8.GetBytes(OfficialVectors.NotifyApiV3Key));

        // The same JSON, re-serialized (spacing), no longer carries WeChat Pay's signature.
        var reserialized = JsonNode.Parse(OfficialVectors.NotifyBody)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(SdkHeaders(), Encoding.UTF8.GetBytes(reserialized)));

        _clock.Advance(TimeSpan.FromSeconds(WeChatPayVerifier.ToleranceSeconds + 1));
        var stale = Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(SdkHeaders(), Encoding.UTF8.GetBytes(OfficialVectors.NotifyBody)));
        Assert.Contains("Wechatpay-Timestamp", stale.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsATransactionSuccessWithItsTypedView()
    {
        using var key = WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test");
        var notifications = Notifications();
        const string Transaction = """
            {"mchid":"1230000109","appid":"wxd678efh567hg6787","out_trade_no":"WA20261201abc","transaction_id":"1217752501201407033233368018",
             "trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"",
             "success_time":"2026-12-01T18:00:00+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
             "amount":{"total":600,"payer_total":500,"currency":"CNY","payer_currency":"CNY"}}
            """;
        var body = NotificationBody("EV-1", WeChatPayEvents.TransactionSuccess, "transaction", Transaction);

        var notification = notifications.Read(Sign(key, Serial, body), body);

        var transaction = Assert.IsType<WeChatPayTransaction>(notification.Transaction);
        Assert.Equal("EV-1", notification.Id);
        Assert.Equal("WA20261201abc", transaction.OutTradeNo);
        Assert.Equal(WeChatPayTradeState.Success, transaction.TradeState);
        Assert.Equal(600, transaction.Amount!.Total);
        Assert.Equal(500, transaction.Amount.PayerTotal);
        Assert.Equal("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", transaction.Payer!.OpenId);
        Assert.Equal("wxd678efh567hg6787", transaction.AppId);
        Assert.Equal("1230000109", transaction.MchId);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), transaction.SuccessTime);
    }

    [Fact]
    public void ReadsARefundNotificationWithItsStatus()
    {
        using var key = WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test");
        const string Refund = """
            {"mchid":"1230000109","out_trade_no":"WA20261201abc","transaction_id":"4200000001","out_refund_no":"RF20261201abc",
             "refund_id":"50000000382019052709732678859","refund_status":"SUCCESS","success_time":"2026-12-01T19:00:00+08:00",
             "amount":{"total":600,"refund":600,"payer_total":600,"payer_refund":600}}
            """;
        var body = NotificationBody("EV-2", WeChatPayEvents.RefundSuccess, "refund", Refund);

        var notification = Notifications().Read(Sign(key, Serial, body), body);

        var refund = Assert.IsType<WeChatPayRefund>(notification.Refund);
        Assert.Null(notification.Transaction);
        Assert.Equal(WeChatPayRefundStatus.Success, refund.State);
        Assert.Equal("RF20261201abc", refund.OutRefundNo);
        Assert.Equal(600, refund.Amount!.Refund);
    }

    [Fact]
    public void RefusesForgedProbingUnknownAndUnsignedNotifications()
    {
        using var key = WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test");
        using var stranger = RSA.Create(2048);
        var notifications = Notifications();
        var body = NotificationBody("EV-3", WeChatPayEvents.TransactionSuccess, "transaction", "{\"out_trade_no\":\"WA1234567\"}");
        var good = Sign(key, Serial, body);

        var tampered = (byte[])body.Clone();
        tampered[10] ^= 1;
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(good, tampered));
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(Sign(stranger, Serial, body), body));
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(good with { Signature = WeChatPayVerifier.SignTestPrefix + good.Signature }, body));
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(good with { Serial = "PUB_KEY_ID_OTHER" }, body));
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(good with { Signature = null }, body));
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(good with { Timestamp = "soon" }, body));
        Assert.Throws<WeChatPaySignatureException>(() => notifications.Read(Sign(key, Serial, body, OfficialVectors.NotifyClock - 301), body));
        Assert.Equal("EV-3", notifications.Read(good, body).Id);
    }

    [Fact]
    public void ASignedNotificationThatDoesNotDecryptIsAProtocolError()
    {
        using var key = WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test");
        var body = NotificationBody("EV-4", WeChatPayEvents.TransactionSuccess, "transaction", "{}");
        using var verifier = new WeChatPayVerifier(new Dictionary<string, RSA> { [Serial] = WeChatPayKeys.LoadPublicKey(OfficialVectors.PublicKey, "test") }, _clock);
        var wrongKey = new WeChatPayNotifications(verifier, RandomNumberGenerator.GetBytes(32));

        Assert.Throws<WeChatPayProtocolException>(() => wrongKey.Read(Sign(key, Serial, body), body));
    }

    private WeChatPayNotifications Notifications() => new(
        new WeChatPayVerifier(new Dictionary<string, RSA> { [Serial] = WeChatPayKeys.LoadPublicKey(OfficialVectors.PublicKey, "test") }, _clock),
        ApiV3Key);

    private WeChatPaySignatureHeaders Sign(RSA key, string serial, byte[] body, long? timestamp = null) =>
        WeChatPaySignatureHeaders.Sign(key, serial, timestamp ?? _clock.GetUtcNow().ToUnixTimeSeconds(), "nonce-" + Guid.NewGuid().ToString("N"), body);

    private static byte[] NotificationBody(string id, string eventType, string originalType, string resource) =>
        WeChatPayNotifications.Seal(ApiV3Key, id, eventType, "支付成功", originalType, resource, "fdasflkja484", DateTimeOffset.UtcNow);

    private static WeChatPaySignatureHeaders SdkHeaders() => new(
        OfficialVectors.NotifyTimestamp, OfficialVectors.NotifyNonce, OfficialVectors.NotifySerial, OfficialVectors.NotifySignature);
}
