using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Admin;

/// <summary>The operator endpoints under <c>/api/admin</c> (section <c>Admin</c>).</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string Section = "Admin";

    public const int MinimumKeyLength = 16;

    /// <summary>The key an operator sends (<c>X-Admin-Key</c> or <c>Authorization: Bearer</c>); unset: the endpoints answer 503.</summary>
    public string? ApiKey { get; set; }

    public bool IsConfigured => !string.IsNullOrEmpty(ApiKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsConfigured && (ApiKey!.Length < MinimumKeyLength || ApiKey.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult(
                $"Admin:ApiKey must be at least {MinimumKeyLength} characters without spaces (or unset, which disables the admin endpoints).",
                [nameof(ApiKey)]);
        }
    }
}
