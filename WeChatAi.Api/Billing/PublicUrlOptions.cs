using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Billing;

/// <summary>The API as the outside world reaches it (section <c>Api</c>): OAuth's redirect_uri and the purchase link are built on it.</summary>
public sealed class PublicUrlOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>E.g. <c>https://ai.example.com</c>: the domain configured for OAuth and the payment directory. Empty: no purchase page.</summary>
    [Url(ErrorMessage = "Api:PublicBaseUrl must be an absolute http(s) URL.")]
    public string? PublicBaseUrl { get; set; }

    public Uri? BaseUri => string.IsNullOrEmpty(PublicBaseUrl) ? null : new Uri(PublicBaseUrl.TrimEnd('/') + "/");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUri is { } uri && (uri.Query.Length > 0 || uri.Fragment.Length > 0))
        {
            yield return new ValidationResult("Api:PublicBaseUrl must not have a query or fragment (it is the base of redirect_uri and /pay).");
        }
    }
}
