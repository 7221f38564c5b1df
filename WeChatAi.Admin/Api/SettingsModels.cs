namespace WeChatAi.Admin.Api;

/// <summary><c>GET /api/admin/settings</c>: the live values, which of them the operator overrode, and the credit packs.</summary>
public sealed record SettingsState(
    Dictionary<string, string?> Values,
    IReadOnlyList<string> Overridden,
    List<Product> Products,
    bool ProductsOverridden,
    DateTimeOffset? UpdatedAt,
    string? UpdatedBy);

/// <summary>A credit pack on sale; the price in fen.</summary>
public sealed class Product
{
    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public long PriceFen { get; set; }

    public int Credits { get; set; }

    public int ValidityDays { get; set; } = 30;
}

/// <summary>The body of <c>PUT /api/admin/settings</c>: a null value goes back to the configured one; null products stay unchanged.</summary>
public sealed record SettingsUpdate(Dictionary<string, string?> Values, List<Product>? Products);
