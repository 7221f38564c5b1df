namespace WeChatAi.Core.Data.Billing;

/// <summary>
/// One row of the append-only credit ledger (<c>credit_ledger</c>): a grant, a use, a give-back, a refund's reversal
/// or an expiry. Rows are never updated; a user's balance is the sum over the grants still valid.
/// </summary>
public sealed class CreditEntry
{
    public long Id { get; set; }

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public CreditEntryKind Kind { get; set; }

    /// <summary>Signed: positive for grants and give-backs, negative for uses, reversals and expiries.</summary>
    public int Credits { get; set; }

    /// <summary>Makes each operation happen once (e.g. <c>grant:{out_trade_no}</c>, <c>use:{jobId}</c>).</summary>
    public required string IdempotencyKey { get; set; }

    /// <summary>The grant this row draws from or returns to (null for a grant, and for a use no grant could cover).</summary>
    public long? GrantId { get; set; }

    /// <summary>For a grant: when its remaining credits expire (the product's validity days after the grant).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public long? OrderId { get; set; }

    public string? JobId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? Note { get; set; }
}

public enum CreditEntryKind
{
    Grant,
    Use,
    GiveBack,
    Reversal,
    Expiry,
}
