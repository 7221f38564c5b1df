namespace WeChatAi.Api.Admission;

/// <summary>What became of a user message handed to <see cref="MessageAdmission"/>.</summary>
public enum AdmissionOutcome
{
    /// <summary>A new job is on the stream.</summary>
    Enqueued,

    /// <summary>The user's bucket was empty: no job.</summary>
    RateLimited,

    /// <summary>Today's free questions are used up and the user has no credits: no job.</summary>
    OverQuota,

    /// <summary>Free questions used up and the credit balance could not be read from PostgreSQL: no job.</summary>
    QuotaUnavailable,

    /// <summary>An operator blocked the user (<see cref="BlockedUsers"/>): no job, no charge.</summary>
    Blocked,

    /// <summary>The user is handed to a person (<c>HandoffKeys.Open</c>): no job, no charge; the webhook records it for the operator.</summary>
    HandedOff,

    /// <summary>Its signed query already came with another body (<see cref="SignedQueryCheck"/>): no claim, no job, no charge.</summary>
    Replayed,
}

/// <param name="Outcome">For a duplicate, the outcome of the first delivery, so a retry gets the same kind of reply.</param>
/// <param name="PassiveSwitch">The worker found the account lacks customer-service permission: reply passively.</param>
public readonly record struct AdmissionResult(AdmissionOutcome Outcome, bool IsDuplicate, bool PassiveSwitch);
