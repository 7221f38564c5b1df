var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWeChatRedis();
builder.AddWeChatDatabase();
builder.AddWeChatWebhook();
builder.AddWeChatMenu();
builder.AddHttpApi();
builder.AddAdmin();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWeChatWebhook();
app.MapHttpApi().MapStatsEndpoints().MapAdminEndpoints().MapKeywordEndpoints().MapMenuEndpoints();

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
