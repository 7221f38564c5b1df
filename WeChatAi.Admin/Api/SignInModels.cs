namespace WeChatAi.Admin.Api;

public sealed record SignInRequest(string Name, string Password);

/// <summary>The API's verdict on a sign-in: the operator's name, or the message to show (wrong password, locked out).</summary>
public sealed record SignInResult(string? Name, string? Refusal);
