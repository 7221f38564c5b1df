namespace WeChatAi.Admin.Api;

/// <summary>
/// The console's verdict on a sign-in: the operator's name and stamp (the API's <see cref="SignedIn"/>; the stamp
/// changes with their password), or the message to show (wrong password, locked out).
/// </summary>
public sealed record SignInResult(string? Name, string? Refusal, string? Stamp = null);
