if (WeChatAi.Api.Operators.AdminPasswordCommand.TryRun(args)) return; // prints a console user's password hash instead of starting

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatRedis();
builder.AddWeChatDatabase();
builder.AddAccountSettings();
builder.AddWeChatWebhook();
builder.AddWeChatMenu();
builder.AddHttpApi();
builder.AddApiContract();
builder.AddAdmin();
builder.AddDeadLetters();
builder.AddOperators();
builder.AddPurchase();
builder.AddPayments();
builder.AddOverview();
builder.AddConversations();
builder.AddKnowledge();
builder.AddHandoff();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWeChatWebhook();
app.MapPurchasePage();
var api = app.MapHttpApi();
var admin = api.MapAdminApi(); // /api/admin, behind Admin:ApiKey: every operator endpoint is mapped on it
api.MapStatsEndpoints(admin).MapPurchaseApi().MapPayments();
admin.MapDeadLetterEndpoints().MapOperatorEndpoints().MapAuditEndpoints().MapKeywordEndpoints().MapMenuEndpoints()
    .MapOverviewEndpoints().MapConversationEndpoints().MapOrderEndpoints().MapSettingsEndpoints()
    .MapKnowledgeEndpoints().MapMissedQuestionEndpoints().MapHandoffEndpoints();
app.MapApiContract(); // /openapi/v1.json (the admin key outside Development), Scalar's page in Development

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
