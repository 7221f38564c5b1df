using System.ComponentModel.DataAnnotations;
using WeChatAi.Api.Billing;
using WeChatAi.Core.Billing;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Billing;

/// <summary>The billing settings are checked at startup, each error naming the setting.</summary>
public sealed class BillingOptionsTests
{
    [Fact]
    public void Products_with_a_bad_id_a_duplicate_a_zero_price_or_no_validity_are_refused_by_name()
    {
        var options = new BillingOptions
        {
            Products =
            [
                new ProductOptions { Id = "p10", Name = "10 次", PriceFen = 100, Credits = 10, ValidityDays = 7 },
                new ProductOptions { Id = "p10", Name = "重复", PriceFen = 100, Credits = 10, ValidityDays = 7 },
                new ProductOptions { Id = "bad id!", Name = "", PriceFen = 0, Credits = 0, ValidityDays = 0 },
            ],
        };

        var errors = Validate(options);

        Assert.Equal(
            [
                "Billing:Products:1:Id 'p10' is used by another product.",
                "Billing:Products:2:Id must be 1–32 letters, digits, '-' or '_'.",
                "Billing:Products:2:Name must be 1–127 characters (it is WeChat Pay's description).",
                "Billing:Products:2:PriceFen must be between 1 and 100000000 (integer fen).",
                "Billing:Products:2:Credits must be between 1 and 1000000.",
                "Billing:Products:2:ValidityDays must be between 1 and 3650.",
            ],
            errors);
    }

    [Fact]
    public void A_negative_free_quota_and_a_public_url_with_a_query_are_refused()
    {
        Assert.Equal(["Billing:FreeDailyMessages must be between 0 and 1000000."], Validate(new BillingOptions { FreeDailyMessages = -1 }));
        Assert.Equal(["Api:PublicBaseUrl must not have a query or fragment (it is the base of redirect_uri and /pay)."], Validate(new PublicUrlOptions { PublicBaseUrl = "https://ai.example.com/?x=1" }));
        Assert.Equal(["Api:PublicBaseUrl must be an absolute http(s) URL."], Validate(new PublicUrlOptions { PublicBaseUrl = "ai.example.com" }));
    }

    [Fact]
    public void Frame_ancestors_must_be_origins_and_default_to_none()
    {
        Assert.Equal("'none'", new PublicUrlOptions().FrameAncestors);
        var simulator = new PublicUrlOptions { PayFrameAncestors = "http://localhost:5070 https://b.example.com/" };
        Assert.Empty(Validate(simulator));
        Assert.Equal("http://localhost:5070 https://b.example.com", simulator.FrameAncestors);
        Assert.Equal(
            ["Api:PayFrameAncestors must be space-separated http(s) origins like http://localhost:5070; '*' is not one.",
             "Api:PayFrameAncestors must be space-separated http(s) origins like http://localhost:5070; 'https://a.example.com/pay' is not one."],
            Validate(new PublicUrlOptions { PayFrameAncestors = "* https://a.example.com/pay" }));
    }

    [Fact]
    public async Task The_API_refuses_to_start_with_a_bad_product_and_says_which_setting()
    {
        var (exitCode, output) = await ServiceProcess.RunToCompletionAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = "127.0.0.1:1",
            ["ConnectionStrings__wechatdb"] = "Host=127.0.0.1;Port=1",
            ["Billing__Products__0__PriceFen"] = "0",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Billing:Products:0:PriceFen must be between 1 and 100000000", output, StringComparison.Ordinal);
    }

    private static List<string> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }
}
