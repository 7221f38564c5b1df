using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Admin.Api;

/// <summary>
/// How the console reaches the API and how often it re-checks its operators there (section <c>Admin</c>, the same
/// names as the API's own admin settings; the console's one options class).
/// </summary>
public sealed class AdminApiOptions : IValidatableObject
{
    public const string Section = "Admin";

    public const int MinimumKeyLength = 16;

    /// <summary>The API's <c>Admin:ApiKey</c>: without it the console can do nothing, so it is required.</summary>
    [Required(ErrorMessage = "Admin:ApiKey is not set: the console calls the API's /api/admin endpoints with it (the same value as the API's Admin:ApiKey).")]
    public string? ApiKey { get; set; }

    /// <summary>The API's address; <c>https+http://api</c> is resolved by service discovery (the AppHost's reference).</summary>
    [Required(ErrorMessage = "Admin:ApiUrl must be the API's base address, e.g. https+http://api or http://127.0.0.1:8080.")]
    public string ApiUrl { get; set; } = "https+http://api";

    /// <summary>How often a signed-in console asks the API whether its operator still exists with the same password.</summary>
    [Range(1, 3600, ErrorMessage = "Admin:SessionCheckSeconds must be between 1 and 3600: how often an open console checks that its operator and password are still the API's.")]
    public int SessionCheckSeconds { get; set; } = 60;

    public TimeSpan SessionCheck => TimeSpan.FromSeconds(SessionCheckSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKey is { } key && (key.Length < MinimumKeyLength || key.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult($"Admin:ApiKey must be at least {MinimumKeyLength} characters without spaces, as the API requires.", [nameof(ApiKey)]);
        }

        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"Admin:ApiUrl '{ApiUrl}' is not an absolute URL such as https+http://api.", [nameof(ApiUrl)]);
        }
    }
}
