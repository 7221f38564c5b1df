using System.Globalization;

namespace WeChatAi.Admin.Api;

// The keyset-paged lists of the contract ({ items, nextBefore }): Next is what to pass as `before` for the next
// (older) page, null on the last; nextBefore is a number or a string per list.

public partial class UserPage
{
    public string? Next => NextBefore;
}

public partial class ExchangePage
{
    public string? Next => NextBefore?.ToString(CultureInfo.InvariantCulture);
}

public partial class OrderPage
{
    public string? Next => NextBefore?.ToString(CultureInfo.InvariantCulture);
}

public partial class AuditPage
{
    public string? Next => NextBefore?.ToString(CultureInfo.InvariantCulture);
}
