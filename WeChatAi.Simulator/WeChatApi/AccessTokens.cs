using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>
/// WeChat's access tokens as <c>/cgi-bin/stable_token</c> hands them out: the same token until it expires, a new one on
/// <c>force_refresh</c> (which invalidates the old one at once), and a count of calls to the forbidden <c>/cgi-bin/token</c>.
/// </summary>
public sealed class AccessTokens(IOptions<SimulatorOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private string? _current;
    private DateTimeOffset _expiresAt;

    public int Issued { get; private set; }

    public int ForcedRefreshes { get; private set; }

    public int ClassicTokenCalls { get; private set; }

    public (string Token, int ExpiresIn) GetStable(bool forceRefresh)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (forceRefresh || _current is null || now >= _expiresAt)
            {
                ForcedRefreshes += forceRefresh ? 1 : 0;
                Issued++;
                _current = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                _expiresAt = now.AddSeconds(options.Value.TokenLifetimeSeconds);
            }

            return (_current, (int)Math.Max(0, (_expiresAt - now).TotalSeconds));
        }
    }

    public bool IsValid(string? token)
    {
        lock (_lock)
        {
            return token is not null && token == _current && time.GetUtcNow() < _expiresAt;
        }
    }

    /// <summary>Makes the current token invalid, as a refresh elsewhere would; the page uses it to show recovery.</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _current = null;
        }
    }

    public void RecordClassicTokenCall()
    {
        lock (_lock)
        {
            ClassicTokenCalls++;
        }
    }
}
