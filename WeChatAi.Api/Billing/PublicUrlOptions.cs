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

    /// <summary>
    /// Origins (space-separated, e.g. <c>http://localhost:5070</c>) allowed to show <c>/pay</c> in a frame. Empty (the
    /// default, and always in production): <c>frame-ancestors 'none'</c>. The AppHost sets it only to the simulator's
    /// chat page, whose "WeChat browser" is a frame.
    /// </summary>
    public string? PayFrameAncestors { get; set; }

    /// <summary>The <c>frame-ancestors</c> source list of <c>/pay</c>.</summary>
    public string FrameAncestors => string.IsNullOrWhiteSpace(PayFrameAncestors)
        ? "'none'"
        : string.Join(' ', PayFrameAncestors.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(origin => new Uri(origin).GetLeftPart(UriPartial.Authority)));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUri is { } uri && (uri.Query.Length > 0 || uri.Fragment.Length > 0))
        {
            yield return new ValidationResult("Api:PublicBaseUrl must not have a query or fragment (it is the base of redirect_uri and /pay).");
        }

        foreach (var origin in (PayFrameAncestors ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var ancestor) || ancestor.Scheme is not ("http" or "https") || ancestor.AbsolutePath != "/" || ancestor.Query.Length > 0 || ancestor.Fragment.Length > 0 || ancestor.UserInfo.Length > 0)
            {
                yield return new ValidationResult($"Api:PayFrameAncestors must be space-separated http(s) origins like http://localhost:5070; '{origin}' is not one.");
            }
        }
    }
}
