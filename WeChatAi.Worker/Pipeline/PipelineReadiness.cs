using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Llm;

namespace WeChatAi.Worker.Pipeline;

/// <summary>Whether jobs can be answered at all, and the access token fetched before the first answer needs it.</summary>
internal sealed partial class PipelineReadiness(
    IOptions<LlmOptions> llmOptions, IOptions<WeChatOptions> weChatOptions, AccessTokenProvider tokens, ILogger<PipelineReadiness> logger)
{
    /// <summary>The settings without which no job can be answered; empty when every one is there.</summary>
    public IReadOnlyList<string> MissingSettings()
    {
        var missing = new List<string>();
        if (!llmOptions.Value.IsConfigured)
        {
            missing.Add("Llm:ApiKey");
        }

        if (!weChatOptions.Value.IsApiConfigured)
        {
            missing.Add("WeChat:AppId and WeChat:AppSecret");
        }

        return missing;
    }

    /// <summary>Fetches the access token ahead of the first answer (failures only logged: jobs fetch it again).</summary>
    public async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tokens.GetAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWarmUpFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the WeChat access token at startup; jobs will try again")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}
