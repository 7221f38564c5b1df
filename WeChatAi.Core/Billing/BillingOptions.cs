using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace WeChatAi.Core.Billing;

/// <summary>Free quota, credit packs and the purchase link (section <c>Billing</c>), read by the API and the worker.</summary>
public sealed partial class BillingOptions : IValidatableObject
{
    public const string Section = "Billing";

    /// <summary>Questions every user may ask per day (China's day, UTC+8) before credits are used.</summary>
    [Range(0, 1_000_000, ErrorMessage = "Billing:FreeDailyMessages must be between 0 and 1000000.")]
    public int FreeDailyMessages { get; set; } = 20;

    /// <summary>Where <see cref="OverQuotaText"/> puts the day's free questions.</summary>
    public const string FreePlaceholder = "{free}";

    public const string DefaultOverQuotaText = "今天的 {free} 次免费提问已用完，积分也已用完。";

    /// <summary>The reply when the free questions and the credits are used up; the purchase link follows it.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Billing:OverQuotaText must not be empty.")]
    [MaxLength(WeChat.WeChatOptions.MaxTextLength, ErrorMessage = "Billing:OverQuotaText must be at most 600 characters (one WeChat message).")]
    public string OverQuotaText { get; set; } = DefaultOverQuotaText;

    /// <summary>The link in the over-quota reply; empty: <c>Api:PublicBaseUrl</c> + <c>/pay</c>.</summary>
    [Url(ErrorMessage = "Billing:PurchaseUrl must be an absolute http(s) URL.")]
    public string? PurchaseUrl { get; set; }

    /// <summary>The credit packs on sale. Prices are integer fen.</summary>
    public List<ProductOptions> Products { get; set; } = [];

    /// <summary>How long an unpaid order's prepay stays valid before it is closed (WeChat Pay allows 2 h).</summary>
    [Range(5, 120, ErrorMessage = "Billing:OrderExpiryMinutes must be between 5 and 120.")]
    public int OrderExpiryMinutes { get; set; } = 30;

    /// <summary>Unpaid, unexpired orders one payer may hold at once: each is a row and a prepay call, and a click costs nothing.</summary>
    [Range(1, 20, ErrorMessage = "Billing:MaxPendingOrders must be between 1 and 20.")]
    public int MaxPendingOrders { get; set; } = 3;

    public ProductOptions? Find(string? productId) => Products.Find(p => string.Equals(p.Id, productId, StringComparison.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Products.Count; i++)
        {
            var product = Products[i];
            var name = $"Billing:Products:{i}";
            if (string.IsNullOrEmpty(product.Id) || !ProductId().IsMatch(product.Id))
            {
                yield return new ValidationResult($"{name}:Id must be 1–32 letters, digits, '-' or '_'.");
            }
            else if (!ids.Add(product.Id))
            {
                yield return new ValidationResult($"{name}:Id '{product.Id}' is used by another product.");
            }

            if (string.IsNullOrWhiteSpace(product.Name) || product.Name.Length > 127)
            {
                yield return new ValidationResult($"{name}:Name must be 1–127 characters (it is WeChat Pay's description).");
            }

            if (product.PriceFen < 1 || product.PriceFen > 100_000_000)
            {
                yield return new ValidationResult($"{name}:PriceFen must be between 1 and 100000000 (integer fen).");
            }

            if (product.Credits < 1 || product.Credits > 1_000_000)
            {
                yield return new ValidationResult($"{name}:Credits must be between 1 and 1000000.");
            }

            if (product.ValidityDays < 1 || product.ValidityDays > 3_650)
            {
                yield return new ValidationResult($"{name}:ValidityDays must be between 1 and 3650.");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex ProductId();
}

/// <summary>One credit pack: <see cref="Credits"/> questions for <see cref="PriceFen"/>, valid <see cref="ValidityDays"/> days.</summary>
public sealed class ProductOptions
{
    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public int PriceFen { get; set; }

    public int Credits { get; set; }

    public int ValidityDays { get; set; }
}
