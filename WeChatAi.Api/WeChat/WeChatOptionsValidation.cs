using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.WeChat;

/// <summary>Fails startup with messages that name the setting to fix, instead of failing the first request.</summary>
internal sealed class WeChatOptionsValidation : IValidateOptions<WeChatOptions>, IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, WeChatOptions options)
    {
        var failures = new List<string>();
        if (options.IsConfigured && string.IsNullOrEmpty(options.AppId))
        {
            failures.Add("WeChat:AppId is required when WeChat:Token is set (it scopes de-duplication, jobs and safe-mode decryption).");
        }

        if (options.TimestampToleranceSeconds < 0)
        {
            failures.Add("WeChat:TimestampToleranceSeconds must be 0 (off) or a positive number of seconds.");
        }

        if (options.PendingTtlHours < 1)
        {
            failures.Add("WeChat:PendingTtlHours must be at least 1.");
        }

        if (!Enum.IsDefined(options.ReplyMode))
        {
            failures.Add("WeChat:ReplyMode must be 'push' or 'passive'.");
        }

        if (!string.IsNullOrEmpty(options.EncodingAESKey) || !string.IsNullOrEmpty(options.PreviousEncodingAESKey))
        {
            if (string.IsNullOrEmpty(options.EncodingAESKey))
            {
                failures.Add("WeChat:EncodingAESKey is required when WeChat:PreviousEncodingAESKey is set.");
            }
            else
            {
                try
                {
                    // The constructor checks both keys and names the setting that is wrong.
                    using var crypto = new WeChatMessageCrypto(options.AppId ?? "-", options.EncodingAESKey, options.PreviousEncodingAESKey);
                }
                catch (ArgumentException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        if (options.PerUserPerMinute < 1)
        {
            failures.Add("RateLimits:PerUserPerMinute must be at least 1.");
        }

        if (options.PerUserBurst < 1)
        {
            failures.Add("RateLimits:PerUserBurst must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
