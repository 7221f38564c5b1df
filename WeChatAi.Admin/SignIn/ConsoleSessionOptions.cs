using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Admin.SignIn;

/// <summary>How often a signed-in console asks the API whether its operator still exists with the same password (section <c>Admin</c>).</summary>
public sealed class ConsoleSessionOptions
{
    [Range(1, 3600, ErrorMessage = "Admin:SessionCheckSeconds must be between 1 and 3600: how often an open console checks that its operator and password are still the API's.")]
    public int SessionCheckSeconds { get; set; } = 60;

    public TimeSpan SessionCheck => TimeSpan.FromSeconds(SessionCheckSeconds);
}
