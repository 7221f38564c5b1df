using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WeChatAi.Core.Outbound;

namespace WeChatAi.Tests.Security;

/// <summary>
/// The shared outbound-URL guard (Core/Outbound) on its own: which URLs and addresses it refuses, and that the
/// connection is made only to addresses it checked (DNS answers injected; the only network is 127.0.0.1).
/// </summary>
public sealed class OutboundGuardTests
{
    private static readonly OutboundPolicy WeChatImages = new(OutboundHosts.Parse("qpic.cn,qlogo.cn"));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.100.100.200", "carrier-grade NAT")] // Alibaba Cloud's metadata service
    [InlineData("169.254.169.254", "link-local")] // the cloud metadata address
    [InlineData("168.63.129.16", "Azure")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.7", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("192.0.0.170", "IETF")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1, loopback")]
    [InlineData("::ffff:169.254.169.254", "IPv4-mapped form of 169.254.169.254, link-local")]
    [InlineData("::127.0.0.1", "IPv4-compatible")]
    [InlineData("64:ff9b::a00:1", "NAT64 form of 10.0.0.1, private")]
    [InlineData("64:ff9b:1::1", "local-use NAT64")]
    [InlineData("2002:7f00:1::1", "6to4 form of 127.0.0.1, loopback")]
    [InlineData("2002:c0a8:101::1", "6to4 form of 192.168.1.1, private")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    public void Internal_and_special_addresses_are_refused_naming_their_kind(string address, string kind)
    {
        Assert.Contains(kind, OutboundAddresses.InternalKind(IPAddress.Parse(address)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("101.226.1.1")]
    [InlineData("172.32.0.1")] // just outside 172.16/12
    [InlineData("100.128.0.1")] // just outside 100.64/10
    [InlineData("2400:3200::1")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8: what DNS64 gives an IPv6-only host
    [InlineData("2002:808:808::1")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.Null(OutboundAddresses.InternalKind(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("http://mmbiz.qpic.cn/mmbiz_jpg/abc/0")]
    [InlineData("https://mmbiz.qpic.cn/mmbiz_png/abc/0?wx_fmt=png")]
    [InlineData("http://mmbiz.qlogo.cn/mmbiz/abc/0")]
    [InlineData("https://wx.qlogo.cn/mmopen/abc/132")]
    [InlineData("http://MMBIZ.QPIC.CN./x")]
    public void WeChats_image_hosts_pass_the_url_check(string url)
    {
        new OutboundUrlGuard(WeChatImages).CheckUrl(new Uri(url));
    }

    [Theory]
    [InlineData("http://127.0.0.1/internal/admin", "not on the allowed list")]
    [InlineData("http://evilqpic.cn/x", "not on the allowed list")]
    [InlineData("http://mmbiz.qpic.cn.evil.example/x", "not on the allowed list")]
    [InlineData("http://qpic.cn@127.0.0.1/x", "user information")]
    [InlineData("http://mmbiz.qpic.cn:80@169.254.169.254/latest/meta-data", "user information")]
    [InlineData("ftp://mmbiz.qpic.cn/x", "Only http and https")]
    [InlineData("file:///etc/passwd", "Only http and https")]
    [InlineData("gopher://mmbiz.qpic.cn/x", "Only http and https")]
    public void Other_hosts_schemes_and_user_information_are_refused(string url, string reason)
    {
        var refused = Assert.Throws<OutboundRefusedException>(() => new OutboundUrlGuard(WeChatImages).CheckUrl(new Uri(url)));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    // The URI parser normalises every spelling of an IPv4 literal; the guard judges the address it names.
    [Theory]
    [InlineData("http://2130706433/", "127.0.0.1")]
    [InlineData("http://0x7f000001/", "127.0.0.1")]
    [InlineData("http://0x7f.0.0.1/", "127.0.0.1")]
    [InlineData("http://0177.0.0.1/", "127.0.0.1")]
    [InlineData("http://127.1/", "127.0.0.1")]
    [InlineData("http://0/", "0.0.0.0")]
    [InlineData("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1")]
    [InlineData("http://[::ffff:7f00:1]/", "::ffff:127.0.0.1")]
    [InlineData("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "::ffff:169.254.169.254")]
    [InlineData("http://[fe80::1]/", "fe80::1")]
    [InlineData("http://2852039166/latest/meta-data/", "169.254.169.254")]
    public void Address_literals_in_any_spelling_are_refused_for_any_public_host(string url, string address)
    {
        var refused = Assert.Throws<OutboundRefusedException>(() => new OutboundUrlGuard(OutboundPolicy.AnyPublicHost).CheckUrl(new Uri(url)));
        Assert.Contains(address, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qpic.cn", null)]
    [InlineData("127.0.0.1", null)]
    [InlineData("[::1]", null)]
    [InlineData("localhost", null)]
    [InlineData("*.qpic.cn", "wildcard")]
    [InlineData("https://mmbiz.qpic.cn", "not a host name")]
    [InlineData("mmbiz.qpic.cn/x", "not a host name")]
    [InlineData("bad_host!", "not a host name")]
    [InlineData("cn", "single label")]
    public void Host_entries_are_checked(string entry, string? problem)
    {
        if (problem is null)
        {
            Assert.Null(OutboundHosts.Problem(entry));
        }
        else
        {
            Assert.Contains(problem, OutboundHosts.Problem(entry), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_allowed_host_that_resolves_to_an_internal_address_is_refused_at_connect_time_and_never_reached()
    {
        await using var internalService = await RecordingListener.StartAsync();
        var lookups = 0;
        var guard = new OutboundUrlGuard(new OutboundPolicy(["images.example"]), (_, _) =>
        {
            Interlocked.Increment(ref lookups);
            return Task.FromResult(new[] { IPAddress.Loopback });
        });
        using var client = new HttpClient(guard.CreateHandler());

        var refused = await Assert.ThrowsAsync<OutboundRefusedException>(() =>
            client.GetAsync(new Uri($"http://images.example:{internalService.BaseAddress.Port}/internal/admin"), TestContext.Current.CancellationToken));

        Assert.Contains("127.0.0.1, loopback", refused.Message, StringComparison.Ordinal);
        Assert.Empty(internalService.Hits);
        Assert.Equal(1, lookups); // one answer, checked and then used: nothing to rebind between a check and a connect
    }

    [Fact]
    public async Task One_internal_address_among_public_ones_is_enough_to_refuse()
    {
        var guard = new OutboundUrlGuard(WeChatImages, (_, _) => Task.FromResult(new[] { IPAddress.Parse("101.226.1.1"), IPAddress.Parse("10.0.0.5") }));

        var refused = await Assert.ThrowsAsync<OutboundRefusedException>(() => guard.ResolveAsync("mmbiz.qpic.cn", TestContext.Current.CancellationToken));

        Assert.Contains("10.0.0.5", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connection_goes_to_the_checked_answer_not_to_another_lookup()
    {
        // "pics.test" exists only in the injected answer: the request can reach the listener only through it.
        await using var listener = await RecordingListener.StartAsync();
        listener.Image = [1, 2, 3];
        var guard = new OutboundUrlGuard(new OutboundPolicy(["pics.test"], AllowPrivateAddresses: true), (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));
        using var client = new HttpClient(guard.CreateHandler());

        var bytes = await client.GetByteArrayAsync(new Uri($"http://pics.test:{listener.BaseAddress.Port}/image"), TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], bytes);
        Assert.Equal(["/image"], listener.Hits);
    }

    [Fact]
    public async Task A_redirect_is_refused_and_not_followed_even_to_an_allowed_host()
    {
        await using var listener = await RecordingListener.StartAsync();
        var guard = new OutboundUrlGuard(new OutboundPolicy(["127.0.0.1"], AllowPrivateAddresses: true));
        using var client = new HttpClient(guard.CreateHandler());
        var target = listener.Url("/internal/admin");

        var refused = await Assert.ThrowsAsync<OutboundRefusedException>(() =>
            client.GetAsync(listener.Url("/redirect?to=" + Uri.EscapeDataString(target.ToString())), TestContext.Current.CancellationToken));

        Assert.Contains("redirects are not followed", refused.Message, StringComparison.Ordinal);
        Assert.Empty(listener.HitsOf("/internal"));
    }

    [Fact]
    public async Task Without_the_development_switch_a_listed_loopback_literal_is_still_refused()
    {
        await using var listener = await RecordingListener.StartAsync();
        using var client = new HttpClient(new OutboundUrlGuard(new OutboundPolicy(["127.0.0.1"])).CreateHandler());

        await Assert.ThrowsAsync<OutboundRefusedException>(() => client.GetAsync(listener.Url("/internal/admin"), TestContext.Current.CancellationToken));

        Assert.Empty(listener.Hits);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/internal/admin")] // refused by the URL check
    [InlineData("http://localhost:{port}/internal/admin")] // refused at connect time
    public async Task A_refusal_passes_through_the_standard_resilience_handler_without_a_retry(string url)
    {
        await using var internalService = await RecordingListener.StartAsync();
        var sends = new CountingHandler();
        var services = new ServiceCollection();
        services.AddHttpClient("guarded")
            .AddOutboundGuard(_ => new OutboundPolicy(["localhost"]))
            .AddStandardResilienceHandler();
        services.AddHttpClient("guarded").AddHttpMessageHandler(() => sends);
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("guarded");

        await Assert.ThrowsAsync<OutboundRefusedException>(() => client.GetAsync(
            new Uri(url.Replace("{port}", internalService.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)),
            TestContext.Current.CancellationToken));

        Assert.Equal(1, sends.Count);
        Assert.Empty(internalService.Hits);
    }

    [Fact]
    public async Task A_body_is_cut_at_the_callers_limit_while_it_is_read_even_without_a_length()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new EndlessStream()) };

        var tooLarge = await Assert.ThrowsAsync<OutboundResponseTooLargeException>(() =>
            OutboundResponse.ReadBoundedAsync(response, 1024 * 1024, TestContext.Current.CancellationToken));

        Assert.Equal(1024 * 1024, tooLarge.MaxBytes);
    }

    /// <summary>Counts the requests that reach the guard (it sits inside the resilience handler).</summary>
    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => _count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A chunked body that never ends.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => count;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
