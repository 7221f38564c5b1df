using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Admin.Api;

/// <summary>How the console reaches the API (section <c>Admin</c>, the same names as the API's own admin settings).</summary>
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
