using WeChatAi.Worker.Consumer;

namespace WeChatAi.UnitTests.Worker;

public sealed class SlowStartLimiterTests
{
    [Fact]
    public async Task A_slot_taken_on_credit_is_paid_back_by_the_next_completion_before_any_slot_is_free_again()
    {
        var limiter = new SlowStartLimiter(initial: 2, max: 2);
        await limiter.WaitAsync(CancellationToken.None);
        limiter.Take();
        Assert.Equal(0, limiter.Free);

        // Two more on credit, none waiting: four jobs run on a limit of two.
        limiter.Take();
        limiter.Take();
        Assert.Equal(2, limiter.Credit);

        limiter.Complete();
        limiter.Complete();
        Assert.Equal(0, limiter.Credit);
        Assert.Equal(0, limiter.Free);
        var waiting = limiter.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        limiter.Complete();
        await waiting;
        limiter.Complete();
        Assert.Equal(1, limiter.Free);
    }

    [Fact]
    public void Taking_a_free_slot_runs_no_credit_up()
    {
        var limiter = new SlowStartLimiter(initial: 3, max: 3);
        limiter.Take();
        limiter.Take();
        Assert.Equal(1, limiter.Free);
        Assert.Equal(0, limiter.Credit);

        limiter.Complete();
        limiter.Complete();
        Assert.Equal(3, limiter.Free);
    }
}
