namespace WeChatAi.Admin.Api;

public sealed record SignInRequest(string Name, string Password);

/// <summary>
/// The API's verdict on a sign-in: the operator's name and stamp (it changes with their password), or the message to
/// show (wrong password, locked out).
/// </summary>
public sealed record SignInResult(string? Name, string? Refusal, string? Stamp = null);
