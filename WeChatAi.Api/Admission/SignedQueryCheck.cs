namespace WeChatAi.Api.Admission;

/// <summary>
/// A plaintext push's one-body-per-signed-query check (Webhook/SignedQueryReplay): <c>SET Key BodyHash NX GET EX
/// Seconds</c>. Admission runs it first in its script, so a plain question pays no round trip of its own for it.
/// </summary>
public readonly record struct SignedQueryCheck(string Key, string BodyHash, long Seconds);
