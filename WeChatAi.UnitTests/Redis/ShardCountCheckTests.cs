using StackExchange.Redis;
using WeChatAi.Core.Redis;
using Xunit;

namespace WeChatAi.UnitTests.Redis;

public sealed class ShardCountCheckTests
{
    [Fact]
    public void A_new_deployment_gets_one_shard_on_a_standalone_redis_and_twelve_on_a_cluster_or_behind_a_proxy()
    {
        Assert.Equal(1, ShardCountCheck.NewDeploymentCount([ServerType.Standalone]));
        Assert.Equal(1, ShardCountCheck.NewDeploymentCount([ServerType.Standalone, ServerType.Standalone]));
        Assert.Equal(12, ShardCountCheck.NewDeploymentCount([ServerType.Cluster, ServerType.Cluster, ServerType.Cluster]));
        Assert.Equal(12, ShardCountCheck.NewDeploymentCount([ServerType.Twemproxy]));
        Assert.Equal(12, ShardCountCheck.NewDeploymentCount([ServerType.Envoyproxy]));
    }

    [Fact]
    public void The_recorded_count_wins_over_the_topology_and_an_unset_setting_follows_it()
    {
        Assert.Equal(12, ShardCountCheck.Choose(configured: null, proposed: 1, recorded: "12"));
        Assert.Equal(1, ShardCountCheck.Choose(configured: null, proposed: 12, recorded: "1"));
        Assert.Equal(12, ShardCountCheck.Choose(configured: 12, proposed: 12, recorded: "12"));
    }

    [Fact]
    public void Nothing_recorded_yet_uses_the_count_just_recorded()
    {
        Assert.Equal(1, ShardCountCheck.Choose(configured: null, proposed: 1, recorded: RedisValue.Null));
        Assert.Equal(8, ShardCountCheck.Choose(configured: 8, proposed: 8, recorded: RedisValue.Null));
    }

    [Fact]
    public void A_setting_other_than_the_recorded_count_is_refused_naming_the_setting_and_the_count_to_set()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => ShardCountCheck.Choose(configured: 1, proposed: 1, recorded: "12"));
        Assert.Contains("Redis:JobShards is 1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("set Redis:JobShards=12 or leave it unset", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    [InlineData("twelve")]
    [InlineData("-3")]
    public void A_recorded_value_that_is_no_shard_count_is_refused_naming_the_key(string recorded)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => ShardCountCheck.Choose(configured: null, proposed: 1, recorded: recorded));
        Assert.Contains(ShardCountCheck.Key, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_services_shards_refuse_to_be_read_before_the_check_resolved_them_and_keep_their_first_count()
    {
        var shards = new JobShards();
        Assert.Throws<InvalidOperationException>(() => shards.Count);
        Assert.Throws<InvalidOperationException>(() => shards.Of("o-early"));
        Assert.Throws<InvalidOperationException>(() => shards.All);

        shards.Resolve(1);
        Assert.Equal(0, shards.Of("o-early").Index);
        shards.Resolve(1); // the check again after a Redis blip during the warm-ups
        Assert.Throws<InvalidOperationException>(() => shards.Resolve(12));
        Assert.Equal(1, shards.Count);
    }
}
