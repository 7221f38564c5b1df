using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace WeChatAi.Core.Redis;

/// <summary>
/// Waits until what this process wrote to the master owning a key reached <c>Redis:ReplicaAcks</c> replicas (WAIT):
/// Redis replicates asynchronously, so a master killed right after it answered can take a just-accepted message with
/// it, and the promoted replica would not know it. Callers hold their promise (the webhook's 200, a part's claim) until
/// this says yes; a no means "not safe yet": the webhook fails the request so WeChat's retry finds it again.
/// </summary>
/// <remarks>
/// WAIT counts everything written before it on the same connection, and StackExchange.Redis keeps one connection per
/// server, so one WAIT covers every write whose reply already came back. Concurrent callers of one master share a WAIT
/// (one in flight, the next gathers everyone who came during it): under load it costs one round trip per replication
/// lag, not one per message. WAIT blocks that connection until it returns, so its timeout is short. A master with no
/// replica connected (its replica was promoted and the old master has not rejoined yet) has nothing to wait for: the
/// wait is skipped and counted, rather than refusing every message of its slots.
/// </remarks>
public sealed partial class ReplicaAcks(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time, ILogger<ReplicaAcks> logger)
{
    private static readonly TimeSpan RoleRefresh = TimeSpan.FromSeconds(1);
    private readonly int _replicas = options.Value.ReplicaAcks;
    private readonly long _timeoutMs = options.Value.ReplicaAckTimeoutMs;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<EndPoint, ServerAcks> _servers = new();

    /// <summary>False when the setting is 0 (a single Redis, or a provider's proxy without WAIT): nothing to wait for.</summary>
    public bool Enabled => _replicas > 0;

    /// <summary>Writes acknowledged while their master had no replica (it was skipped, not failed).</summary>
    public long Unreplicated => Interlocked.Read(ref _unreplicated);

    private long _unreplicated;

    /// <summary>
    /// True once everything this process wrote to <paramref name="key"/>'s master so far reached the replicas the
    /// setting asks for (or the master has none); false when the timeout ended first or the master cannot be asked.
    /// </summary>
    public async ValueTask<bool> WaitAsync(RedisKey key)
    {
        if (!Enabled)
        {
            return true;
        }

        IServer server;
        try
        {
            server = redis.GetServer(key);
        }
        catch (RedisException)
        {
            return false;
        }

        var acks = _servers.GetOrAdd(server.EndPoint, _ => new ServerAcks(this));
        return await acks.WaitAsync(server);
    }

    private sealed class ServerAcks(ReplicaAcks owner)
    {
        private readonly Lock _gate = new();
        private bool _running;
        private TaskCompletionSource<bool>? _next;
        private long? _roleCheckedAt;
        private bool _hasReplica = true;

        public Task<bool> WaitAsync(IServer server)
        {
            lock (_gate)
            {
                if (_running)
                {
                    // The WAIT already sent may precede this caller's write: it waits for the next one.
                    _next ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    return _next.Task;
                }

                _running = true;
            }

            return RunAsync(server);
        }

        private async Task<bool> RunAsync(IServer server)
        {
            var result = await AskAsync(server);
            while (true)
            {
                TaskCompletionSource<bool>? next;
                lock (_gate)
                {
                    next = _next;
                    _next = null;
                    if (next is null)
                    {
                        _running = false;
                        return result;
                    }
                }

                next.SetResult(await AskAsync(server));
            }
        }

        private async Task<bool> AskAsync(IServer server)
        {
            try
            {
                if (!await HasReplicaAsync(server))
                {
                    Interlocked.Increment(ref owner._unreplicated);
                    return true;
                }

                var reached = (long)await server.ExecuteAsync("WAIT", owner._replicas, owner._timeoutMs);
                if (reached >= owner._replicas)
                {
                    return true;
                }

                LogShortOfReplicas(owner._logger, server.EndPoint.ToString(), reached, owner._replicas, owner._timeoutMs);
                return false;
            }
#pragma warning disable CA1031 // Whatever failed, this master's waiting callers (and later ones) must hear "not safe".
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogWaitFailed(owner._logger, server.EndPoint.ToString(), ex.GetType().Name);
                return false;
            }
        }

        private async ValueTask<bool> HasReplicaAsync(IServer server)
        {
            if (_roleCheckedAt is { } checkedAt && owner._time.GetElapsedTime(checkedAt) < RoleRefresh)
            {
                return _hasReplica;
            }

            var hadReplica = _hasReplica;
            _hasReplica = await server.RoleAsync() is not Role.Master master || master.Replicas.Count > 0;
            _roleCheckedAt = owner._time.GetTimestamp();
            if (hadReplica && !_hasReplica)
            {
                LogNoReplica(owner._logger, server.EndPoint.ToString());
            }

            return _hasReplica;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis {Endpoint} acknowledged {Reached} of {Required} replicas within {TimeoutMs} ms: the request is refused so it is retried")]
    private static partial void LogShortOfReplicas(ILogger logger, string? endpoint, long reached, int required, long timeoutMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis {Endpoint} could not be asked for its replicas' acknowledgement ({Error}): the request is refused so it is retried")]
    private static partial void LogWaitFailed(ILogger logger, string? endpoint, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis {Endpoint} has no replica connected: its writes are acknowledged without a copy until one (re)joins")]
    private static partial void LogNoReplica(ILogger logger, string? endpoint);
}
