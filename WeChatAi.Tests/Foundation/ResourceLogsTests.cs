using Aspire.Hosting.ApplicationModel;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

/// <summary>The "no error in any service's log" check reads the formats the services really write under the AppHost.</summary>
public sealed class ResourceLogsTests
{
    [Theory]
    [InlineData("2026-12-07T11:44:17.8520000Z \u001b[41m\u001b[30mfail\u001b[39m\u001b[22m\u001b[49m: Microsoft.EntityFrameworkCore.Database.Command[20102]", true)]
    [InlineData("2026-12-07T11:44:17.8520000Z \u001b[41m\u001b[1m\u001b[37mcrit\u001b[39m\u001b[22m\u001b[49m: WeChatAi.Worker[1]", true)]
    [InlineData("2026-12-07T11:43:38.7430000Z {\"Timestamp\":\"2026-12-07T11:43:38.702Z\",\"EventId\":0,\"LogLevel\":\"Error\",\"Category\":\"X\"}", true)]
    [InlineData("2026-12-07T11:44:17.8520000Z \u001b[40m\u001b[32minfo\u001b[39m\u001b[22m\u001b[49m: WeChatAi.Api.Webhook.WeChatWebhook[2]", false)]
    [InlineData("2026-12-07T11:44:17.8520000Z       The request failed: fail: is only text here", false)]
    [InlineData("2026-12-07T11:43:38.7430000Z {\"Timestamp\":\"2026-12-07T11:43:38.702Z\",\"EventId\":0,\"LogLevel\":\"Information\",\"Category\":\"X\"}", false)]
    public void An_error_entry_is_recognised_in_each_format(string content, bool error)
    {
        Assert.Equal(error, ResourceLogs.IsError(new LogLine(1, content, IsErrorMessage: false)));
    }
}
