namespace WeChatAi.Simulator.Llm;

/// <summary>What the fake LLM did, for the page.</summary>
public sealed class LlmStats
{
    public Counter Calls { get; } = new();

    public Counter Answered { get; } = new();

    public Counter RateLimited { get; } = new();

    public Counter Unavailable { get; } = new();

    public Counter KeepAlive { get; } = new();

    public sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }
}
