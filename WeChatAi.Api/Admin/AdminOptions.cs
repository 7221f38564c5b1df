using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Admin;

/// <summary>The operator endpoints under <c>/api/admin</c> and the console's sign-in (section <c>Admin</c>).</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string Section = "Admin";

    public const int MinimumKeyLength = 16;

    public const int MinimumPasswordLength = 12;

    public const int MaxNameLength = 64;

    /// <summary>The user <see cref="Password"/> signs in as.</summary>
    public const string PasswordUser = "admin";

    /// <summary>The key an operator sends (<c>X-Admin-Key</c> or <c>Authorization: Bearer</c>); unset: the endpoints answer 503.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The console's users, each with a hash from <c>dotnet run --project WeChatAi.Api -- hash-password</c>.</summary>
    public List<AdminUserOptions> Users { get; set; } = [];

    /// <summary>The password of the user <c>admin</c> (the AppHost's <c>admin-password</c> secret); a secret, never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Failed sign-ins from one address within <see cref="SignInWindowSeconds"/> that block it, and for one name after
    /// which its attempts are slowed (never locked).
    /// </summary>
    [Range(1, 100, ErrorMessage = "Admin:SignInMaxFailures must be between 1 and 100.")]
    public int SignInMaxFailures { get; set; } = 5;

    [Range(1, 86_400, ErrorMessage = "Admin:SignInWindowSeconds must be between 1 and 86400.")]
    public int SignInWindowSeconds { get; set; } = 900;

    /// <summary>How long a blocked address is refused, even with the right password.</summary>
    [Range(1, 86_400, ErrorMessage = "Admin:SignInLockSeconds must be between 1 and 86400.")]
    public int SignInLockSeconds { get; set; } = 900;

    /// <summary>
    /// The longest wait between two attempts for a slowed name (2, 4, 8 … seconds up to this); under a minute, so its owner
    /// is delayed, never kept out.
    /// </summary>
    [Range(1, 50, ErrorMessage = "Admin:SignInMaxDelaySeconds must be between 1 and 50.")]
    public int SignInMaxDelaySeconds { get; set; } = 30;

    public bool IsConfigured => !string.IsNullOrEmpty(ApiKey);

    /// <summary>Someone can sign in to the console.</summary>
    public bool HasUsers => Users.Count > 0 || !string.IsNullOrEmpty(Password);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsConfigured && (ApiKey!.Length < MinimumKeyLength || ApiKey.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult(
                $"Admin:ApiKey must be at least {MinimumKeyLength} characters without spaces (or unset, which disables the admin endpoints).",
                [nameof(ApiKey)]);
        }

        if (!string.IsNullOrEmpty(Password) && Password.Length < MinimumPasswordLength)
        {
            yield return new ValidationResult($"Admin:Password must be at least {MinimumPasswordLength} characters.", [nameof(Password)]);
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(Password))
        {
            names.Add(PasswordUser);
        }

        for (var i = 0; i < Users.Count; i++)
        {
            var user = Users[i];
            if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Length > MaxNameLength || user.Name.Any(char.IsControl) || user.Name != user.Name.Trim())
            {
                yield return new ValidationResult($"Admin:Users:{i}:Name must be 1–{MaxNameLength} characters without control characters or surrounding spaces.", [nameof(Users)]);
            }
            else if (!names.Add(user.Name))
            {
                yield return new ValidationResult($"Admin:Users:{i}:Name '{user.Name}' is used twice (names ignore case; Admin:Password is the user '{PasswordUser}').", [nameof(Users)]);
            }

            if (!AdminPasswords.IsHash(user.PasswordHash))
            {
                yield return new ValidationResult($"Admin:Users:{i}:PasswordHash is not a password hash; make one with: dotnet run --project WeChatAi.Api -- hash-password", [nameof(Users)]);
            }
        }
    }
}

/// <summary>One console user (<c>Admin:Users:{i}</c>).</summary>
public sealed class AdminUserOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>ASP.NET Core Identity's format (PBKDF2, version 3), never the password itself.</summary>
    public string PasswordHash { get; set; } = string.Empty;
}
