if (AdminPasswordCommand.TryRun(args)) return; // prints a console user's password hash instead of starting

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatRedis();
builder.AddWeChatDatabase();
builder.AddAccountSettings();
builder.AddWeChatWebhook();
builder.AddWeChatMenu();
builder.AddHttpApi();
builder.AddAdmin();
builder.AddPurchase();
builder.AddPayments();
builder.AddOverview();
builder.AddConversations();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWeChatWebhook();
app.MapPurchasePage();
app.MapHttpApi().MapStatsEndpoints().MapAdminEndpoints().MapAuditEndpoints().MapKeywordEndpoints().MapMenuEndpoints().MapPurchaseApi().MapPayments()
    .MapOverviewEndpoints().MapConversationEndpoints().MapOrderAdminEndpoints().MapSettingsEndpoints();

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
